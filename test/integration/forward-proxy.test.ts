// Forward-proxy mode with real clients: absolute-form requests, undici's ProxyAgent (CONNECT
// then plain HTTP, what alipay-sdk's proxyAgent sends), curl -x, and a blind TLS tunnel.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ProxyAgent, fetch } from 'undici';
import { startPaymock } from '../../src/index.js';
import { rawExchange, send } from '../support/client.js';
import { startFakeUpstream } from '../support/fake-upstream.js';
import { tempDir } from '../support/tmp.js';
import { selfSigned } from '../support/tls.js';

const run = promisify(execFile);

async function recordedSandbox(t: import('node:test').TestContext) {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('POST', '/gateway.do', (req) => ({
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ alipay_trade_query_response: { code: '10000', echo: req.body.toString() } }),
  }));
  return { dir, upstream };
}

test('absolute-form requests are recorded with their absolute URL and replayed', async (t) => {
  const { dir, upstream } = await recordedSandbox(t);
  const target = `${upstream.url}/gateway.do?method=alipay.trade.query`;
  const recorder = await startPaymock({ mode: 'record', cassette: 'abs', port: 0, cassettesDir: dir, log: 'silent' });
  const live = await send(target, { method: 'POST', body: 'biz_content=%7B%7D', proxy: recorder.url, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  const summary = await recorder.stop();
  assert.equal(live.headers['x-paymock-source'], 'upstream');
  assert.equal(upstream.received.length, 1);
  assert.equal(upstream.received[0]!.url, '/gateway.do?method=alipay.trade.query', 'the upstream sees an origin-form request');
  assert.equal(summary.cassette?.recorded, 1);

  const player = await startPaymock({ mode: 'replay', cassette: 'abs', port: 0, cassettesDir: dir, log: 'silent' });
  t.after(() => player.stop());
  const replayed = await send(target, { method: 'POST', body: 'biz_content=%7B%7D', proxy: player.url, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(replayed.headers['x-paymock-source'], 'cassette');
  assert.ok(replayed.body.equals(live.body));
});

test('undici ProxyAgent tunnels with CONNECT and plain HTTP inside: recorded, then replayed with keep-alive', async (t) => {
  const { dir, upstream } = await recordedSandbox(t);
  upstream.route('POST', '/api/query', (req) => ({ headers: { 'Content-Type': 'text/plain' }, body: `echo ${req.body.toString()}` }));
  const target = `${upstream.url}/api/query?v=1`;
  const post = (dispatcher: ProxyAgent, n: number) =>
    fetch(target, { method: 'POST', body: `biz_content=${n}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, dispatcher });

  const recorder = await startPaymock({ mode: 'record', cassette: 'tunnel', port: 0, cassettesDir: dir, log: 'silent' });
  const recordAgent = new ProxyAgent(recorder.url);
  const live = [];
  for (let n = 0; n < 3; n++) {
    const res = await post(recordAgent, n);
    live.push({ source: res.headers.get('x-paymock-source'), body: await res.text() });
  }
  await recordAgent.close();
  await recorder.stop();
  assert.deepEqual(live.map((r) => r.source), ['upstream', 'upstream', 'upstream']);
  assert.equal(upstream.received.length, 3);

  const player = await startPaymock({ mode: 'replay', cassette: 'tunnel', port: 0, cassettesDir: dir, log: 'silent' });
  t.after(() => player.stop());
  const replayAgent = new ProxyAgent(player.url);
  t.after(() => replayAgent.close());
  for (let n = 0; n < 3; n++) {
    const res = await post(replayAgent, n);
    assert.equal(res.headers.get('x-paymock-source'), 'cassette');
    assert.equal(await res.text(), live[n]!.body);
  }
  const miss = await post(replayAgent, 99);
  assert.equal(miss.headers.get('x-paymock-miss'), '1');
  assert.match(await miss.text(), /body: expected "form:biz_content=\d", got "form:biz_content=99"/);
});

test('curl -x records and replays through paymock', async (t) => {
  const { dir, upstream } = await recordedSandbox(t);
  const target = `${upstream.url}/gateway.do?method=alipay.trade.query`;
  const curl = async (proxy: string) => {
    const { stdout } = await run('curl', ['-sS', '-i', '-x', proxy, '--data', 'a=1', target]);
    return stdout;
  };
  const recorder = await startPaymock({ mode: 'record', cassette: 'curl', port: 0, cassettesDir: dir, log: 'silent' });
  const live = await curl(recorder.url);
  await recorder.stop();
  const player = await startPaymock({ mode: 'replay', cassette: 'curl', port: 0, cassettesDir: dir, log: 'silent' });
  t.after(() => player.stop());
  const replayed = await curl(player.url);
  assert.match(live, /x-paymock-source: upstream/i);
  assert.match(replayed, /x-paymock-source: cassette/i);
  assert.equal(replayed.split('\r\n\r\n')[1], live.split('\r\n\r\n')[1]);
});

test('a TLS tunnel to a host that is not intercepted passes through blind', async (t) => {
  const { key, cert } = selfSigned('127.0.0.1');
  const origin = https.createServer({ key, cert }, (_req, res) => res.end('over real TLS'));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  t.after(() => origin.close());
  const port = (origin.address() as AddressInfo).port;

  const proxy = await startPaymock({ mode: 'passthrough', port: 0, log: 'silent' });
  t.after(() => proxy.stop());
  const agent = new ProxyAgent({ uri: proxy.url, requestTls: { ca: cert } });
  t.after(() => agent.close());
  const res = await fetch(`https://127.0.0.1:${port}/`, { dispatcher: agent });
  assert.equal(await res.text(), 'over real TLS');
  assert.equal(res.headers.get('x-paymock-source'), null, 'paymock did not see inside the tunnel');
});

test('CONNECT without host:port is refused with 400', async (t) => {
  const proxy = await startPaymock({ port: 0, log: 'silent' });
  t.after(() => proxy.stop());
  const reply = await rawExchange(proxy.port, 'CONNECT nonsense HTTP/1.1\r\nHost: nonsense\r\n\r\n');
  assert.match(reply, /^HTTP\/1\.1 400 /);
});
