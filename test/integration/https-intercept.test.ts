// HTTPS through CONNECT, decrypted with paymock's own CA: real TLS on both sides, real clients
// (undici ProxyAgent, the official alipay-sdk with proxyAgent, curl --proxy --cacert).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { AlipaySdk, ProxyAgent as SdkProxyAgent } from 'alipay-sdk';
import { ProxyAgent, fetch } from 'undici';
import { startPaymock, type PaymockOptions } from '../../src/index.js';
import { startFakeUpstream } from '../support/fake-upstream.js';
import { tempDir } from '../support/tmp.js';
import { selfSigned } from '../support/tls.js';

const run = promisify(execFile);

/** A fake Alipay v2 gateway over HTTPS with its own test CA, signing like Alipay does. */
async function httpsSandbox(t: TestContext) {
  const dir = await tempDir(t);
  const upstreamTls = selfSigned('127.0.0.1');
  const upstreamCa = path.join(dir, 'upstream-ca.pem');
  await writeFile(upstreamCa, upstreamTls.cert);
  const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const upstream = await startFakeUpstream({ tls: upstreamTls });
  t.after(() => upstream.close());
  upstream.route('POST', '/gateway.do', (req, n) => {
    const method = new URL(req.url, 'http://x').searchParams.get('method')!;
    const node = JSON.stringify({ code: '10000', msg: 'Success', out_trade_no: 'ORDER-1', trade_status: 'TRADE_SUCCESS', n: String(n) });
    const sign = createSign('RSA-SHA256').update(node, 'utf8').sign(alipay.privateKey, 'base64');
    return {
      headers: { 'Content-Type': 'text/html;charset=utf-8' },
      body: `{"${method.replaceAll('.', '_')}_response":${node},"sign":"${sign}"}`,
    };
  });
  const options = (mode: 'record' | 'replay'): PaymockOptions => ({
    mode,
    cassette: 'tls',
    port: 0,
    cassettesDir: dir,
    caDir: path.join(dir, 'ca'),
    intercept: ['127.0.0.1'],
    upstreamCa,
    log: 'silent',
  });
  return { dir, upstream, alipay, options, caFile: path.join(dir, 'ca', 'ca.pem') };
}

test('records through CONNECT + TLS and replays byte-identical with the upstream gone', async (t) => {
  const { upstream, options, caFile } = await httpsSandbox(t);
  const target = `${upstream.url}/gateway.do?method=alipay.trade.query`;
  const post = async (agent: ProxyAgent) => {
    const res = await fetch(target, { method: 'POST', body: 'biz_content=%7B%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' }, dispatcher: agent });
    return { source: res.headers.get('x-paymock-source'), body: Buffer.from(await res.arrayBuffer()) };
  };

  const recorder = await startPaymock(options('record'));
  await waitForFile(caFile); // created in the background at first start
  const ca = await readFile(caFile, 'utf8');
  const agent = new ProxyAgent({ uri: recorder.url, requestTls: { ca } });
  const live = [await post(agent), await post(agent)];
  await agent.close();
  await recorder.stop();
  await upstream.close();
  assert.deepEqual(live.map((r) => r.source), ['upstream', 'upstream']);

  const player = await startPaymock(options('replay'));
  t.after(() => player.stop());
  const replayAgent = new ProxyAgent({ uri: player.url, requestTls: { ca } });
  t.after(() => replayAgent.close());
  for (const recorded of live) {
    const got = await post(replayAgent);
    assert.equal(got.source, 'cassette');
    assert.ok(got.body.equals(recorded.body));
  }

  const untrusting = new ProxyAgent({ uri: player.url });
  t.after(() => untrusting.close());
  await assert.rejects(post(untrusting), (error: Error & { cause?: { code?: string } }) => {
    assert.match(String(error.cause?.code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/);
    return true;
  }, 'a client that does not trust the CA fails the handshake');
});

