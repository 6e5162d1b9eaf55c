// npx tsx bench/compare.ts <replay|replay-http|random|passthrough|mock-md5> '<options A>' '<options B>' [rounds] [seconds]
//
// Two paymock configurations side by side against the same bare baseline, in alternating rounds
// (baseline, A, B, then baseline, B, A, ...), so that a neighbour's burst lands on all three
// alike. Prints CPU per request and req/s per round and their medians, with each configuration's
// ratio to the baseline measured in the same round. For deciding whether a change or an option
// pays off on a noisy machine, where two separate `npm run bench` runs differ by more than the
// change does. Example: what the 1,000-entry journal costs in replay:
//   npx tsx bench/compare.ts replay '{}' '{"journalSize":1}'
// `BENCH_CHILD_ARGS` (node flags for every child, see children.ts) applies to all three servers.
// `COMPARE_A_ARGS` adds node flags for A alone, e.g. COMPARE_A_ARGS=--max-semi-space-size=32.
// `COMPARE_TRADES=<n>` sets how many trades the `random` kind's cassette holds (10,000 by default).
// `COMPARE_B_REF=<git ref>` runs B from that commit instead (a temporary git worktree, removed at
// the end), to compare two versions of the code: what a change is worth, side by side. Example:
//   COMPARE_B_REF=HEAD~1 npx tsx bench/compare.ts replay '{}' '{}'
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PaymockOptions } from '../src/index.js';
import { writeLegacyCassette } from './cassette-gen.js';
import { killAllChildren, startChild, type ServerChild } from './children.js';
import { legacyQueries } from './legacy-trades.js';
import { autocannonClient, fetchSample } from './load.js';
import { median } from './report.js';
import { md5Options, md5Queries, payMd5Trades } from './scenarios/mock.js';
import { recordOnce } from './scenarios/record-once.js';
import { paymockOptions, type BenchContext } from './scenarios/types.js';
import { ALIPAY_FIXTURE, JSON_FIXTURE, randomWorkload, type Workload } from './workload.js';

const SHAPE = { connections: 50, pipelining: 1 } as const;
/** Trades in the `random` kind's cassette; COMPARE_TRADES=100000 for the large one. */
const RANDOM_TRADES = Number(process.env.COMPARE_TRADES ?? 10_000);
const SEED = 0x5eed;
const KINDS = ['replay', 'replay-http', 'random', 'passthrough', 'mock-md5'] as const;
type Kind = (typeof KINDS)[number];

interface Setup {
  readonly baseline: ServerChild;
  readonly options: PaymockOptions;
  readonly workload: Workload;
  /** What each paymock needs before it is measured (the trades a mock query asks for). */
  readonly prepare?: (server: ServerChild) => Promise<void>;
}

function parseOptions(text: string | undefined, which: string): PaymockOptions {
  try {
    return JSON.parse(text ?? '{}') as PaymockOptions;
  } catch (error) {
    throw new Error(`options ${which} are not JSON: ${(error as Error).message}`);
  }
}

async function setUp(kind: Kind, dir: string): Promise<Setup> {
  // The bench's own defaults for a paymock child (loopback, silent, no rule files, shared CA).
  const context: BenchContext = { dir, shape: SHAPE, start: startChild, progress: () => undefined };
  const base = paymockOptions(context, {});
  const origin = await startChild('origin', { kind: 'origin' });
  // One exchange recorded from the origin, then replayed.
  const replayOf = async (cassette: string, workload: Workload): Promise<Setup> => {
    await recordOnce({ ...base, cassette, upstream: origin.url, cassettesDir: dir }, (recorder) => fetchSample(recorder.url, workload.first));
    return { baseline: origin, options: { ...base, mode: 'replay', cassette, cassettesDir: dir }, workload };
  };
  switch (kind) {
    case 'passthrough':
      return {
        baseline: await startChild('forwarder', { kind: 'forwarder', origin: origin.url }),
        options: { ...base, mode: 'passthrough', upstream: origin.url },
        workload: ALIPAY_FIXTURE,
      };
    case 'mock-md5':
      return { baseline: origin, options: md5Options(context), workload: md5Queries(), prepare: payMd5Trades };
    case 'random':
      await writeLegacyCassette(dir, 'random', RANDOM_TRADES);
      return { baseline: origin, options: { ...base, mode: 'replay', cassette: 'random', cassettesDir: dir }, workload: randomWorkload(legacyQueries(RANDOM_TRADES), SEED) };
    case 'replay':
      return replayOf('one', ALIPAY_FIXTURE);
    case 'replay-http':
      return replayOf('json', JSON_FIXTURE);
  }
}

