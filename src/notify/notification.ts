// What Alipay POSTs to a merchant's notify_url when a trade changes (../shared/alipay.md §7):
// the form fields per gateway, and their signature. Pure: ids and times are passed in.
import type { KeyObject } from 'node:crypto';
import { notifySignContent, md5Sign, rsaSign } from '../dialects/signing.js';
import { fromCents, refundedCents, type Trade } from '../rules/defaults/sandbox.js';
import { compactTime, dashedTime } from '../rules/defaults/time-and-money.js';

export type Surface = 'legacy' | 'openapi';

/** Where and how a trade's notifications go, taken from the request that set notify_url. */
export interface NotifyTarget {
  readonly url: string;
  readonly surface: Surface;
  readonly charset: string;
  /** app_id (OpenAPI) or partner (legacy). */
  readonly merchant: string;
  /** Legacy only: how the merchant signs, so the notification is signed the same way. */
  readonly signType: string;
}

export interface NotifyKeys {
  readonly alipayKey: KeyObject;
  md5Key(partner: string): string | undefined;
}

/** A refund notification carries the refund; a status change carries none. */
export interface TradeEvent {
  readonly trade: Trade;
  readonly refund?: { readonly id: string; readonly amount: string; readonly at: Date };
}

// Notifications never carry empty fields: alipay-sdk's checkNotifySign keeps empty values in what
// it verifies while Alipay's rule drops them (alipay.md §7), so an empty field would break it.
function compact(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

function openapiFields(target: NotifyTarget, event: TradeEvent, notifyId: string, now: Date): Record<string, string> {
  const { trade, refund } = event;
  return compact({
    notify_time: dashedTime(now),
    notify_type: 'trade_status_sync',
    notify_id: notifyId,
    app_id: target.merchant,
    charset: target.charset,
    version: '1.0',
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    trade_status: trade.status,
    total_amount: trade.amount,
    receipt_amount: trade.amount,
    buyer_pay_amount: trade.amount,
    buyer_id: trade.buyerUserId,
    buyer_logon_id: trade.buyerLoginId,
    subject: trade.subject,
    gmt_create: dashedTime(trade.createdAt),
    gmt_payment: trade.paidAt ? dashedTime(trade.paidAt) : undefined,
    fund_bill_list: trade.paidAt ? JSON.stringify([{ amount: trade.amount, fundChannel: 'ALIPAYACCOUNT' }]) : undefined,
    refund_fee: refund ? fromCents(refundedCents(trade)) : undefined,
    out_biz_no: refund?.id,
    gmt_refund: refund ? dashedTime(refund.at) : undefined,
  });
}

function legacyFields(target: NotifyTarget, event: TradeEvent, notifyId: string, now: Date): Record<string, string> {
  const { trade, refund } = event;
  return compact({
    notify_id: notifyId,
    notify_time: dashedTime(now),
    notify_type: 'trade_status_sync',
    partner: target.merchant,
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    trade_status: trade.status,
    total_fee: trade.amount,
    currency: trade.currency,
    gmt_payment: trade.paidAt ? compactTime(trade.paidAt) : undefined,
    refund_fee: refund ? fromCents(refundedCents(trade)) : undefined,
    out_biz_no: refund?.id,
  });
}

/** How a notification is signed: the gateway it comes from, the merchant, its charset. */
export type SignAs = Pick<NotifyTarget, 'surface' | 'charset' | 'merchant' | 'signType'>;

/**
 * Sign a notification's fields as Alipay would (any sign and sign_type in them are replaced), or
 * say why it cannot be signed (no MD5 key). Mock-mode and replayed notifications share it.
 */
export function signNotification(unsigned: Record<string, string>, as: SignAs, keys: NotifyKeys): { fields: Record<string, string>; unsigned?: string } {
  const { sign: _sign, sign_type: _signType, ...fields } = unsigned;
  if (as.surface === 'openapi') {
    // Signed like rsaCheckV1 verifies: without sign and sign_type (alipay-sdk tries both ways).
    const sign = rsaSign(notifySignContent(fields), keys.alipayKey, 'RSA2', as.charset);
    return { fields: { ...fields, sign_type: 'RSA2', sign } };
  }
  const signType = as.signType.toUpperCase();
  if (signType === 'MD5') {
    const key = keys.md5Key(as.merchant);
    if (!key) return { fields, unsigned: `no MD5 key for partner ${as.merchant}` };
    return { fields: { ...fields, sign_type: 'MD5', sign: md5Sign(notifySignContent(fields), key, as.charset) } };
  }
  const algorithm = signType === 'RSA' ? 'RSA' : 'RSA2';
  return { fields: { ...fields, sign_type: algorithm, sign: rsaSign(notifySignContent(fields), keys.alipayKey, algorithm, as.charset) } };
}

/** The signed form, or undefined fields' reason when it cannot be signed (no MD5 key). */
export function notificationForm(target: NotifyTarget, event: TradeEvent, notifyId: string, now: Date, keys: NotifyKeys): { fields: Record<string, string>; unsigned?: string } {
  const fields = target.surface === 'openapi' ? openapiFields(target, event, notifyId, now) : legacyFields(target, event, notifyId, now);
  return signNotification(fields, target, keys);
}
