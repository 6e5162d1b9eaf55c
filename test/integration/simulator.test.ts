// The simulated sandbox out of the box (mock mode), driven by the official alipay-sdk with
// signature checks on both sides, and by a legacy MD5 client in GBK.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import iconv from 'iconv-lite';
import { AlipaySdk } from 'alipay-sdk';
import { parseMapiReply } from '../../src/dialects/mapi-xml.js';
import { mapiRequestSignContent, mapiResponseSignContent, md5Sign } from '../../src/dialects/signing.js';
import { send } from '../support/client.js';
import { BUYER, PARTNER, startMockSandbox } from '../support/mock-sandbox.js';

const APP_ID = '2021000000000003';
const MD5_KEY = 'fedcba9876543210fedcba9876543210';

async function mockSandbox(t: TestContext) {
  const { paymock, sdk } = await startMockSandbox(t, { appId: APP_ID, md5Key: MD5_KEY });
  const client = sdk();
  const exec = (method: string, biz: Record<string, unknown>) => client.exec(method, { bizContent: biz }, { validateSign: true });
  return { paymock, sdk: client, exec };
}

test('v2 flow: pay -> query -> partial refund -> refund beyond the rest -> query', async (t) => {
  const { exec, paymock } = await mockSandbox(t);
  const pay = await exec('alipay.trade.pay', { outTradeNo: 'F-1', scene: 'bar_code', authCode: BUYER, subject: '测试', totalAmount: '10.00' });
  assert.equal(pay.code, '10000');
  assert.match(pay.tradeNo, /^\d{8}22001\d{15}$/);
  assert.equal(pay.totalAmount, '10.00');
  assert.equal((await exec('alipay.trade.query', { outTradeNo: 'F-1' })).tradeStatus, 'TRADE_SUCCESS');

  const partial = await exec('alipay.trade.refund', { outTradeNo: 'F-1', refundAmount: '4.00', outRequestNo: 'R-1' });
  assert.deepEqual([partial.code, partial.fundChange, partial.refundFee], ['10000', 'Y', '4.00']);
  const again = await exec('alipay.trade.refund', { outTradeNo: 'F-1', refundAmount: '4.00', outRequestNo: 'R-1' });
  assert.deepEqual([again.code, again.fundChange, again.refundFee], ['10000', 'N', '4.00'], 'a repeated refund id is idempotent');
  const beyond = await exec('alipay.trade.refund', { outTradeNo: 'F-1', refundAmount: '6.01', outRequestNo: 'R-2' });
  assert.deepEqual([beyond.code, beyond.subCode], ['40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL']);
  const rest = await exec('alipay.trade.refund', { outTradeNo: 'F-1', refundAmount: '6.00', outRequestNo: 'R-3' });
  assert.equal(rest.refundFee, '10.00');
  assert.equal((await exec('alipay.trade.query', { outTradeNo: 'F-1' })).tradeStatus, 'TRADE_CLOSED', 'fully refunded is closed');
  assert.equal(paymock.sandbox.trades().length, 1);
});

test('v2 cancel of an unpaid and of a paid trade; an unknown trade; a repeated pay id', async (t) => {
  const { exec } = await mockSandbox(t);
  await exec('alipay.trade.precreate', { outTradeNo: 'U-1', subject: 'x', totalAmount: '5.00' });
  const unpaid = await exec('alipay.trade.cancel', { outTradeNo: 'U-1' });
  assert.deepEqual([unpaid.code, unpaid.action, unpaid.retryFlag], ['10000', 'close', 'N']);
  await exec('alipay.trade.pay', { outTradeNo: 'P-1', scene: 'bar_code', authCode: BUYER, subject: 'x', totalAmount: '5.00' });
  const paid = await exec('alipay.trade.cancel', { outTradeNo: 'P-1' });
  assert.equal(paid.action, 'refund');
  assert.equal((await exec('alipay.trade.query', { outTradeNo: 'P-1' })).tradeStatus, 'TRADE_CLOSED');
  const missing = await exec('alipay.trade.query', { outTradeNo: 'NOPE' });
  assert.deepEqual([missing.code, missing.subCode, missing.subMsg], ['40004', 'ACQ.TRADE_NOT_EXIST', '交易不存在']);
  const repeated = await exec('alipay.trade.pay', { outTradeNo: 'P-1', scene: 'bar_code', authCode: BUYER, subject: 'x', totalAmount: '5.00' });
  assert.equal(repeated.subCode, 'ACQ.TRADE_HAS_CLOSE');
  const badCode = await exec('alipay.trade.pay', { outTradeNo: 'P-2', scene: 'bar_code', authCode: '123', subject: 'x', totalAmount: '5.00' });
  assert.equal(badCode.subCode, 'ACQ.PAYMENT_AUTH_CODE_INVALID');
});

