// OpenAPI v3 (REST `/v3/alipay/trade/pay` with JSON bodies, the `authorization` header, replies
// signed in `alipay-signature` headers, also on 4xx). alipay.md §5.3.
import { memoised, requestUrl } from '../core/request-url.js';
import { tryParseJson } from '../core/canonical-json.js';
import { parseForm } from '../core/form.js';
import { headerValue } from '../core/headers.js';
import type { Call, Dialect, HttpRequest } from '../core/types.js';
import { alipayKey } from './alipay-key.js';
import { adaptWith, type AlipayDialectOptions } from './alipay-options.js';
import { resignV3 } from './alipay-resign.js';
import { encodeV3, newV3Stamp } from './alipay-encode.js';
import { verifyV3 } from './alipay-verify.js';
import { httpDialect } from './http.js';

const V3_PATH = /^\/v3\/(.+)$/;
/** One timestamp and nonce per request: its reply encodes to the same bytes however often it is built. */
const STAMP = Symbol('paymock.v3-stamp');

/** The app id from `ALIPAY-SHA256withRSA app_id=...,nonce=...,timestamp=...,sign=...`. */
export function v3AppId(request: HttpRequest): string {
  return /app_id=([^,\s]+)/.exec(headerValue(request.headers, 'authorization') ?? '')?.[1] ?? '';
}

function decode(request: HttpRequest): Call {
  const url = requestUrl(request);
  const api = V3_PATH.exec(url.pathname)![1]!.replace(/\/+$/, '').replaceAll('/', '.');
  const params = Object.fromEntries(parseForm(url.search.slice(1)));
  const biz = request.body.text ? tryParseJson(request.body.text) : undefined;
  return { dialect: 'alipay-v3', api, params, biz, charset: 'utf-8' };
}

export function createV3Dialect(options: AlipayDialectOptions): Dialect {
  return {
    ...httpDialect,
    name: 'alipay-v3',
    detect: (request) => V3_PATH.test(requestUrl(request).pathname),
    decode,
    ...adaptWith(resignV3, decode, options),
    encode: (reply, _call, request) => encodeV3(reply.status ?? 200, reply.fields ?? {}, options.signer, memoised(request, STAMP, newV3Stamp)),
    verify: (request, call) => (options.signer.verifyRequests ? verifyV3(call, request, options.signer) : { ok: true, checked: false }),
    fingerprint: (call, request) => alipayKey(call, v3AppId(request), options.match, { http: request.method }),
  };
}