type Starter = Pick<typeof import('./children.js'), 'startChild' | 'killAllChildren'>;

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The bench's own child starter, or the one of a checkout of `ref` (with this one's node_modules). */
async function starterFor(ref: string | undefined, dir: string): Promise<{ starter: Starter; label: string; remove: () => void }> {
  if (!ref) return { starter: { startChild, killAllChildren }, label: 'B', remove: () => undefined };
  const tree = path.join(dir, 'b-tree');
  try {
    execFileSync('git', ['worktree', 'add', '--detach', tree, ref], { cwd: PROJECT_ROOT, stdio: 'ignore' });
  } catch {
    throw new Error(`COMPARE_B_REF=${ref}: git could not check that out (not a commit of this repository?)`);
  }
  const remove = () => execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: PROJECT_ROOT, stdio: 'ignore' });
  try {
    await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(tree, 'node_modules'));
    const starter = (await import(pathToFileURL(path.join(tree, 'bench', 'children.ts')).href)) as Starter;
    const commit = execFileSync('git', ['rev-parse', '--short', ref], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    return { starter, label: `B@${commit}`, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Node flags for one child only: BENCH_CHILD_ARGS (children.ts) plus `extra`, while it starts. */
async function withChildArgs<T>(extra: string | undefined, start: () => Promise<T>): Promise<T> {
  if (!extra) return start();
  const before = process.env.BENCH_CHILD_ARGS;
  process.env.BENCH_CHILD_ARGS = [before, extra].filter(Boolean).join(' ');
  try {
    return await start();
  } finally {
    if (before === undefined) delete process.env.BENCH_CHILD_ARGS;
    else process.env.BENCH_CHILD_ARGS = before;
  }
}

async function main(): Promise<void> {
  const [kindArg, optionsA, optionsB, roundsArg, secondsArg] = process.argv.slice(2);
  if (!KINDS.includes(kindArg as Kind)) throw new Error(`usage: compare.ts <${KINDS.join('|')}> '<options A as JSON>' '<options B as JSON>' [rounds] [seconds]`);
  const rounds = Number(roundsArg ?? 6);
  const seconds = Number(secondsArg ?? 3);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paymock-compare-'));
  let other: Awaited<ReturnType<typeof starterFor>> | undefined;
  const measured: ServerChild[] = [];
  try {
    other = await starterFor(process.env.COMPARE_B_REF, dir);
    const { baseline, options, workload, prepare } = await setUp(kindArg as Kind, dir);
    const a = await withChildArgs(process.env.COMPARE_A_ARGS, () => startChild('A', { kind: 'paymock', options: { ...options, ...parseOptions(optionsA, 'A') } }));
    const b = await other.starter.startChild(other.label, { kind: 'paymock', options: { ...options, ...parseOptions(optionsB, 'B') } });
    measured.push(a, b);
    for (const server of [a, b]) await prepare?.(server);
    const cpu = new Map<ServerChild, number[]>([[baseline, []], [a, []], [b, []]]);
    const rate = new Map<ServerChild, number[]>([[baseline, []], [a, []], [b, []]]);
    const gc = new Map<ServerChild, number[]>([[baseline, []], [a, []], [b, []]]);
    const run = async (server: ServerChild, durationS: number) => {
      const session = await autocannonClient(server.url, SHAPE, workload).open();
      const before = await server.stats();
      const load = await session.run(durationS);
      const after = await server.stats();
      await session.close();
      if (load.non2xx > 0 || load.errors > 0) throw new Error(`${server.name}: ${load.non2xx} non-2xx answers, ${load.errors} errors`);
      return { cpuUs: (after.cpuUs - before.cpuUs) / load.requests, gcUs: (after.gcUs - before.gcUs) / load.requests, reqPerSec: load.requests / load.durationS };
    };
    for (const server of [baseline, a, b]) await run(server, 1); // warm-up, discarded
    for (let round = 1; round <= rounds; round++) {
      for (const server of round % 2 ? [baseline, a, b] : [baseline, b, a]) {
        const measured = await run(server, seconds);
        cpu.get(server)!.push(measured.cpuUs);
        rate.get(server)!.push(measured.reqPerSec);
        gc.get(server)!.push(measured.gcUs);
      }
      const last = (server: ServerChild) => cpu.get(server)!.at(-1)!;
      console.log(`round ${round}: CPU us/req ${baseline.name} ${last(baseline).toFixed(1)}, A ${last(a).toFixed(1)} (${(last(a) / last(baseline)).toFixed(2)}x), ${b.name} ${last(b).toFixed(1)} (${(last(b) / last(baseline)).toFixed(2)}x)`);
    }
    const ratio = (server: ServerChild) => median(cpu.get(server)!.map((value, i) => value / cpu.get(baseline)![i]!));
    for (const server of [baseline, a, b]) {
      const vs = server === baseline ? 'baseline' : `${ratio(server).toFixed(2)}x the baseline's CPU per request (median of per-round ratios)`;
      console.log(`${server.name.padEnd(9)} ${median(cpu.get(server)!).toFixed(1).padStart(7)} us/req (GC ${median(gc.get(server)!).toFixed(1)}) ${Math.round(median(rate.get(server)!)).toLocaleString('en-US').padStart(7)} req/s  ${vs}`);
    }
  } finally {
    // Stopped, not killed: an exiting child writes what its node flags ask for (--cpu-prof).
    await Promise.allSettled(measured.map((server) => server.stop()));
    killAllChildren();
    other?.starter.killAllChildren();
    other?.remove();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  killAllChildren();
  process.exit(1);
});
