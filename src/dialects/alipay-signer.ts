// The keys behind Alipay signatures, resolved once at start: paymock's test "Alipay" key (signs
// every reply paymock makes or adapts), merchants' MD5 keys (legacy MD5 replies and requests)
// and merchants' public keys (request verification). Bad keys fail at start, naming the field.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { PaymockError } from '../core/errors.js';
import { toPrivateKey, toPublicKey } from './signing.js';

export interface AlipaySigner {
  /** Private half of paymock's test Alipay key pair (`paymock keys`). */
  readonly alipayKey: KeyObject;
  readonly resignAlways: boolean;
  readonly verifyRequests: boolean;
  md5Key(partner: string): string | undefined;
  /** A merchant's public key: a legacy partner's RSA key, or an OpenAPI app's key. */
  merchantKey(merchant: string): KeyObject | undefined;
  /** A merchant's own private key, when configured: the notify relay re-signs its requests with it. */
  merchantPrivateKey(merchant: string): KeyObject | undefined;
}

function publicKey(text: string, field: string): KeyObject {
  try {
    return toPublicKey(text);
  } catch (error) {
    throw new PaymockError('CONFIG_INVALID', `invalid config: ${field}: ${(error as Error).message}`, { cause: error });
  }
}

/** A private key given as PEM or base64, or as the path of a file holding one (sandbox keys are test keys). */
function privateKey(option: string, field: string): KeyObject {
  try {
    const text = !option.includes('-----BEGIN') && existsSync(option) ? readFileSync(option, 'utf8') : option;
    return toPrivateKey(text);
  } catch (error) {
    throw new PaymockError('CONFIG_INVALID', `invalid config: ${field}: ${(error as Error).message}`, { cause: error });
  }
}

/** MD5 keys may also come from the environment: PAYMOCK_MD5_KEY_<partner>, then PAYMOCK_MD5_KEY. */
export function createSigner(config: Config['alipay'], alipayKey: KeyObject, env: NodeJS.ProcessEnv = process.env): AlipaySigner {
  const merchants = new Map<string, KeyObject>();
  const privateKeys = new Map<string, KeyObject>();
  const configured = [
    ...Object.entries(config.partners).map(([id, keys]) => ({ id, keys, field: `alipay.partners.${id}` })),
    ...Object.entries(config.apps).map(([id, keys]) => ({ id, keys, field: `alipay.apps.${id}` })),
  ];
  for (const { id, keys, field } of configured) {
    const own = keys.privateKey ? privateKey(keys.privateKey, `${field}.privateKey`) : undefined;
    if (own) privateKeys.set(id, own);
    // Without a public key, the private key's own public half checks the merchant's requests.
    if (keys.publicKey) merchants.set(id, publicKey(keys.publicKey, `${field}.publicKey`));
    else if (own) merchants.set(id, createPublicKey(own));
  }
  // process.env is read once: every lookup is a getenv call, and this one sits on the request path.
  // The config's keys win over the environment's, so they are set after it.
  const md5Keys = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    const partner = /^PAYMOCK_MD5_KEY_(\d+)$/.exec(name)?.[1];
    if (partner && value) md5Keys.set(partner, value);
  }
  for (const [partner, keys] of Object.entries(config.partners)) if (keys.md5Key) md5Keys.set(partner, keys.md5Key);
  const fallbackMd5 = env.PAYMOCK_MD5_KEY || undefined;
  return {
    alipayKey,
    resignAlways: config.resign === 'always',
    verifyRequests: config.verifyRequests,
    md5Key: (partner) => md5Keys.get(partner) ?? fallbackMd5,
    merchantKey: (merchant) => merchants.get(merchant),
    merchantPrivateKey: (merchant) => privateKeys.get(merchant),
  };
}
