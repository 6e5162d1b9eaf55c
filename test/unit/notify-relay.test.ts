// The notify relay's pure parts: rewriting and re-signing a request's notify_url, finding the call
// a notification belongs to, and fitting a recorded notification to a live call.
import { makeKey } from '../../src/core/match-key.js';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { textBody } from '../../src/core/body.js';
import { parseForm } from '../../src/core/form.js';
import type { Call, HttpRequest, Interaction } from '../../src/core/types.js';
import { createSigner } from '../../src/dialects/alipay-signer.js';
import { createDialects, dialectFor } from '../../src/dialects/index.js';
import { mapiRequestSignContent, md5Sign, openapiRequestSignContent, parseV3Authorization, rsaSign, rsaVerify, v3RequestSignContent } from '../../src/dialects/signing.js';
import { createLogger } from '../../src/core/log.js';
import { parseOptions } from '../../src/config.js';
import { adaptNotification } from '../../src/notify/notify-adapt.js';
import { causeOf } from '../../src/notify/relay-link.js';
import { rewriteNotifyUrl } from '../../src/notify/relay-rewrite.js';
import { unwrapRelayUrl } from '../../src/notify/relay.js';

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PARTNER = '2088101122136241';
const MD5 = 'abcdefabcdefabcdefabcdefabcdef12';
const privatePem = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const config = parseOptions({ alipay: { apps: { '2021000000000001': { privateKey: privatePem } }, partners: { [PARTNER]: { md5Key: MD5 } } } });
const signer = createSigner(config.alipay, alipay.privateKey, {});
const dialects = createDialects({ match: {}, signer, log: createLogger('silent') });
const decode = (request: HttpRequest): Call => dialectFor(request, dialects).decode(request);
const RELAY = 'https://pm.example.com/__paymock/notify/abc';

function v2Request(): HttpRequest {
  const query: Record<string, string> = { app_id: '2021000000000001', method: 'alipay.trade.pay', charset: 'utf-8', sign_type: 'RSA2', timestamp: '2024-01-01 12:00:00', version: '1.0', notify_url: 'http://127.0.0.1:3000/notify' };
  const biz = '{"out_trade_no":"A-1","subject":"测试"}';
  const sign = rsaSign(openapiRequestSignContent({ ...query, biz_content: biz }), merchant.privateKey, 'RSA2');
  const search = new URLSearchParams({ ...query, sign }).toString();
  const body = `biz_content=${encodeURIComponent(biz)}`;
  return { method: 'POST', url: `http://gw.example/gateway.do?${search}`, headers: [['Content-Type', 'application/x-www-form-urlencoded;charset=utf-8'], ['Content-Length', String(body.length)]], body: textBody(body) };
}

test('v2: only notify_url and sign change, and the new sign verifies with the app public key', () => {
  const request = v2Request();
  const rewritten = rewriteNotifyUrl(request, decode(request), RELAY, signer);
  assert.ok('request' in rewritten);
  const call = decode(rewritten.request);
  assert.equal(call.params.notify_url, RELAY);
  assert.ok(rsaVerify(openapiRequestSignContent(call.params), call.params.sign!, merchant.publicKey, 'RSA2'));
  const before = new URL(request.url).searchParams;
  const after = new URL(rewritten.request.url).searchParams;
  for (const [name, value] of before) if (name !== 'notify_url' && name !== 'sign') assert.equal(after.get(name), value, name);
  assert.ok(rewritten.request.body.bytes.equals(request.body.bytes), 'the body is untouched');
});

test('legacy MD5 in GBK: re-signed with the partner key; without a key, what to configure', () => {
  const params = { service: 'alipay.acquire.overseas.spot.pay', partner: PARTNER, partner_trans_id: 'L-1', trans_name: '中文', notify_url: 'http://127.0.0.1:3000/n' };
  const sign = md5Sign(mapiRequestSignContent(params), MD5, 'GBK');
  const body = `${Object.entries(params).map(([k, v]) => `${k}=${k === 'trans_name' ? '%D6%D0%CE%C4' : encodeURIComponent(v)}`).join('&')}&sign_type=MD5&sign=${sign}`;
  const request: HttpRequest = { method: 'POST', url: 'http://gw.example/gateway.do', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: textBody(body, 'latin1') };
  const rewritten = rewriteNotifyUrl(request, decode(request), RELAY, signer);
  assert.ok('request' in rewritten);
  const fields = Object.fromEntries(parseForm(rewritten.request.body.bytes.toString('latin1'), 'GBK'));
  assert.deepEqual([fields.notify_url, fields.trans_name], [RELAY, '中文']);
  assert.equal(fields.sign, md5Sign(mapiRequestSignContent(fields), MD5, 'GBK'));
  assert.ok(rewritten.request.body.bytes.toString('latin1').includes('trans_name=%D6%D0%CE%C4'), 'GBK escapes kept as sent');

  const other = { ...decode(request), params: { ...decode(request).params, partner: '2088000000000000' } };
  assert.deepEqual(rewriteNotifyUrl(request, other, RELAY, signer), { missing: 'no MD5 key for partner 2088000000000000 (set alipay.partners["2088000000000000"].md5Key or PAYMOCK_MD5_KEY)' });
});

