// The simulated sandbox's state: an in-memory trade ledger per merchant, and what pay, query,
// cancel, refund, close and precreate do to it. Dialect-neutral and free of I/O; the clock and
// the id source are injected so tests can pin them.
import { magicScenario, validBuyerCode } from './magic.js';
import type { TradeRequest } from './trade-request.js';

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

export interface Refund {
  readonly id: string;
  readonly amount: string;
  readonly at: Date;
}

export interface Trade {
  readonly merchant: string;
  readonly outTradeNo: string;
  readonly tradeNo: string;
  status: TradeStatus;
  readonly amount: string;
  readonly currency: string;
  readonly subject: string;
  readonly buyerLoginId: string;
  readonly buyerUserId: string;
  readonly createdAt: Date;
  paidAt: Date | undefined;
  readonly refunds: Refund[];
  /** Queries left before a trade that waits for the buyer's password is paid. */
  queriesUntilPaid: number;
}

export type SandboxError =
  | 'TRADE_NOT_EXIST'
  | 'BUYER_BALANCE_NOT_ENOUGH'
  | 'REFUND_AMOUNT_EXCEED'
  | 'TRADE_STATUS_ERROR'
  | 'TRADE_HAS_SUCCESS'
  | 'TRADE_HAS_CLOSE'
  | 'CONTEXT_INCONSISTENT'
  | 'INVALID_PARAMETER'
  | 'PAYMENT_AUTH_CODE_INVALID'
  | 'SYSTEM_ERROR';

export type SandboxResult =
  | { readonly kind: 'ok'; readonly trade: Trade; readonly refund?: Refund; readonly repeated?: boolean; readonly action?: 'close' | 'refund' }
  | { readonly kind: 'cancel-missing' }
  | { readonly kind: 'waiting'; readonly trade: Trade }
  | { readonly kind: 'unknown'; readonly trade: Trade }
  | { readonly kind: 'error'; readonly error: SandboxError | (string & {}); readonly message?: string; readonly trade?: Trade }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'bad-signature'; readonly trade: Trade };

export interface SandboxClock {
  now(): Date;
  /** A fresh Alipay trade number for this moment. */
  tradeNo(at: Date): string;
}

/** The ledger forgets its oldest trades beyond this many, so a long-lived sandbox stays bounded. */
export const MAX_TRADES = 100_000;

/** How long a paid trade stays refundable before it is TRADE_FINISHED (alipay.md 1.7). */
export const DEFAULT_REFUND_WINDOW_MS = 90 * 24 * 60 * 60 * 1000;

export function cents(amount: string): number {
  return Math.round(Number(amount) * 100);
}

export function fromCents(value: number): string {
  return (value / 100).toFixed(2);
}

export function refundedCents(trade: Trade): number {
  return trade.refunds.reduce((sum, refund) => sum + cents(refund.amount), 0);
}

const tradeKey = (merchant: string, id: string) => `${merchant}\u0000${id}`;

export class Sandbox {
  /** By merchant and out_trade_no, oldest first. */
  readonly #trades = new Map<string, Trade>();
  /**
   * By merchant and Alipay's trade_no, for calls that name only that (a query or refund by
   * trade_no): the trades with that number, oldest first (a rule may give several the same).
   */
  readonly #byTradeNo = new Map<string, Trade[]>();
  readonly #clock: SandboxClock;
  readonly #refundWindowMs: number;
  readonly #maxTrades: number;

  constructor(clock: SandboxClock, refundWindowMs = DEFAULT_REFUND_WINDOW_MS, maxTrades = MAX_TRADES) {
    this.#clock = clock;
    this.#refundWindowMs = refundWindowMs;
    this.#maxTrades = maxTrades;
  }

