// Alipay signatures: the exact strings each gateway signs, and MD5/RSA over them (alipay.md §2, §3.1,
// §4, §5.3, §7). Pure functions over node:crypto; charset bytes come from core/body (iconv-lite's owner).
import { createHash, createPrivateKey, createPublicKey, createSign, createVerify, hash, sign as signWith, type KeyObject } from 'node:crypto';
import { encodeText, isAsciiIn, isKnownCharset } from '../core/body.js';
import { PaymockError } from '../core/errors.js';
import { sortedKeys } from '../core/sorted-keys.js';

export type RsaAlgorithm = 'RSA' | 'RSA2';

export interface SignContentOptions {
  readonly exclude: readonly string[];
  readonly dropEmpty: boolean;
}

/**
 * `k=v&k=v` over raw, un-URL-encoded values, keys in ascending code-unit order: what both the Java
 * SDK (`Collections.sort`) and alipay-sdk (`Array#sort`) do; for the ASCII keys Alipay uses this is
 * byte order, so `_input_charset` sorts first. Never `localeCompare`: it ignores `_`.
 */
export function signContent(params: Record<string, string>, options: SignContentOptions): string {
  // Keys in UTF-16 code-unit order, as Array#sort without a comparator gives them (sortedKeys).
  // One pass builds the text.
  let content = '';
  for (const key of sortedKeys(params)) {
    const value = params[key]!;
    if ((options.dropEmpty && value === '') || options.exclude.includes(key)) continue;
    content += content === '' ? `${key}=${value}` : `&${key}=${value}`;
  }
  return content;
}

/** Legacy mapi requests: sign and sign_type are not signed, empty values are dropped (§2.1). */
export function mapiRequestSignContent(params: Record<string, string>): string {
  return signContent(params, { exclude: ['sign', 'sign_type'], dropEmpty: true });
}

/** Legacy mapi responses sign only the children of <response><alipay>, by the request rule (§2.3). */
export function mapiResponseSignContent(children: Record<string, string>): string {
  return signContent(children, { exclude: ['sign', 'sign_type'], dropEmpty: true });
}

/**
 * OpenAPI v2 requests: only `sign` is left out, `sign_type` is signed (§3.1). Empty values stay in as
 * `k=`: alipay-sdk signs whatever it sends, empties included, while the official SDKs never send an
 * empty parameter at all, so keeping them verifies both.
 */
export function openapiRequestSignContent(params: Record<string, string>): string {
  return signContent(params, { exclude: ['sign'], dropEmpty: false });
}

/**
 * Async notifications, legacy and v2 alike (rsaCheckV1, §7): sign and sign_type left out, empties
 * dropped. alipay-sdk's checkNotifySign keeps empty values as `k=`, so a notify paymock sends must
 * carry no empty field; it also retries without sign_type, so this content satisfies it.
 */
export function notifySignContent(params: Record<string, string>): string {
  return signContent(params, { exclude: ['sign', 'sign_type'], dropEmpty: true });
}

/**
 * The text a v2 response signature covers: the value of `responseKey` exactly as sent, from its `{`
 * to the matching `}` (§4). Scanned with string awareness instead of alipay-sdk's index arithmetic,
 * which breaks on short signatures. Undefined when the key or a balanced object is missing.
 */
export function openapiResponseSignContent(body: string, responseKey: string): string | undefined {
  const marker = new RegExp(`"${responseKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:\\s*\\{`).exec(body);
  if (!marker) return undefined;
  const start = marker.index + marker[0].length - 1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < body.length; i += 1) {
    const char = body[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth += 1;
    else if (char === '}') {
      depth -= 1;
      if (depth === 0) return body.slice(start, i + 1);
    }
  }
  return undefined;
}

export interface V3RequestSignInput {
  readonly authString: string;
  readonly method: string;
  readonly pathAndQuery: string;
  readonly body: string;
  readonly appAuthToken?: string;
}

/** v3 request: `authString\nMETHOD\npath?query\nbody\n`, plus `appAuthToken\n` when sent (§5.3). */
export function v3RequestSignContent(input: V3RequestSignInput): string {
  const base = `${input.authString}\n${input.method.toUpperCase()}\n${input.pathAndQuery}\n${input.body}\n`;
  return input.appAuthToken ? `${base}${input.appAuthToken}\n` : base;
}

