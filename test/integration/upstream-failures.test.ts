// What the upstream and clients get wrong: refused, reset, silent upstreams; oversized bodies;
// hop-by-hop headers. None of it is recorded and none of it stops paymock.
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { startPaymock } from '../../src/index.js';
import { rawExchange, send } from '../support/client.js';
import { startFakeUpstream } from '../support/fake-upstream.js';
import { tempDir } from '../support/tmp.js';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('an upstream that is down answers 502 with the reason, is not recorded, and paymock stays up', async (t) => {
  const dir = await tempDir(t);
  const port = await closedPort();
  const recorder = await startPaymock({ mode: 'record', cassette: 'down', upstream: `http://127.0.0.1:${port}`, port: 0, cassettesDir: dir, log: 'silent' });
  t.after(() => recorder.stop());
  for (let i = 0; i < 3; i++) {
    const got = await send(`${recorder.url}/gateway.do`, { method: 'POST', body: 'a=1' });
    assert.equal(got.status, 502);
    assert.equal(got.headers['x-paymock-source'], 'upstream');
    assert.match(got.body.toString(), new RegExp(`upstream http://127\\.0\\.0\\.1:${port} failed: ECONNREFUSED`));
  }
  const summary = await recorder.stop();
  assert.equal(summary.cassette?.recorded, 0);
  await assert.rejects(access(path.join(dir, 'down.json')), 'no cassette file was written');
});

test('an upstream that resets the connection is a 502; one that never answers is a 504', async (t) => {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('GET', '/reset', () => 'reset');
  upstream.route('GET', '/hang', () => 'hang');
  upstream.route('GET', '/ok', () => ({ body: 'fine' }));
  const recorder = await startPaymock({ mode: 'record', cassette: 'bad', upstream: upstream.url, upstreamTimeoutMs: 300, port: 0, cassettesDir: dir, log: 'silent' });
  t.after(() => recorder.stop());

  const reset = await send(`${recorder.url}/reset`);
  assert.equal(reset.status, 502);
  assert.match(reset.body.toString(), /ECONNRESET|socket hang up/);
  const hang = await send(`${recorder.url}/hang`);
  assert.equal(hang.status, 504);
  assert.match(hang.body.toString(), /did not answer within 300 ms/);
  const ok = await send(`${recorder.url}/ok`);
  assert.equal(ok.status, 200);

  await recorder.stop();
  const file = JSON.parse(await readFile(path.join(dir, 'bad.json'), 'utf8'));
  assert.deepEqual(file.interactions.map((i: { api: string }) => i.api), ['GET /ok'], 'only the good exchange was recorded');
});

test('a body over the limit gets 413 before anything is forwarded', async (t) => {
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('POST', '/gateway.do', () => ({ body: 'ok' }));
  const proxy = await startPaymock({ mode: 'passthrough', upstream: upstream.url, maxBodyBytes: 1000, port: 0, log: 'silent' });
  t.after(() => proxy.stop());
  const declared = await send(`${proxy.url}/gateway.do`, { method: 'POST', body: 'x'.repeat(2000) });
  assert.equal(declared.status, 413);
  assert.match(declared.body.toString(), /over the limit of 1000 bytes/);
  const chunked = await send(`${proxy.url}/gateway.do`, { method: 'POST', body: 'y'.repeat(5000), headers: { 'Transfer-Encoding': 'chunked' } });
  assert.equal(chunked.status, 413);
  const fits = await send(`${proxy.url}/gateway.do`, { method: 'POST', body: 'z'.repeat(1000) });
  assert.equal(fits.status, 200);
  assert.equal(upstream.received.length, 1, 'only the request within the limit reached the upstream');
});

test('hop-by-hop headers are not forwarded; end-to-end headers are, and Host names the upstream', async (t) => {
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('GET', '/echo', () => ({ headers: { 'Keep-Alive': 'timeout=9', 'X-Up': '1' }, body: 'ok' }));
  const proxy = await startPaymock({ mode: 'passthrough', upstream: upstream.url, port: 0, log: 'silent' });
  t.after(() => proxy.stop());
  const got = await send(`${proxy.url}/echo`, {
    headers: { Connection: 'keep-alive, X-Drop-Me', 'X-Drop-Me': '1', 'Proxy-Connection': 'keep-alive', 'Proxy-Authorization': 'Basic Zm9v', 'X-Keep': 'yes' },
  });
  assert.equal(got.status, 200);
  assert.equal(got.headers['x-up'], '1');
  const seen = upstream.received[0]!.headers;
  assert.equal(seen['x-keep'], 'yes');
  assert.equal(seen['x-drop-me'], undefined);
  assert.equal(seen['proxy-connection'], undefined);
  assert.equal(seen['proxy-authorization'], undefined);
  assert.equal(seen.host, `127.0.0.1:${upstream.port}`);
});

test('with no upstream, an origin-form request in a forwarding mode is a clear 502, not a loop', async (t) => {
  const proxy = await startPaymock({ mode: 'passthrough', port: 0, log: 'silent' });
  t.after(() => proxy.stop());
  const got = await send(`${proxy.url}/gateway.do`);
  assert.equal(got.status, 502);
  assert.match(got.body.toString(), /no upstream: start paymock with --upstream URL/);
});

