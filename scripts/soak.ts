// A steady mixed load for SOAK_MINUTES (default 10): the simulated sandbox (mock), a recorded
// cassette (replay), forwarding (passthrough) and HTTPS through CONNECT, all against paymocks in
// child processes on 127.0.0.1. Reports errors and RSS every SOAK_SAMPLE_S (default 60) seconds;
// fails on any error. Usage: `npm run soak` (SOAK_MINUTES=1 for a short one). Not part of npm test.
//
// Looking into memory: SOAK_ONLY=replay (a comma list of mock, replay, forward, https) runs only
// those kinds; SOAK_PROBE=1 also reports each paymock's heap after a forced GC (heapUsed) beside
// its RSS; SOAK_SNAPSHOTS=1 (with the probe) writes a heap snapshot of each paymock after the
// first sample and at the end, into the soak's temp directory.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Agent, ProxyAgent, request } from 'undici';
import { soakChild, type SoakChild } from './soak-child.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 200); // requests per second, across all kinds
const SAMPLE_MS = Number(process.env.SOAK_SAMPLE_S ?? 60) * 1000;
const ONLY = new Set((process.env.SOAK_ONLY ?? 'mock,replay,forward,https').split(','));
const PROBE_MS = process.env.SOAK_PROBE === '1' ? SAMPLE_MS : undefined;
const SNAPSHOTS = PROBE_MS !== undefined && process.env.SOAK_SNAPSHOTS === '1';
const dir = mkdtempSync(path.join(os.tmpdir(), 'paymock-soak-'));
const children: SoakChild[] = [];

async function paymock(name: string, args: string[], probe = true): Promise<SoakChild> {
  const config = path.join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ log: 'silent', caDir: path.join(dir, 'ca'), rulesDir: path.join(dir, 'rules'), cassettesDir: dir, intercept: ['127.0.0.1'], notify: { enabled: false } }));
  const child = await soakChild(name, ['--port', '0', '--config', config, ...args], { dir, ...(probe && PROBE_MS ? { probeMs: PROBE_MS } : {}) });
  children.push(child);
  return child;
}

function describeMemory(name: string, child: SoakChild): string {
  const { rss, anon } = child.rss();
  const heap = child.probe();
  return `${name} ${rss} MB${heap ? ` (anon ${anon}, heapUsed after gc ${heap.heapUsed}, heapTotal ${heap.heapTotal}, external ${heap.external}, new space ${heap.spaces.new}, old space ${heap.spaces.old})` : ''}`;
}

async function main(): Promise<void> {
  const origin = http.createServer((req, res) => req.resume().on('end', () => res.end(`{"ok":true,"n":"${req.url}"}`)));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const upstream = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;

  const recorder = await paymock('record', ['--mode', 'record', '--cassette', 'soak', '--upstream', upstream], false);
  for (let i = 0; i < 50; i++) await (await request(`${recorder.url}/item?i=${i}`)).body.text();
  children.pop()!.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1000));

  const servers: Record<string, SoakChild> = {};
  if (ONLY.has('mock') || ONLY.has('https')) servers.mock = await paymock('mock', ['--mode', 'mock']);
  if (ONLY.has('replay')) servers.replay = await paymock('replay', ['--mode', 'replay', '--cassette', 'soak']);
  if (ONLY.has('forward')) servers.forward = await paymock('forward', ['--mode', 'passthrough', '--upstream', upstream]);
  const plain = new Agent({ connections: 20 });
  let tunnel: ProxyAgent | undefined;
  if (servers.mock && ONLY.has('https')) {
    for (let waited = 0; !existsSync(path.join(dir, 'ca', 'ca.pem')) && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    tunnel = new ProxyAgent({ uri: servers.mock.url, requestTls: { ca: readFileSync(path.join(dir, 'ca', 'ca.pem'), 'utf8') } });
  }

  let n = 0;
  const all: Array<[string, () => Promise<number>]> = [
    ['mock', async () => (await request(`${servers.mock!.url}/gateway.do?service=alipay.acquire.overseas.spot.pay&partner=2088101122136241&trans_amount=1.00&currency=USD&buyer_identity_code=288888888888888888&partner_trans_id=S${++n}`, { dispatcher: plain })).statusCode],
    ['replay', async () => (await request(`${servers.replay!.url}/item?i=${n++ % 50}`, { dispatcher: plain })).statusCode],
    ['forward', async () => (await request(`${servers.forward!.url}/item?i=${++n}`, { dispatcher: plain })).statusCode],
    // The simulated sandbox behind CONNECT + TLS (intercepted, so nothing leaves the machine).
    ['https', async () => (await request(`https://127.0.0.1:1/gateway.do?service=alipay.acquire.overseas.query&partner=2088101122136241&partner_trans_id=S1`, { dispatcher: tunnel })).statusCode],
  ];
  const kinds = all.filter(([kind]) => ONLY.has(kind));
  const errors = new Map<string, number>();
  // The first failure of each kind is printed once: a count alone does not say what went wrong.
  const failed = (kind: string, reason: string) => {
    if (!errors.has(kind)) console.log(`soak: first ${kind} error: ${reason}`);
    errors.set(kind, (errors.get(kind) ?? 0) + 1);
  };
  let samples = 0;
  const end = Date.now() + MINUTES * 60_000;
  let sent = 0;
  let nextSample = Date.now() + SAMPLE_MS;
  const interval = 1000 / RATE;
  const inflight = new Set<Promise<void>>();
  while (Date.now() < end) {
    const [kind, run] = kinds[sent++ % kinds.length]!;
    const job: Promise<void> = run()
      .then((status) => {
        if (status >= 400) failed(kind, `HTTP ${status}`);
      })
      .catch((error: Error) => failed(kind, `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`))
      .finally(() => inflight.delete(job));
    inflight.add(job);
    if (Date.now() >= nextSample) {
      samples++;
      const memory = Object.entries(servers).map(([name, child]) => describeMemory(name, child)).join(', ');
      console.log(`soak: ${Math.round((samples * SAMPLE_MS) / 1000)} s: ${sent} requests, errors ${JSON.stringify(Object.fromEntries(errors))}, RSS ${memory}`);
      if (SNAPSHOTS && samples === 1) for (const child of Object.values(servers)) child.snapshot();
      nextSample += SAMPLE_MS;
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  await Promise.all(inflight);
  const final = Object.entries(servers).map(([name, child]) => describeMemory(name, child));
  console.log(`soak: ${sent} requests in ${MINUTES} min at ~${RATE}/s; errors ${JSON.stringify(Object.fromEntries(errors))}; final RSS ${final.join(', ')}`);
  if (SNAPSHOTS) {
    for (const child of Object.values(servers)) child.snapshot();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    console.log(`soak: heap snapshots in ${dir} (compare them with: npx tsx scripts/heap-diff.ts FIRST LAST)`);
  }
  await tunnel?.close();
  await plain.close();
  origin.close();
  if (errors.size) process.exitCode = 1;
}

try {
  await main();
} finally {
  for (const { child } of children) child.kill('SIGTERM');
}
