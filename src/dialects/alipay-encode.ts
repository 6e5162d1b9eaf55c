// Putting a business reply on the wire exactly as each Alipay gateway does (../shared/alipay.md
// §1.5, §3.2, §4, §5.3), signed with the right key, in the request's charset.
import { randomUUID } from 'node:crypto';
import { encodeText } from '../core/body.js';
import { sortedKeys } from '../core/sorted-keys.js';
import type { Call, HttpResponse } from '../core/types.js';
import type { AlipaySigner } from './alipay-signer.js';
import { mapiResponseSignContent, md5Sign, rsaSign, v3ResponseSignContent } from './signing.js';

const XML_SPECIAL = /[&<>"]/;

/** Most values have nothing to escape: one test, not four replacements. */
export const xmlEscape = (value: string): string =>
  XML_SPECIAL.test(value) ? value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;') : value;

function response(status: number, headers: Array<[string, string]>, text: string, charset: string): HttpResponse {
  const bytes = encodeText(text, charset);
  return { status, headers: [...headers, ['Content-Length', String(bytes.length)]], body: { bytes, charset, text } };
}

function mapiXml(charset: string, inner: string): string {
  return `<?xml version="1.0" encoding="${charset}"?>\n<alipay>${inner}</alipay>`;
}

/** A gateway-level rejection: no request echo, no response, no signature (alipay.md §1.5). */
export function encodeMapiGatewayError(call: Call, error: string): HttpResponse {
  const charset = call.charset ?? 'GBK';
  const text = mapiXml(charset, `<is_success>F</is_success><error>${xmlEscape(error)}</error>`);
  return response(200, [['Content-Type', `text/xml; charset=${charset}`]], text, charset);
}

/**
 * `<is_success>T`, the request echo, the business fields (alphabetical, as in every capture) and
 * the signature over them: MD5 with the partner's key, or RSA/RSA2 with paymock's test key.
 * Undefined `warning` means it was signed; otherwise it went out unsigned and says why.
 */
export function encodeMapi(call: Call, business: Record<string, string>, signer: AlipaySigner): { response: HttpResponse; warning?: string } {
  const charset = call.charset ?? 'GBK';
  let echo = '';
  for (const name in call.params) echo += `<param name="${xmlEscape(name)}">${xmlEscape(call.params[name]!)}</param>`;
  let fields = '';
  for (const name of sortedKeys(business)) fields += `<${name}>${xmlEscape(business[name]!)}</${name}>`;
  const signType = (call.params.sign_type ?? 'MD5').toUpperCase();
  const content = mapiResponseSignContent(business);
  let sign: string | undefined;
  let warning: string | undefined;
  if (signType === 'MD5') {
    const key = signer.md5Key(call.params.partner ?? '');
    if (key) sign = md5Sign(content, key, charset);
    else warning = `reply to ${call.api} is NOT signed: no MD5 key for partner ${call.params.partner ?? '(none)'} (set alipay.partners["<partner>"].md5Key or PAYMOCK_MD5_KEY)`;
  } else {
    sign = rsaSign(content, signer.alipayKey, signType === 'RSA' ? 'RSA' : 'RSA2', charset);
  }
  const signature = sign === undefined ? '' : `<sign>${sign}</sign><sign_type>${signType}</sign_type>`;
  const text = mapiXml(charset, `<is_success>T</is_success><request>${echo}</request><response><alipay>${fields}</alipay></response>${signature}`);
  return { response: response(200, [['Content-Type', `text/xml; charset=${charset}`]], text, charset), ...(warning ? { warning } : {}) };
}

/** `{"<method>_response":<node>,"sign":"..."}`: the node serialised once, those bytes signed. */
export function encodeOpenapi(call: Call, node: Record<string, unknown>, signer: AlipaySigner, responseKey?: string): HttpResponse {
  const key = responseKey ?? `${call.api.replaceAll('.', '_')}_response`;
  const nodeText = JSON.stringify(node);
  const sign = rsaSign(nodeText, signer.alipayKey, call.params.sign_type === 'RSA' ? 'RSA' : 'RSA2');
  // The v2 gateway labels its JSON text/html (UNCONFIRMED in alipay.md; SDKs read the body as text).
  return response(200, [['Content-Type', 'text/html;charset=utf-8']], `{"${key}":${nodeText},"sign":"${sign}"}`, 'utf-8');
}

export interface V3Stamp {
  readonly timestamp: string;
  readonly nonce: string;
  readonly traceId: string;
}

/** The per-reply values of a v3 answer, new each time. */
export const newV3Stamp = (): V3Stamp => ({ timestamp: String(Date.now()), nonce: randomUUID(), traceId: randomUUID().replaceAll('-', '') });

/**
 * A v3 JSON reply with `alipay-timestamp`, `alipay-nonce` and `alipay-signature`, also on 4xx. The
 * stamp is passed in so that encoding the same reply twice gives the same bytes (signedOffThread).
 */
export function encodeV3(status: number, body: unknown, signer: AlipaySigner, stamp: V3Stamp = newV3Stamp()): HttpResponse {
  const text = JSON.stringify(body);
  const { timestamp, nonce } = stamp;
  const signature = rsaSign(v3ResponseSignContent(timestamp, nonce, text), signer.alipayKey, 'RSA2');
  return response(
    status,
    [
      ['Content-Type', 'application/json;charset=UTF-8'],
      ['alipay-trace-id', stamp.traceId],
      ['alipay-timestamp', timestamp],
      ['alipay-nonce', nonce],
      ['alipay-signature', signature],
    ],
    text,
    'utf-8',
  );
}
