// Gateway mode end to end: record from a fake upstream, stop it, replay byte for byte.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { startPaymock, MISS_STATUS } from '../../src/index.js';
import { comparable, send, type Got } from '../support/client.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { tempDir } from '../support/tmp.js';

const GBK_XML = iconv.encode(
  '<?xml version="1.0" encoding="GBK"?>\n<alipay><is_success>T</is_success><response><alipay><trans_name>测试商品·中文</trans_name><result_code>SUCCESS</result_code></alipay></response></alipay>',
  'gbk',
);
const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x80, 0x81, 0x00, 0x1b, 0xc3, 0x28]);
const FORM = 'service=alipay.acquire.overseas.query&partner=2088101122136241&partner_trans_id=T1&alipay_trans_id=2024010122001400000000000001&_input_charset=GBK';

function sandbox(upstream: FakeUpstream): void {
  upstream.route('POST', '/gateway.do', () => ({
    headers: { 'Content-Type': 'text/xml; charset=GBK', 'X-Trace': 'abc' },
    body: GBK_XML,
  }));
  upstream.route('GET', '/logo.bin', () => ({ headers: { 'Content-Type': 'application/octet-stream' }, body: BINARY }));
  upstream.route('GET', '/counter', (_req, n) => ({ headers: { 'Content-Type': 'text/plain' }, body: `n=${n}` }));
}

async function session(t: import('node:test').TestContext) {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  sandbox(upstream);
  return { dir, upstream };
}

