// The admin API with supertest, against a real paymock over its socket: journal, verify, rules at
// runtime, mode, sandbox, cassettes, validation errors naming the field, and the token guard.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import request from 'supertest';
import { startPaymock, type PaymockOptions } from '../../src/index.js';
import { send } from '../support/client.js';
import { startFakeUpstream } from '../support/fake-upstream.js';
import { tempDir } from '../support/tmp.js';

async function running(t: TestContext, options: Partial<PaymockOptions> = {}) {
  const dir = await tempDir(t);
  const paymock = await startPaymock({ port: 0, caDir: path.join(dir, 'keys'), rulesDir: path.join(dir, 'rules'), cassettesDir: dir, log: 'silent', ...options } as PaymockOptions);
  t.after(() => paymock.stop());
  return { dir, paymock, api: request(paymock.url) };
}

const PAY = '/gateway.do?service=alipay.acquire.overseas.spot.pay&partner=2088101122136241&trans_amount=1.00&currency=USD&buyer_identity_code=288888888888888888&partner_trans_id=';

test('health, the journal with filters, verify, and the sandbox', async (t) => {
  const { paymock, api } = await running(t);
  await send(`${paymock.url}${PAY}A-1`);
  await send(`${paymock.url}${PAY}A-2`);
  await send(`${paymock.url}/not/alipay`);

  const health = await api.get('/__paymock/health').expect(200);
  assert.equal(health.body.mode, 'mock');
  assert.deepEqual(health.body.counts, { rule: 0, cassette: 0, default: 2, upstream: 0, miss: 1 });
  assert.equal(health.body.journal, 3);
  assert.ok(health.body.journalBytes >= 1 << 20, `the journal's slabs: ${health.body.journalBytes} bytes`);

  const journal = await api.get('/__paymock/journal').query({ source: 'default' }).expect(200);
  assert.equal(journal.body.entries.length, 2);
  const [first] = journal.body.entries;
  assert.equal(first.api, 'alipay.acquire.overseas.spot.pay');
  assert.equal(first.call.params.partner_trans_id, 'A-1');
  assert.equal(first.response.status, 200);
  assert.match(first.response.body.text, /<result_code>SUCCESS<\/result_code>/, 'the GBK reply is shown decoded');
  const since = await api.get('/__paymock/journal').query({ since: String(first.id) }).expect(200);
  assert.equal(since.body.entries.length, 2);
  const miss = (await api.get('/__paymock/journal').query({ source: 'miss' })).body.entries[0];
  assert.match(miss.outcome.reason, /no rule or default answers this request/);

  const verify = await api.post('/__paymock/verify').send({ when: { api: 'alipay.acquire.overseas.spot.pay', params: { partner_trans_id: 'A-2' } }, count: 1 }).expect(200);
  assert.deepEqual([verify.body.matched, verify.body.ok], [1, true]);
  const none = await api.post('/__paymock/verify').send({ when: { api: 'alipay.trade.refund' }, count: 1 }).expect(200);
  assert.deepEqual([none.body.matched, none.body.ok], [0, false]);

  assert.equal((await api.get('/__paymock/sandbox/trades')).body.trades.length, 2);
  await api.post('/__paymock/sandbox/reset').expect(200);
  assert.equal(paymock.sandbox.trades().length, 0);
  await api.delete('/__paymock/journal').expect(204);
  assert.equal((await api.get('/__paymock/journal')).body.entries.length, 0);
});

