// Alipay's clock is GMT+8 whatever the merchant's is; its rates here are fixed test values.

const GMT8_MS = 8 * 60 * 60 * 1000;

function parts(at: Date): string[] {
  const iso = new Date(at.getTime() + GMT8_MS).toISOString(); // 2024-01-01T12:00:00.000Z, shifted
  return [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16), iso.slice(17, 19)];
}

/** `yyyyMMddHHmmss` in GMT+8 (legacy `alipay_pay_time`). */
export function compactTime(at: Date): string {
  return parts(at).join('');
}

/** `yyyy-MM-dd HH:mm:ss` in GMT+8 (OpenAPI `gmt_payment`, `send_pay_date`). */
export function dashedTime(at: Date): string {
  const [y, mo, d, h, mi, s] = parts(at);
  return `${y}-${mo}-${d} ${h}:${mi}:${s}`;
}

/** A 28-digit Alipay trade number: date, `22001`, then a sequence (like `2024010122001400000000000001`). */
export function tradeNumber(at: Date, sequence: number): string {
  return `${parts(at).slice(0, 3).join('')}22001${String(sequence).padStart(15, '0')}`;
}

/** Fixed test rates to CNY; unknown currencies count as 1:1. */
const RATES: Record<string, number> = { CNY: 1, USD: 7.1, HKD: 0.91, EUR: 7.7, GBP: 9, JPY: 0.048, KRW: 0.0053, SGD: 5.3, MOP: 0.88, TWD: 0.22 };

export function exchangeRate(currency: string): number {
  return RATES[currency.toUpperCase()] ?? 1;
}
