// Custom rules with real clients: the example files' business results and faults, sequences,
// hot reload that keeps the last good set, and rule answers never recorded.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { access, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import iconv from 'iconv-lite';
import { AlipaySdk } from 'alipay-sdk';
import { startPaymock, type PaymockOptions } from '../../src/index.js';
import { loadOrCreateAlipayTestKey } from '../../src/keys/alipay-test-key.js';
import { send } from '../support/client.js';
import { tempDir } from '../support/tmp.js';

const APP_ID = '2021000000000004';
const BUYER = '288888888888888888';
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function withRules(t: TestContext, examples: string[], extra: Partial<PaymockOptions> = {}) {
  const dir = await tempDir(t);
  const rulesDir = path.join(dir, 'rules');
  await mkdir(rulesDir);
  for (const name of examples) await copyFile(path.join('rules/examples', `${name}.yaml`), path.join(rulesDir, `${name}.yaml`));
  const keys = path.join(dir, 'keys');
  const paymock = await startPaymock({ port: 0, caDir: keys, rulesDir, cassettesDir: dir, log: 'silent', ...extra } as PaymockOptions);
  t.after(() => paymock.stop());
  const alipayPublicKey = (await loadOrCreateAlipayTestKey(keys)).publicKeyBase64;
  const sdk = (timeout = 5000) =>
    new AlipaySdk({ appId: APP_ID, privateKey: app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), alipayPublicKey, gateway: `${paymock.url}/gateway.do`, endpoint: paymock.url, timeout });
  return { dir, rulesDir, paymock, sdk };
}

const pay = (sdk: AlipaySdk, outTradeNo: string, totalAmount: string) =>
  sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo, scene: 'bar_code', authCode: BUYER, subject: 'x', totalAmount } }, { validateSign: true });

test('a dialect-neutral FAIL is encoded for v2, v3 and the legacy gateway, signed', async (t) => {
  const { sdk, paymock } = await withRules(t, ['declined-balance']);
  const v2 = await pay(sdk(), 'D-1', '1000.00');
  assert.deepEqual([v2.code, v2.msg, v2.subCode, v2.subMsg], ['40004', 'Business Failed', 'ACQ.BUYER_BALANCE_NOT_ENOUGH', 'Buyer balance is not enough']);
  assert.equal((await pay(sdk(), 'D-2', '999.99')).code, '10000', 'below the threshold the sandbox answers');
  await assert.rejects(sdk().curl('POST', '/v3/alipay/trade/pay', { body: { out_trade_no: 'D-3', scene: 'bar_code', auth_code: BUYER, subject: 'x', total_amount: '5000' } }), (error: Error & { code?: string; responseHttpStatus?: number }) => {
    assert.deepEqual([error.code, error.responseHttpStatus], ['ACQ.BUYER_BALANCE_NOT_ENOUGH', 400]);
    return true;
  });
  const legacy = await send(`${paymock.url}/gateway.do?service=alipay.acquire.overseas.spot.pay&partner=2088101122136241&partner_trans_id=D-4&trans_amount=1500&currency=USD&buyer_identity_code=${BUYER}`);
  const xml = iconv.decode(legacy.body, 'gbk');
  assert.match(xml, /<result_code>FAILED<\/result_code>/);
  assert.match(xml, /<error>BUYER_BALANCE_NOT_ENOUGH<\/error>/);
  assert.equal(legacy.headers['x-paymock-source'], 'rule');
});

test('faults as a real client sees them: timeout, reset, 5xx, truncated, malformed', async (t) => {
  const { sdk, paymock } = await withRules(t, ['fault-timeout', 'fault-reset', 'fault-5xx', 'fault-truncated', 'fault-malformed']);
  await assert.rejects(pay(sdk(300), 'TIMEOUT-1', '1.00'), /timeout|Timeout/, 'timeout: the client gives up');

  await pay(sdk(), 'R-1', '10.00');
  const refundForm = 'biz_content=%7B%22out_trade_no%22%3A%22R-1%22%2C%22refund_amount%22%3A%221.00%22%7D';
  await assert.rejects(
    send(`${paymock.url}/gateway.do?method=alipay.trade.refund&app_id=${APP_ID}`, { method: 'POST', body: refundForm, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
    /ECONNRESET/,
    'reset: the connection is torn down without an answer',
  );
  const second = await sdk().exec('alipay.trade.refund', { bizContent: { outTradeNo: 'R-1', refundAmount: '1.00' } }, { validateSign: true });
  assert.equal(second.code, '10000', 'times: 1, so the retry goes through');

  const first503 = await send(`${paymock.url}/gateway.do?method=alipay.trade.precreate&app_id=${APP_ID}`, { method: 'POST', body: 'biz_content=%7B%22out_trade_no%22%3A%22Q-1%22%2C%22total_amount%22%3A%221.00%22%7D', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(first503.status, 503);
  assert.match(first503.body.toString(), /503 Service Temporarily Unavailable/);

  await assert.rejects(
    send(`${paymock.url}/v3/alipay/trade/query`, { method: 'POST', body: '{"out_trade_no":"R-1"}', headers: { 'Content-Type': 'application/json', 'x-test-case': 'truncated' } }),
    /aborted|socket hang up|ECONNRESET|premature/i,
    'truncated: the body ends before its Content-Length',
  );

  const malformed = await send(`${paymock.url}/gateway.do?service=alipay.acquire.overseas.query&partner=2088101122136241&partner_trans_id=MALFORMED-1`);
  assert.equal(malformed.status, 200);
  assert.doesNotMatch(iconv.decode(malformed.body, 'gbk'), /<\/alipay>\s*$/, 'the XML stops mid-way');
});

test('a sequence is consumed in order and its last action repeats', async (t) => {
  const { sdk } = await withRules(t, ['query-sequence']);
  await pay(sdk(), 'S-1', '3.00');
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await sdk().exec('alipay.trade.query', { bizContent: { outTradeNo: 'S-1' } }, { validateSign: true })).tradeStatus);
  assert.deepEqual(statuses, ['WAIT_BUYER_PAY', 'WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_SUCCESS']);
});

test('hot reload: a changed rule file applies, a broken one keeps the last good set', async (t) => {
  const { rulesDir, paymock } = await withRules(t, []);
  const file = path.join(rulesDir, 'live.yaml');
  const rule = (body: string) => `id: live\nname: live rule\nwhen: { dialect: http, api: GET /live }\nthen: { response: { status: 200, body: "${body}" } }\n`;
  const get = async () => (await send(`${paymock.url}/live`)).body.toString();
  const until = async (expected: string) => {
    for (let i = 0; i < 100; i++) {
      if ((await get()) === expected) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`never answered ${expected}`);
  };
  await writeFile(file, rule('one'));
  await until('one');
  await writeFile(file, rule('two'));
  await until('two');
  await writeFile(file, 'id: live\nname: broken\nthen: { response: { status: "not a number" } }\n');
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(await get(), 'two', 'the last good set keeps serving');
  await writeFile(file, rule('three'));
  await until('three');
  assert.equal(paymock.rules.rules.length, 1);
});

test('rule answers are never recorded', async (t) => {
  const { dir, sdk } = await withRules(t, ['declined-balance'], { mode: 'record', cassette: 'rec', upstream: 'http://127.0.0.1:9' });
  const declined = await pay(sdk(), 'N-1', '2000.00');
  assert.equal(declined.subCode, 'ACQ.BUYER_BALANCE_NOT_ENOUGH');
  await assert.rejects(access(path.join(dir, 'rec.json')));
});
