// Alipay signatures from the bench's side, written from ../shared/alipay.md rather than taken
// from paymock, so a wrong signature in paymock cannot pass for a right one here.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import iconv from 'iconv-lite';

/** §2.1: every param but sign and sign_type, empty ones dropped, sorted, `k=v` joined with `&`. */
export function legacySignContent(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== 'sign' && name !== 'sign_type' && params[name] !== '')
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&');
}

/** §2.1 step 4: the MD5 key appended, hashed as bytes in the request's charset, lower-case hex. */
export function md5Sign(params: Readonly<Record<string, string>>, key: string, charset: string): string {
  return createHash('md5').update(iconv.encode(legacySignContent(params) + key, charset)).digest('hex');
}

const unescapeXml = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** §1.5 and §2.3: the children of <response><alipay>, and the root's <sign> and <sign_type>. */
export function legacyReply(xml: string): { fields: Record<string, string>; sign?: string; signType?: string; isSuccess?: string } {
  const inner = /<response><alipay>([\s\S]*)<\/alipay><\/response>/.exec(xml)?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const [, name, value] of inner.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) fields[name!] = unescapeXml(value!);
  const signature = /<\/response><sign>([^<]*)<\/sign><sign_type>([^<]*)<\/sign_type>/.exec(xml);
  const isSuccess = /<alipay><is_success>([^<]*)<\/is_success>/.exec(xml)?.[1];
  return { fields, sign: signature?.[1], signType: signature?.[2], isSuccess };
}

/** Problems with a legacy MD5-signed reply (GBK or UTF-8 bytes); empty when it is right. */
export function checkLegacyMd5Reply(body: Buffer, key: string, charset: string): string[] {
  const reply = legacyReply(iconv.decode(body, charset));
  const problems: string[] = [];
  if (reply.isSuccess !== 'T') problems.push(`is_success is ${reply.isSuccess ?? '(absent)'}, expected T`);
  if (reply.fields.result_code !== 'SUCCESS') problems.push(`result_code is ${reply.fields.result_code ?? '(absent)'}, expected SUCCESS`);
  if (reply.signType !== 'MD5') problems.push(`sign_type is ${reply.signType ?? '(absent)'}, expected MD5`);
  const expected = md5Sign(reply.fields, key, charset);
  if (reply.sign !== expected) problems.push(`sign is ${reply.sign ?? '(absent)'}, expected ${expected} (MD5 over the <response><alipay> children)`);
  return problems;
}

/** §4: the v2 node's raw text, between `"<key>":` and `,"sign":"`. */
export function openapiReply(text: string, responseKey: string): { node: string; sign: string } | undefined {
  const start = text.indexOf(`"${responseKey}":`);
  const end = text.lastIndexOf(',"sign":"');
  if (start < 0 || end < 0) return undefined;
  return { node: text.slice(start + responseKey.length + 3, end), sign: text.slice(end + 9, text.lastIndexOf('"')) };
}

/** Problems with a v2 RSA2 reply signed by `publicKey`; empty when it is right (code 10000). */
export function checkOpenapiReply(body: Buffer, responseKey: string, publicKey: KeyObject): string[] {
  const reply = openapiReply(body.toString('utf8'), responseKey);
  if (!reply) return [`no "${responseKey}" node and "sign" in the answer`];
  const problems: string[] = [];
  const code = (JSON.parse(reply.node) as { code?: string }).code;
  if (code !== '10000') problems.push(`code is ${code ?? '(absent)'}, expected 10000`);
  if (!verify('sha256', Buffer.from(reply.node), publicKey, Buffer.from(reply.sign, 'base64'))) problems.push('the RSA2 signature does not verify with paymock\'s test public key');
  return problems;
}

export function publicKeyOf(privatePem: string): KeyObject {
  return createPublicKey(privatePem);
}