test('v3 flow through curl: pay, query, a business error as a signed 400', async (t) => {
  const { sdk } = await mockSandbox(t);
  const pay = await sdk.curl<{ trade_no: string; out_trade_no: string }>('POST', '/v3/alipay/trade/pay', { body: { out_trade_no: 'V-1', scene: 'bar_code', auth_code: BUYER, subject: 'x', total_amount: '1.00' } });
  assert.equal(pay.data.out_trade_no, 'V-1');
  const query = await sdk.curl<{ trade_status: string }>('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V-1' } });
  assert.equal(query.data.trade_status, 'TRADE_SUCCESS');
  await assert.rejects(sdk.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V-404' } }), (error: Error & { code?: string; responseHttpStatus?: number }) => {
    assert.equal(error.code, 'ACQ.TRADE_NOT_EXIST');
    assert.equal(error.responseHttpStatus, 400);
    return true;
  });
});

test('legacy flow with an MD5 client in GBK: pay -> query -> refund, every reply verifies', async (t) => {
  const { paymock } = await mockSandbox(t);
  const call = async (params: Record<string, string>) => {
    const all = { ...params, partner: PARTNER, _input_charset: 'gbk' };
    const sign = md5Sign(mapiRequestSignContent(all), MD5_KEY, 'gbk');
    const query = Object.entries({ ...all, sign_type: 'MD5', sign })
      .map(([k, v]) => `${k}=${[...iconv.encode(v, 'gbk')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`)
      .join('&');
    const got = await send(`${paymock.url}/gateway.do?${query}`);
    const xml = iconv.decode(got.body, 'gbk');
    const reply = parseMapiReply(xml);
    assert.equal(reply.isSuccess, 'T', xml);
    assert.equal(reply.sign, md5Sign(mapiResponseSignContent(reply.business!), MD5_KEY, 'gbk'), 'the reply verifies with the merchant MD5 key');
    assert.match(xml, /^<\?xml version="1.0" encoding="gbk"\?>/);
    return reply.business!;
  };
  const pay = await call({ service: 'alipay.acquire.overseas.spot.pay', partner_trans_id: 'L-1', trans_name: '中文商品', trans_amount: '12.50', currency: 'USD', buyer_identity_code: BUYER, biz_product: 'OVERSEAS_MBARCODE_PAY', identity_code_type: 'barcode', trans_create_time: '20240101120000' });
  assert.deepEqual([pay.result_code, pay.trans_amount, pay.currency, pay.exchange_rate, pay.trans_amount_cny], ['SUCCESS', '12.50', 'USD', '7.1000000000', '88.75']);
  const query = await call({ service: 'alipay.acquire.overseas.query', partner_trans_id: 'L-1' });
  assert.deepEqual([query.result_code, query.alipay_trans_status, query.alipay_trans_id], ['SUCCESS', 'TRADE_SUCCESS', pay.alipay_trans_id]);
  const refund = await call({ service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: 'L-1', partner_refund_id: 'LR-1', refund_amount: '2.50', currency: 'USD' });
  assert.deepEqual([refund.result_code, refund.refund_amount, refund.partner_refund_id], ['SUCCESS', '2.50', 'LR-1']);
  const cancel = await call({ service: 'alipay.acquire.cancel', out_trade_no: 'L-1', timestamp: String(Date.now()) });
  assert.deepEqual([cancel.result_code, cancel.retry_flag], ['SUCCESS', 'N']);
  const missing = await call({ service: 'alipay.acquire.overseas.query', partner_trans_id: 'L-404' });
  assert.deepEqual([missing.result_code, missing.error], ['FAILED', 'TRADE_NOT_EXIST']);
});