test('the official alipay-sdk with proxyAgent and an https gateway verifies recorded and replayed answers', async (t) => {
  const { dir, upstream, alipay, options, caFile } = await httpsSandbox(t);
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const recorder = await startPaymock(options('record'));
  const sdkFor = (proxyUrl: string, ca: string) =>
    new AlipaySdk({
      appId: '2021000000000000',
      privateKey: app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      alipayPublicKey: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      gateway: `${upstream.url}/gateway.do`,
      proxyAgent: new SdkProxyAgent({ uri: proxyUrl, requestTls: { ca } }),
    });
  await waitForFile(caFile);
  const ca = await readFile(caFile, 'utf8');
  const live = await sdkFor(recorder.url, ca).exec('alipay.trade.query', { bizContent: { outTradeNo: 'ORDER-1' } }, { validateSign: true });
  await recorder.stop();
  await upstream.close();
  assert.equal(live.code, '10000');
  assert.equal(live.tradeStatus, 'TRADE_SUCCESS');

  const cassette = JSON.parse(await readFile(path.join(dir, 'tls.json'), 'utf8'));
  assert.match(cassette.interactions[0].request.url, /^https:\/\/127\.0\.0\.1:\d+\/gateway\.do\?.*method=alipay\.trade\.query/);

  const player = await startPaymock(options('replay'));
  t.after(() => player.stop());
  // A new run: a new timestamp and signature in the request, the same business call, same ids:
  // the recorded bytes (and the recorded gateway's signature) go out untouched.
  const replayed = await sdkFor(player.url, ca).exec('alipay.trade.query', { bizContent: { outTradeNo: 'ORDER-1' } }, { validateSign: true });
  assert.deepEqual(replayed, live);
});

test('curl --proxy with --cacert reaches an intercepted host', async (t) => {
  const { upstream, options, caFile } = await httpsSandbox(t);
  const proxy = await startPaymock({ ...options('record'), mode: 'passthrough' });
  t.after(() => proxy.stop());
  await waitForFile(caFile);
  const { stdout } = await run('curl', ['-sS', '-i', '--proxy', proxy.url, '--cacert', caFile, '--data', 'a=1', `${upstream.url}/gateway.do?method=alipay.trade.pay`]);
  assert.match(stdout, /^HTTP\/1\.1 200/);
  assert.match(stdout, /x-paymock-source: upstream/i);
  assert.match(stdout, /"alipay_trade_pay_response":\{"code":"10000"/);
});

test('one leaf per host, reused across connections and restarts; the CA key is private', async (t) => {
  const { options, caFile, dir } = await httpsSandbox(t);
  const serials: string[] = [];
  for (let round = 0; round < 2; round++) {
    const proxy = await startPaymock({ ...options('record'), mode: 'mock', intercept: ['*'] });
    await waitForFile(caFile);
    const ca = await readFile(caFile, 'utf8');
    for (let i = 0; i < 2; i++) serials.push(await peerSerial(proxy.port, 'openapi.alipay.com', ca));
    serials.push(await peerSerial(proxy.port, '10.1.2.3', ca));
    await proxy.stop();
  }
  assert.equal(new Set(serials.filter((_, i) => i % 3 !== 2)).size, 1, 'the same leaf for openapi.alipay.com every time');
  assert.equal(new Set(serials.filter((_, i) => i % 3 === 2)).size, 1, 'the same leaf for the IP every time');
  assert.notEqual(serials[0], serials[2]);
  assert.equal((await stat(path.join(dir, 'ca', 'ca-key.pem'))).mode & 0o777, 0o600);
  assert.equal((await stat(path.join(dir, 'ca', 'leaf-key.pem'))).mode & 0o777, 0o600);
});

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await stat(file).then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${file} never appeared`);
}

/** CONNECT through paymock, handshake trusting only its CA, and return the leaf's serial. */
function peerSerial(proxyPort: number, host: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `${host}:443` });
    req.on('connect', (_res, socket) => {
      const secure = tls.connect({ socket, ca, servername: host.match(/^\d/) ? undefined : host, host }, () => {
        const serial = secure.getPeerCertificate().serialNumber;
        secure.destroy();
        resolve(serial);
      });
      secure.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
