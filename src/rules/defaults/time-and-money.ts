// Alipay's clock is GMT+8 whatever the merchant's is; its rates here are fixed test values.

const GMT8_MS = 8 * 60 * 60 * 1000;

interface Second {
  readonly at: number;
  readonly compact: string;
  readonly dashed: string;
}

/**
 * The last second formatted: every reply carries a time or two, and a busy simulator formats the
 * same second thousands of times (`toISOString` and its slices were 2-3% of a mock reply).
 */
let last: Second = { at: Number.NaN, compact: '', dashed: '' };

function formatted(at: Date): Second {
  const second = Math.floor(at.getTime() / 1000);
  if (second === last.at) return last;
  const iso = new Date(second * 1000 + GMT8_MS).toISOString(); // 2024-01-01T12:00:00.000Z, shifted
  const [y, mo, d, h, mi, s] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16), iso.slice(17, 19)];
  last = { at: second, compact: `${y}${mo}${d}${h}${mi}${s}`, dashed: `${y}-${mo}-${d} ${h}:${mi}:${s}` };
  return last;
}

/** `yyyyMMddHHmmss` in GMT+8 (legacy `alipay_pay_time`). */
export function compactTime(at: Date): string {
  return formatted(at).compact;
}

/** `yyyy-MM-dd HH:mm:ss` in GMT+8 (OpenAPI `gmt_payment`, `send_pay_date`). */
export function dashedTime(at: Date): string {
  return formatted(at).dashed;
}

/** A 28-digit Alipay trade number: date, `22001`, then a sequence (like `2024010122001400000000000001`). */
export function tradeNumber(at: Date, sequence: number): string {
  return `${formatted(at).compact.slice(0, 8)}22001${String(sequence).padStart(15, '0')}`;
}

/** Fixed test rates to CNY; unknown currencies count as 1:1. */
const RATES: Record<string, number> = { CNY: 1, USD: 7.1, HKD: 0.91, EUR: 7.7, GBP: 9, JPY: 0.048, KRW: 0.0053, SGD: 5.3, MOP: 0.88, TWD: 0.22 };

export function exchangeRate(currency: string): number {
  return RATES[currency.toUpperCase()] ?? 1;
}
