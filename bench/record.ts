// Record mode under load: a paymock of its own (gateway mode, upstream = the origin, a fresh
// cassettes directory) receives `count` distinct legacy calls (distinct trade_no, so distinct
// keys) over a few keep-alive connections. Timed: the whole, each half (linear or not), and the
// final flush at stop. Then the file is read back: exactly `count` interactions, each trade once.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { legacyQueries } from './legacy-trades.js';
import { MiB } from './report.js';
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
}

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
    const before = await server.stats();
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
          const response = await pool.request({ path: request.path, method: 'POST', headers: request.headers, body: request.body, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
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
    const totalMs = performance.now() - started;
    await pool.close();
    if (failures.length > 0 || done < count) {
      throw new Error(`record-10k: ${done} of ${count} requests answered in ${Math.round(totalMs)} ms; ${failures.length} failed, first: ${failures[0] ?? '(none: out of time)'}`);
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
      firstHalfPerSec: half / ((halfAt - started) / 1000),
      secondHalfPerSec: (count - half) / ((started + totalMs - halfAt) / 1000),
      stopMs: stop.stopMs,
      fileMB: file.bytes / MiB,
      cpuUsPerInteraction: (after.cpuUs - before.cpuUs) / count,
      peakRssMB: after.maxRssBytes / MiB,
      fileProblems: file.problems,
    };
  } finally {
    await server.stop();
  }
}
