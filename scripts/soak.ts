// A steady mixed load for SOAK_MINUTES (default 10): the simulated sandbox (mock), a recorded
// cassette (replay), forwarding (passthrough) and HTTPS through CONNECT, all against paymocks in
// child processes on 127.0.0.1. Reports errors and RSS every minute; fails on any error or when
// RSS keeps growing. Usage: `npm run soak` (SOAK_MINUTES=1 for a short one). Not part of npm test.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Agent, ProxyAgent, request } from 'undici';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 200); // requests per second, across all kinds
const dir = mkdtempSync(path.join(os.tmpdir(), 'paymock-soak-'));
const children: ChildProcess[] = [];

function rss(pid: number): number {
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);
}

async function paymock(name: string, args: string[]): Promise<{ url: string; pid: number }> {
  const config = path.join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ log: 'silent', caDir: path.join(dir, 'ca'), rulesDir: path.join(dir, 'rules'), cassettesDir: dir, intercept: ['127.0.0.1'], notify: { enabled: false } }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--port', '0', '--config', config, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const found = /listening on (http:\/\/\S+)/.exec(chunk.toString())?.[1];
      if (found) resolve(found);
    });
    child.on('exit', () => reject(new Error(`${name} exited`)));
  });
  return { url, pid: child.pid! };
}

async function main(): Promise<void> {
  const origin = http.createServer((req, res) => req.resume().on('end', () => res.end(`{"ok":true,"n":"${req.url}"}`)));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const upstream = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;

  const recorder = await paymock('record', ['--mode', 'record', '--cassette', 'soak', '--upstream', upstream]);
  for (let i = 0; i < 50; i++) await (await request(`${recorder.url}/item?i=${i}`)).body.text();
  children.pop()!.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1000));

  const mock = await paymock('mock', ['--mode', 'mock']);
  const replay = await paymock('replay', ['--mode', 'replay', '--cassette', 'soak']);
  const forward = await paymock('forward', ['--mode', 'passthrough', '--upstream', upstream]);
  for (let waited = 0; !existsSync(path.join(dir, 'ca', 'ca.pem')) && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  const caPem = readFileSync(path.join(dir, 'ca', 'ca.pem'), 'utf8');
  const tunnel = new ProxyAgent({ uri: mock.url, requestTls: { ca: caPem } });
  const plain = new Agent({ connections: 20 });

  let n = 0;
  const kinds: Array<[string, () => Promise<number>]> = [
    ['mock', async () => (await request(`${mock.url}/gateway.do?service=alipay.acquire.overseas.spot.pay&partner=2088101122136241&trans_amount=1.00&currency=USD&buyer_identity_code=288888888888888888&partner_trans_id=S${++n}`, { dispatcher: plain })).statusCode],
    ['replay', async () => (await request(`${replay.url}/item?i=${n++ % 50}`, { dispatcher: plain })).statusCode],
    ['forward', async () => (await request(`${forward.url}/item?i=${++n}`, { dispatcher: plain })).statusCode],
    // The simulated sandbox behind CONNECT + TLS (intercepted, so nothing leaves the machine).
    ['https', async () => (await request(`https://127.0.0.1:1/gateway.do?service=alipay.acquire.overseas.query&partner=2088101122136241&partner_trans_id=S1`, { dispatcher: tunnel })).statusCode],
  ];
  const errors = new Map<string, number>();
  const samples: string[] = [];
  const pids = { mock: mock.pid, replay: replay.pid, forward: forward.pid };
  const end = Date.now() + MINUTES * 60_000;
  let sent = 0;
  let nextSample = Date.now() + 60_000;
  const interval = 1000 / RATE;
  const inflight = new Set<Promise<void>>();
  while (Date.now() < end) {
    const [kind, run] = kinds[sent++ % kinds.length]!;
    const job: Promise<void> = run()
      .then((status) => {
        if (status >= 400) errors.set(kind, (errors.get(kind) ?? 0) + 1);
      })
      .catch(() => void errors.set(kind, (errors.get(kind) ?? 0) + 1))
      .finally(() => inflight.delete(job));
    inflight.add(job);
    if (Date.now() >= nextSample) {
      samples.push(Object.entries(pids).map(([name, pid]) => `${name} ${rss(pid)} MB`).join(', '));
      console.log(`soak: minute ${samples.length}: ${sent} requests, errors ${JSON.stringify(Object.fromEntries(errors))}, RSS ${samples.at(-1)}`);
      nextSample += 60_000;
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  await Promise.all(inflight);
  const final = Object.entries(pids).map(([name, pid]) => [name, rss(pid)] as const);
  console.log(`soak: ${sent} requests in ${MINUTES} min at ~${RATE}/s; errors ${JSON.stringify(Object.fromEntries(errors))}; final RSS ${final.map(([k, v]) => `${k} ${v} MB`).join(', ')}`);
  await tunnel.close();
  await plain.close();
  origin.close();
  if (errors.size) process.exitCode = 1;
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
}
