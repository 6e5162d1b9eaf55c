// A reply whose signature is deliberately wrong (the `bad-signature` scenario): same shape and
// length as a real one, so the client's parser accepts it and only its signature check fails.
import { headerValue, replaceHeader } from '../../core/headers.js';
import { encodeText } from '../../core/body.js';
import type { HttpResponse } from '../../core/types.js';
import type { AlipaySigner } from '../../dialects/alipay-signer.js';
import { rsaSign } from '../../dialects/signing.js';

function withText(response: HttpResponse, text: string): HttpResponse {
  const charset = response.body.charset ?? 'utf-8';
  const bytes = encodeText(text, charset);
  return { ...response, headers: replaceHeader(response.headers, 'Content-Length', String(bytes.length)), body: { bytes, charset, text } };
}

export function spoilSignature(response: HttpResponse, signer: AlipaySigner): HttpResponse {
  const wrong = rsaSign('paymock: a deliberately wrong signature', signer.alipayKey, 'RSA2');
  if (headerValue(response.headers, 'alipay-signature') !== undefined) {
    return { ...response, headers: replaceHeader(response.headers, 'alipay-signature', wrong) };
  }
  const text = response.body.text ?? '';
  if (text.includes('<sign>')) {
    // MD5: 32 hex digits that are not the right ones. RSA: a real signature over other content.
    return withText(response, text.replace(/<sign>([^<]*)<\/sign>/, (_m, sign: string) => `<sign>${/^[0-9a-f]{32}$/.test(sign) ? [...sign].reverse().join('') : wrong}</sign>`));
  }
  return withText(response, text.replace(/("sign"\s*:\s*")[^"]*(")/, `$1${wrong}$2`));
}
