// Amounts that make the simulated sandbox misbehave on purpose, with no configuration, the way
// Alipay's own sandbox mock service keys its default rules on amounts (its sample uses 9901).
// Each scenario answers to `99.0x` and to `990x` (for integer currencies such as JPY and KRW).

export type Scenario = 'declined' | 'unknown' | 'waiting' | 'system-error' | 'timeout' | 'bad-signature';

export interface Magic {
  readonly scenario: Scenario;
  readonly amounts: readonly string[];
  readonly description: string;
}

export const MAGIC: readonly Magic[] = [
  { scenario: 'declined', amounts: ['99.01', '9901'], description: 'pay is declined: insufficient balance (BUYER_BALANCE_NOT_ENOUGH / ACQ.BUYER_BALANCE_NOT_ENOUGH); the trade is closed' },
  { scenario: 'unknown', amounts: ['99.02', '9902'], description: 'pay result unknown (legacy UNKNOW, v2 20000, v3 500); a later query finds it paid' },
  { scenario: 'waiting', amounts: ['99.03', '9903'], description: 'waiting for the buyer\'s password (v2 10003, legacy UNKNOW); the first query says WAIT_BUYER_PAY, the next TRADE_SUCCESS' },
  { scenario: 'system-error', amounts: ['99.04', '9904'], description: 'system error (legacy is_success=F SYSTEM_ERROR, v2 20000 ACQ.SYSTEM_ERROR, v3 500); no trade is created' },
  { scenario: 'timeout', amounts: ['99.05', '9905'], description: 'no answer at all (the client times out); the trade was paid, so a query finds TRADE_SUCCESS' },
  { scenario: 'bad-signature', amounts: ['99.06', '9906'], description: 'a successful pay whose reply carries a wrong signature' },
];

export function magicScenario(amount: string | undefined): Scenario | undefined {
  if (amount === undefined) return undefined;
  const value = Number(amount);
  return MAGIC.find((magic) => magic.amounts.some((candidate) => Number(candidate) === value))?.scenario;
}

/** Buyer codes are 16-24 digits starting 25-30 (alipay.md 1.4, 3.3); anything else is refused. */
export function validBuyerCode(code: string | undefined): boolean {
  return code !== undefined && /^(2[5-9]|30)\d{14,22}$/.test(code);
}