test('record then replay with the upstream gone: status, headers and bytes identical', async (t) => {
  const { dir, upstream } = await session(t);
  const recorder = await startPaymock({ mode: 'record', cassette: 'flow', upstream: upstream.url, port: 0, cassettesDir: dir, log: 'silent' });
  const live: Got[] = [];
  live.push(await send(`${recorder.url}/gateway.do?_input_charset=GBK`, { method: 'POST', body: FORM, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
  live.push(await send(`${recorder.url}/logo.bin`));
  for (let i = 0; i < 3; i++) live.push(await send(`${recorder.url}/counter`));
  await recorder.stop();
  await upstream.close();

  assert.equal(live[0]!.headers['x-paymock-source'], 'upstream');
  assert.deepEqual(live[0]!.body, GBK_XML);
  const file = JSON.parse(await readFile(path.join(dir, 'flow.json'), 'utf8'));
  assert.equal(file.interactions.length, 5);
  assert.equal(file.interactions[0].response.body.charset, 'GBK', 'GBK XML is stored as text plus charset');
  assert.match(file.interactions[0].response.body.text, /测试商品·中文/);
  assert.ok('base64' in file.interactions[1].response.body, 'binary is stored as base64');
  assert.equal(file.upstream, upstream.url);
  assert.equal(file.interactions[0].request.url, `${upstream.url}/gateway.do?_input_charset=GBK`);
  assert.ok(file.interactions[0].latencyMs >= 0);
  assert.deepEqual(file.interactions[0].key.fields, {
    dialect: 'alipay-mapi',
    api: 'alipay.acquire.overseas.query',
    merchant: '2088101122136241',
    alipay_trans_id: '2024010122001400000000000001',
    _input_charset: 'GBK',
  });
  assert.deepEqual(Object.keys(file.interactions[1].key.fields).sort(), ['body', 'host', 'method', 'path', 'query'], 'a generic API keeps the generic key');

  const player = await startPaymock({ mode: 'replay', cassette: 'flow', port: 0, cassettesDir: dir, log: 'silent' });
  t.after(() => player.stop());
  const replayed: Got[] = [];
  replayed.push(await send(`${player.url}/gateway.do?_input_charset=GBK`, { method: 'POST', body: FORM, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
  replayed.push(await send(`${player.url}/logo.bin`));
  for (let i = 0; i < 3; i++) replayed.push(await send(`${player.url}/counter`));
  replayed.forEach((got, i) => {
    assert.equal(got.headers['x-paymock-source'], 'cassette', `request ${i} replayed`);
    assert.equal(got.status, live[i]!.status);
    assert.equal(got.statusText, live[i]!.statusText);
    assert.deepEqual(comparable(got.rawHeaders), comparable(live[i]!.rawHeaders), `headers of request ${i}`);
    assert.ok(got.body.equals(live[i]!.body), `body bytes of request ${i}`);
  });
  assert.deepEqual(replayed.slice(2).map((got) => got.body.toString()), ['n=1', 'n=2', 'n=3']);
  const again = await send(`${player.url}/counter`);
  assert.equal(again.body.toString(), 'n=3', 'the last recorded answer repeats');
});

test('form fields in another order still match; a miss is loud and names the nearest recording', async (t) => {
  const { dir, upstream } = await session(t);
  const recorder = await startPaymock({ mode: 'record', cassette: 'm', upstream: upstream.url, port: 0, cassettesDir: dir, log: 'silent' });
  await send(`${recorder.url}/gateway.do?_input_charset=GBK`, { method: 'POST', body: FORM, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  await recorder.stop();

  const player = await startPaymock({ mode: 'replay', cassette: 'm', port: 0, cassettesDir: dir, log: 'silent' });
  t.after(() => player.stop());
  const reordered = FORM.split('&').reverse().join('&');
  const hit = await send(`${player.url}/gateway.do?_input_charset=GBK`, { method: 'POST', body: reordered, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(hit.headers['x-paymock-source'], 'cassette');

  const other = FORM.replace('alipay_trans_id=2024010122001400000000000001', 'alipay_trans_id=2024010122001400000000000002');
  const missed = await send(`${player.url}/gateway.do?_input_charset=GBK`, { method: 'POST', body: other, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(missed.status, MISS_STATUS);
  assert.equal(missed.headers['x-paymock-miss'], '1');
  assert.equal(missed.headers['x-paymock-source'], 'miss');
  const text = missed.body.toString();
  assert.match(text, /no interaction in cassette "m"/);
  assert.match(text, /nearest recorded:\n {2}1\. recorded #0 \(key \w+\): same alipay\.acquire\.overseas\.query; differs in 1 field\(s\)/);
  assert.match(text, /alipay_trans_id: expected "2024010122001400000000000001", got "2024010122001400000000000002"/);
});

test('auto mode replays what is recorded and records what is new', async (t) => {
  const { dir, upstream } = await session(t);
  const auto = await startPaymock({ mode: 'auto', cassette: 'a', upstream: upstream.url, port: 0, cassettesDir: dir, log: 'silent' });
  const first = await send(`${auto.url}/counter`);
  const second = await send(`${auto.url}/counter`);
  const summary = await auto.stop();
  assert.equal(first.headers['x-paymock-source'], 'upstream');
  assert.equal(second.headers['x-paymock-source'], 'cassette');
  assert.equal(second.body.toString(), 'n=1');
  assert.equal(upstream.received.length, 1);
  assert.equal(summary.cassette?.recorded, 1);
});

test('1,000 concurrent distinct requests are all in the cassette after stop', async (t) => {
  const { dir, upstream } = await session(t);
  upstream.route('GET', '/echo', (req) => ({ headers: { 'Content-Type': 'text/plain' }, body: req.url }));
  const recorder = await startPaymock({ mode: 'record', cassette: 'many', upstream: upstream.url, port: 0, cassettesDir: dir, log: 'silent' });
  const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => send(`${recorder.url}/echo?i=${i}`)));
  assert.ok(answers.every((got) => got.status === 200));
  await recorder.stop();
  const file = JSON.parse(await readFile(path.join(dir, 'many.json'), 'utf8'));
  assert.equal(file.interactions.length, 1000);
  const urls = new Set(file.interactions.map((i: { request: { url: string } }) => i.request.url));
  assert.equal(urls.size, 1000);
});

test('a cassette that fails to parse is refused with its name and never overwritten', async (t) => {
  const { dir, upstream } = await session(t);
  const file = path.join(dir, 'broken.json');
  const broken = '{ "paymock": 1, "name": "broken", "interactions": [ { oops';
  await writeFile(file, broken);
  for (const mode of ['replay', 'record', 'auto'] as const) {
    await assert.rejects(
      startPaymock({ mode, cassette: 'broken', upstream: upstream.url, port: 0, cassettesDir: dir, log: 'silent' }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'CASSETTE_INVALID');
        assert.match(error.message, /broken\.json is not valid JSON at line 1 column/);
        return true;
      },
    );
  }
  await writeFile(file, JSON.stringify({ paymock: 1, name: 'broken', interactions: [{ recordedAt: 'x', latencyMs: 1 }] }));
  await assert.rejects(
    startPaymock({ mode: 'replay', cassette: 'broken', port: 0, cassettesDir: dir, log: 'silent' }),
    /broken\.json is not a valid paymock cassette:\n {2}interactions\[0\]\.dialect/,
  );
  await writeFile(file, JSON.stringify({ paymock: 99, name: 'broken', interactions: [] }));
  await assert.rejects(
    startPaymock({ mode: 'record', cassette: 'broken', upstream: upstream.url, port: 0, cassettesDir: dir, log: 'silent' }),
    /paymock: written by a newer paymock/,
  );
  assert.equal(await readFile(file, 'utf8'), JSON.stringify({ paymock: 99, name: 'broken', interactions: [] }));
});

test('replay of a cassette that does not exist fails at start, naming the file', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(
    startPaymock({ mode: 'replay', cassette: 'nope', port: 0, cassettesDir: dir, log: 'silent' }),
    /nope\.json does not exist/,
  );
});
