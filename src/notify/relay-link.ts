// Which recorded interaction a relayed notification belongs to: the exchange that caused it, so a
// replay re-sends it when (and only when) that exchange is replayed. Alipay sends every
// notification of a trade to the notify_url of the request that created it, refunds included, so
// the relay route alone is not the cause. Pure: the interactions and their calls are passed in.
import type { Call, Interaction } from '../core/types.js';
import { merchantIds } from '../dialects/alipay-key.js';

/** The trade ids a call names: the merchant's own (out_trade_no, ...) and Alipay's trade_no. */
export function tradeIds(call: Call): Set<string> {
  const ids = new Set(Object.values(merchantIds(call)));
  const biz = call.biz && typeof call.biz === 'object' ? (call.biz as Record<string, unknown>) : {};
  const tradeNo = call.params.trade_no ?? biz.trade_no;
  if (typeof tradeNo === 'string' && tradeNo) ids.add(tradeNo);
  return ids;
}

/** A refund or a close comes from a later call on the trade; a payment from the call that set notify_url. */
function laterCall(fields: Readonly<Record<string, string>>): boolean {
  return Boolean(fields.refund_fee || fields.gmt_refund || fields.out_biz_no) || fields.trade_status === 'TRADE_CLOSED';
}

/**
 * The anchor (the request whose notify_url the notification came to) for a payment; for a refund
 * or a close, or with no anchor, the latest call on the same trade before the notification arrived
 * that is not a query (from the anchor on, when there is one).
 */
export function causeOf(
  interactions: readonly Interaction[],
  callOf: (interaction: Interaction) => Call,
  fields: Readonly<Record<string, string>>,
  receivedAt: string,
  anchor?: Interaction,
): Interaction | undefined {
  if (anchor && !laterCall(fields)) return anchor;
  const trade = [fields.out_trade_no, fields.trade_no].filter((id): id is string => Boolean(id));
  const from = anchor ? Math.max(0, interactions.indexOf(anchor)) : 0;
  for (let i = interactions.length - 1; i >= from; i--) {
    const candidate = interactions[i]!;
    // The api first: it is kept in memory, where recordedAt reads a large cassette's file.
    if (/query/i.test(candidate.api) || candidate.recordedAt > receivedAt) continue;
    const ids = tradeIds(callOf(candidate));
    if (trade.some((id) => ids.has(id))) return candidate;
  }
  return anchor;
}