test('the app-side relay URL unwraps to the merchant URL', () => {
  assert.equal(unwrapRelayUrl(`https://pm.example.com/__paymock/notify/to/${encodeURIComponent('http://127.0.0.1:3000/n?a=1')}`), 'http://127.0.0.1:3000/n?a=1');
  assert.equal(unwrapRelayUrl('http://127.0.0.1:3000/n'), undefined);
});

function interaction(api: string, biz: Record<string, string>, recordedAt: string): Interaction {
  const url = `http://gw.example/gateway.do?method=${api}&app_id=2021000000000001&biz_content=${encodeURIComponent(JSON.stringify(biz))}`;
  const request: HttpRequest = { method: 'GET', url, headers: [], body: textBody('') };
  return { recordedAt, latencyMs: 1, dialect: 'alipay-openapi', api, key: makeKey({ api }), request, response: { status: 200, headers: [], body: textBody('{}') } };
}

test("a payment notification belongs to the request that set notify_url; a refund's to the refund", () => {
  const paid = interaction('alipay.trade.pay', { out_trade_no: 'A-1' }, '2024-01-01T00:00:01.000Z');
  const query = interaction('alipay.trade.query', { out_trade_no: 'A-1' }, '2024-01-01T00:00:02.000Z');
  const refund = interaction('alipay.trade.refund', { out_trade_no: 'A-1', out_request_no: 'R-1' }, '2024-01-01T00:00:03.000Z');
  const other = interaction('alipay.trade.refund', { out_trade_no: 'B-1' }, '2024-01-01T00:00:04.000Z');
  const all = [paid, query, refund, other];
  const callOf = (i: Interaction) => decode(i.request);
  const at = '2024-01-01T00:00:05.000Z';
  assert.equal(causeOf(all, callOf, { out_trade_no: 'A-1', trade_status: 'TRADE_SUCCESS' }, at, paid), paid);
  assert.equal(causeOf(all, callOf, { out_trade_no: 'A-1', trade_status: 'TRADE_SUCCESS', refund_fee: '1.00' }, at, paid), refund);
  assert.equal(causeOf(all, callOf, { out_trade_no: 'A-1', refund_fee: '1.00' }, '2024-01-01T00:00:02.500Z', paid), paid, 'not a call made after it arrived');
  assert.equal(causeOf(all, callOf, { out_trade_no: 'A-1', trade_status: 'TRADE_SUCCESS' }, at), refund, 'without an anchor: the latest call on the trade that is not a query');
  assert.equal(causeOf(all, callOf, { out_trade_no: 'Z-9' }, at), undefined);
});

test('a recorded notification gets the live ids, the live merchant, a fresh notify_id and time, no empty fields', () => {
  const live = { dialect: 'alipay-openapi', api: 'alipay.trade.pay', params: { app_id: '2021000000000002' }, biz: { out_trade_no: 'LIVE-1' } } as Call;
  const recorded = { notify_id: 'old', notify_time: '2020-01-01 00:00:00', app_id: '2021000000000001', out_trade_no: 'REC-1', trade_no: '2024', buyer_logon_id: '', sign: 's', sign_type: 'RSA2' };
  const adapted = adaptNotification(recorded, new Map([['REC-1', 'LIVE-1']]), live, 'new-id', new Date('2024-01-01T04:00:00Z'));
  assert.deepEqual(adapted, { notify_id: 'new-id', notify_time: '2024-01-01 12:00:00', app_id: '2021000000000002', out_trade_no: 'LIVE-1', trade_no: '2024' });
});

test('v3: the JSON notify_url is replaced and the authorization signature covers the new body', () => {
  const body = '{"out_trade_no":"V3-1","notify_url":"http://127.0.0.1:3000/n","subject":"测试"}';
  const authString = 'app_id=2021000000000001,nonce=n1,timestamp=1700000000000';
  const sign = rsaSign(v3RequestSignContent({ authString, method: 'POST', pathAndQuery: '/v3/alipay/trade/pay', body }), merchant.privateKey, 'RSA2');
  const request: HttpRequest = {
    method: 'POST',
    url: 'http://gw.example/v3/alipay/trade/pay',
    headers: [['Content-Type', 'application/json'], ['Authorization', `ALIPAY-SHA256withRSA ${authString},sign=${sign}`]],
    body: textBody(body),
  };
  const rewritten = rewriteNotifyUrl(request, decode(request), RELAY, signer);
  assert.ok('request' in rewritten);
  const text = rewritten.request.body.text!;
  assert.equal(text, body.replace('http://127.0.0.1:3000/n', RELAY));
  const auth = parseV3Authorization(rewritten.request.headers.find(([name]) => name === 'Authorization')![1])!;
  assert.equal(auth.authString, authString);
  assert.ok(rsaVerify(v3RequestSignContent({ authString, method: 'POST', pathAndQuery: '/v3/alipay/trade/pay', body: text }), auth.sign, merchant.publicKey, 'RSA2'));
});
