// The notify relay end to end: a fake Alipay on 127.0.0.1 notifies the notify_url it was given, as
// the real sandbox does (retrying until `success`); paymock records through a stand-in public
// tunnel, relays to a real merchant handler, keeps the notification in the cassette, and on
// replay re-sends it adapted to the live order and signed with its own keys.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { AlipaySdk } from 'alipay-sdk';
import iconv from 'iconv-lite';
import { parseForm } from '../../src/core/form.js';
import { mapiRequestSignContent, md5Sign, notifySignContent, openapiRequestSignContent, rsaVerify } from '../../src/dialects/signing.js';
import { startPaymock, type PaymockOptions } from '../../src/index.js';
import { loadOrCreateAlipayTestKey } from '../../src/keys/alipay-test-key.js';
import { send } from '../support/client.js';
import { MD5_KEY, startFakeAlipay } from '../support/fake-alipay.js';
import { app, BUYER, PARTNER, pkcs1 } from '../support/mock-sandbox.js';
import { notifyingAlipay, TRADE_NO } from '../support/notifying-alipay.js';
import { tempDir } from '../support/tmp.js';
import { startTunnel } from '../support/tunnel.js';
import { until } from '../support/until.js';

const APP_ID = '2021000000000077';
const TOKEN = 'relay-test-admin-token';

interface Delivery {
  bytes: Buffer;
  contentType: string;
}

