// Turning ledger changes into notifications: a trade that becomes paid, closed or finished, or gets
// a refund, is notified to the notify_url its merchant gave (remembered per trade, since the
// follow-up query that completes a payment usually carries none).
import type { Call, HttpRequest } from '../core/types.js';
import type { Trade } from '../rules/defaults/sandbox.js';
import type { NotifyTarget } from './notification.js';
import type { Notifier, Shape } from './notifier.js';

export interface TradeSnapshot {
  readonly status: string | undefined;
  readonly refunds: number;
}

export type TradeObserver = (call: Call, request: HttpRequest, before: TradeSnapshot, after: Trade | undefined) => void;

const NOTIFIED = new Set(['TRADE_SUCCESS', 'TRADE_CLOSED', 'TRADE_FINISHED']);

function targetOf(call: Call, trade: Trade): NotifyTarget | undefined {
  const biz = (call.biz && typeof call.biz === 'object' ? call.biz : {}) as Record<string, unknown>;
  const url = call.params.notify_url ?? (typeof biz.notify_url === 'string' ? biz.notify_url : undefined);
  if (!url || !/^https?:\/\//.test(url)) return undefined;
  const legacy = call.dialect === 'alipay-mapi';
  return {
    url,
    surface: legacy ? 'legacy' : 'openapi',
    charset: call.charset ?? (legacy ? 'GBK' : 'utf-8'),
    merchant: trade.merchant,
    signType: call.params.sign_type ?? (legacy ? 'MD5' : 'RSA2'),
  };
}

/** The rule-given shape of the notifications a call causes (suppress, delay, duplicate, ...). */
export type ShapeFor = (call: Call, request: HttpRequest) => { ruleId: string; shape: Shape } | undefined;

export function notifyOnChange(notifier: Notifier, shapeFor: ShapeFor = () => undefined): TradeObserver {
  const targets = new Map<string, NotifyTarget>();
  return (call, request, before, trade) => {
    if (!trade) return;
    const key = `${trade.merchant}\u0000${trade.outTradeNo}`;
    const fresh = targetOf(call, trade);
    if (fresh) targets.set(key, fresh);
    const target = targets.get(key);
    if (!target) return;
    const refund = trade.refunds.length > before.refunds ? trade.refunds.at(-1) : undefined;
    const changed = trade.status !== before.status && NOTIFIED.has(trade.status);
    if (refund || changed) notifier.notify(target, { trade, ...(refund ? { refund } : {}) }, shapeFor(call, request));
  };
}
