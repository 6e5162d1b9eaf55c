// Payment-aware replay with the official alipay-sdk as the client: recorded from a fake gateway
// that signs with its own key, replayed for new order ids, adapted and re-signed with paymock's
// test key, and verified by the SDK. With the wrong public key the SDK's check fails.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import iconv from 'iconv-lite';
import { AlipaySdk } from 'alipay-sdk';
import { createLogger } from '../../src/core/log.js';
import { startPaymock, type PaymockOptions } from '../../src/index.js';
import { parseMapiReply } from '../../src/dialects/mapi-xml.js';
import { mapiRequestSignContent, mapiResponseSignContent, md5Sign } from '../../src/dialects/signing.js';
import { loadOrCreateAlipayTestKey } from '../../src/keys/alipay-test-key.js';
import { send } from '../support/client.js';
import { MD5_KEY, startFakeAlipay } from '../support/fake-alipay.js';
import { tempDir } from '../support/tmp.js';

const APP_ID = '2021000000000001';
const PARTNER = '2088101122136241';
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });

function sdk(url: string, alipayPublicKey: string): AlipaySdk {
  return new AlipaySdk({
    appId: APP_ID,
    privateKey: app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    alipayPublicKey,
    gateway: `${url}/gateway.do`,
    endpoint: url,
  });
}

async function setup(t: TestContext) {
  const dir = await tempDir(t);
  const alipay = await startFakeAlipay();
  t.after(() => alipay.upstream.close());
  const options = (mode: 'record' | 'replay'): PaymockOptions => ({
    mode,
    cassette: 'alipay',
    upstream: alipay.upstream.url,
    port: 0,
    cassettesDir: dir,
    caDir: path.join(dir, 'keys'),
    alipay: { partners: { [PARTNER]: { md5Key: MD5_KEY } } },
    log: 'silent',
  });
  const paymockKey = (await loadOrCreateAlipayTestKey(path.join(dir, 'keys'))).publicKeyBase64;
  return { dir, alipay, options, paymockKey };
}

test('v2 exec: replies for new order ids are adapted, re-signed, and verified by alipay-sdk', async (t) => {
  const { dir, alipay, options, paymockKey } = await setup(t);
  const statuses = ['WAIT_BUYER_PAY', 'WAIT_BUYER_PAY', 'TRADE_SUCCESS'];
  alipay.v2('alipay.trade.query', (biz, n) => ({ out_trade_no: biz.out_trade_no!, trade_no: '2024010122001400000000000007', trade_status: statuses[n - 1] ?? 'TRADE_SUCCESS', total_amount: '10.00' }));
  alipay.v2('alipay.trade.refund', (biz) => ({ out_trade_no: biz.out_trade_no!, refund_fee: biz.refund_amount!, fund_change: 'Y' }));

  const recorder = await startPaymock(options('record'));
  const live = sdk(recorder.url, alipay.publicKeyPem);
  const recorded = [];
  for (let i = 0; i < 3; i++) recorded.push(await live.exec('alipay.trade.query', { bizContent: { outTradeNo: 'ORDER-REC-1' } }, { validateSign: true }));
  await live.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'ORDER-REC-1', refundAmount: '10.00', outRequestNo: 'R1' } }, { validateSign: true });
  await recorder.stop();
  await alipay.upstream.close();
  assert.deepEqual(recorded.map((r) => r.tradeStatus), statuses);
  const stored = JSON.parse(await readFile(path.join(dir, 'alipay.json'), 'utf8')).interactions;
  assert.deepEqual(stored.map((i: { merchantIds?: object }) => i.merchantIds).slice(2), [{ out_trade_no: 'ORDER-REC-1' }, { out_trade_no: 'ORDER-REC-1', out_request_no: 'R1' }], 'ids from biz_content are stored');

  const player = await startPaymock(options('replay'));
  t.after(() => player.stop());
  const client = sdk(player.url, paymockKey);
  const polled = [];
  for (let i = 0; i < 4; i++) polled.push(await client.exec('alipay.trade.query', { bizContent: { outTradeNo: 'ORDER-CI-9' } }, { validateSign: true }));
  assert.deepEqual(polled.map((r) => r.tradeStatus), [...statuses, 'TRADE_SUCCESS'], 'polling replays the recorded statuses in order');
  assert.ok(polled.every((r) => r.outTradeNo === 'ORDER-CI-9'), 'the live order id is in every reply');
  assert.equal(polled[0]!.tradeNo, '2024010122001400000000000007', "Alipay's own ids stay as recorded");

  await assert.rejects(
    sdk(player.url, alipay.publicKeyPem).exec('alipay.trade.query', { bizContent: { outTradeNo: 'ORDER-CI-10' } }, { validateSign: true }),
    /验签失败/,
    'an adapted reply is signed by paymock, not by the recorded key: the check is real',
  );

  const missed = await client.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'ORDER-CI-9', refundAmount: '5.00', outRequestNo: 'R9' } }).catch((error: Error & { responseDataRaw?: string }) => error.responseDataRaw ?? error.message);
  assert.match(String(missed), /same alipay\.trade\.refund; differs in 1 field\(s\):\n\s+biz\.refund_amount: expected "10\.00", got "5\.00"/);
});

