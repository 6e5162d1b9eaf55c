// paymock's certificate authority: created once per install in `.paymock/` (or loaded from
// --ca-cert/--ca-key), and the leaf certificates it mints per host, cached in memory and on disk.
// Every leaf shares one key pair (as mitmproxy does), so minting is one signature, not a keygen.
import { createPrivateKey, createPublicKey, generateKeyPair, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { PaymockError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { lockHolder, processAlive } from '../core/pid-lock.js';
import { createCaCertificate, createLeafIssuer, type LeafIssuer } from './x509.js';

const generate = promisify(generateKeyPair);
/** A name no one can own (RFC 2606 `.invalid`), for the warm-up leaf. */
const WARM_UP_HOST = 'warm-up.paymock.invalid';
const RENEW_BEFORE_MS = 7 * 24 * 60 * 60 * 1000;
// A lock naming no pid (being written this instant, or left by an older paymock) expires.
const LOCK_STALE_MS = 60_000;

export interface AuthorityOptions {
  /** Where the generated CA, the shared leaf key and the leaf cache live. */
  readonly dir: string;
  /** An existing CA to use instead of the generated one (both or neither). */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly log: Logger;
}

export interface CertificateAuthority {
  readonly certPem: string;
  readonly certFile: string;
  /** A TLS context presenting a certificate for `host`, minted on first use. */
  contextFor(host: string): tls.SecureContext;
  /** Leaves minted (not loaded from cache) since start. */
  readonly minted: number;
  /** Resolves once every leaf minted so far is in the on-disk cache (written in the background). */
  settled(): Promise<void>;
}

interface PemPair {
  readonly publicKey: string;
  readonly privateKey: string;
}

async function rsaPair(): Promise<PemPair> {
  return generate('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** Secrets are written 0600 (and chmod-ed, since an existing umask or file may differ). */
async function writeSecret(file: string, pem: string): Promise<void> {
  await writeFile(file, pem, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** A lock whose holder is gone (killed while creating the CA), or that named none for a minute. */
async function abandoned(lock: string): Promise<boolean> {
  const holder = await lockHolder(lock);
  if (holder !== undefined) return !processAlive(holder);
  const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
  return age > LOCK_STALE_MS;
}

/**
 * One process creates the CA; others that start at the same time wait for its files. The lock
 * holds the creator's pid: a paymock killed mid-creation does not hold up the next one.
 */
async function withCreationLock(dir: string, create: () => Promise<void>, done: () => boolean): Promise<void> {
  const lock = path.join(dir, 'ca.lock');
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      try {
        if (!done()) await create();
      } finally {
        await rm(lock, { force: true });
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (done()) return;
      if (await abandoned(lock)) await rm(lock, { force: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new PaymockError('CONFIG_INVALID', `cannot read ${what} ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Runs the code of a first interception once, on a throwaway leaf that is never written or served:
 * cold, node-forge's certificate code and the first TLS context take about 20 ms, warm 2 to 4.
 */
function warmUp(issue: LeafIssuer, contextOf: (leafPem: string) => unknown, log: Logger): void {
  try {
    contextOf(issue(WARM_UP_HOST));
  } catch (error) {
    log.debug(`TLS warm-up: ${(error as Error).message}`);
  }
}

/**
 * While a new CA's two keys are generated (on libuv's thread pool, 0.1 to 0.5 s, the event loop
 * idle), the first key to arrive warms up the minting code with a CA of its own, never written.
 * A client that connects as soon as the CA certificate appears then finds that code warm.
 */
function warmUpWith(pair: PemPair, log: Logger): void {
  try {
    const caPem = createCaCertificate(pair.publicKey, pair.privateKey, { commonName: 'paymock warm-up' });
    const issue = createLeafIssuer(pair.publicKey, caPem, createPrivateKey(pair.privateKey));
    warmUp(issue, (leafPem) => tls.createSecureContext({ key: pair.privateKey, cert: `${leafPem}${caPem}` }), log);
  } catch (error) {
    log.debug(`TLS warm-up: ${(error as Error).message}`);
  }
}

/** A new CA key and leaf key; whichever comes first warms up the minting code meanwhile. */
async function newKeyPairs(log: Logger): Promise<[PemPair, PemPair]> {
  let warmed = false;
  const first = (pair: PemPair) => {
    if (!warmed) {
      warmed = true;
      warmUpWith(pair, log);
    }
    return pair;
  };
  return Promise.all([rsaPair().then(first), rsaPair().then(first)]);
}

export async function loadAuthority(options: AuthorityOptions): Promise<CertificateAuthority> {
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certFile = path.resolve(options.certFile ?? path.join(dir, 'ca.pem'));
  const keyFile = path.resolve(options.keyFile ?? path.join(dir, 'ca-key.pem'));
  const leafKeyFile = path.join(dir, 'leaf-key.pem');

  let created = false;
  if (!options.certFile) {
    await withCreationLock(
      dir,
      async () => {
        const [ca, leaf] = await newKeyPairs(options.log);
        created = true;
        await writeSecret(keyFile, ca.privateKey);
        await writeSecret(leafKeyFile, leaf.privateKey);
        // The certificate last: its presence is what tells other processes the CA is complete.
        const cert = createCaCertificate(ca.publicKey, ca.privateKey, { commonName: 'paymock local CA' });
        await writeFile(`${certFile}.tmp`, cert, { mode: 0o644 });
        renameSync(`${certFile}.tmp`, certFile);
        options.log.info(`created a CA for HTTPS interception: ${certFile} (run "paymock ca" to see how to trust it)`);
      },
      () => existsSync(certFile) && existsSync(keyFile),
    );
  }
  if (!existsSync(leafKeyFile)) {
    await withCreationLock(dir, async () => writeSecret(leafKeyFile, (await rsaPair()).privateKey), () => existsSync(leafKeyFile));
  }

  const certPem = await readPem(certFile, 'CA certificate');
  const caKey: KeyObject = createPrivateKey(await readPem(keyFile, 'CA key'));
  let caCert: X509Certificate;
  try {
    caCert = new X509Certificate(certPem);
  } catch (error) {
    throw new PaymockError('CONFIG_INVALID', `CA certificate ${certFile} is not a PEM certificate: ${(error as Error).message}`, { cause: error });
  }
  if (!caCert.checkPrivateKey(caKey)) {
    throw new PaymockError('CONFIG_INVALID', `CA key ${keyFile} does not belong to CA certificate ${certFile}`);
  }
  if (((await stat(keyFile)).mode & 0o077) !== 0) options.log.warn(`CA key ${keyFile} is readable by other users: chmod 600 it`);

  const leafKeyPem = await readPem(leafKeyFile, 'leaf key');
  const leafSpki = createPublicKey(leafKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  const cacheDir = path.join(dir, 'certs', caCert.fingerprint256.replaceAll(':', '').slice(0, 16).toLowerCase());
  mkdirSync(cacheDir, { recursive: true });

  const contexts = new Map<string, tls.SecureContext>();
  let minted = 0;
  /** Leaf files being written: the cache is for the next start, so no handshake waits for the disk. */
  const writing = new Set<Promise<void>>();

  const cachedLeaf = (file: string): string | undefined => {
    if (!existsSync(file)) return undefined;
    const pem = readFileSync(file, 'utf8');
    const leaf = new X509Certificate(pem);
    const fresh = Date.parse(leaf.validTo) - Date.now() > RENEW_BEFORE_MS;
    return fresh && leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey) ? pem : undefined;
  };

  const keep = (file: string, pem: string) => {
    const tmp = `${file}.${process.pid}.tmp`;
    const written = writeFile(tmp, pem)
      .then(() => rename(tmp, file))
      .catch((error: Error) => options.log.warn(`could not cache the certificate in ${file}: ${error.message}`))
      .finally(() => writing.delete(written));
    writing.add(written);
  };

  const issue = createLeafIssuer(leafSpki, certPem, caKey);
  const contextOf = (leafPem: string) => tls.createSecureContext({ key: leafKeyPem, cert: `${leafPem}${certPem}` });

  // Loaded from disk, nothing has run the minting code yet: warm it up right after loading, so the
  // first intercepted host does not wait for that. A new CA was warmed up while its keys were made.
  if (!created) setImmediate(() => warmUp(issue, contextOf, options.log)).unref();

  return {
    certPem,
    certFile,
    get minted() {
      return minted;
    },
    async settled() {
      while (writing.size > 0) await Promise.all(writing);
    },
    contextFor(host) {
      const known = contexts.get(host);
      if (known) return known;
      const file = path.join(cacheDir, `${host.replace(/[^\w.-]/g, '_')}.pem`);
      let cert = cachedLeaf(file);
      if (!cert) {
        cert = issue(host);
        minted++;
        keep(file, cert);
      }
      const context = contextOf(cert);
      contexts.set(host, context);
      return context;
    },
  };
}
