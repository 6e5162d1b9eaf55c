// The simulated sandbox calls the merchant's notify_url: a real merchant handler on 127.0.0.1
// verifies with alipay-sdk's checkNotifySign (v2) and with MD5 (legacy), and retries stop at `success`.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import iconv from 'iconv-lite';
import { parseForm } from '../../src/core/form.js';
import { mapiRequestSignContent, md5Sign, notifySignContent } from '../../src/dialects/signing.js';
import { send } from '../support/client.js';
import { BUYER, PARTNER, startMockSandbox } from '../support/mock-sandbox.js';
import { until } from '../support/until.js';

const MD5_KEY = 'abcdefabcdefabcdefabcdefabcdef12';

interface Received {
  fields: Record<string, string>;
  charset: string;
}

/** A merchant's notify handler: answers `success` unless told to fail the first N deliveries. */
async function merchant(t: TestContext, failFirst = 0) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const charset = /charset=([\w-]+)/.exec(req.headers['content-type'] ?? '')?.[1] ?? 'utf-8';
      received.push({ fields: Object.fromEntries(parseForm(Buffer.concat(chunks).toString('latin1'), charset)), charset });
      res.end(received.length <= failFirst ? 'fail' : 'success');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alipay/notify`, received };
}


async function sandbox(t: TestContext) {
  const { paymock, sdk } = await startMockSandbox(t, { appId: '2021000000000009', md5Key: MD5_KEY, options: { notify: { delayMs: 10, retryScale: 0.001 } } });
  return { paymock, sdk: sdk() };
}

test('v2: paid and refunded notifications arrive, verify with checkNotifySign, and stop at success', async (t) => {
  const { paymock, sdk } = await sandbox(t);
  const handler = await merchant(t);
  await sdk.exec('alipay.trade.pay', { notifyUrl: handler.url, bizContent: { outTradeNo: 'N-1', scene: 'bar_code', authCode: BUYER, subject: '通知', totalAmount: '8.00' } });
  await until(() => handler.received.length === 1, 'the paid notification');
  const paid = handler.received[0]!.fields;
  assert.deepEqual([paid.trade_status, paid.out_trade_no, paid.total_amount, paid.notify_type], ['TRADE_SUCCESS', 'N-1', '8.00', 'trade_status_sync']);
  assert.equal(sdk.checkNotifySign(paid), true, 'alipay-sdk verifies the notification');
  assert.equal(sdk.checkNotifySign({ ...paid, total_amount: '800.00' }), false, 'and the check is real');

  await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'N-1', refundAmount: '3.00', outRequestNo: 'NR-1' } });
  await until(() => handler.received.length === 2, 'the refund notification');
  const refunded = handler.received[1]!.fields;
  assert.deepEqual([refunded.refund_fee, refunded.out_biz_no, refunded.trade_status], ['3.00', 'NR-1', 'TRADE_SUCCESS']);
  assert.equal(sdk.checkNotifySign(refunded), true);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(handler.received.length, 2, 'no retries after success');
  assert.deepEqual(paymock.notifier.list().map((n) => [n.state, n.attempts.length]), [['delivered', 1], ['delivered', 1]]);
});

test('a handler that answers fail gets the retries, on the compressed schedule, until success', async (t) => {
  const { paymock, sdk } = await sandbox(t);
  const handler = await merchant(t, 3);
  await sdk.exec('alipay.trade.pay', { notifyUrl: handler.url, bizContent: { outTradeNo: 'N-2', scene: 'bar_code', authCode: BUYER, subject: 'x', totalAmount: '1.00' } });
  await until(() => paymock.notifier.list()[0]?.state === 'delivered', 'three failed deliveries and a fourth');
  const [notification] = paymock.notifier.list();
  assert.equal(handler.received.length, 4);
  assert.deepEqual(notification!.attempts.map((a) => a.answer), ['fail', 'fail', 'fail', 'success']);
  assert.equal(notification!.state, 'delivered');
  const gaps = notification!.attempts.slice(1).map((a, i) => Date.parse(a.at) - Date.parse(notification!.attempts[i]!.at));
  assert.ok(gaps[0]! >= 200 && gaps[1]! >= 500, `gaps follow 4m, 10m, 10m scaled by 0.001: ${gaps.join(', ')} ms`);
});

test('legacy: an MD5-signed GBK notification, and notify_verify true for its id, false otherwise', async (t) => {
  const { paymock } = await sandbox(t);
  const handler = await merchant(t);
  const params = { service: 'alipay.acquire.overseas.spot.pay', partner: PARTNER, partner_trans_id: 'L-N-1', trans_name: '中文', trans_amount: '2.00', currency: 'USD', buyer_identity_code: BUYER, notify_url: handler.url };
  const sign = md5Sign(mapiRequestSignContent(params), MD5_KEY, 'GBK');
  const query = Object.entries({ ...params, sign_type: 'MD5', sign }).map(([k, v]) => `${k}=${[...iconv.encode(v, 'gbk')].map((b) => `%${b.toString(16)}`).join('')}`).join('&');
  await send(`${paymock.url}/gateway.do?${query}`);
  await until(() => handler.received.length === 1, 'the legacy notification');
  const { fields, charset } = handler.received[0]!;
  assert.equal(charset.toUpperCase(), 'GBK');
  const { sign: got, sign_type: type, ...rest } = fields;
  assert.equal(type, 'MD5');
  assert.equal(got, md5Sign(notifySignContent(rest), MD5_KEY, 'GBK'), 'the MD5 signature verifies with the merchant key');
  assert.deepEqual([fields.trade_status, fields.out_trade_no, fields.total_fee], ['TRADE_SUCCESS', 'L-N-1', '2.00']);

  const verify = async (id: string) => (await send(`${paymock.url}/gateway.do?service=notify_verify&partner=${PARTNER}&notify_id=${id}`)).body.toString();
  assert.equal(await verify(fields.notify_id!), 'true');
  assert.equal(await verify('0123456789abcdef0123456789abcdef'), 'false');
});

test('rules shape notifications: suppressed, duplicated with a bad signature, out of order', async (t) => {
  const { paymock, sdk } = await sandbox(t);
  const handler = await merchant(t);
  paymock.addRule([
    { id: 'quiet', name: 'no notification for SUP-*', when: { api: 'alipay.trade.pay', biz: { out_trade_no: { regex: '^SUP-' } } }, notify: { suppress: true } },
    { id: 'twice-forged', name: 'refunds notified twice, badly signed', when: { api: 'alipay.trade.refund' }, notify: { duplicate: 2, badSignature: true } },
    { id: 'late', name: 'the paid notification of LATE-* comes after the refund', when: { api: 'alipay.trade.pay', biz: { out_trade_no: { regex: '^LATE-' } } }, notify: { outOfOrder: true } },
  ]);
  const pay = (id: string) => sdk.exec('alipay.trade.pay', { notifyUrl: handler.url, bizContent: { outTradeNo: id, scene: 'bar_code', authCode: BUYER, subject: 'x', totalAmount: '5.00' } });

  const paid = await pay('SUP-1');
  assert.equal(paid.code, '10000', 'a notify-only rule does not answer the call');
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(handler.received.length, 0);
  assert.equal(paymock.notifier.list()[0]!.state, 'suppressed');

  await pay('LATE-1');
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(handler.received.length, 0, 'the paid notification is held');
  await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'LATE-1', refundAmount: '1.00', outRequestNo: 'LR-1' } });
  await until(() => handler.received.length === 3, 'two refund copies, then the held paid notification');
  const [first, second, third] = handler.received.map((r) => r.fields);
  assert.equal(first!.notify_id, second!.notify_id, 'duplicates carry the same notify_id');
  assert.deepEqual([first!.refund_fee, second!.refund_fee, third!.refund_fee], ['1.00', '1.00', undefined], 'the paid notification arrives last');
  assert.equal(sdk.checkNotifySign(first!), false, 'the forged copies fail the check');
  assert.equal(sdk.checkNotifySign(third!), true);
});

test('every delivery attempt and the merchant answer are in the journal', async (t) => {
  const { paymock, sdk } = await sandbox(t);
  const handler = await merchant(t, 1);
  await sdk.exec('alipay.trade.pay', { notifyUrl: handler.url, bizContent: { outTradeNo: 'J-1', scene: 'bar_code', authCode: BUYER, subject: 'x', totalAmount: '1.00' } });
  await until(() => paymock.notifier.list()[0]?.state === 'delivered', 'delivery after one failure');
  const attempts = paymock.journal.list({ api: 'notify TRADE_SUCCESS' });
  assert.equal(attempts.length, 2);
  assert.deepEqual(attempts.map((entry) => 'text' in entry.response.body && entry.response.body.text), ['fail', 'success']);
  assert.match(attempts[1]!.outcome.reason ?? '', /attempt 2: merchant answered success/);
  assert.equal(attempts[0]!.url, handler.url);
});
