// Checking a request's signature like the gateway does, when the merchant's key is known, and
// answering a bad one as the gateway would. Without a key the check is off (`ok`).
import { requestUrl } from '../core/request-url.js';
import { headerValue } from '../core/headers.js';
import type { Call, HttpRequest, SignatureCheck } from '../core/types.js';
import { encodeMapiGatewayError, encodeOpenapi, encodeV3 } from './alipay-encode.js';
import type { AlipaySigner } from './alipay-signer.js';
import { v3AppId } from './alipay-v3.js';
import {
  mapiRequestSignContent,
  md5Sign,
  openapiRequestSignContent,
  parseV3Authorization,
  rsaVerify,
  v3RequestSignContent,
  type RsaAlgorithm,
} from './signing.js';

const UNCHECKED: SignatureCheck = { ok: true, checked: false };
const VALID: SignatureCheck = { ok: true, checked: true };

function algorithm(signType: string | undefined): RsaAlgorithm {
  return signType?.toUpperCase() === 'RSA' ? 'RSA' : 'RSA2';
}

/** Legacy: MD5 with the partner key, or RSA/RSA2 with the partner's public key; else ILLEGAL_SIGN. */
export function verifyMapi(call: Call, signer: AlipaySigner): SignatureCheck {
  // notify_verify is called unsigned, with just partner and notify_id (alipay.md §7).
  if (call.api === 'notify_verify') return UNCHECKED;
  const partner = call.params.partner ?? '';
  const signType = (call.params.sign_type ?? 'MD5').toUpperCase();
  const md5Key = signType === 'MD5' ? signer.md5Key(partner) : undefined;
  const publicKey = signType === 'MD5' ? undefined : signer.merchantKey(partner);
  if (!md5Key && !publicKey) return UNCHECKED; // no key known: nothing to check, nothing to build
  const content = mapiRequestSignContent(call.params);
  const charset = call.charset ?? 'GBK';
  const sign = call.params.sign ?? '';
  const valid = md5Key ? md5Sign(content, md5Key, charset) === sign.toLowerCase() : rsaVerify(content, sign, publicKey!, algorithm(signType), charset);
  if (valid) return VALID;
  // The signed content is not in the reason: it may hold secrets, and the reason is logged.
  return { ok: false, reason: `${signType} signature does not match partner ${partner}'s key`, response: encodeMapiGatewayError(call, 'ILLEGAL_SIGN') };
}

const HTML = (text: string) => text.replace(/&/g, '&amp;');

/** v2: RSA/RSA2 over every param but `sign`, with the app's public key; else isv.invalid-signature. */
export function verifyOpenapi(call: Call, signer: AlipaySigner): SignatureCheck {
  const key = signer.merchantKey(call.params.app_id ?? '');
  if (!key) return UNCHECKED;
  const content = openapiRequestSignContent(call.params);
  if (rsaVerify(content, call.params.sign ?? '', key, algorithm(call.params.sign_type), call.charset ?? 'utf-8')) return VALID;
  // Shape from alipay-sdk's own comment on a real gateway answer: the method's node, signed.
  const node = {
    code: '40002',
    msg: 'Invalid Arguments',
    sub_code: 'isv.invalid-signature',
    sub_msg: `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${HTML(content)}`,
  };
  return { ok: false, reason: `RSA signature does not match app ${call.params.app_id}'s public key`, response: encodeOpenapi(call, node, signer) };
}

/** v3: the `authorization` signature over `authString\nMETHOD\npath\nbody\n[token\n]`; else 401. */
export function verifyV3(call: Call, request: HttpRequest, signer: AlipaySigner): SignatureCheck {
  const key = signer.merchantKey(v3AppId(request));
  if (!key) return UNCHECKED;
  const auth = parseV3Authorization(headerValue(request.headers, 'authorization') ?? '');
  const url = requestUrl(request);
  const token = headerValue(request.headers, 'alipay-app-auth-token');
  const content = auth
    ? v3RequestSignContent({ authString: auth.authString, method: request.method, pathAndQuery: url.pathname + url.search, body: request.body.text ?? '', ...(token ? { appAuthToken: token } : {}) })
    : '';
  if (auth && rsaVerify(content, auth.sign, key, 'RSA2')) return VALID;
  // The v3 error for a bad signature is not documented in alipay.md: this is the closest shape
  // (an error body {code, message} on a 4xx, signed like every v3 reply). UNCONFIRMED.
  const body = { code: 'invalid-signature', message: auth ? '验签失败，请检查签名私钥与应用公钥是否匹配' : '缺少或无法解析 authorization 请求头' };
  return { ok: false, reason: auth ? 'v3 authorization signature does not match' : 'no valid authorization header', response: encodeV3(401, body, signer) };
}
