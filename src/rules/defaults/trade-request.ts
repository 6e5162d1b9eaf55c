// What a payment call asks for, independent of the dialect it came in: the simulated sandbox
// works on this, and the reply writers map its result back to each dialect's field names.
import type { Call, HttpRequest } from '../../core/types.js';
import { v3AppId } from '../../dialects/alipay-v3.js';

export type Operation = 'pay' | 'query' | 'cancel' | 'refund' | 'close' | 'precreate';

export interface TradeRequest {
  readonly op: Operation;
  readonly merchant: string;
  /** The merchant's trade id: `partner_trans_id` (legacy; `out_trade_no` on cancel) or `out_trade_no`. */
  readonly outTradeNo: string | undefined;
  /** Alipay's trade id: `alipay_trans_id` (legacy; `trade_no` on cancel) or `trade_no`. */
  readonly tradeNo: string | undefined;
  readonly amount: string | undefined;
  readonly currency: string | undefined;
  readonly buyerCode: string | undefined;
  readonly subject: string | undefined;
  readonly refundId: string | undefined;
  readonly refundAmount: string | undefined;
}

const LEGACY: Record<string, Operation> = {
  'alipay.acquire.overseas.spot.pay': 'pay',
  'alipay.acquire.overseas.query': 'query',
  'alipay.acquire.cancel': 'cancel',
  'alipay.acquire.overseas.spot.cancel': 'cancel',
  'alipay.acquire.overseas.spot.reverse': 'cancel',
  'alipay.acquire.overseas.spot.refund': 'refund',
};

const OPENAPI: Record<string, Operation> = {
  'alipay.trade.pay': 'pay',
  'alipay.trade.query': 'query',
  'alipay.trade.cancel': 'cancel',
  'alipay.trade.refund': 'refund',
  'alipay.trade.close': 'close',
  'alipay.trade.precreate': 'precreate',
};

function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : String(value);
}

/** The trade request a call makes, or undefined when the simulator does not know the API. */
export function tradeRequest(call: Call, request: HttpRequest): TradeRequest | undefined {
  if (call.dialect === 'alipay-mapi') {
    const op = LEGACY[call.api];
    if (!op) return undefined;
    const p = call.params;
    // alipay.acquire.cancel names the ids like OpenAPI does (alipay.md 1.8).
    const cancel = call.api === 'alipay.acquire.cancel';
    return {
      op,
      merchant: p.partner ?? '',
      outTradeNo: text(cancel ? (p.out_trade_no ?? p.partner_trans_id) : p.partner_trans_id),
      tradeNo: text(cancel ? (p.trade_no ?? p.alipay_trans_id) : p.alipay_trans_id),
      amount: text(p.trans_amount),
      currency: text(p.currency),
      buyerCode: text(p.buyer_identity_code),
      subject: text(p.trans_name),
      refundId: text(p.partner_refund_id),
      refundAmount: text(p.refund_amount),
    };
  }
  if (call.dialect === 'alipay-openapi' || call.dialect === 'alipay-v3') {
    const op = OPENAPI[call.api];
    if (!op) return undefined;
    const biz = (call.biz && typeof call.biz === 'object' ? call.biz : {}) as Record<string, unknown>;
    const merchant = call.dialect === 'alipay-openapi' ? (call.params.app_id ?? '') : v3AppId(request);
    return {
      op,
      merchant,
      outTradeNo: text(biz.out_trade_no),
      tradeNo: text(biz.trade_no),
      amount: text(biz.total_amount),
      currency: text(biz.trans_currency) ?? 'CNY',
      buyerCode: text(biz.auth_code),
      subject: text(biz.subject),
      // Without out_request_no the refund is the trade's one full refund, named after the trade.
      refundId: text(biz.out_request_no) ?? text(biz.out_trade_no) ?? text(biz.trade_no),
      refundAmount: text(biz.refund_amount),
    };
  }
  return undefined;
}
