// Sandbox results in the legacy gateway's words: spot pay, query, cancel and refund fields and
// codes from ../shared/alipay.md §1.6-1.10. `SUCCESS/FAILED/UNKNOW` for pay, query and refund;
// `SUCCESS/FAIL/UNKNOWN` plus `retry_flag` for alipay.acquire.cancel.
import type { BusinessReply } from '../../core/types.js';
import { cents, fromCents, type SandboxError, type SandboxResult, type Trade } from './sandbox.js';
import { compactTime, exchangeRate } from './time-and-money.js';
import type { TradeRequest } from './trade-request.js';

/** Legacy business error codes (alipay.md 1.10) for each sandbox error. */
const LEGACY_ERROR: Record<SandboxError, string> = {
  TRADE_NOT_EXIST: 'TRADE_NOT_EXIST',
  BUYER_BALANCE_NOT_ENOUGH: 'BUYER_BALANCE_NOT_ENOUGH',
  REFUND_AMOUNT_EXCEED: 'REQUEST_AMOUNT_EXCEED',
  TRADE_STATUS_ERROR: 'TRADE_STATUS_ERROR',
  TRADE_HAS_SUCCESS: 'TRADE_HAS_SUCCESS',
  TRADE_HAS_CLOSE: 'TRADE_HAS_CLOSE',
  CONTEXT_INCONSISTENT: 'INVALID_PARAMETER',
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  PAYMENT_AUTH_CODE_INVALID: 'SOUNDWAVE_PARSER_FAIL',
  SYSTEM_ERROR: 'SYSTEM_ERROR',
};

type Fields = Record<string, string>;

// Fields are added one at a time, in the gateway's order, not spread: see replies-openapi.ts.

/** `amount` in CNY under `cnyField`, then the settlement currency and its rate to CNY. */
function putMoney(into: Fields, trade: Trade, amount: string, cnyField: string): Fields {
  const rate = exchangeRate(trade.currency);
  into[cnyField] = fromCents(Math.round(cents(amount) * rate));
  into.currency = trade.currency;
  into.exchange_rate = rate.toFixed(10);
  return into;
}

function putPayFields(into: Fields, trade: Trade): Fields {
  into.alipay_buyer_login_id = trade.buyerLoginId;
  into.alipay_buyer_user_id = trade.buyerUserId;
  if (trade.paidAt) into.alipay_pay_time = compactTime(trade.paidAt);
  into.alipay_trans_id = trade.tradeNo;
  into.partner_trans_id = trade.outTradeNo;
  into.trans_amount = trade.amount;
  return putMoney(into, trade, trade.amount, 'trans_amount_cny');
}

function failed(error: string, request: TradeRequest): BusinessReply {
  if (error === 'SYSTEM_ERROR') return { gatewayError: 'SYSTEM_ERROR' };
  const code = LEGACY_ERROR[error as SandboxError] ?? error.replace(/^ACQ\./, '');
  return { fields: { result_code: 'FAILED', error: code, ...(request.outTradeNo ? { partner_trans_id: request.outTradeNo } : {}) } };
}

function cancelReply(api: string, result: SandboxResult, request: TradeRequest): BusinessReply {
  const trade = result.kind === 'ok' ? result.trade : undefined;
  if (api !== 'alipay.acquire.cancel') {
    // The older spot.cancel / spot.reverse speak like spot pay (alipay.md 1.8, last bullet).
    if (!trade) return failed('TRADE_NOT_EXIST', request);
    return { fields: { result_code: 'SUCCESS', partner_trans_id: trade.outTradeNo, alipay_trans_id: trade.tradeNo, alipay_cancel_time: compactTime(new Date()) } };
  }
  if (!trade) {
    const code = result.kind === 'error' ? (LEGACY_ERROR[result.error as SandboxError] ?? result.error) : 'TRADE_NOT_EXIST';
    const text = result.kind === 'error' ? (result.message ?? code) : '交易不存在';
    return { fields: { result_code: 'FAIL', retry_flag: 'N', detail_error_code: code, detail_error_des: text, ...(request.outTradeNo ? { out_trade_no: request.outTradeNo } : {}) } };
  }
  return { fields: { result_code: 'SUCCESS', retry_flag: 'N', trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo } };
}

export function legacyReply(api: string, request: TradeRequest, result: SandboxResult): BusinessReply {
  if (request.op === 'cancel') return cancelReply(api, result, request);
  switch (result.kind) {
    case 'error':
      return failed(result.error, request);
    case 'unknown':
      return { fields: { result_code: 'UNKNOW', error: 'SYSTEM_ERROR', partner_trans_id: result.trade.outTradeNo, alipay_trans_id: result.trade.tradeNo } };
    case 'waiting':
      return { fields: { result_code: 'UNKNOW', partner_trans_id: result.trade.outTradeNo, alipay_trans_id: result.trade.tradeNo } };
    case 'timeout':
    case 'cancel-missing':
      return failed('TRADE_NOT_EXIST', request);
    case 'bad-signature':
    case 'ok':
      break;
  }
  const { trade } = result;
  if (request.op === 'query') {
    return { fields: putPayFields({ result_code: 'SUCCESS', alipay_trans_status: trade.status, out_trade_no: trade.outTradeNo, payment_inst: 'ALIPAYCN' }, trade) };
  }
  if (request.op === 'refund' && result.kind === 'ok' && result.refund) {
    const fields: Fields = {
      result_code: 'SUCCESS',
      partner_trans_id: trade.outTradeNo,
      alipay_trans_id: trade.tradeNo,
      partner_refund_id: result.refund.id,
      refund_amount: result.refund.amount,
    };
    return { fields: putMoney(fields, trade, result.refund.amount, 'refund_amount_cny') };
  }
  return { fields: putPayFields({ result_code: 'SUCCESS' }, trade) };
}
