// Only the record scenario (bench/record.ts), `runs` times in fresh servers: quicker than the
// whole bench when working on the cassette writer.   tsx bench/record-only.ts [runs] [count]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { killAllChildren, startChild, type ServerChild } from './children.js';
import { prepareSharedKeys } from './keys.js';
import { recordBench } from './record.js';
import type { BenchContext } from './scenarios/types.js';

const runs = Number(process.argv[2] ?? 3);
const count = Number(process.argv[3] ?? 10_000);
const dir = await mkdtemp(path.join(os.tmpdir(), 'paymock-record-'));
const servers: ServerChild[] = [];
const context: BenchContext = {
  dir,
  shape: { connections: 50, pipelining: 1 } as BenchContext['shape'],
  progress: (message) => process.stderr.write(`${message}\n`),
  async start(name, spec) {
    const child = await startChild(name, spec);
    servers.push(child);
    return child;
  },
};
try {
  await prepareSharedKeys(dir);
  const origin = await context.start('origin', { kind: 'origin' });
  for (let run = 0; run < runs; run++) {
    const r = await recordBench(context, origin.url, count, 20, 120);
    console.log(`${Math.round(r.perSec)}/s (halves ${Math.round(r.firstHalfPerSec)}, ${Math.round(r.secondHalfPerSec)}), ${r.cpuUsPerInteraction.toFixed(0)} us CPU each, stop ${r.stopMs.toFixed(0)} ms, ${r.fileMB.toFixed(1)} MB, problems: ${r.fileProblems.join('; ') || 'none'}; cold start: ${r.warmUp.interactions} at ${Math.round(r.warmUp.perSec)}/s, ${r.warmUp.cpuUsPerInteraction.toFixed(0)} us CPU each`);
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  killAllChildren();
  await rm(dir, { recursive: true, force: true });
}
