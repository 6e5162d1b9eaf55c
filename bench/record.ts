// Record mode under load: a paymock of its own (gateway mode, upstream = the origin, a fresh
// cassettes directory) receives `count` distinct legacy calls (distinct trade_no, so distinct
// keys) over a few keep-alive connections. Timed: the whole, each half (linear or not), and the
// final flush at stop. Then the file is read back: exactly `count` interactions, each trade once.
// Warm-up first, as for every load scenario: the fresh paymock records other distinct trades into
// a session's own cassette (x-paymock-session), bounded in count and time, and that stretch is
// reported on its own as the cold start (a fresh process's JIT compiling the record path).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { legacyQueries, legacyQuery } from './legacy-trades.js';
import { MiB } from './report.js';
import type { ServerChild } from './children.js';
import { paymockOptions, type BenchContext } from './scenarios/types.js';
import type { BenchRequest } from './workload.js';

export interface RecordResult {
  readonly interactions: number;
  readonly connections: number;
  readonly totalMs: number;
  readonly perSec: number;
  readonly firstHalfPerSec: number;
  readonly secondHalfPerSec: number;
  /** stop(): the last flush of the cassette file. */
  readonly stopMs: number;
  readonly fileMB: number;
  readonly cpuUsPerInteraction: number;
  readonly peakRssMB: number;
  /** Problems found in the file; empty when it holds exactly what was sent. */
  readonly fileProblems: readonly string[];
  /** The discarded warm-up: the fresh process's first recordings, into another cassette. */
  readonly warmUp: { readonly interactions: number; readonly perSec: number; readonly cpuUsPerInteraction: number };
}

/** The warm-up's bounds: whichever comes first. */
export const WARM_UP_INTERACTIONS = 3_000;
export const WARM_UP_SECONDS = 5;
const WARM_UP_SESSION = 'bench-warm-up';
/** Trade numbers far from the measured ones: the warm-up never records a trade the run sends. */
const WARM_UP_FIRST_TRADE = 50_000_000;

const REQUEST_TIMEOUT_MS = 10_000;
const CASSETTE = 'bench-record';

/** `(?:^|&)`: out_trade_no also ends in trade_no=. */
const TRADE_NO = /(?:^|&)trade_no=(\d+)/;

async function checkFile(file: string, sent: readonly BenchRequest[]): Promise<{ problems: string[]; bytes: number }> {
  const count = sent.length;
  const text = await readFile(file, 'utf8');
  const { interactions } = JSON.parse(text) as { interactions: Array<{ request: { body: { text?: string } } }> };
  const problems: string[] = [];
  if (interactions.length !== count) problems.push(`${interactions.length} interactions in the file, expected ${count}`);
  const seen = new Map<string, number>();
  for (const { request } of interactions) {
    const trade = TRADE_NO.exec(request.body.text ?? '')?.[1] ?? '(none)';
    seen.set(trade, (seen.get(trade) ?? 0) + 1);
  }
  const repeated = [...seen.values()].filter((n) => n > 1).length;
  if (repeated > 0) problems.push(`${repeated} trade_no values recorded more than once`);
  const expected = sent.map((request) => TRADE_NO.exec(request.body)![1]!);
  const missing = expected.filter((trade) => !seen.has(trade)).length;
  if (missing > 0) problems.push(`${missing} of the ${count} trades sent are not in the file`);
  return { problems, bytes: Buffer.byteLength(text) };
}

interface Driven {
  readonly done: number;
  readonly ms: number;
  /** When half of the requests had been answered. */
  readonly halfAt: number;
  readonly failures: readonly string[];
}