test('mock mode with nothing configured answers a loud miss listing the key fields', async (t) => {
  const proxy = await startPaymock({ port: 0, log: 'silent' });
  t.after(() => proxy.stop());
  const got = await send(`${proxy.url}/anything?b=2&a=1`);
  assert.equal(got.headers['x-paymock-miss'], '1');
  assert.match(got.body.toString(), /no rule or default answers this request \(mode mock\)/);
  assert.match(got.body.toString(), /query: "a=1&b=2"/);
});

test('sandbox system errors are not recorded unless --record-errors', async (t) => {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('POST', '/gateway.do', () => ({ body: '{"alipay_trade_pay_response":{"code":"20000","msg":"Service Currently Unavailable","sub_code":"ACQ.SYSTEM_ERROR"},"sign":"x"}' }));
  upstream.route('GET', '/boom', () => ({ status: 503, body: 'down' }));
  for (const recordErrors of [false, true]) {
    const cassette = `errors-${recordErrors}`;
    const recorder = await startPaymock({ mode: 'record', cassette, upstream: upstream.url, port: 0, cassettesDir: dir, log: 'silent', recordErrors });
    const got = await send(`${recorder.url}/gateway.do?method=alipay.trade.pay&app_id=1`, { method: 'POST', body: 'biz_content=%7B%7D', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.match(got.body.toString(), /"code":"20000"/, 'the client still gets the answer');
    await send(`${recorder.url}/boom`);
    const summary = await recorder.stop();
    assert.equal(summary.cassette?.recorded, recordErrors ? 2 : 0);
  }
});

test('two paymocks recording one cassette: the second refuses; a stale lock is taken over', async (t) => {
  const dir = await tempDir(t);
  const options = { mode: 'record', cassette: 'shared', upstream: 'http://127.0.0.1:9', port: 0, cassettesDir: dir, log: 'silent' } as const;
  const first = await startPaymock(options);
  await assert.rejects(startPaymock(options), /cassette .*shared\.json is being written by another paymock \(pid \d+, lock file .*shared\.json\.lock\)/);
  const replaying = await startPaymock({ ...options, mode: 'auto' }).catch((error: Error) => error);
  assert.ok(replaying instanceof Error, 'auto mode writes too, so it is refused as well');
  await first.stop();
  await writeFile(path.join(dir, 'shared.json.lock'), '999999999');
  const second = await startPaymock(options);
  await second.stop();
  await assert.rejects(access(path.join(dir, 'shared.json.lock')), 'the lock is released on stop');
});

test('an upstream that answers garbage or a huge body is a 502, not a recorded interaction', async (t) => {
  const dir = await tempDir(t);
  const garbage = net.createServer((socket) => socket.once('data', () => socket.end('\x00\x01NOT HTTP AT ALL\r\n\r\n')));
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => garbage.close(() => resolve())));
  const port = (garbage.address() as net.AddressInfo).port;
  const recorder = await startPaymock({ mode: 'record', cassette: 'junk', upstream: `http://127.0.0.1:${port}`, port: 0, cassettesDir: dir, log: 'silent' });
  const got = await send(`${recorder.url}/gateway.do`);
  assert.equal(got.status, 502);
  assert.match(got.body.toString(), /upstream http:\/\/127\.0\.0\.1:\d+ failed: HPE_/);
  await recorder.stop();

  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('GET', '/huge', () => ({ body: Buffer.alloc(3 * 1024 * 1024, 0x61) }));
  const big = await startPaymock({ mode: 'record', cassette: 'huge', upstream: upstream.url, maxResponseBytes: 1024 * 1024, port: 0, cassettesDir: dir, log: 'silent' });
  const huge = await send(`${big.url}/huge`);
  assert.equal(huge.status, 502);
  assert.match(huge.body.toString(), /larger than 1048576 bytes/);
  assert.equal((await big.stop()).cassette?.recorded, 0);
});

test('with --forward-hosts paymock forwards and tunnels only to those hosts (never an open proxy)', async (t) => {
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('GET', '/ok', () => ({ body: 'allowed' }));
  const proxy = await startPaymock({ mode: 'passthrough', port: 0, log: 'silent', forwardHosts: '127.0.0.1' });
  t.after(() => proxy.stop());
  assert.equal((await send(`${upstream.url}/ok`, { proxy: proxy.url })).body.toString(), 'allowed');
  const denied = await send('http://example.invalid/x', { proxy: proxy.url });
  assert.equal(denied.status, 403);
  assert.match(denied.body.toString(), /forwarding to example\.invalid is not allowed: it is not in --forward-hosts/);
  const reply = await rawExchange(proxy.port, 'CONNECT example.invalid:443 HTTP/1.1\r\nHost: example.invalid:443\r\n\r\n');
  assert.match(reply, /^HTTP\/1\.1 403 Forbidden[^]*not in --forward-hosts/);
  await assert.rejects(startPaymock({ host: '0.0.0.0', port: 0, log: 'silent', adminToken: 'x'.repeat(16) }), /forwardHosts: listening on 0\.0\.0\.0 \(not loopback\) needs --forward-hosts/);
});

test('a start that fails (port taken) releases the cassette lock', async (t) => {
  const dir = await tempDir(t);
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => holder.close(() => resolve())));
  const taken = (holder.address() as net.AddressInfo).port;
  const options = { mode: 'record', cassette: 'c', upstream: 'http://127.0.0.1:9', cassettesDir: dir, log: 'silent' } as const;
  await assert.rejects(startPaymock({ ...options, port: taken }), /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  const retry = await startPaymock({ ...options, port: 0 });
  await retry.stop();
});
