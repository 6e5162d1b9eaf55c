// Malformed traffic against a real paymock (a child process on 127.0.0.1): broken request lines
// and headers, bad chunked framing, invalid charset bytes, broken XML and JSON, bad signatures,
// wrong content types, oversized bodies and headers, slow clients, half-closed sockets, garbage
// in CONNECT tunnels. paymock must stay up, answer each with an error or close cleanly, and keep
// its memory flat. Usage: `npm run fuzz` (FUZZ_CASES=10000, FUZZ_SEED=1). Exits 1 on a failure.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CASES, type Case } from './fuzz-cases.js';

const TOTAL = Number(process.env.FUZZ_CASES ?? 10_000);
const CONCURRENCY = 40;
const CASE_TIMEOUT_MS = 3000;
let seed = Number(process.env.FUZZ_SEED ?? 1);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

type Result = 'answered' | 'closed' | 'timeout';

function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** Play one case on a fresh socket; what counts is that paymock answers or closes, in time. */
function play(port: number, fuzzCase: Case): Promise<{ result: Result; status?: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const finish = (result: Result) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve({ result: status ? 'answered' : result, ...(status ? { status: Number(status) } : {}) });
    };
    const timer = setTimeout(() => finish('timeout'), CASE_TIMEOUT_MS);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (fuzzCase.expectsReply && /^HTTP\/1\.1 \d{3}[^]*?\r\n\r\n/.test(received) && !/^HTTP\/1\.1 200 Connection Established/.test(received)) finish('answered');
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('closed'));
    socket.on('connect', () => void fuzzCase.send(socket, random).catch(() => finish('closed')));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paymock-fuzz-'));
  const config = path.join(dir, 'paymock.config.json');
  writeFileSync(config, JSON.stringify({ log: 'silent', caDir: path.join(dir, 'ca'), rulesDir: path.join(dir, 'rules'), maxBodyBytes: 1024 * 1024, alipay: { partners: { '2088101122136241': { md5Key: '0123456789abcdef0123456789abcdef' } } } }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--port', '0', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const found = /listening on (http:\/\/\S+)/.exec(chunk.toString())?.[1];
      if (found) resolve(found);
    });
    child.on('exit', () => reject(new Error('paymock exited before it listened')));
  });
  const port = Number(new URL(url).port);
  // Warm up the paths first, so the "before" figure is not just cold code.
  for (let i = 0; i < 200; i++) await play(port, CASES[i % CASES.length]!);
  const before = rss(child.pid!);
  const tally = new Map<string, Record<Result, number>>();
  const statuses = new Map<string, Set<number>>();
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL) {
        const fuzzCase = CASES[next++ % CASES.length]!;
        const { result, status } = await play(port, fuzzCase);
        if (status) statuses.set(fuzzCase.name, (statuses.get(fuzzCase.name) ?? new Set()).add(status));
        const counts = tally.get(fuzzCase.name) ?? { answered: 0, closed: 0, timeout: 0 };
        counts[result]++;
        tally.set(fuzzCase.name, counts);
      }
    }),
  );
  const after = rss(child.pid!);
  const health = await fetch(`${url}/__paymock/health`).then((res) => res.status, () => 0);
  child.kill('SIGTERM');

  console.log(`fuzz: ${TOTAL} malformed requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${CASES.length} kinds, seed ${process.env.FUZZ_SEED ?? 1}`);
  for (const [name, counts] of tally) {
    const seen = [...(statuses.get(name) ?? [])].sort().join('/') || '-';
    console.log(`  ${name.padEnd(40)} answered ${String(counts.answered).padStart(5)} (HTTP ${seen}), closed ${counts.closed}, timeout ${counts.timeout}`);
  }
  console.log(`paymock RSS before ${before} MB, after ${after} MB; health after the run: HTTP ${health}`);
  const hangs = [...tally].filter(([name, counts]) => counts.timeout > 0 && !CASES.find((c) => c.name === name)?.mayHang);
  const failed = health !== 200 || hangs.length > 0 || after - before > 100;
  if (hangs.length) console.log(`FAIL: no answer and no close for ${hangs.map(([name]) => name).join(', ')}`);
  if (failed) process.exitCode = 1;
  else console.log('ok: paymock stayed up, answered or closed every request, memory flat');
}

await main();
