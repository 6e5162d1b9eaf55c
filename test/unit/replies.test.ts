// The simulated replies' fields, in the order the gateway writes them: the builders add them one
// at a time (replies-openapi.ts says why), so nothing but these tests holds the order in place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { legacyReply } from '../../src/rules/defaults/replies-legacy.js';
import { openapiReply, v3Reply } from '../../src/rules/defaults/replies-openapi.js';
import type { SandboxResult, Trade } from '../../src/rules/defaults/sandbox.js';
import type { TradeRequest } from '../../src/rules/defaults/trade-request.js';

const paidAt = new Date(Date.UTC(2024, 0, 1, 4, 0, 5)); // 12:00:05 in GMT+8
const refund = { id: 'r1', amount: '3.00', at: paidAt };

function trade(patch: Partial<Trade> = {}): Trade {
  return {
    merchant: 'm',
    outTradeNo: 'o1',
    tradeNo: '2024010122001400000000000001',
    status: 'TRADE_SUCCESS',
    amount: '12.50',
    currency: 'USD',
    subject: 's',
    buyerLoginId: 'tes***@alipay.com',
    buyerUserId: '2088102122524333',
    createdAt: paidAt,
    paidAt,
    refunds: [refund],
    queriesUntilPaid: 0,
    ...patch,
  };
}

const request = (op: TradeRequest['op']): TradeRequest => ({ op, merchant: 'm', outTradeNo: 'o1', tradeNo: undefined, amount: '12.50', currency: 'USD', buyerCode: '288888888888888888', subject: 's', refundId: 'r1', refundAmount: '3.00' });
const ok = (patch: Partial<Trade> = {}, extra: object = {}): SandboxResult => ({ kind: 'ok', trade: trade(patch), ...extra });
const keys = (fields: unknown) => Object.keys(fields as object);
const PAYMENT = ['trade_no', 'out_trade_no', 'buyer_logon_id', 'buyer_user_id', 'total_amount', 'receipt_amount', 'buyer_pay_amount'];

test('v2 replies: code and msg first, then the business fields in the gateway order', () => {
  const query = openapiReply(request('query'), ok()).fields as Record<string, unknown>;
  assert.deepEqual(keys(query), ['code', 'msg', ...PAYMENT, 'gmt_payment', 'fund_bill_list', 'trade_status', 'send_pay_date']);
  assert.deepEqual(query, {
    code: '10000',
    msg: 'Success',
    trade_no: '2024010122001400000000000001',
    out_trade_no: 'o1',
    buyer_logon_id: 'tes***@alipay.com',
    buyer_user_id: '2088102122524333',
    total_amount: '12.50',
    receipt_amount: '12.50',
    buyer_pay_amount: '12.50',
    gmt_payment: '2024-01-01 12:00:05',
    fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: '12.50' }],
    trade_status: 'TRADE_SUCCESS',
    send_pay_date: '2024-01-01 12:00:05',
  });
  assert.deepEqual(keys(openapiReply(request('query'), ok({ status: 'WAIT_BUYER_PAY', paidAt: undefined })).fields), ['code', 'msg', ...PAYMENT, 'trade_status'], 'unpaid: no payment time or fund bill');
  assert.deepEqual(keys(openapiReply(request('pay'), ok()).fields), ['code', 'msg', ...PAYMENT, 'gmt_payment', 'fund_bill_list']);
  assert.deepEqual(keys(openapiReply(request('refund'), ok({}, { refund })).fields), ['code', 'msg', ...PAYMENT.slice(0, 4), 'fund_change', 'refund_fee', 'send_back_fee', 'gmt_refund_pay']);
  assert.deepEqual(keys(openapiReply(request('cancel'), ok({}, { action: 'refund' })).fields), ['code', 'msg', 'trade_no', 'out_trade_no', 'retry_flag', 'action', 'gmt_refund_pay']);
  assert.deepEqual(keys(openapiReply(request('cancel'), ok({}, { action: 'close' })).fields), ['code', 'msg', 'trade_no', 'out_trade_no', 'retry_flag', 'action']);
  assert.deepEqual(keys(openapiReply(request('pay'), { kind: 'waiting', trade: trade() }).fields), ['code', 'msg', ...PAYMENT.slice(0, 5)]);
  assert.deepEqual(keys(openapiReply(request('cancel'), { kind: 'cancel-missing' }).fields), ['code', 'msg', 'retry_flag', 'out_trade_no']);
});

test('v3 replies: the same business fields, without code and msg', () => {
  assert.deepEqual(keys(v3Reply(request('query'), ok()).fields), [...PAYMENT, 'gmt_payment', 'fund_bill_list', 'trade_status', 'send_pay_date']);
  assert.deepEqual(keys(v3Reply(request('pay'), { kind: 'waiting', trade: trade() }).fields), [...PAYMENT.slice(0, 5), 'trade_status']);
});

test('legacy replies: result_code first, the CNY amount before the currency and its rate', () => {
  const query = legacyReply('alipay.acquire.overseas.query', request('query'), ok()).fields as Record<string, string>;
  const pay = ['alipay_buyer_login_id', 'alipay_buyer_user_id', 'alipay_pay_time', 'alipay_trans_id', 'partner_trans_id', 'trans_amount', 'trans_amount_cny', 'currency', 'exchange_rate'];
  assert.deepEqual(keys(query), ['result_code', 'alipay_trans_status', 'out_trade_no', 'payment_inst', ...pay]);
  assert.deepEqual([query.trans_amount_cny, query.currency, query.exchange_rate, query.alipay_pay_time], ['88.75', 'USD', '7.1000000000', '20240101120005']);
  assert.deepEqual(keys(legacyReply('alipay.acquire.overseas.spot.pay', request('pay'), ok({ paidAt: undefined })).fields), ['result_code', ...pay.filter((name) => name !== 'alipay_pay_time')]);
  const refunded = legacyReply('alipay.acquire.overseas.spot.refund', request('refund'), ok({}, { refund })).fields as Record<string, string>;
  assert.deepEqual(keys(refunded), ['result_code', 'partner_trans_id', 'alipay_trans_id', 'partner_refund_id', 'refund_amount', 'refund_amount_cny', 'currency', 'exchange_rate']);
  assert.equal(refunded.refund_amount_cny, '21.30');
});
