// The random-key workload: legacy Alipay `single_trade_query` calls in GBK, one per trade, and
// the GBK XML answer recorded for each. Request and answer `i` are pure functions of `i`, so the
// parent (load generator, cassette writer) and a child (the Map server) build the same bytes.
// What makes keys distinct is `trade_no`: paymock's legacy key keeps it, while it ignores
// `out_trade_no` (a merchant id) and `sign` (volatile), see src/dialects/alipay-key.ts.
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { responseXml } from './fixture.js';
import type { BenchRequest } from './workload.js';

export const LEGACY_PARTNER = '2088101122136241';
export const LEGACY_PATH = '/gateway.do';
export const LEGACY_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/x-www-form-urlencoded' };
/** Chinese on purpose: percent-encoded GBK bytes that paymock must decode to build the key. */
const SUBJECT = '基准测试订单';

/** 28 digits, like Alipay's trade numbers. */
export function tradeNo(i: number): string {
  return `20240101220014243305${String(i).padStart(8, '0')}`;
}

export function outTradeNo(i: number): string {
  return `BENCH-R-${String(i).padStart(8, '0')}`;
}

/** How each byte is written in a form: unreserved characters as they are, the rest as %XX. */
const BYTE_TEXT = Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  return /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
});

function encodeGbk(value: string): string {
  let text = '';
  for (const byte of iconv.encode(value, 'GBK')) text += BYTE_TEXT[byte]!;
  return text;
}

/** application/x-www-form-urlencoded with each value's GBK bytes percent-encoded. */
export function gbkForm(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields).map(([name, value]) => `${encodeGbk(name)}=${encodeGbk(value)}`).join('&');
}

export function legacyQueryBody(i: number): string {
  return gbkForm({
    service: 'single_trade_query',
    partner: LEGACY_PARTNER,
    _input_charset: 'GBK',
    trade_no: tradeNo(i),
    out_trade_no: outTradeNo(i),
    subject: SUBJECT,
    sign_type: 'MD5',
    // Never checked (no MD5 key is configured for replay); only its shape matters.
    sign: createHash('md5').update(`bench-${i}`).digest('hex'),
  });
}

export function legacyQuery(i: number): BenchRequest {
  return { path: LEGACY_PATH, headers: LEGACY_HEADERS, body: legacyQueryBody(i) };
}

export function legacyAnswerXml(i: number): string {
  return responseXml(outTradeNo(i), tradeNo(i));
}

export function legacyAnswer(i: number): Buffer {
  return iconv.encode(legacyAnswerXml(i), 'GBK');
}

export function legacyQueries(count: number): BenchRequest[] {
  return Array.from({ length: count }, (_, i) => legacyQuery(i));
}
