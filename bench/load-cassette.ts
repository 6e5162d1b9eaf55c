// How long a generated legacy cassette takes to load into a CassetteSession, and the RSS then,
// each in a fresh process (the parent only generates files and spawns children).
//   tsx bench/load-cassette.ts [dir] [runs]     (sizes 10k and 100k)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync } from 'node:crypto';
import { writeLegacyCassette } from './cassette-gen.js';

const SIZES = [10_000, 100_000];

async function child(dir: string, name: string): Promise<void> {
  const { CassetteSession } = await import('../src/cassettes/session.js');
  const { createDialects } = await import('../src/dialects/index.js');
  const { createSigner } = await import('../src/dialects/alipay-signer.js');
  const { createLogger } = await import('../src/core/log.js');
  const { parseOptions } = await import('../src/config.js');
  const { keySignature } = await import('../src/cassettes/key-signature.js');
  const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const config = parseOptions({});
  const signer = createSigner(config.alipay, alipay.privateKey, {});
  const dialects = createDialects({ match: config.match, signer, log: createLogger('silent') });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const session = await CassetteSession.open({ dir, name, flushIntervalMs: 100, mustExist: true, onError: () => undefined, keys: keySignature(config.match) }, dialects);
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  const cpuMs = (user + system) / 1000;
  const rss = process.memoryUsage().rss;
  (globalThis as { gc?: () => void }).gc?.();
  const rssGc = process.memoryUsage().rss;
  if (process.env.LOAD_DEBUG) console.error(process.memoryUsage());
  process.stdout.write(JSON.stringify({ ms, cpuMs, rssMB: rss / 2 ** 20, rssAfterGcMB: rssGc / 2 ** 20, loaded: session.summary().loaded }) + '\n');
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, process.argv[4]!);
  const dir = process.argv[2] ?? '/tmp/pm-load';
  const runs = Number(process.argv[3] ?? 3);
  for (const count of SIZES) {
    const name = `legacy-${count}`;
    if (!existsSync(path.join(dir, `${name}.json`))) await writeLegacyCassette(dir, name, count);
    const results = [];
    for (let run = 0; run < runs; run++) {
      const out = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir, name], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (out.status !== 0) throw new Error(out.stderr);
      results.push(JSON.parse(out.stdout.trim().split('\n').pop()!) as { ms: number; cpuMs: number; rssMB: number; rssAfterGcMB: number; loaded: number });
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    console.log(`${count}: load ${median(results.map((r) => r.ms)).toFixed(0)} ms (CPU ${median(results.map((r) => r.cpuMs)).toFixed(0)} ms), rss ${median(results.map((r) => r.rssMB)).toFixed(0)} MB (after gc ${median(results.map((r) => r.rssAfterGcMB)).toFixed(0)}), loaded ${results[0]!.loaded}; runs ${results.map((r) => r.ms.toFixed(0)).join(' ')}`);
  }
}

await main();
