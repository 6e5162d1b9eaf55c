import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sandbox } from '../../src/rules/defaults/sandbox.js';
import type { TradeRequest } from '../../src/rules/defaults/trade-request.js';

function sandbox(start = Date.UTC(2024, 0, 1)) {
  let now = start;
  let n = 0;
  const box = new Sandbox({ now: () => new Date(now), tradeNo: () => `T${++n}` }, 1000);
  return { box, advance: (ms: number) => (now += ms) };
}

const base: TradeRequest = { op: 'pay', merchant: 'm', outTradeNo: 'o1', tradeNo: undefined, amount: '10.00', currency: 'CNY', buyerCode: '288888888888888888', subject: 's', refundId: undefined, refundAmount: undefined };
const call = (patch: Partial<TradeRequest>): TradeRequest => ({ ...base, ...patch });

test('pay, query, partial refunds that accumulate and are idempotent, the rest, closed', () => {
  const { box } = sandbox();
  assert.equal(box.handle(base).kind, 'ok');
  const refund = (id: string, amount: string) => box.handle(call({ op: 'refund', refundId: id, refundAmount: amount }));
  assert.equal(refund('r1', '3.00').kind, 'ok');
  const again = refund('r1', '3.00');
  assert.ok(again.kind === 'ok' && again.repeated, 'the same refund id is not refunded twice');
  const beyond = refund('r2', '7.01');
  assert.ok(beyond.kind === 'error' && beyond.error === 'REFUND_AMOUNT_EXCEED');
  assert.equal(refund('r2', '7.00').kind, 'ok');
  const query = box.handle(call({ op: 'query' }));
  assert.ok(query.kind === 'ok' && query.trade.status === 'TRADE_CLOSED');
});

test('a repeated pay id: paid -> TRADE_HAS_SUCCESS, other amount -> CONTEXT_INCONSISTENT, closed -> TRADE_HAS_CLOSE', () => {
  const { box } = sandbox();
  box.handle(base);
  assert.deepEqual(box.handle(base), { kind: 'error', error: 'TRADE_HAS_SUCCESS', trade: box.trades()[0] });
  assert.equal((box.handle(call({ amount: '11.00' })) as { error: string }).error, 'CONTEXT_INCONSISTENT');
  box.handle(call({ op: 'cancel' }));
  assert.equal((box.handle(base) as { error: string }).error, 'TRADE_HAS_CLOSE');
});

test('cancel closes an unpaid trade and refunds a paid one; an unknown trade is reported as such', () => {
  const { box } = sandbox();
  box.handle(call({ op: 'precreate', outTradeNo: 'u' }));
  const unpaid = box.handle(call({ op: 'cancel', outTradeNo: 'u' }));
  assert.ok(unpaid.kind === 'ok' && unpaid.action === 'close' && unpaid.trade.status === 'TRADE_CLOSED');
  box.handle(base);
  const paid = box.handle(call({ op: 'cancel' }));
  assert.ok(paid.kind === 'ok' && paid.action === 'refund' && paid.trade.refunds[0]?.amount === '10.00');
  assert.equal(box.handle(call({ op: 'cancel', outTradeNo: 'nope' })).kind, 'cancel-missing');
  assert.equal((box.handle(call({ op: 'query', outTradeNo: 'nope' })) as { error: string }).error, 'TRADE_NOT_EXIST');
});

test('past the refund window a paid trade is TRADE_FINISHED and no longer refundable', () => {
  const { box, advance } = sandbox();
  box.handle(base);
  advance(1001);
  const query = box.handle(call({ op: 'query' }));
  assert.ok(query.kind === 'ok' && query.trade.status === 'TRADE_FINISHED');
  const refund = box.handle(call({ op: 'refund', refundId: 'late', refundAmount: '1.00' }));
  assert.ok(refund.kind === 'error' && refund.error === 'TRADE_STATUS_ERROR');
});

test('magic amounts: declined closes the trade, waiting resolves on the second query, system error creates nothing', () => {
  const { box } = sandbox();
  assert.equal((box.handle(call({ outTradeNo: 'd', amount: '99.01' })) as { error: string }).error, 'BUYER_BALANCE_NOT_ENOUGH');
  assert.equal(box.find(call({ outTradeNo: 'd' }))?.status, 'TRADE_CLOSED');
  assert.equal(box.handle(call({ outTradeNo: 'w', amount: '9903' })).kind, 'waiting');
  const statuses = [0, 1].map(() => (box.handle(call({ op: 'query', outTradeNo: 'w' })) as { trade: { status: string } }).trade.status);
  assert.deepEqual(statuses, ['WAIT_BUYER_PAY', 'TRADE_SUCCESS']);
  assert.equal((box.handle(call({ outTradeNo: 's', amount: '99.04' })) as { error: string }).error, 'SYSTEM_ERROR');
  assert.equal(box.find(call({ outTradeNo: 's' })), undefined);
  assert.equal((box.handle(call({ outTradeNo: 'b', buyerCode: '123' })) as { error: string }).error, 'PAYMENT_AUTH_CODE_INVALID');
});

test('the ledger stays bounded: beyond its size the oldest trade is forgotten', () => {
  let n = 0;
  const box = new Sandbox({ now: () => new Date(0), tradeNo: () => `T${++n}` }, 1000, 3);
  for (const id of ['a', 'b', 'c', 'd']) box.handle(call({ outTradeNo: id }));
  assert.deepEqual(box.trades().map((trade) => trade.outTradeNo), ['b', 'c', 'd']);
  assert.equal((box.handle(call({ op: 'query', outTradeNo: 'a' })) as { error: string }).error, 'TRADE_NOT_EXIST');
  // By Alipay's trade number alone: the forgotten one too.
  const byNumber = (tradeNo: string) => box.handle(call({ op: 'query', outTradeNo: undefined, tradeNo }));
  assert.equal((byNumber('T1') as { error: string }).error, 'TRADE_NOT_EXIST');
  assert.equal((byNumber('T3') as { trade: { outTradeNo: string } }).trade.outTradeNo, 'c');
  assert.equal((box.handle(call({ op: 'query', outTradeNo: undefined, tradeNo: 'T3', merchant: 'other' })) as { error: string }).error, 'TRADE_NOT_EXIST', 'per merchant');
});

test('a trade number a rule gave several trades names the oldest, until it is forgotten', () => {
  const box = new Sandbox({ now: () => new Date(0), tradeNo: () => 'unused' }, 1000, 2);
  box.force(call({ outTradeNo: 'x', tradeNo: 'SAME' }), 'TRADE_SUCCESS');
  box.force(call({ outTradeNo: 'y', tradeNo: 'SAME' }), 'WAIT_BUYER_PAY');
  const byNumber = () => box.handle(call({ op: 'query', outTradeNo: undefined, tradeNo: 'SAME' })) as { trade: { outTradeNo: string } };
  assert.equal(byNumber().trade.outTradeNo, 'x');
  box.force(call({ outTradeNo: 'z', tradeNo: 'OTHER' }), 'TRADE_SUCCESS');
  assert.equal(byNumber().trade.outTradeNo, 'y', 'x was forgotten');
  box.reset();
  assert.equal((box.handle(call({ op: 'query', outTradeNo: undefined, tradeNo: 'OTHER' })) as { error: string }).error, 'TRADE_NOT_EXIST');
});
