// The legacy overseas gateway (`/gateway.do?service=...`): GET query or form POST, charset from
// `_input_charset` (query first, then body, GBK when absent), XML replies. ../shared/alipay.md §1-2.
import { isKnownCharset } from '../core/body.js';
import { requestUrl } from '../core/request-url.js';
import type { Call, Dialect, HttpRequest } from '../core/types.js';
import { alipayKey } from './alipay-key.js';
import { decodeParams, gatewayForms, isGatewayPath, rawParam } from './alipay-request.js';
import { adaptWith, type AlipayDialectOptions } from './alipay-options.js';
import { resignMapi } from './alipay-resign.js';
import { encodeMapi, encodeMapiGatewayError } from './alipay-encode.js';
import { verifyMapi } from './alipay-verify.js';
import { httpDialect } from './http.js';
import { warn } from '../core/warnings.js';

/** Alipay falls back to GBK when it cannot tell the request charset (alipay.md 1.2). */
export const MAPI_DEFAULT_CHARSET = 'GBK';

export function mapiCharset(request: HttpRequest): string {
  const declared = rawParam(gatewayForms(request), '_input_charset');
  return declared && isKnownCharset(declared) ? declared : MAPI_DEFAULT_CHARSET;
}

function decode(request: HttpRequest): Call {
  const charset = mapiCharset(request);
  const params = decodeParams(gatewayForms(request), charset);
  return { dialect: 'alipay-mapi', api: params.service ?? '', params, charset };
}

export function createMapiDialect(options: AlipayDialectOptions): Dialect {
  return {
    ...httpDialect,
    name: 'alipay-mapi',
    detect(request) {
      // The path first: it is cheap, and most non-Alipay traffic stops there.
      if (!isGatewayPath(requestUrl(request).pathname)) return false;
      const forms = gatewayForms(request);
      return rawParam(forms, 'service') !== undefined;
    },
    decode,
    ...adaptWith(resignMapi, decode, options),
    encode(reply, call) {
      if (reply.gatewayError) return encodeMapiGatewayError(call, reply.gatewayError);
      const { response, warning } = encodeMapi(call, (reply.fields ?? {}) as Record<string, string>, options.signer);
      if (warning) warn(options.log, warning);
      return response;
    },
    verify: (_request, call) => (options.signer.verifyRequests ? verifyMapi(call, options.signer) : { ok: true, checked: false }),
    fingerprint: (call) => alipayKey(call, call.params.partner ?? '', options.match),
  };
}
