// Talking to a server under test from the parent: one exchange by hand (to check what is being
// measured), and sustained load with autocannon. HTTPS scenarios use keep-alive-load.ts instead;
// both are LoadClients, so run.ts treats every scenario alike.
import autocannon from 'autocannon';
import { Client } from 'undici';
import { ALIPAY_FIXTURE, type BenchRequest, type Workload } from './workload.js';

export interface LoadShape {
  readonly connections: number;
  readonly pipelining: number;
}

export interface LoadResult {
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses received. */
  readonly requests: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  /** 2xx answers whose body was not the expected bytes (counted only where the client checks). */
  readonly wrongBodies?: number;
  readonly durationS: number;
}

/** One measured (or warm-up) stretch of load on connections the client has already prepared. */
export interface LoadSession {
  run(durationS: number): Promise<LoadResult>;
  close(): Promise<void>;
}

/** How the parent talks to one scenario: a single checked exchange, or sustained load. */
export interface LoadClient {
  sample(): Promise<Sample>;
  /** Everything that should not be measured (agents, keep-alive connections) happens here. */
  open(): Promise<LoadSession>;
}

export interface Sample {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly source: string | undefined;
  readonly body: Buffer;
}

const SAMPLE_TIMEOUT_MS = 5_000;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** One POST like the ones autocannon sends, on its own connection, closed afterwards. */
export async function fetchSample(baseUrl: string, request: BenchRequest = ALIPAY_FIXTURE.first): Promise<Sample> {
  const client = new Client(baseUrl);
  try {
    const response = await client.request({
      path: request.path,
      method: 'POST',
      headers: request.headers,
      body: request.body,
      headersTimeout: SAMPLE_TIMEOUT_MS,
      bodyTimeout: SAMPLE_TIMEOUT_MS,
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    return {
      status: response.statusCode,
      contentType: single(response.headers['content-type']),
      source: single(response.headers['x-paymock-source']),
      body,
    };
  } finally {
    await client.close();
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A fixed request is built once; otherwise autocannon asks the workload for each request. */
function autocannonRequests(workload: Workload): autocannon.Request[] {
  const shaped = (request: BenchRequest) => ({ method: 'POST' as const, path: request.path, headers: { ...request.headers }, body: request.body });
  if (workload.fixed) return [shaped(workload.first)];
  return [{ setupRequest: (request) => ({ ...request, ...shaped(workload.next()) }) }];
}

export async function drive(baseUrl: string, durationS: number, shape: LoadShape, workload: Workload = ALIPAY_FIXTURE): Promise<LoadResult> {
  // autocannon's own histogram keeps whole milliseconds, too coarse for sub-millisecond
  // loopback answers; its per-response event carries the exact time, so keep those instead.
  const latencies: number[] = [];
  workload.reset();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        requests: autocannonRequests(workload),
        connections: shape.connections,
        pipelining: shape.pipelining,
        duration: durationS,
      },
      (error: unknown, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
    });
  });
  latencies.sort((a, b) => a - b);
  return {
    // From the total rather than the per-second histogram, which has one sample per second.
    reqPerSec: result.requests.total / result.duration,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    durationS: result.duration,
  };
}

/** autocannon opens its connections inside each run, as it always has for the plain scenarios. */
export function autocannonClient(baseUrl: string, shape: LoadShape, workload: Workload = ALIPAY_FIXTURE): LoadClient {
  return {
    sample: () => fetchSample(baseUrl, workload.first),
    open: async () => ({ run: (durationS) => drive(baseUrl, durationS, shape, workload), close: async () => undefined }),
  };
}