/** The merchant's notify handler: keeps the bytes it got, answers what `policy` says for the n-th. */
async function merchant(t: TestContext) {
  const received: Delivery[] = [];
  let policy: (n: number) => string = () => 'success';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ bytes: Buffer.concat(chunks), contentType: req.headers['content-type'] ?? '' });
      res.end(policy(received.length));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const fields = (delivery: Delivery, charset = 'utf-8') => Object.fromEntries(parseForm(delivery.bytes.toString('latin1'), charset));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alipay/notify`, received, fields, answer: (next: (n: number) => string) => (policy = next) };
}


async function setup(t: TestContext) {
  const dir = await tempDir(t);
  const alipay = await startFakeAlipay();
  t.after(() => alipay.upstream.close());
  const sandbox = notifyingAlipay(alipay);
  const tunnel = await startTunnel(t);
  const shop = await merchant(t);
  const base = (options: Partial<PaymockOptions>): PaymockOptions => ({
    cassette: 'relay',
    port: 0,
    cassettesDir: dir,
    caDir: path.join(dir, 'keys'),
    rulesDir: path.join(dir, 'rules'),
    log: 'silent',
    ...options,
  });
  const start = async (options: Partial<PaymockOptions>) => {
    const paymock = await startPaymock(base(options));
    t.after(() => paymock.stop());
    return paymock;
  };
  const cassette = async () => JSON.parse(await readFile(path.join(dir, 'relay.json'), 'utf8'));
  const paymockKey = (await loadOrCreateAlipayTestKey(path.join(dir, 'keys'))).publicKeyBase64;
  return { dir, alipay, sandbox, tunnel, shop, start, cassette, paymockKey };
}

const sdk = (gateway: string, alipayPublicKey: string) => new AlipaySdk({ appId: APP_ID, privateKey: pkcs1(app.privateKey), alipayPublicKey, gateway: `${gateway}/gateway.do`, endpoint: gateway });
const pay = (client: AlipaySdk, notifyUrl: string, outTradeNo: string) =>
  client.exec('alipay.trade.pay', { notifyUrl, bizContent: { outTradeNo, scene: 'bar_code', authCode: BUYER, subject: '测试 订单', totalAmount: '8.00' } }, { validateSign: true });

/** Record one v2 pay through the relay; the merchant answers `fail` once, so the sandbox retries. */
async function recordV2(t: TestContext) {
  const env = await setup(t);
  const { alipay, sandbox, tunnel, shop, start, dir } = env;
  sandbox.v2Pay();
  shop.answer((n) => (n === 1 ? 'fail' : 'success'));
  const keyFile = path.join(dir, 'app-private-key.pem');
  await writeFile(keyFile, pkcs1(app.privateKey));
  const recorder = await start({ mode: 'record', upstream: alipay.upstream.url, adminToken: TOKEN, notify: { publicBaseUrl: `${tunnel.url}/` }, alipay: { apps: { [APP_ID]: { privateKey: keyFile } } } });
  tunnel.to(recorder.port);
  const paid = await pay(sdk(recorder.url, alipay.publicKeyPem), shop.url, 'REC-1');
  assert.equal(paid.code, '10000', 'the real answer, verified with the gateway key');
  await until(() => sandbox.sent[0]?.answers.at(-1) === 'success', 'the sandbox to hear success');
  return { ...env, recorder };
}

test('record: notify_url is relayed and re-signed, the merchant gets the bytes, the cassette keeps the notification', async (t) => {
  const { alipay, sandbox, tunnel, shop, recorder, cassette } = await recordV2(t);
  const upstreamCall = alipay.upstream.received[0]!;
  const params = Object.fromEntries([...parseForm(new URL(upstreamCall.url, 'http://x').search.slice(1)), ...parseForm(upstreamCall.body.toString('latin1'))]);
  assert.match(params.notify_url!, new RegExp(`^${tunnel.url}/__paymock/notify/[0-9a-f]{32}$`), 'the sandbox was given the relay URL');
  assert.equal(rsaVerify(openapiRequestSignContent(params), params.sign!, app.publicKey, 'RSA2'), true, "the request still verifies with the merchant's public key");

  assert.deepEqual(sandbox.sent[0]!.answers, ['fail', 'success'], "the sandbox heard the merchant's answers and retried");
  assert.equal(shop.received.length, 2);
  for (const delivery of shop.received) {
    assert.ok(delivery.bytes.equals(sandbox.sent[0]!.body), 'byte for byte');
    assert.equal(delivery.contentType, 'application/x-www-form-urlencoded; charset=utf-8');
  }
  const fields = shop.fields(shop.received[0]!);
  assert.equal(fields.subject, '测试 订单');
  assert.equal(sdk(recorder.url, alipay.publicKeyPem).checkNotifySign(fields), true, "the sandbox's own signature reaches the merchant");

  const listed = await send(`${recorder.url}/__paymock/notifications`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const [relayed] = JSON.parse(listed.body.toString()).notifications;
  assert.deepEqual([relayed.origin, relayed.url, relayed.state, relayed.attempts.map((a: { answer: string }) => a.answer)], ['relayed', shop.url, 'delivered', ['fail', 'success']]);
  assert.equal(recorder.journal.list({ api: 'notify TRADE_SUCCESS' }).length, 2, 'each relayed delivery is journalled');

  await recorder.stop();
  const [interaction] = (await cassette()).interactions;
  assert.equal(new URL(interaction.request.url).searchParams.get('notify_url'), shop.url, "the recorded request keeps the app's notify_url");
  assert.equal(interaction.notifications.length, 1, 'the retry is not recorded twice');
  assert.equal(interaction.notifications[0].body.text, sandbox.sent[0]!.body.toString());
  assert.ok(interaction.notifications[0].headers.includes('content-type: application/x-www-form-urlencoded; charset=utf-8'));
});

test('replay: the recorded notification is re-sent for the live order, signed for checkNotifySign with paymock key', async (t) => {
  const { alipay, shop, recorder, start, paymockKey } = await recordV2(t);
  await recorder.stop();
  await alipay.upstream.close();
  const before = shop.received.length;
  shop.answer(() => 'success');
  const player = await start({ mode: 'replay', notify: { delayMs: 50, retryScale: 0.001 } });
  const client = sdk(player.url, paymockKey);
  const paid = await pay(client, shop.url, 'CI-7');
  assert.equal(paid.outTradeNo, 'CI-7');
  await until(() => shop.received.length === before + 1, 'the re-sent notification');
  const fields = shop.fields(shop.received[before]!);
  assert.deepEqual([fields.out_trade_no, fields.trade_no, fields.trade_status, fields.subject, fields.app_id], ['CI-7', TRADE_NO, 'TRADE_SUCCESS', '测试 订单', APP_ID]);
  assert.equal(client.checkNotifySign(fields), true, "alipay-sdk verifies it with paymock's test public key");
  assert.equal(sdk(player.url, alipay.publicKeyPem).checkNotifySign(fields), false, 'it is not the recorded signature');
  const [notification] = player.notifier.list();
  assert.equal(notification!.origin, 'replayed');
  assert.notEqual(fields.notify_id, shop.fields(shop.received[0]!).notify_id, 'a fresh notify_id');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(shop.received.length, before + 1, 'nothing more after success');
});

test('replay: a handler that answers fail gets the re-sent notification again, on the scaled schedule', async (t) => {
  const { alipay, shop, recorder, start, paymockKey } = await recordV2(t);
  await recorder.stop();
  await alipay.upstream.close();
  const before = shop.received.length;
  shop.answer((n) => (n <= before + 2 ? 'fail' : 'success'));
  const player = await start({ mode: 'replay', notify: { delayMs: 10, retryScale: 0.001 } });
  await pay(sdk(player.url, paymockKey), shop.url, 'CI-8');
  await until(() => player.notifier.list()[0]?.state === 'delivered', 'two failures, then success');
  assert.deepEqual(player.notifier.list()[0]!.attempts.map((a) => a.answer), ['fail', 'fail', 'success']);
  assert.equal(player.journal.list({ source: 'cassette' }).filter((entry) => entry.api === 'notify TRADE_SUCCESS').length, 3);
});

/** A legacy spot pay as a GET, GBK-escaped and MD5-signed with the partner key. */
function legacyPayUrl(gateway: string, notifyUrl: string, partnerTransId: string): string {
  const params = { service: 'alipay.acquire.overseas.spot.pay', partner: PARTNER, partner_trans_id: partnerTransId, trans_name: '中文商品', trans_amount: '2.00', currency: 'USD', buyer_identity_code: BUYER, notify_url: notifyUrl };
  const sign = md5Sign(mapiRequestSignContent(params), MD5_KEY, 'GBK');
  const query = Object.entries({ ...params, sign_type: 'MD5', sign }).map(([k, v]) => `${k}=${[...iconv.encode(v, 'gbk')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`).join('&');
  return `${gateway}/gateway.do?${query}`;
}

test('legacy MD5 in GBK: relayed re-signed with the partner key, the GBK notification reaches the merchant as sent, and replays MD5-signed', async (t) => {
  const { alipay, sandbox, tunnel, shop, start, cassette } = await setup(t);
  sandbox.mapiPay();
  const partners = { [PARTNER]: { md5Key: MD5_KEY } };
  const recorder = await start({ mode: 'record', upstream: alipay.upstream.url, notify: { publicBaseUrl: tunnel.url }, alipay: { partners } });
  tunnel.to(recorder.port);
  const answer = await send(legacyPayUrl(recorder.url, shop.url, 'L-REC-1'));
  assert.equal(answer.status, 200);
  await until(() => shop.received.length === 1, 'the GBK notification');

  const query = parseForm(new URL(alipay.upstream.received[0]!.url, 'http://x').search.slice(1), 'GBK');
  const { sign, sign_type: _type, ...signed } = Object.fromEntries(query);
  assert.match(signed.notify_url!, /\/__paymock\/notify\/[0-9a-f]{32}$/);
  assert.equal(signed.trans_name, '中文商品', 'the other params are untouched');
  assert.equal(md5Sign(mapiRequestSignContent(signed), MD5_KEY, 'GBK'), sign, 're-signed with the partner MD5 key');

  const delivery = shop.received[0]!;
  assert.ok(delivery.bytes.equals(sandbox.sent[0]!.body), 'GBK bytes as sent');
  assert.match(delivery.contentType, /charset=GBK/);
  const { sign: got, sign_type: type, ...rest } = shop.fields(delivery, 'GBK');
  assert.equal(rest.trans_name, '中文商品', 'decoded as GBK');
  assert.equal(type, 'MD5');
  assert.equal(got, md5Sign(notifySignContent(rest), MD5_KEY, 'GBK'), 'the MD5 check passes');
  await recorder.stop();
  const [interaction] = (await cassette()).interactions;
  assert.equal(interaction.notifications.length, 1);
  assert.equal(interaction.notifications[0].body.charset, 'GBK');

  await alipay.upstream.close();
  const player = await start({ mode: 'replay', notify: { delayMs: 10 }, alipay: { partners } });
  await send(legacyPayUrl(player.url, shop.url, 'L-CI-2'));
  await until(() => shop.received.length === 2, 'the re-sent legacy notification');
  const replayed = shop.received[1]!;
  assert.match(replayed.contentType, /charset=GBK/);
  const { sign: resigned, sign_type: resignType, ...fields } = shop.fields(replayed, 'GBK');
  assert.deepEqual([fields.out_trade_no, fields.trans_name, fields.partner, resignType], ['L-CI-2', '中文商品', PARTNER, 'MD5']);
  assert.equal(resigned, md5Sign(notifySignContent(fields), MD5_KEY, 'GBK'), 'MD5-signed again with the partner key');

  // The merchant checks the re-sent notify_id: paymock issued it, so it verifies though nothing was recorded for it.
  const verify = await send(`${player.url}/gateway.do?service=notify_verify&partner=${PARTNER}&notify_id=${fields.notify_id}`);
  assert.equal(verify.status, 200);
  assert.equal(verify.body.toString(), 'true');
  const unknown = await send(`${player.url}/gateway.do?service=notify_verify&partner=${PARTNER}&notify_id=0123456789`);
  assert.equal(unknown.status, 404, 'an id paymock did not issue goes on to the cassette (which has no notify_verify here)');
});

test('the app-side form /__paymock/notify/to/<url> is relayed and recorded, and replays straight to the merchant', async (t) => {
  const { alipay, sandbox, tunnel, shop, start, cassette, paymockKey } = await setup(t);
  sandbox.v2Pay();
  // No key and no public URL: the app itself points notify_url at the relay.
  const recorder = await start({ mode: 'record', upstream: alipay.upstream.url });
  tunnel.to(recorder.port);
  const viaRelay = `${tunnel.url}/__paymock/notify/to/${encodeURIComponent(shop.url)}`;
  await pay(sdk(recorder.url, alipay.publicKeyPem), viaRelay, 'TO-1');
  await until(() => shop.received.length === 1, 'the relayed notification');
  assert.equal(new URL(alipay.upstream.received[0]!.url, 'http://x').searchParams.get('notify_url'), viaRelay, 'sent as the app gave it');
  assert.ok(shop.received[0]!.bytes.equals(sandbox.sent[0]!.body));
  assert.equal(recorder.journal.list()[0]!.outcome.warnings, undefined, 'no relay warning for a URL that already is the relay');
  await recorder.stop();
  assert.equal((await cassette()).interactions[0].notifications.length, 1);

  await alipay.upstream.close();
  const player = await start({ mode: 'replay', notify: { delayMs: 10 } });
  const client = sdk(player.url, paymockKey);
  await pay(client, viaRelay, 'TO-2');
  await until(() => shop.received.length === 2, 'the re-sent notification');
  assert.equal(player.notifier.list()[0]!.url, shop.url, 'posted to the merchant, not through the public address');
  const fields = shop.fields(shop.received[1]!);
  assert.equal(fields.out_trade_no, 'TO-2');
  assert.equal(client.checkNotifySign(fields), true);
});

test('the relay endpoints are no open relay: other hosts refused, unknown tokens unknown; without a key the app is told how', async (t) => {
  const { alipay, sandbox, tunnel, shop, start } = await setup(t);
  sandbox.v2Pay();
  const recorder = await start({ mode: 'record', upstream: alipay.upstream.url, adminToken: TOKEN, notify: { publicBaseUrl: tunnel.url } });
  tunnel.to(recorder.port);
  const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'notify_id=1&out_trade_no=X' };
  const denied = await send(`${tunnel.url}/__paymock/notify/to/${encodeURIComponent('http://192.0.2.10/notify')}`, form);
  assert.equal(denied.status, 403);
  assert.deepEqual(JSON.parse(denied.body.toString()), { error: 'notify relay: forwarding to 192.0.2.10 is not allowed: only loopback hosts and --forward-hosts', code: 'FORWARD_DENIED' });
  const unknown = await send(`${tunnel.url}/__paymock/notify/0123456789abcdef0123456789abcdef`, form);
  assert.equal(unknown.status, 404);
  const guarded = await send(`${tunnel.url}/__paymock/notifications`);
  assert.equal(guarded.status, 401, 'the rest of the admin API still wants the token');

  await pay(sdk(recorder.url, alipay.publicKeyPem), shop.url, 'NOKEY-1');
  assert.equal(new URL(alipay.upstream.received[0]!.url, 'http://x').searchParams.get('notify_url'), shop.url, 'not rewritten without a key');
  const [entry] = recorder.journal.list({ api: 'alipay.trade.pay' });
  assert.match(entry!.outcome.warnings?.[0] ?? '', /notify relay: .*no private key for app 2021000000000077 \(set alipay\.apps\["2021000000000077"\]\.privateKey.*\/__paymock\/notify\/to\/http%3A%2F%2F127\.0\.0\.1/);
});

test('a cassette whose notifications are broken is refused, naming the file and the field', async (t) => {
  const { dir, start } = await setup(t);
  const interaction = {
    recordedAt: '2024-01-01T00:00:00.000Z',
    latencyMs: 1,
    dialect: 'http',
    api: 'GET /x',
    key: { hash: 'x', fields: {} },
    request: { method: 'GET', url: 'http://127.0.0.1/x', headers: [], body: { charset: 'utf-8', text: '' } },
    response: { status: 200, headers: [], body: { charset: 'utf-8', text: 'ok' } },
    notifications: [{ receivedAt: 'yesterday', headers: [], body: { charset: 'utf-8', text: 'a=1' } }],
  };
  await writeFile(path.join(dir, 'relay.json'), JSON.stringify({ paymock: 1, name: 'relay', interactions: [interaction] }));
  await assert.rejects(start({ mode: 'replay' }), (error: Error) => {
    assert.match(error.message, /relay\.json/);
    assert.match(error.message, /interactions\[0\]\.notifications\[0\]\.receivedAt: expected an ISO time/);
    return true;
  });
  const { notifications: _dropped, ...old } = interaction;
  await writeFile(path.join(dir, 'relay.json'), JSON.stringify({ paymock: 1, name: 'relay', interactions: [old] }));
  await start({ mode: 'replay' });
});
