// The OpenAPI v2 gateway (`/gateway.do?method=...`): common params in the query, `biz_content`
// JSON in a form body, `+` as space, JSON replies signed over the node text. alipay.md §3-4.
import { tryParseJson } from '../core/canonical-json.js';
import { isKnownCharset } from '../core/body.js';
import { requestUrl } from '../core/request-url.js';
import type { Call, Dialect, HttpRequest } from '../core/types.js';
import { alipayKey } from './alipay-key.js';
import { adaptWith, type AlipayDialectOptions } from './alipay-options.js';
import { resignOpenapi } from './alipay-resign.js';
import { decodeParams, gatewayForms, isGatewayPath, rawParam } from './alipay-request.js';
import { encodeOpenapi } from './alipay-encode.js';
import { verifyOpenapi } from './alipay-verify.js';
import { httpDialect } from './http.js';

function decode(request: HttpRequest): Call {
  const forms = gatewayForms(request);
  const declared = rawParam(forms, 'charset');
  const charset = declared && isKnownCharset(declared) ? declared : 'utf-8';
  const params = decodeParams(forms, charset);
  const biz = params.biz_content === undefined ? undefined : tryParseJson(params.biz_content);
  return { dialect: 'alipay-openapi', api: params.method ?? '', params, biz, charset };
}

export function createOpenapiDialect(options: AlipayDialectOptions): Dialect {
  return {
    ...httpDialect,
    name: 'alipay-openapi',
    detect(request) {
      // The path first: it is cheap, and most non-Alipay traffic stops there.
      if (!isGatewayPath(requestUrl(request).pathname)) return false;
      const forms = gatewayForms(request);
      return rawParam(forms, 'method') !== undefined && rawParam(forms, 'service') === undefined;
    },
    decode,
    ...adaptWith(resignOpenapi, decode, options),
    encode: (reply, call) => encodeOpenapi(call, (reply.fields ?? {}) as Record<string, unknown>, options.signer),
    verify: (_request, call) => (options.signer.verifyRequests ? verifyOpenapi(call, options.signer) : { ok: true, checked: false }),
    fingerprint: (call) => alipayKey(call, call.params.app_id ?? '', options.match),
  };
}