  /** A paid trade past its refund window is finished: no longer refundable. */
  #age(trade: Trade | undefined): Trade | undefined {
    if (trade?.status === 'TRADE_SUCCESS' && trade.paidAt && this.#clock.now().getTime() - trade.paidAt.getTime() > this.#refundWindowMs) {
      trade.status = 'TRADE_FINISHED';
    }
    return trade;
  }

  reset(): void {
    this.#trades.clear();
    this.#byTradeNo.clear();
  }

  trades(): Trade[] {
    return [...this.#trades.values()];
  }

  find(request: TradeRequest): Trade | undefined {
    return this.#find(request);
  }

  #find(request: TradeRequest): Trade | undefined {
    if (request.outTradeNo) return this.#age(this.#trades.get(tradeKey(request.merchant, request.outTradeNo)));
    return request.tradeNo === undefined ? undefined : this.#age(this.#byTradeNo.get(tradeKey(request.merchant, request.tradeNo))?.[0]);
  }

  #add(trade: Trade): void {
    const key = tradeKey(trade.merchant, trade.outTradeNo);
    const replaced = this.#trades.get(key);
    if (replaced) this.#forget(key, replaced);
    this.#trades.set(key, trade);
    const byNumber = tradeKey(trade.merchant, trade.tradeNo);
    const same = this.#byTradeNo.get(byNumber);
    if (same) same.push(trade);
    else this.#byTradeNo.set(byNumber, [trade]);
  }

  #forget(key: string, trade: Trade): void {
    this.#trades.delete(key);
    const byNumber = tradeKey(trade.merchant, trade.tradeNo);
    const same = this.#byTradeNo.get(byNumber)?.filter((other) => other !== trade);
    if (same?.length) this.#byTradeNo.set(byNumber, same);
    else this.#byTradeNo.delete(byNumber);
  }

  handle(request: TradeRequest): SandboxResult {
    switch (request.op) {
      case 'pay':
        return this.#pay(request, 'TRADE_SUCCESS');
      case 'precreate':
        return this.#pay(request, 'WAIT_BUYER_PAY');
      case 'query':
        return this.#query(request);
      case 'cancel':
        return this.#cancel(request);
      case 'refund':
        return this.#refund(request);
      case 'close':
        return this.#close(request);
    }
  }

  /** A rule said how this call ends: make the ledger agree (create or move the trade). */
  force(request: TradeRequest, status: TradeStatus): Trade | undefined {
    if (!request.outTradeNo && !request.tradeNo) return undefined;
    const existing = this.#find(request);
    if (existing) {
      existing.status = status;
      if (status === 'TRADE_SUCCESS') existing.paidAt ??= this.#clock.now();
      existing.queriesUntilPaid = 0;
      return existing;
    }
    return this.#open(request, status, request.tradeNo);
  }

  /** A new trade in the ledger; the trade number is Alipay's (given back by a rule) or fresh. */
  #open(request: TradeRequest, status: TradeStatus, tradeNo?: string): Trade {
    const now = this.#clock.now();
    const trade: Trade = {
      merchant: request.merchant,
      outTradeNo: request.outTradeNo ?? `paymock-${request.tradeNo}`,
      tradeNo: tradeNo ?? this.#clock.tradeNo(now),
      status,
      amount: request.amount ?? '0.01',
      currency: request.currency ?? 'CNY',
      subject: request.subject ?? '',
      buyerLoginId: '159****5620',
      buyerUserId: `2088${String(this.#trades.size + 1).padStart(12, '0')}`,
      createdAt: now,
      paidAt: status === 'TRADE_SUCCESS' ? now : undefined,
      refunds: [],
      queriesUntilPaid: 0,
    };
    this.#add(trade);
    if (this.#trades.size > this.#maxTrades) {
      // A Map iterates in insertion order: the first entry is the oldest trade.
      const [key, oldest] = this.#trades.entries().next().value!;
      this.#forget(key, oldest);
    }
    return trade;
  }

  #pay(request: TradeRequest, status: TradeStatus): SandboxResult {
    if (!request.outTradeNo || !request.amount || !Number.isFinite(Number(request.amount))) return { kind: 'error', error: 'INVALID_PARAMETER' };
    const existing = this.#find(request);
    if (existing) {
      // Alipay refuses a trade id it has seen: same content -> already paid / closed, else inconsistent.
      if (existing.amount !== request.amount) return { kind: 'error', error: 'CONTEXT_INCONSISTENT', trade: existing };
      if (existing.status === 'TRADE_CLOSED') return { kind: 'error', error: 'TRADE_HAS_CLOSE', trade: existing };
      if (existing.status !== 'WAIT_BUYER_PAY') return { kind: 'error', error: 'TRADE_HAS_SUCCESS', trade: existing };
      return { kind: 'waiting', trade: existing };
    }
    if (status === 'TRADE_SUCCESS' && !validBuyerCode(request.buyerCode)) return { kind: 'error', error: 'PAYMENT_AUTH_CODE_INVALID' };
    const scenario = status === 'TRADE_SUCCESS' ? magicScenario(request.amount) : undefined;
    if (scenario === 'system-error') return { kind: 'error', error: 'SYSTEM_ERROR' };
    const trade = this.#open(request, status);
    switch (scenario) {
      case 'declined':
        trade.status = 'TRADE_CLOSED';
        trade.paidAt = undefined;
        return { kind: 'error', error: 'BUYER_BALANCE_NOT_ENOUGH', trade };
      case 'unknown':
        return { kind: 'unknown', trade };
      case 'waiting':
        trade.status = 'WAIT_BUYER_PAY';
        trade.paidAt = undefined;
        trade.queriesUntilPaid = 1;
        return { kind: 'waiting', trade };
      case 'timeout':
        return { kind: 'timeout' };
      case 'bad-signature':
        return { kind: 'bad-signature', trade };
      default:
        return { kind: 'ok', trade };
    }
  }

  #query(request: TradeRequest): SandboxResult {
    const trade = this.#find(request);
    if (!trade) return { kind: 'error', error: 'TRADE_NOT_EXIST' };
    if (trade.status === 'WAIT_BUYER_PAY' && trade.queriesUntilPaid > 0) {
      // The buyer enters the password while the merchant polls: this query still waits, the next sees it paid.
      trade.queriesUntilPaid--;
      const snapshot = { ...trade, refunds: [...trade.refunds] };
      if (trade.queriesUntilPaid === 0) {
        trade.status = 'TRADE_SUCCESS';
        trade.paidAt = this.#clock.now();
      }
      return { kind: 'ok', trade: snapshot };
    }
    return { kind: 'ok', trade };
  }

  #cancel(request: TradeRequest): SandboxResult {
    const trade = this.#find(request);
    if (!trade) return { kind: 'cancel-missing' };
    if (trade.status === 'WAIT_BUYER_PAY') {
      trade.status = 'TRADE_CLOSED';
      return { kind: 'ok', trade, action: 'close' };
    }
    if (trade.status === 'TRADE_SUCCESS') {
      const rest = cents(trade.amount) - refundedCents(trade);
      if (rest > 0) trade.refunds.push({ id: `cancel-${trade.outTradeNo}`, amount: fromCents(rest), at: this.#clock.now() });
      trade.status = 'TRADE_CLOSED';
      return { kind: 'ok', trade, action: 'refund' };
    }
    if (trade.status === 'TRADE_FINISHED') return { kind: 'error', error: 'TRADE_STATUS_ERROR', trade };
    // Already closed: cancelling again is harmless and says so.
    return { kind: 'ok', trade, action: 'close' };
  }

  #refund(request: TradeRequest): SandboxResult {
    const trade = this.#find(request);
    if (!trade) return { kind: 'error', error: 'TRADE_NOT_EXIST' };
    if (!request.refundAmount || !(Number(request.refundAmount) > 0)) return { kind: 'error', error: 'INVALID_PARAMETER', trade };
    const previous = trade.refunds.find((refund) => refund.id === request.refundId);
    if (previous) return { kind: 'ok', trade, refund: previous, repeated: true };
    if (trade.status !== 'TRADE_SUCCESS') return { kind: 'error', error: 'TRADE_STATUS_ERROR', trade };
    const rest = cents(trade.amount) - refundedCents(trade);
    if (cents(request.refundAmount) > rest) return { kind: 'error', error: 'REFUND_AMOUNT_EXCEED', trade };
    const refund: Refund = { id: request.refundId ?? trade.outTradeNo, amount: fromCents(cents(request.refundAmount)), at: this.#clock.now() };
    trade.refunds.push(refund);
    if (refundedCents(trade) === cents(trade.amount)) trade.status = 'TRADE_CLOSED';
    return { kind: 'ok', trade, refund };
  }

  #close(request: TradeRequest): SandboxResult {
    const trade = this.#find(request);
    if (!trade) return { kind: 'error', error: 'TRADE_NOT_EXIST' };
    if (trade.status !== 'WAIT_BUYER_PAY') return { kind: 'error', error: 'TRADE_STATUS_ERROR', trade };
    trade.status = 'TRADE_CLOSED';
    return { kind: 'ok', trade };
  }
}