test('rules at runtime: create, answer, disable, update, persist, delete; bad input names the field', async (t) => {
  const { dir, paymock, api } = await running(t);
  const rule = { id: 'declined', name: 'decline A-*', when: { params: { partner_trans_id: { regex: '^A-' } } }, then: { result: 'FAIL', error: 'BUYER_BALANCE_NOT_ENOUGH' } };
  await api.post('/__paymock/rules').send(rule).expect(201);
  assert.match((await send(`${paymock.url}${PAY}A-1`)).body.toString(), /<error>BUYER_BALANCE_NOT_ENOUGH<\/error>/);
  await api.post('/__paymock/rules').send(rule).expect(409);

  await api.post('/__paymock/rules/declined/disable').expect(200);
  assert.match((await send(`${paymock.url}${PAY}A-2`)).body.toString(), /<result_code>SUCCESS<\/result_code>/);
  await api.post('/__paymock/rules/declined/enable').expect(200);
  await api.put('/__paymock/rules/declined').send({ ...rule, then: { result: 'FAIL', error: 'TRADE_HAS_CLOSE' } }).expect(200);
  assert.match((await send(`${paymock.url}${PAY}A-3`)).body.toString(), /<error>TRADE_HAS_CLOSE<\/error>/);

  const listed = (await api.get('/__paymock/rules')).body.rules;
  assert.deepEqual(listed.map((r: { rule: { id: string }; origin: string; used: number }) => [r.rule.id, r.origin, r.used]), [['declined', 'admin', 1]]);
  const persisted = await api.post('/__paymock/rules/persist').expect(200);
  assert.equal(JSON.parse(await readFile(persisted.body.file, 'utf8'))[0].id, 'declined');
  assert.equal(path.dirname(persisted.body.file), path.join(dir, 'rules'));

  const bad = await api.post('/__paymock/rules').send({ id: 'x', name: 'x', when: { biz: { total_amount: { gt: 'lots' } } }, then: { result: 'FAIL' } }).expect(400);
  assert.match(bad.body.error, /rule "x".*when\.biz\.total_amount\.gt: expected a number/s);
  const badMode = await api.put('/__paymock/mode').send({ mode: 'fast' }).expect(400);
  assert.match(badMode.body.error, /mode: expected one of mock, record, replay, auto, passthrough/);
  const noCassette = await api.put('/__paymock/mode').send({ mode: 'replay' }).expect(400);
  assert.match(noCassette.body.error, /needs a cassette/);
  await api.delete('/__paymock/rules/declined').expect(204);
  await api.delete('/__paymock/rules/declined').expect(404);
  const notJson = await api.post('/__paymock/rules').set('Content-Type', 'application/json').send('{oops').expect(400);
  assert.match(notJson.body.error, /not valid JSON/);
});

test('mode switch at runtime, and cassettes: list, show, delete an interaction', async (t) => {
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('GET', '/n', (_req, n) => ({ body: `n=${n}` }));
  const { paymock, api } = await running(t, { mode: 'record', cassette: 'shop/flow', upstream: upstream.url });
  await send(`${paymock.url}/n?a=1`);
  await send(`${paymock.url}/n?a=2`);
  await paymock.flush();
  await api.put('/__paymock/mode').send({ mode: 'replay' }).expect(200);
  assert.equal((await send(`${paymock.url}/n?a=1`)).headers['x-paymock-source'], 'cassette');

  const list = await api.get('/__paymock/cassettes').expect(200);
  assert.equal(list.body.open, 'shop/flow');
  assert.deepEqual(list.body.cassettes.map((c: { name: string; interactions: number }) => [c.name, c.interactions]), [['shop/flow', 2]]);
  const show = await api.get(`/__paymock/cassettes/${encodeURIComponent('shop/flow')}`).expect(200);
  assert.equal(show.body.interactions[1].request.url, `${upstream.url}/n?a=2`);
  await api.delete(`/__paymock/cassettes/${encodeURIComponent('shop/flow')}/interactions/0`).expect(204);
  const after = await api.get(`/__paymock/cassettes/${encodeURIComponent('shop/flow')}`).expect(200);
  assert.equal(after.body.interactions.length, 1);
  assert.equal((await send(`${paymock.url}/n?a=1`)).headers['x-paymock-miss'], '1', 'the deleted interaction no longer replays');
  await api.get('/__paymock/cassettes/nope').expect(404);
});

test('with --admin-token every admin request needs it', async (t) => {
  const { api } = await running(t, { adminToken: 'correct-horse-battery-staple' });
  const denied = await api.get('/__paymock/health').expect(401);
  assert.match(denied.body.error, /Authorization: Bearer/);
  await api.get('/__paymock/health').set('Authorization', 'Bearer wrong-token-wrong-token').expect(401);
  await api.get('/__paymock/health').set('Authorization', 'Bearer correct-horse-battery-staple').expect(200);
});

test('a non-loopback --host without --admin-token is refused at start', async () => {
  await assert.rejects(startPaymock({ host: '0.0.0.0', port: 0, log: 'silent' }), /adminToken: listening on 0\.0\.0\.0 \(not loopback\) needs --admin-token/);
});
