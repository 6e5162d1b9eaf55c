// What a load client sends: one fixed request, or a sequence drawn from a seeded PRNG so that
// every run (and every scenario sharing the workload) sees the same requests in the same order.
import { REQUEST_BODY, REQUEST_HEADERS, REQUEST_PATH } from './fixture.js';
import { JSON_PATH, JSON_REQUEST_BODY, JSON_REQUEST_HEADERS } from './fixture-json.js';

export interface BenchRequest {
  /** Origin-form (`/gateway.do`) or absolute-form (`http://host:port/gateway.do`, to a forward proxy). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface Workload {
  /** One request repeated: the load generator builds it once. */
  readonly fixed: boolean;
  /** The first request of the sequence (what a single sample sends). */
  readonly first: BenchRequest;
  next(): BenchRequest;
  /** Start the sequence over, before each run. */
  reset(): void;
}

export function fixedWorkload(request: BenchRequest): Workload {
  return { fixed: true, first: request, next: () => request, reset: () => undefined };
}

/** The Alipay-shaped form POST every original scenario sends. */
export const ALIPAY_FIXTURE = fixedWorkload({ path: REQUEST_PATH, headers: REQUEST_HEADERS, body: REQUEST_BODY });

export const JSON_FIXTURE = fixedWorkload({ path: JSON_PATH, headers: JSON_REQUEST_HEADERS, body: JSON_REQUEST_BODY });

/** The same requests in absolute-form, for a forward proxy in front of `originUrl`. */
export function viaForwardProxy(workload: Workload, originUrl: string): Workload {
  const origin = new URL(originUrl);
  const absolute = (request: BenchRequest): BenchRequest => ({ ...request, path: `${origin.origin}${request.path}`, headers: { ...request.headers, host: origin.host } });
  if (workload.fixed) return fixedWorkload(absolute(workload.first));
  return { fixed: false, first: absolute(workload.first), next: () => absolute(workload.next()), reset: () => workload.reset() };
}

/** mulberry32: small, fast and good enough to spread keys evenly; seeded so runs are comparable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each request is one of `requests`, picked at random (uniformly, seeded). */
export function randomWorkload(requests: readonly BenchRequest[], seed: number): Workload {
  if (requests.length === 0) throw new Error('a random workload needs at least one request');
  let random = seededRandom(seed);
  return {
    fixed: false,
    first: requests[0]!,
    next: () => requests[Math.floor(random() * requests.length)]!,
    reset: () => {
      random = seededRandom(seed);
    },
  };
}

/** `make(0)` is the sample, then `make(1)`, `make(2)`, ...; reset() never starts over, so ids stay unique. */
export function sequenceWorkload(make: (i: number) => BenchRequest): Workload {
  let i = 1;
  return { fixed: false, first: make(0), next: () => make(i++), reset: () => undefined };
}
