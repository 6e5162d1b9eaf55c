// paymock's own stand-in for Alipay's RSA key pair. Responses and notifications that paymock makes
// up (mock mode, re-signed replays) are signed with it, so a client under test must be configured
// with its public key instead of Alipay's. Created once per directory and reused, so that
// configuration survives restarts. It is a TEST key: the private half sits unencrypted on disk.
import { createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PaymockError } from '../core/errors.js';
import { toPrivateKey } from '../dialects/signing.js';

const generate = promisify(generateKeyPair);

export const ALIPAY_TEST_KEY_FILE = 'alipay-test-key.pem';

export interface AlipayTestKey {
  readonly privateKey: KeyObject;
  /** SPKI PEM, for clients that take PEM (alipay-sdk accepts both). */
  readonly publicKeyPem: string;
  /** The SPKI DER as one base64 line: the form Alipay's console shows and every SDK accepts. */
  readonly publicKeyBase64: string;
  readonly file: string;
  /** True when this call generated the key, false when it loaded an existing one. */
  readonly created: boolean;
}

function describeKey(privateKey: KeyObject, file: string, created: boolean): AlipayTestKey {
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const publicKeyBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { privateKey, publicKeyPem, publicKeyBase64, file, created };
}

async function readKey(file: string): Promise<KeyObject | undefined> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PaymockError('CONFIG_INVALID', `cannot read the Alipay test key ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return toPrivateKey(pem);
  } catch (error) {
    throw new PaymockError(
      'CONFIG_INVALID',
      `${file} is not a readable RSA private key; delete it and paymock will create a new one (${(error as Error).message})`,
      { cause: error },
    );
  }
}

/**
 * Publish `pem` at `file` only if nobody else has: write a private temp file, then hard-link it
 * into place. link() is atomic and fails with EEXIST when another process won the race, and unlike
 * rename() it never replaces a key a client may already have been configured with.
 */
async function publishOnce(file: string, pem: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  // mode applies only when the file is new and is masked by the umask, hence the explicit chmod.
  await writeFile(temp, pem, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(temp, 0o600);
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new PaymockError('CONFIG_INVALID', `cannot create the Alipay test key ${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    await unlink(temp).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

/** Load `<dir>/alipay-test-key.pem`, or create it (RSA-2048, PKCS#8 PEM, mode 0600) if absent. */
export async function loadOrCreateAlipayTestKey(dir: string): Promise<AlipayTestKey> {
  const file = path.resolve(dir, ALIPAY_TEST_KEY_FILE);
  const existing = await readKey(file);
  if (existing) return describeKey(existing, file, false);

  await mkdir(path.dirname(file), { recursive: true });
  const { privateKey } = await generate('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  if (await publishOnce(file, pem)) return describeKey(privateKey, file, true);

  // Another process published first: use its key, so every process signs with the same one.
  const winner = await readKey(file);
  if (!winner) throw new PaymockError('CONFIG_INVALID', `the Alipay test key ${file} vanished while it was being created`);
  return describeKey(winner, file, false);
}
