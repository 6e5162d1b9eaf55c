// The real command line in a child process: the startup line, signals that flush and exit 0,
// option errors that say what is accepted, and the cassette commands.
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { startPaymock } from '../../src/index.js';
import { send } from '../support/client.js';
import { output, paymock, started } from '../support/cli.js';
import { startFakeUpstream } from '../support/fake-upstream.js';
import { tempDir } from '../support/tmp.js';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} while recording flushes every answered exchange and exits 0`, async (t) => {
    const dir = await tempDir(t);
    const upstream = await startFakeUpstream();
    t.after(() => upstream.close());
    upstream.route('GET', '/n', (req) => ({ body: req.url }));
    // A long flush window: only the signal handler's flush can have written these.
    await writeFile(path.join(dir, 'paymock.json'), JSON.stringify({ flushIntervalMs: 60_000, log: 'silent' }));
    const proc = paymock(['record', 'sig', '--upstream', upstream.url, '--port', '0', '--config', 'paymock.json'], dir);
    const { url, line } = await started(proc);
    assert.match(line, /^paymock \S+ listening on http:\/\/127\.0\.0\.1:\d+ \(mode record, cassette sig, upstream http:\/\/127\.0\.0\.1:\d+\)$/);
    await Promise.all(Array.from({ length: 20 }, (_, i) => send(`${url}/n?i=${i}`)));
    proc.child.kill(signal);
    const { code, stdout } = await output(proc);
    assert.equal(code, 0);
    assert.match(stdout, /20 new interaction\(s\) written/);
    const file = JSON.parse(await readFile(path.join(dir, 'cassettes', 'sig.json'), 'utf8'));
    assert.equal(file.interactions.length, 20);
  });
}

test('a bad option exits 2 and prints what is accepted', async (t) => {
  const dir = await tempDir(t);
  const { code, stderr } = await output(paymock(['start', '--mode', 'recrod', '--port', '99999'], dir));
  assert.equal(code, 2);
  assert.match(stderr, /mode: expected one of mock, record, replay, auto, passthrough/);
  assert.match(stderr, /port: /);
  const noCassette = await output(paymock(['start', '--mode', 'replay'], dir));
  assert.equal(noCassette.code, 2);
  assert.match(noCassette.stderr, /cassette: mode replay needs a cassette name \(--cassette NAME\)/);
  const badUrl = await output(paymock(['record', 'x', '--upstream', 'ftp://example'], dir));
  assert.match(badUrl.stderr, /upstream: expected an http:\/\/ or https:\/\/ URL/);
  const unknown = await output(paymock(['start', '--bogus'], dir));
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown option '--bogus'/);
});

test('cassettes ls and show describe what was recorded, and ls flags a broken file', async (t) => {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('POST', '/gateway.do', () => ({ body: 'ok' }));
  const proc = paymock(['record', 'shop/pay', '--upstream', upstream.url, '--port', '0', '--log', 'silent'], dir);
  const { url } = await started(proc);
  await send(`${url}/gateway.do?method=alipay.trade.pay`, { method: 'POST', body: 'x=1' });
  proc.child.kill('SIGTERM');
  assert.equal((await output(proc)).code, 0);

  const ls = await output(paymock(['cassettes', 'ls'], dir));
  assert.equal(ls.code, 0);
  assert.match(ls.stdout, /^shop\/pay\t1 interaction\(s\)\t1 api\(s\)/m);
  const show = await output(paymock(['cassettes', 'show', 'shop/pay'], dir));
  assert.match(show.stdout, /#0 .* POST http:\/\/127\.0\.0\.1:\d+\/gateway\.do\?method=alipay\.trade\.pay -> 200/);
  assert.match(show.stdout, /key [0-9a-f]{24}: dialect="alipay-openapi" api="alipay\.trade\.pay"/);

  await writeFile(path.join(dir, 'cassettes', 'zz-broken.json'), '{ nope');
  const broken = await output(paymock(['cassettes', 'ls'], dir));
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /^zz-broken\tBROKEN: cassette .*zz-broken\.json is not valid JSON/m);
});

test('paymock ca creates the CA once and says how to trust it; doctor checks a running paymock end to end', async (t) => {
  const dir = await tempDir(t);
  const ca = await output(paymock(['ca', '--ca-dir', 'ca', '--proxy', 'http://127.0.0.1:9999'], dir));
  assert.equal(ca.code, 0);
  assert.match(ca.stdout, new RegExp(`paymock CA certificate: ${dir}/ca/ca\\.pem`));
  for (const hint of ['NODE_EXTRA_CA_CERTS=', '--cacert', 'REQUESTS_CA_BUNDLE=', 'keytool -importcert', '-Dhttps.proxyPort=9999', 'CURLOPT_CAINFO', 'update-ca-certificates']) {
    assert.ok(ca.stdout.includes(hint), `ca output mentions ${hint}`);
  }
  const first = await readFile(path.join(dir, 'ca', 'ca.pem'), 'utf8');
  assert.equal((await output(paymock(['ca', '--ca-dir', 'ca'], dir))).code, 0);
  assert.equal(await readFile(path.join(dir, 'ca', 'ca.pem'), 'utf8'), first, 'the CA is created once, then reused');

  const proxy = await startPaymock({ port: 0, caDir: path.join(dir, 'ca'), log: 'silent' });
  t.after(() => proxy.stop());
  const doctor = await output(paymock(['doctor', '--proxy', proxy.url], dir));
  assert.equal(doctor.code, 0, doctor.stdout);
  assert.match(doctor.stdout, /^ok {3}proxy reachable: paymock \S+ at http:\/\/127\.0\.0\.1:\d+, mode mock$/m);
  assert.match(doctor.stdout, /^ok {3}CA file present: .*ca\.pem/m);
  assert.match(doctor.stdout, /^ok {3}HTTPS to globalmapi\.alipay\.com through the proxy: intercepted/m);
  assert.match(doctor.stdout, /alipay-sdk 4\): it ignores HTTP_PROXY/);

  const down = await output(paymock(['doctor', '--proxy', 'http://127.0.0.1:9'], dir));
  assert.equal(down.code, 1);
  assert.match(down.stdout, /^FAIL proxy reachable: http:\/\/127\.0\.0\.1:9: connect ECONNREFUSED/m);
});

test('SIGKILL during heavy recording leaves a valid cassette; with --durable every answered exchange is in it', async (t) => {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('GET', '/k', (req) => ({ body: req.url }));
  for (const durable of [false, true]) {
    const name = `killed-${durable}`;
    const proc = paymock(['record', name, '--upstream', upstream.url, '--port', '0', '--log', 'silent', ...(durable ? ['--durable'] : [])], dir);
    const { url } = await started(proc);
    let answered = 0;
    const load = Array.from({ length: 8 }, async (_, worker) => {
      for (let i = 0; i < 1000; i++) {
        try {
          await send(`${url}/k?w=${worker}&i=${i}`);
          answered++;
        } catch {
          return; // killed
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    proc.child.kill('SIGKILL');
    await Promise.all(load);
    await output(proc);
    const file = JSON.parse(await readFile(path.join(dir, 'cassettes', `${name}.json`), 'utf8'));
    assert.ok(file.interactions.length > 0, 'something was recorded before the kill');
    if (durable) assert.ok(file.interactions.length >= answered, `durable: ${file.interactions.length} on disk >= ${answered} answered`);
    await rm(path.join(dir, 'cassettes', `${name}.json.lock`), { force: true });
    const reload = await startPaymock({ mode: 'replay', cassette: name, cassettesDir: path.join(dir, 'cassettes'), port: 0, log: 'silent', caDir: path.join(dir, '.paymock') });
    await reload.stop();
  }
});

test('paymock init keeps keys out of git, creates the folders and a starter config, and never overwrites', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, '.gitignore'), 'node_modules/');
  const first = await output(paymock(['init'], dir));
  assert.equal(first.code, 0);
  assert.equal(await readFile(path.join(dir, '.gitignore'), 'utf8'), 'node_modules/\n# paymock: CA and test keys (private), cassette write locks\n.paymock/\ncassettes/**/*.lock\n');
  assert.match(await readFile(path.join(dir, 'paymock.config.yaml'), 'utf8'), /retryScale: 0\.001/);
  await writeFile(path.join(dir, 'paymock.config.yaml'), 'mode: mock\n');
  const second = await output(paymock(['init'], dir));
  assert.match(second.stdout, /already ignores/);
  assert.equal(await readFile(path.join(dir, 'paymock.config.yaml'), 'utf8'), 'mode: mock\n');
  const check = await output(paymock(['rules', 'check'], dir));
  assert.equal(check.code, 0, 'the starter config and empty rules/ are valid');
});
