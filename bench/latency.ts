// Latency added by a proxy at one connection: a bounded number of sequential requests on one
// keep-alive connection, each timed alone with process.hrtime.bigint, straight to the origin and
// through each proxy; the figure is the proxy's p50 minus the origin's.
import { Client } from 'undici';
import { RESPONSE_BODY } from './fixture.js';
import { percentile } from './load.js';
import { readSched, schedSince, type SchedCounters } from './sched.js';
import type { BenchRequest } from './workload.js';

export interface LatencyTarget {
  readonly name: string;
  readonly url: string;
  readonly request: BenchRequest;
  /** The server processes on the path (the proxy and its origin), watched with the client (bench/sched.ts). */
  readonly pids: readonly number[];
}

export interface LatencyResult {
  readonly name: string;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** What the scheduler did to the client and the servers on the path during the timed requests. */
  readonly sched?: SchedCounters;
}

const WARMUP_REQUESTS = 200;
const REQUEST_TIMEOUT_MS = 5_000;
/** Per target: the loop stops here even if the count is not reached. */
const MAX_SECONDS = 20;

async function exchange(client: Client, request: BenchRequest): Promise<void> {
  const response = await client.request({
    path: request.path,
    method: 'POST',
    headers: request.headers,
    body: request.body,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  if (response.statusCode !== 200 || !body.equals(RESPONSE_BODY)) {
    throw new Error(`latency: status ${response.statusCode} with ${body.length} bytes instead of the fixture`);
  }
}

async function measureOne(target: LatencyTarget, count: number): Promise<LatencyResult> {
  const client = new Client(target.url, { pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    for (let i = 0; i < WARMUP_REQUESTS; i++) await exchange(client, target.request);
    const times: number[] = [];
    const pids = [process.pid, ...target.pids];
    const before = readSched(pids);
    const end = process.hrtime.bigint() + BigInt(MAX_SECONDS * 1e9);
    while (times.length < count && process.hrtime.bigint() < end) {
      const started = process.hrtime.bigint();
      await exchange(client, target.request);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const sched = schedSince(pids, before);
    times.sort((a, b) => a - b);
    return { name: target.name, requests: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), ...(sched ? { sched } : {}) };
  } finally {
    await client.destroy();
  }
}

/** One target after the other, so each is timed with nothing else running. */
export async function measureLatency(targets: readonly LatencyTarget[], count: number): Promise<LatencyResult[]> {
  const results: LatencyResult[] = [];
  for (const target of targets) results.push(await measureOne(target, count));
  return results;
}
