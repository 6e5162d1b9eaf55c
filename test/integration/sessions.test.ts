// One paymock, parallel CI jobs: each names its session in x-paymock-session and gets its own
// ledger namespace and, when set through the admin API, its own cassette.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import request from 'supertest';
import { startPaymock } from '../../src/index.js';
import { send } from '../support/client.js';
import { startFakeUpstream } from '../support/fake-upstream.js';
import { tempDir } from '../support/tmp.js';

const PAY = '/gateway.do?service=alipay.acquire.overseas.spot.pay&partner=2088101122136241&trans_amount=1.00&currency=USD&buyer_identity_code=288888888888888888&partner_trans_id=SAME-1';

test('parallel sessions pay the same trade id without colliding', async (t) => {
  const dir = await tempDir(t);
  const paymock = await startPaymock({ port: 0, caDir: path.join(dir, 'keys'), rulesDir: path.join(dir, 'rules'), log: 'silent' });
  t.after(() => paymock.stop());
  const results = await Promise.all(['job-1', 'job-2', 'job-3'].map((session) => send(`${paymock.url}${PAY}`, { headers: { 'x-paymock-session': session } })));
  for (const got of results) assert.match(got.body.toString(), /<result_code>SUCCESS<\/result_code>/);
  const again = await send(`${paymock.url}${PAY}`, { headers: { 'x-paymock-session': 'job-1' } });
  assert.match(again.body.toString(), /<error>TRADE_HAS_SUCCESS<\/error>/, 'within one session the ledger is shared');
  assert.equal(paymock.sandbox.trades().length, 0, 'the default ledger saw nothing');
  const api = request(paymock.url);
  const trades = await api.get('/__paymock/sandbox/trades').query({ session: 'job-2' }).expect(200);
  assert.equal(trades.body.trades.length, 1);
  assert.deepEqual(trades.body.sessions.sort(), ['job-1', 'job-2', 'job-3']);
  await api.post('/__paymock/sandbox/reset').query({ session: 'job-2' }).expect(200);
  assert.equal(paymock.sandbox.trades('job-2').length, 0);
  assert.equal(paymock.sandbox.trades('job-1').length, 1);
});

test('each session records into and replays from its own cassette; the header never leaves paymock', async (t) => {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('GET', '/balance', (req) => ({ body: `balance for ${new URL(req.url, 'http://x').searchParams.get('who')}` }));
  const common = { port: 0, caDir: path.join(dir, 'keys'), rulesDir: path.join(dir, 'rules'), cassettesDir: dir, upstream: upstream.url, log: 'silent' } as const;

  const recorder = await startPaymock({ ...common, mode: 'record', cassette: 'shared' });
  const api = request(recorder.url);
  await api.put('/__paymock/sessions/job-a').send({ cassette: 'job-a' }).expect(200);
  await api.put('/__paymock/sessions/job-b').send({ cassette: 'job-b' }).expect(200);
  await Promise.all([
    send(`${recorder.url}/balance?who=x`, { headers: { 'x-paymock-session': 'job-a' } }),
    send(`${recorder.url}/balance?who=x`, { headers: { 'x-paymock-session': 'job-b' } }),
  ]);
  upstream.route('GET', '/balance', () => ({ body: 'changed upstream' }));
  await send(`${recorder.url}/balance?who=x`, { headers: { 'x-paymock-session': 'job-b' } });
  await recorder.stop();
  assert.ok(upstream.received.every((r) => r.headers['x-paymock-session'] === undefined), 'the session header is not forwarded');
  const fileB = JSON.parse(await readFile(path.join(dir, 'job-b.json'), 'utf8'));
  assert.equal(fileB.interactions.length, 2);
  assert.ok(fileB.interactions.every((i: { request: { headers: string[] } }) => !i.request.headers.some((h) => /^x-paymock-session:/i.test(h))), 'nor recorded');
  assert.equal(JSON.parse(await readFile(path.join(dir, 'job-a.json'), 'utf8')).interactions.length, 1);

  const player = await startPaymock({ ...common, mode: 'replay', cassette: 'job-a' });
  t.after(() => player.stop());
  await request(player.url).put('/__paymock/sessions/job-b').send({ cassette: 'job-b' }).expect(200);
  const [a, b1, b2] = await Promise.all([
    send(`${player.url}/balance?who=x`, { headers: { 'x-paymock-session': 'job-a' } }),
    send(`${player.url}/balance?who=x`, { headers: { 'x-paymock-session': 'job-b' } }),
    send(`${player.url}/balance?who=x`),
  ]);
  assert.equal(a.body.toString(), 'balance for x');
  assert.equal(b1.body.toString(), 'balance for x');
  assert.equal(b2.body.toString(), 'balance for x', 'no session: the default cassette (job-a)');
  const b3 = await send(`${player.url}/balance?who=x`, { headers: { 'x-paymock-session': 'job-b' } });
  assert.equal(b3.body.toString(), 'changed upstream', "job-b's own recording, in its order");
  await request(player.url).put('/__paymock/sessions/job-c').send({ cassette: 'missing' }).expect(404);
  await request(player.url).put('/__paymock/sessions/bad%20id').send({ cassette: 'x' }).expect(400);
});