test('every magic amount in the README table does what the table says', async (t) => {
  const { exec, sdk, paymock } = await mockSandbox(t);
  const pay = (id: string, amount: string) => exec('alipay.trade.pay', { outTradeNo: id, scene: 'bar_code', authCode: BUYER, subject: 'magic', totalAmount: amount });
  const status = async (id: string) => {
    const query = await exec('alipay.trade.query', { outTradeNo: id });
    return query.tradeStatus ?? query.subCode;
  };

  const declined = await pay('M-1', '99.01');
  assert.deepEqual([declined.code, declined.subCode], ['40004', 'ACQ.BUYER_BALANCE_NOT_ENOUGH']);
  assert.equal(await status('M-1'), 'TRADE_CLOSED');

  const unknown = await pay('M-2', '99.02');
  assert.equal(unknown.code, '20000');
  assert.equal(await status('M-2'), 'TRADE_SUCCESS', 'a later query resolves the unknown result');

  const waiting = await pay('M-3', '99.03');
  assert.equal(waiting.code, '10003');
  assert.equal(await status('M-3'), 'WAIT_BUYER_PAY');
  assert.equal(await status('M-3'), 'TRADE_SUCCESS', 'the buyer entered the password');

  const failed = await pay('M-4', '99.04');
  assert.deepEqual([failed.code, failed.subCode], ['20000', 'ACQ.SYSTEM_ERROR']);
  assert.equal(await status('M-4'), 'ACQ.TRADE_NOT_EXIST');

  const impatient = new AlipaySdk({ ...sdk.config, timeout: 300 });
  await assert.rejects(impatient.exec('alipay.trade.pay', { bizContent: { outTradeNo: 'M-5', scene: 'bar_code', authCode: BUYER, subject: 'magic', totalAmount: '99.05' } }), /timeout|Timeout/);
  assert.equal(await status('M-5'), 'TRADE_SUCCESS', 'the timed-out payment went through');

  await assert.rejects(pay('M-6', '99.06'), /验签失败/);
  assert.equal(await status('M-6'), 'TRADE_SUCCESS');
  assert.equal(paymock.sandbox.trades().length, 5);
  paymock.sandbox.reset();
  assert.equal(await status('M-6'), 'ACQ.TRADE_NOT_EXIST', 'reset empties the ledger');
});

test("the seed's sample (trans_amount=9901, buyer 288888888888888888) is declined on the legacy gateway", async (t) => {
  const { paymock } = await mockSandbox(t);
  const params = { service: 'alipay.acquire.overseas.spot.pay', partner: PARTNER, partner_trans_id: '8567745904202380', trans_name: 'xxxzgl', trans_amount: '9901', currency: 'USD', buyer_identity_code: BUYER, identity_code_type: 'barcode', memo: 'nomemo', biz_product: 'OVERSEAS_MBARCODE_PAY' };
  const sign = md5Sign(mapiRequestSignContent(params), MD5_KEY, 'GBK');
  const got = await send(`${paymock.url}/gateway.do?${new URLSearchParams({ ...params, sign_type: 'MD5', sign })}`);
  const reply = parseMapiReply(iconv.decode(got.body, 'gbk'));
  assert.deepEqual([reply.business?.result_code, reply.business?.error], ['FAILED', 'BUYER_BALANCE_NOT_ENOUGH']);
  assert.match(iconv.decode(got.body, 'gbk'), /^<\?xml version="1.0" encoding="GBK"\?>/, 'no _input_charset: GBK');
});
