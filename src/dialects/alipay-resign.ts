// Fitting a recorded Alipay reply to a live request: the merchant ids in it are swapped for the
// live ones, then the reply is signed again as the gateway would. Edits are made on the reply's
// own text, so every byte the edit does not touch stays as recorded (GBK stays GBK, field order
// and escapes stay as Alipay wrote them).
import { randomUUID } from 'node:crypto';
import { decodeText, encodeText } from '../core/body.js';
import { headerValue, replaceHeader } from '../core/headers.js';
import type { Call, HttpResponse } from '../core/types.js';
import { xmlEscape } from './alipay-encode.js';
import { merchantId } from './alipay-key.js';
import type { AlipaySigner } from './alipay-signer.js';
import { parseMapiReply } from './mapi-xml.js';
import { mapiResponseSignContent, md5Sign, openapiResponseSignContent, rsaSign, v3ResponseSignContent, type RsaAlgorithm } from './signing.js';

export interface Resigned {
  readonly response: HttpResponse;
  /** Set when the reply should have been signed and could not be: served anyway, loudly. */
  readonly warning?: string;
}

const SAME_IDS: ReadonlyMap<string, string> = new Map();

/**
 * Recorded id -> live id, for every merchant id whose value differs between the two calls. Replay
 * asks on every request, and usually nothing differs: then no map is made.
 */
export function idMapping(recorded: Readonly<Record<string, string>>, live: Call): ReadonlyMap<string, string> {
  let mapping: Map<string, string> | undefined;
  for (const field in recorded) {
    const old = recorded[field]!;
    const now = merchantId(live, field);
    if (now !== undefined && now !== old) (mapping ??= new Map()).set(old, now);
  }
  return mapping ?? SAME_IDS;
}

function replaceAll(text: string, pairs: Iterable<[string, string]>): string {
  let out = text;
  for (const [from, to] of pairs) out = out.split(from).join(to);
  return out;
}

function withText(response: HttpResponse, text: string, charset: string): HttpResponse {
  const bytes = encodeText(text, charset);
  const headers = headerValue(response.headers, 'content-length') === undefined ? response.headers : replaceHeader(response.headers, 'Content-Length', String(bytes.length));
  return { ...response, headers, body: { bytes, charset, text } };
}

function textOf(response: HttpResponse, fallback: string): { text: string; charset: string } {
  const charset = response.body.charset ?? fallback;
  return { text: response.body.text ?? decodeText(response.body.bytes, charset), charset };
}

/** Legacy XML: ids replaced as element text, the `<response><alipay>` children signed again. */
export function resignMapi(response: HttpResponse, call: Call, mapping: ReadonlyMap<string, string>, signer: AlipaySigner): Resigned {
  const { text: original, charset } = textOf(response, call.charset ?? 'GBK');
  const text = replaceAll(original, [...mapping].map(([from, to]): [string, string] => [`>${xmlEscape(from)}<`, `>${xmlEscape(to)}<`]));
  const reply = parseMapiReply(text);
  if (!reply.business || reply.sign === undefined) return { response: withText(response, text, charset) };
  const signType = (reply.signType ?? call.params.sign_type ?? 'MD5').toUpperCase();
  const content = mapiResponseSignContent(reply.business);
  let sign: string;
  if (signType === 'MD5') {
    const partner = call.params.partner ?? '';
    const key = signer.md5Key(partner);
    if (!key) {
      return {
        response: withText(response, text, charset),
        warning: `reply to ${call.api} was adapted but NOT re-signed: no MD5 key for partner ${partner} (set alipay.partners["${partner}"].md5Key or PAYMOCK_MD5_KEY)`,
      };
    }
    sign = md5Sign(content, key, charset);
  } else {
    sign = rsaSign(content, signer.alipayKey, signType === 'RSA' ? 'RSA' : 'RSA2', charset);
  }
  // The root-level <sign> is the last one; `<param name="sign">` in the request echo is not touched.
  const at = text.lastIndexOf('<sign>');
  const end = text.indexOf('</sign>', at);
  return { response: withText(response, `${text.slice(0, at)}<sign>${sign}${text.slice(end)}`, charset) };
}

/** v2 JSON: ids replaced as JSON strings inside the response node, the node text signed again. */
export function resignOpenapi(response: HttpResponse, call: Call, mapping: ReadonlyMap<string, string>, signer: AlipaySigner): Resigned {
  const { text, charset } = textOf(response, call.charset ?? 'utf-8');
  const responseKey = `${call.api.replaceAll('.', '_')}_response`;
  const node = openapiResponseSignContent(text, responseKey) ?? openapiResponseSignContent(text, 'error_response');
  if (node === undefined) return { response };
  const start = text.indexOf(node);
  const fresh = replaceAll(node, [...mapping].map(([from, to]): [string, string] => [JSON.stringify(from), JSON.stringify(to)]));
  const algorithm: RsaAlgorithm = call.params.sign_type === 'RSA' ? 'RSA' : 'RSA2';
  const rest = text.slice(start + node.length);
  const signField = /("sign"\s*:\s*")([^"]*)(")/;
  const signedRest = signField.test(rest) ? rest.replace(signField, `$1${rsaSign(fresh, signer.alipayKey, algorithm, charset)}$3`) : rest;
  return { response: withText(response, text.slice(0, start) + fresh + signedRest, charset) };
}

/** v3: ids replaced as JSON strings in the body; `alipay-signature` over `ts\nnonce\nbody\n`. */
export function resignV3(response: HttpResponse, _call: Call, mapping: ReadonlyMap<string, string>, signer: AlipaySigner): Resigned {
  const { text: original, charset } = textOf(response, 'utf-8');
  const text = replaceAll(original, [...mapping].map(([from, to]): [string, string] => [JSON.stringify(from), JSON.stringify(to)]));
  const timestamp = headerValue(response.headers, 'alipay-timestamp') ?? String(Date.now());
  const nonce = headerValue(response.headers, 'alipay-nonce') ?? randomUUID();
  const signature = rsaSign(v3ResponseSignContent(timestamp, nonce, text), signer.alipayKey, 'RSA2');
  const adapted = withText(response, text, charset);
  let headers = replaceHeader(adapted.headers, 'alipay-timestamp', timestamp);
  headers = replaceHeader(headers, 'alipay-nonce', nonce);
  headers = replaceHeader(headers, 'alipay-signature', signature);
  return { response: { ...adapted, headers } };
}