test('v3 curl: an adapted reply gets new alipay-signature headers that alipay-sdk verifies', async (t) => {
  const { alipay, options, paymockKey } = await setup(t);
  alipay.v3('/v3/alipay/trade/query', (body) => ({ out_trade_no: body.out_trade_no!, trade_no: '2024010122001400000000000008', trade_status: 'TRADE_SUCCESS' }));
  const recorder = await startPaymock(options('record'));
  const live = await sdk(recorder.url, alipay.publicKeyPem).curl<{ out_trade_no: string }>('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V3-REC' } });
  await recorder.stop();
  assert.equal(live.data.out_trade_no, 'V3-REC');

  const player = await startPaymock(options('replay'));
  t.after(() => player.stop());
  const replayed = await sdk(player.url, paymockKey).curl<{ out_trade_no: string; trade_no: string }>('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V3-CI' } });
  assert.deepEqual(replayed.data, { out_trade_no: 'V3-CI', trade_no: '2024010122001400000000000008', trade_status: 'TRADE_SUCCESS' });
  await assert.rejects(sdk(player.url, alipay.publicKeyPem).curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V3-CI-2' } }), /验签失败/);
});

test('legacy GBK spot pay: byte-exact for the same ids, adapted and MD5-signed for new ones', async (t) => {
  const { dir, alipay, options } = await setup(t);
  alipay.mapi('alipay.acquire.overseas.spot.pay', (p) => ({
    alipay_buyer_login_id: '159****5620',
    alipay_trans_id: '2024010122001400000000000001',
    partner_trans_id: p.partner_trans_id!,
    result_code: 'SUCCESS',
    trans_amount: p.trans_amount!,
    trans_name: p.trans_name!,
  }));
  const gbk = (value: string) => [...iconv.encode(value, 'gbk')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  const pay = (url: string, id: string) => {
    const params: Record<string, string> = {
      service: 'alipay.acquire.overseas.spot.pay',
      partner: PARTNER,
      partner_trans_id: id,
      trans_name: '测试商品',
      trans_amount: '0.01',
      currency: 'USD',
      buyer_identity_code: '288888888888888888',
    };
    // Signed in GBK with the merchant key: in replay paymock checks it, as the gateway would.
    const sign = md5Sign(mapiRequestSignContent({ ...params, _input_charset: 'gbk' }), MD5_KEY, 'gbk');
    const form = Object.entries({ ...params, sign_type: 'MD5', sign }).map(([k, v]) => `${k}=${gbk(v)}`).join('&');
    return send(`${url}/gateway.do?_input_charset=gbk`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
  };

  const recorder = await startPaymock(options('record'));
  const live = await pay(recorder.url, 'P-REC-1');
  await recorder.stop();
  const cassette = JSON.parse(await readFile(path.join(dir, 'alipay.json'), 'utf8'));
  assert.equal(cassette.interactions[0].key.fields.trans_name, '测试商品', 'the GBK form is decoded as GBK');
  assert.equal(cassette.interactions[0].response.body.charset, 'gbk');
  assert.deepEqual(cassette.interactions[0].merchantIds, { partner_trans_id: 'P-REC-1' }, 'the ids replay swaps are stored with the recording');

  const player = await startPaymock(options('replay'));
  t.after(() => player.stop());
  const same = await pay(player.url, 'P-REC-1');
  assert.ok(same.body.equals(live.body), 'nothing differs: the recorded bytes go out untouched');

  const adapted = await pay(player.url, 'P-CI-2');
  const xml = iconv.decode(adapted.body, 'gbk');
  assert.match(xml, /^<\?xml version="1.0" encoding="gbk"\?>/);
  assert.match(xml, /<partner_trans_id>P-CI-2<\/partner_trans_id>/);
  assert.match(xml, /<trans_name>测试商品<\/trans_name>/);
  const reply = parseMapiReply(xml);
  assert.equal(reply.sign, md5Sign(mapiResponseSignContent(reply.business!), MD5_KEY, 'gbk'), 'the MD5 signature verifies with the merchant key');
  assert.notEqual(reply.sign, parseMapiReply(iconv.decode(live.body, 'gbk')).sign);
  assert.equal(Number(adapted.headers['content-length']), adapted.body.length);
  await player.stop();

  // A cassette recorded before the ids were stored: they are read from the recorded request.
  delete cassette.interactions[0].merchantIds;
  await writeFile(path.join(dir, 'older.json'), JSON.stringify({ ...cassette, name: 'older' }));
  const older = await startPaymock({ ...options('replay'), cassette: 'older' });
  t.after(() => older.stop());
  assert.ok((await pay(older.url, 'P-REC-1')).body.equals(live.body));
  assert.ok((await pay(older.url, 'P-CI-2')).body.equals(adapted.body), 'adapted alike');
});

test('an adapted reply that cannot be re-signed is served with a warning in the log and the journal', async (t) => {
  const { alipay, options } = await setup(t);
  alipay.mapi('alipay.acquire.overseas.query', (p) => ({ partner_trans_id: p.partner_trans_id!, alipay_trans_status: 'TRADE_SUCCESS', result_code: 'SUCCESS' }));
  const query = (url: string, id: string) => send(`${url}/gateway.do?service=alipay.acquire.overseas.query&partner=${PARTNER}&partner_trans_id=${id}&_input_charset=utf-8`);
  const recorder = await startPaymock(options('record'));
  await query(recorder.url, 'Q-REC');
  await recorder.stop();
  const lines: string[] = [];
  const player = await startPaymock({ ...options('replay'), alipay: {} }, { log: createLogger('info', (line) => lines.push(line)) });
  t.after(() => player.stop());
  const adapted = await query(player.url, 'Q-CI');
  assert.match(adapted.body.toString(), /<partner_trans_id>Q-CI<\/partner_trans_id>/);
  const [entry] = player.journal.list({ api: 'alipay.acquire.overseas.query' });
  assert.match(entry!.outcome.warnings?.[0] ?? '', /adapted but NOT re-signed: no MD5 key for partner 2088101122136241/);
  assert.ok(lines.some((line) => line.includes('NOT re-signed')), 'and in the log');
});

test('v2 with redact.responseFields and resign: always: the token is REDACTED in the cassette and the replay still verifies', async (t) => {
  const { dir, alipay, options, paymockKey } = await setup(t);
  alipay.v2('alipay.system.oauth.token', () => ({ user_id: '2088000000000001', access_token: 'live-access-t0ken', refresh_token: 'live-refresh-t0ken', expires_in: '1296000' }));
  const redacting = (mode: 'record' | 'replay'): PaymockOptions => ({
    ...options(mode),
    redact: { responseFields: ['access_token', 'refresh_token'] },
    alipay: { ...options(mode).alipay, resign: 'always' },
  } as PaymockOptions);

  const recorder = await startPaymock(redacting('record'));
  const live = await sdk(recorder.url, alipay.publicKeyPem).exec('alipay.system.oauth.token', { grantType: 'authorization_code', code: 'c1' }, { validateSign: true });
  await recorder.stop();
  assert.equal(live.accessToken, 'live-access-t0ken', 'the live answer is untouched and verifies');
  const written = await readFile(path.join(dir, 'alipay.json'), 'utf8');
  assert.ok(!written.includes('live-access-t0ken') && !written.includes('live-refresh-t0ken'));

  const player = await startPaymock(redacting('replay'));
  t.after(() => player.stop());
  const replayed = await sdk(player.url, paymockKey).exec('alipay.system.oauth.token', { grantType: 'authorization_code', code: 'c1' }, { validateSign: true });
  assert.equal(replayed.accessToken, 'REDACTED');
  assert.equal(replayed.userId, '2088000000000001');
  assert.match(JSON.stringify(player.journal.list().at(-1)?.outcome.warnings), /redact\.responseFields/);
});