/** v3 response: `alipay-timestamp\nalipay-nonce\nraw body\n`, error responses included (§5.3, E4). */
export function v3ResponseSignContent(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export interface V3Authorization {
  readonly scheme: string;
  readonly appId: string;
  readonly nonce: string;
  readonly timestamp: string;
  readonly sign: string;
  /** Everything between the scheme and `,sign=`: the first line of the signed content. */
  readonly authString: string;
}

/** `ALIPAY-SHA256withRSA app_id=..,[app_cert_sn=..,]nonce=..,timestamp=..[,extra],sign=<b64>`. */
export function parseV3Authorization(header: string): V3Authorization | undefined {
  const match = /^\s*(\S+)\s+(.*)$/s.exec(header);
  if (!match) return undefined;
  const [, scheme = '', rest = ''] = match;
  // sign is always last and base64 has no comma, so the last `,sign=` is the split point.
  const at = rest.lastIndexOf(',sign=');
  if (at < 0) return undefined;
  const authString = rest.slice(0, at);
  const sign = rest.slice(at + ',sign='.length).trim();
  const fields = new Map<string, string>();
  for (const pair of authString.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && !fields.has(pair.slice(0, eq))) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const appId = fields.get('app_id');
  const nonce = fields.get('nonce');
  const timestamp = fields.get('timestamp');
  if (!appId || !nonce || !timestamp || !sign) return undefined;
  return { scheme, appId, nonce, timestamp, sign, authString };
}

function charsetBytes(text: string, charset: string): Buffer {
  // The charset usually comes from the request (`_input_charset`, `charset`), so an unknown one is the caller's error.
  if (!isKnownCharset(charset)) throw new PaymockError('BAD_REQUEST', `cannot sign in unknown charset "${charset}"`);
  return encodeText(text, charset);
}

/** Legacy MD5: the key is appended with no separator, hashed as bytes in the request charset (§2.1, §2.2). */
export function md5Sign(content: string, key: string, charset: string): string {
  const text = content + key;
  // Plain ASCII is the same bytes in UTF-8, GBK and the rest: hashed as is, without an encoded copy.
  if (isAsciiIn(text, charset)) return hash('md5', text, 'hex');
  return createHash('md5').update(charsetBytes(text, charset)).digest('hex');
}

const DIGEST: Record<RsaAlgorithm, string> = { RSA: 'RSA-SHA1', RSA2: 'RSA-SHA256' };

/** SHA1withRSA (RSA) or SHA256withRSA (RSA2), PKCS#1 v1.5 padding, base64. */
/** Signatures already made, per key: an RSA-2048 signature costs ~0.4 ms, a lookup ~nothing. */
const SIGNED_KEPT = 10_000;
const signed = new WeakMap<KeyObject, Map<string, string>>();

/**
 * RSA/RSA2 over `content` in `charset`. RSA PKCS#1 v1.5 signatures are deterministic, so a text
 * signed before (a polled query, a replayed reply) reuses its signature: the answer is the same.
 */
export function rsaSign(content: string, privateKey: KeyObject | string, algorithm: RsaAlgorithm, charset = 'utf-8'): string {
  const key = typeof privateKey === 'string' ? toPrivateKey(privateKey) : privateKey;
  let cache = signed.get(key);
  if (!cache) signed.set(key, (cache = new Map()));
  const id = `${algorithm}\u0000${charset}\u0000${content}`;
  const known = cache.get(id);
  if (known !== undefined) return known;
  if (wanted) {
    // A rehearsal (see signedOffThread): note what to sign; the text made with '' is discarded.
    wanted.push({ id, cache, content, key, algorithm, charset });
    return '';
  }
  const signature = rsaSignNow(content, key, algorithm, charset);
  remember(cache, id, signature);
  return signature;
}

function remember(cache: Map<string, string>, id: string, signature: string): void {
  cache.set(id, signature);
  if (cache.size > SIGNED_KEPT) cache.delete(cache.keys().next().value!);
}

interface Wanted {
  readonly id: string;
  readonly cache: Map<string, string>;
  readonly content: string;
  readonly key: KeyObject;
  readonly algorithm: RsaAlgorithm;
  readonly charset: string;
}

/** Set while `signedOffThread` rehearses: the signatures its `make` asked for and nobody has made. */
let wanted: Wanted[] | undefined;

/** One signature on libuv's thread pool (crypto.sign with a callback), into the cache. */
function signInPool({ id, cache, content, key, algorithm, charset }: Wanted): Promise<void> {
  // A failure (a charset, a key) is left to the real run that follows, which reports it in its own words.
  return new Promise((resolve) => {
    try {
      signWith(DIGEST[algorithm], charsetBytes(content, charset), key, (error, signature) => {
        if (!error) remember(cache, id, signature.toString('base64'));
        resolve();
      });
    } catch {
      resolve();
    }
  });
}

/**
 * `make()`'s result, with any RSA signature it needs that was not made before computed on libuv's
 * thread pool instead of the event loop. An RSA-2048 signature is ~0.3 ms of CPU: made inline, it
 * holds every other connection for that long while a second core sits idle. `make` first runs as a
 * rehearsal in which such signatures are only noted; if there were none (a cached signature, MD5,
 * nothing signed) its result is the answer, synchronously. Otherwise the result is thrown away and
 * `make` runs again once the signatures are in the cache. So `make` must have no side effects; a
 * text that comes out differently the second time (a fresh nonce) is simply signed inline.
 */
export function signedOffThread<T>(make: () => T): T | Promise<T> {
  if (wanted) return make(); // inside another rehearsal: that one collects
  const noted: Wanted[] = [];
  let result: T | undefined;
  let failure: { error: unknown } | undefined;
  wanted = noted;
  try {
    result = make();
  } catch (error) {
    failure = { error };
  } finally {
    wanted = undefined;
  }
  if (noted.length === 0) {
    if (failure) throw failure.error;
    return result as T;
  }
  // The rehearsal had blanks where signatures go: a failure there shows again in the real run.
  return Promise.all(noted.map(signInPool)).then(make);
}

function rsaSignNow(content: string, key: KeyObject, algorithm: RsaAlgorithm, charset: string): string {
  const bytes = charsetBytes(content, charset);
  try {
    return createSign(DIGEST[algorithm]).update(bytes).sign(key, 'base64');
  } catch (error) {
    throw new PaymockError('CONFIG_INVALID', `cannot ${algorithm}-sign with the configured key: ${(error as Error).message}`, { cause: error });
  }
}

/** False, never a throw, for a malformed signature, key or charset: a bad signature is data, not a fault. */
export function rsaVerify(
  content: string,
  signature: string,
  publicKey: KeyObject | string,
  algorithm: RsaAlgorithm,
  charset = 'utf-8',
): boolean {
  try {
    const key = typeof publicKey === 'string' ? toPublicKey(publicKey) : publicKey;
    return createVerify(DIGEST[algorithm]).update(charsetBytes(content, charset)).verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Re-wrap at 64 columns: keys pasted from env vars arrive on one line or with literal `\n`. */
function normalizePem(text: string): string | undefined {
  const match = PEM.exec(text.replace(/\\n/g, '\n'));
  if (!match) return undefined;
  const body = (match[2] ?? '').replace(/\s+/g, '');
  return `-----BEGIN ${match[1]}-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${match[1]}-----\n`;
}

function bareDer(text: string, what: string): Buffer {
  const compact = text.replace(/\\n/g, '').replace(/\s+/g, '');
  if (!compact || !BASE64.test(compact)) {
    throw new PaymockError('CONFIG_INVALID', `${what} is neither PEM nor base64 DER (starts "${text.trim().slice(0, 16)}…")`);
  }
  return Buffer.from(compact, 'base64');
}

function firstParsed(attempts: Array<() => KeyObject>, what: string, hint: string): KeyObject {
  let last: unknown;
  for (const attempt of attempts) {
    try {
      const key = attempt();
      if (key.asymmetricKeyType !== 'rsa') throw new Error(`a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, Alipay keys are RSA`);
      return key;
    } catch (error) {
      last = error;
    }
  }
  throw new PaymockError('CONFIG_INVALID', `${what} could not be read (${hint}): ${(last as Error).message}`, { cause: last });
}

/** PEM (SPKI, PKCS#1 or a certificate), or bare base64 SPKI: what alipay-sdk wraps as `PUBLIC KEY`. */
export function toPublicKey(text: string): KeyObject {
  const pem = normalizePem(text);
  // createPublicKey would quietly derive a public key from a private one: refuse, it is a config slip.
  if (pem?.includes('PRIVATE KEY')) throw new PaymockError('CONFIG_INVALID', 'expected an Alipay public key, got a private key');
  if (pem) return firstParsed([() => createPublicKey(pem)], 'public key', 'PEM');
  const der = bareDer(text, 'public key');
  return firstParsed([() => createPublicKey({ key: der, format: 'der', type: 'spki' })], 'public key', 'bare base64 is read as SPKI');
}

/** PEM (PKCS#1 or PKCS#8), or bare base64: PKCS#1 as alipay-sdk assumes by default, else PKCS#8. */
export function toPrivateKey(text: string): KeyObject {
  const pem = normalizePem(text);
  if (pem) return firstParsed([() => createPrivateKey(pem)], 'private key', 'PEM');
  const der = bareDer(text, 'private key');
  return firstParsed(
    [
      () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
      () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    ],
    'private key',
    'bare base64 is read as PKCS#1, then PKCS#8',
  );
}