/** Send `requests` over the pool's connections, each answered before the next, until done or out of time. */
async function drive(pool: Pool, requests: readonly BenchRequest[], connections: number, maxSeconds: number, extraHeaders?: Readonly<Record<string, string>>): Promise<Driven> {
  const count = requests.length;
  let next = 0;
  let done = 0;
  let halfAt = 0;
  const failures: string[] = [];
  const started = performance.now();
  const end = started + maxSeconds * 1000;
  const loop = async () => {
    while (next < count && performance.now() < end && failures.length === 0) {
      const request = requests[next++]!;
      try {
        // The measured run sends the prebuilt headers as they are; only the warm-up adds its session's.
        const headers = extraHeaders ? { ...request.headers, ...extraHeaders } : request.headers;
        const response = await pool.request({ path: request.path, method: 'POST', headers, body: request.body, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
        await response.body.arrayBuffer();
        const source = response.headers['x-paymock-source'];
        if (response.statusCode !== 200 || source !== 'upstream') failures.push(`status ${response.statusCode}, x-paymock-source ${String(source)}`);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
      if (++done === Math.floor(count / 2)) halfAt = performance.now();
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return { done, ms: performance.now() - started, halfAt: halfAt - started, failures };
}

/** The warm-up, into its own session's cassette: what it cost is the cold start. */
async function warmUp(server: ServerChild, pool: Pool, connections: number): Promise<RecordResult['warmUp']> {
  const opened = await fetch(`${server.url}/__paymock/sessions/${WARM_UP_SESSION}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cassette: WARM_UP_SESSION }),
  });
  if (!opened.ok) throw new Error(`record-10k warm-up: opening session ${WARM_UP_SESSION}: ${opened.status} ${await opened.text()}`);
  const requests = Array.from({ length: WARM_UP_INTERACTIONS }, (_, i) => legacyQuery(WARM_UP_FIRST_TRADE + i));
  const before = await server.stats();
  const run = await drive(pool, requests, connections, WARM_UP_SECONDS, { 'x-paymock-session': WARM_UP_SESSION });
  if (run.failures.length > 0) throw new Error(`record-10k warm-up: ${run.failures.length} failed, first: ${run.failures[0]}`);
  const after = await server.stats();
  return { interactions: run.done, perSec: run.done / (run.ms / 1000), cpuUsPerInteraction: (after.cpuUs - before.cpuUs) / run.done };
}

export async function recordBench(context: BenchContext, originUrl: string, count: number, connections: number, maxSeconds: number): Promise<RecordResult> {
  const cassettesDir = path.join(context.dir, `record-${Date.now()}`);
  const server = await context.start('record-10k', {
    kind: 'paymock',
    options: paymockOptions(context, { mode: 'record', cassette: CASSETTE, cassettesDir, upstream: originUrl }),
  });
  try {
    const pool = new Pool(server.url, { connections, pipelining: 1 });
    // Built before the clock starts, as every other scenario's requests are: making one (a GBK
    // form, an MD5) took 35 µs of the load generator's CPU, on the cores paymock shares with it.
    const requests = legacyQueries(count);
    const cold = await warmUp(server, pool, connections);
    const before = await server.stats();
    const run = await drive(pool, requests, connections, maxSeconds);
    const totalMs = run.ms;
    await pool.close();
    if (run.failures.length > 0 || run.done < count) {
      throw new Error(`record-10k: ${run.done} of ${count} requests answered in ${Math.round(totalMs)} ms; ${run.failures.length} failed, first: ${run.failures[0] ?? '(none: out of time)'}`);
    }
    const after = await server.stats();
    const stop = await server.finish();
    const file = await checkFile(stop.file ?? path.join(cassettesDir, `${CASSETTE}.json`), requests);
    if (stop.recorded !== count) file.problems.unshift(`paymock says it recorded ${stop.recorded}, expected ${count}`);
    const half = Math.floor(count / 2);
    return {
      interactions: count,
      connections,
      totalMs,
      perSec: count / (totalMs / 1000),
      firstHalfPerSec: half / (run.halfAt / 1000),
      secondHalfPerSec: (count - half) / ((totalMs - run.halfAt) / 1000),
      stopMs: stop.stopMs,
      fileMB: file.bytes / MiB,
      cpuUsPerInteraction: (after.cpuUs - before.cpuUs) / count,
      peakRssMB: after.maxRssBytes / MiB,
      fileProblems: file.problems,
      warmUp: cold,
    };
  } finally {
    await server.stop();
  }
}
