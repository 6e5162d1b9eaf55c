// The outgoing half of the notify relay: a gateway request's notify_url is pointed at paymock and
// the request is signed again with the merchant's own key, because notify_url is covered by the
// request signature (alipay.md §2.1, §3.1, §5.3). Only the notify_url and sign values change, in
// the raw query or body where they stand; every other byte goes out as the app sent it.
import type { KeyObject } from 'node:crypto';
import { makeBody } from '../core/body.js';
import { headerValue, replaceHeader } from '../core/headers.js';
import type { Call, HttpRequest } from '../core/types.js';
import type { AlipaySigner } from '../dialects/alipay-signer.js';
import { v3AppId } from '../dialects/alipay-v3.js';
import { mapiRequestSignContent, md5Sign, openapiRequestSignContent, parseV3Authorization, rsaSign, v3RequestSignContent } from '../dialects/signing.js';

/** The rewritten request, or why it could not be re-signed (so it goes out untouched). */
export type Rewrite = { readonly request: HttpRequest } | { readonly missing: string };

/** The notify_url a call carries: a common param (legacy, v2) or a business field (v3). */
export function notifyUrlOf(call: Call): string | undefined {
  const biz = call.biz && typeof call.biz === 'object' ? (call.biz as Record<string, unknown>) : {};
  const url = call.params.notify_url ?? (typeof biz.notify_url === 'string' ? biz.notify_url : undefined);
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}

function nameOf(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw; // a malformed escape is no name we look for
  }
}

/** `name=value` pairs of a raw urlencoded string with `name`'s value replaced (already encoded). */
function replacePair(form: string, name: string, encoded: string): string {
  return form
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 && nameOf(pair.slice(0, eq)) === name ? `${pair.slice(0, eq)}=${encoded}` : pair;
    })
    .join('&');
}

/** The request with `edit` applied to its raw query and its raw form body (one char per byte). */
function editForms(request: HttpRequest, edit: (form: string) => string): HttpRequest {
  const at = request.url.indexOf('?');
  const url = at < 0 ? request.url : `${request.url.slice(0, at + 1)}${edit(request.url.slice(at + 1))}`;
  const type = headerValue(request.headers, 'content-type') ?? '';
  const isForm = /^application\/x-www-form-urlencoded/i.test(type) || (type === '' && request.method === 'POST');
  if (!isForm || request.body.bytes.length === 0) return { ...request, url };
  const bytes = Buffer.from(edit(request.body.bytes.toString('latin1')), 'latin1');
  return { ...request, url, ...sized(request, bytes) };
}

function sized(request: HttpRequest, bytes: Buffer): Pick<HttpRequest, 'headers' | 'body'> {
  const headers = headerValue(request.headers, 'content-length') === undefined ? request.headers : replaceHeader(request.headers, 'Content-Length', String(bytes.length));
  return { headers, body: makeBody(bytes, headers) };
}

/** The key the merchant signed with, by sign type, or what to configure to get one. */
function merchantKey(call: Call, merchant: string, signer: AlipaySigner): { md5?: string; rsa?: KeyObject; missing?: string } {
  const legacy = call.dialect === 'alipay-mapi';
  const signType = (call.params.sign_type ?? (legacy ? 'MD5' : 'RSA2')).toUpperCase();
  if (legacy && signType === 'MD5') {
    const md5 = signer.md5Key(merchant);
    return md5 ? { md5 } : { missing: `no MD5 key for partner ${merchant} (set alipay.partners["${merchant}"].md5Key or PAYMOCK_MD5_KEY)` };
  }
  const rsa = signer.merchantPrivateKey(merchant);
  const where = legacy ? `alipay.partners["${merchant}"].privateKey` : `alipay.apps["${merchant}"].privateKey`;
  return rsa ? { rsa } : { missing: `no private key for ${legacy ? 'partner' : 'app'} ${merchant} (set ${where}: a PEM, base64 or a file path)` };
}

function formRewrite(request: HttpRequest, call: Call, relayUrl: string, signer: AlipaySigner): Rewrite {
  const legacy = call.dialect === 'alipay-mapi';
  const withUrl = (form: string) => replacePair(form, 'notify_url', encodeURIComponent(relayUrl));
  // An unsigned request stays unsigned: nothing to keep valid.
  if (call.params.sign === undefined) return { request: editForms(request, withUrl) };
  const merchant = (legacy ? call.params.partner : call.params.app_id) ?? '';
  const key = merchantKey(call, merchant, signer);
  if (key.missing) return { missing: key.missing };
  const params = { ...call.params, notify_url: relayUrl };
  const charset = call.charset ?? (legacy ? 'GBK' : 'utf-8');
  const signType = (call.params.sign_type ?? (legacy ? 'MD5' : 'RSA2')).toUpperCase();
  const content = legacy ? mapiRequestSignContent(params) : openapiRequestSignContent(params);
  // MD5 keeps the case the app used; base64 is escaped like every SDK escapes it.
  const sign = key.md5 ? md5Sign(content, key.md5, charset) : rsaSign(content, key.rsa!, signType === 'RSA' ? 'RSA' : 'RSA2', charset);
  const cased = key.md5 && call.params.sign !== call.params.sign.toLowerCase() ? sign.toUpperCase() : sign;
  return { request: editForms(request, (form) => replacePair(withUrl(form), 'sign', encodeURIComponent(cased))) };
}

const V3_NOTIFY_URL = /("notify_url"\s*:\s*")((?:[^"\\]|\\.)*)(")/;

/** v3: the JSON body's notify_url string, and the authorization signature over the new body. */
function v3Rewrite(request: HttpRequest, relayUrl: string, signer: AlipaySigner): Rewrite {
  const text = request.body.text ?? '';
  const body = text.replace(V3_NOTIFY_URL, (_all, open: string, _old: string, close: string) => `${open}${JSON.stringify(relayUrl).slice(1, -1)}${close}`);
  const authorization = headerValue(request.headers, 'authorization') ?? '';
  const auth = parseV3Authorization(authorization);
  if (!auth) return { request: { ...request, ...sized(request, Buffer.from(body, 'utf8')) } };
  const appId = v3AppId(request);
  const key = signer.merchantPrivateKey(appId);
  if (!key) return { missing: `no private key for app ${appId} (set alipay.apps["${appId}"].privateKey: a PEM, base64 or a file path)` };
  const url = new URL(request.url);
  const token = headerValue(request.headers, 'alipay-app-auth-token');
  const content = v3RequestSignContent({ authString: auth.authString, method: request.method, pathAndQuery: url.pathname + url.search, body, ...(token ? { appAuthToken: token } : {}) });
  const signed = { ...request, ...sized(request, Buffer.from(body, 'utf8')) };
  return { request: { ...signed, headers: replaceHeader(signed.headers, 'authorization', `${auth.scheme} ${auth.authString},sign=${rsaSign(content, key, 'RSA2')}`) } };
}

/** Point the request's notify_url at `relayUrl` and sign it again as the merchant would. */
export function rewriteNotifyUrl(request: HttpRequest, call: Call, relayUrl: string, signer: AlipaySigner): Rewrite {
  if (call.dialect === 'alipay-v3') return v3Rewrite(request, relayUrl, signer);
  return formRewrite(request, call, relayUrl, signer);
}
