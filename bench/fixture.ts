// The one exchange every scenario carries: an Alipay-like form POST to a gateway, answered by a
// ~1 KB XML body in GBK. Shared by the origin (children) and the load generator (parent), so
// both sides agree on the exact bytes.
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';

export const REQUEST_PATH = '/gateway.do';

export const REQUEST_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
};

export const REQUEST_BODY: string = new URLSearchParams({
  service: 'single_trade_query',
  partner: '2088101122136241',
  _input_charset: 'GBK',
  out_trade_no: 'BENCH-20240101-0001',
  sign_type: 'MD5',
  sign: createHash('md5').update('paymock-bench-request').digest('hex'),
}).toString();

/** A stand-in for an RSA2 signature: the same length (344 base64 chars), deterministic. */
function fakeSignature(): string {
  const seed = createHash('sha512').update('paymock-bench-response').digest('base64');
  return seed.repeat(Math.ceil(344 / seed.length)).slice(0, 344);
}

// Non-ASCII text on purpose: paymock decodes and re-encodes GBK bodies, and that is part of
// what a real Alipay exchange costs. The random-key workloads vary the two trade ids.
export const responseXml = (outTradeNo: string, tradeNo: string): string => `<?xml version="1.0" encoding="GBK"?>
<alipay>
  <is_success>T</is_success>
  <response>
    <trade>
      <buyer_email>buyer@example.com</buyer_email>
      <buyer_id>2088102122524333</buyer_id>
      <out_trade_no>${outTradeNo}</out_trade_no>
      <seller_email>seller@example.com</seller_email>
      <subject>测试商品：基准测试订单</subject>
      <body>压测用的固定响应，约一千字节。</body>
      <total_fee>88.88</total_fee>
      <trade_no>${tradeNo}</trade_no>
      <trade_status>TRADE_SUCCESS</trade_status>
      <gmt_create>2024-01-01 12:00:00</gmt_create>
      <gmt_payment>2024-01-01 12:00:05</gmt_payment>
    </trade>
  </response>
  <sign>${fakeSignature()}</sign>
  <sign_type>RSA2</sign_type>
</alipay>
`;

export const RESPONSE_BODY: Buffer = iconv.encode(responseXml('BENCH-20240101-0001', '2024010122001424330500001234'), 'GBK');

export function xmlHeaders(body: Buffer): Record<string, string> {
  return { 'Content-Type': 'text/xml; charset=GBK', 'Content-Length': String(body.length) };
}

export const RESPONSE_HEADERS: Readonly<Record<string, string>> = xmlHeaders(RESPONSE_BODY);
