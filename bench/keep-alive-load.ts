// Sustained keep-alive load with undici, for what autocannon cannot do: HTTPS through a CONNECT
// proxy. The HTTPS baseline goes through this same code with a plain Agent, so both sides of the
// comparison pay for the same client. Every loop stops at the end of the run or after a fixed
// number of requests, whichever comes first, and every request has a timeout.
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { REQUEST_BODY, REQUEST_HEADERS, REQUEST_PATH } from './fixture.js';
import { percentile, type LoadClient, type LoadResult, type LoadSession, type Sample } from './load.js';

const REQUEST_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 3_000;
/** Far above what one loop can reach in any run here; it only keeps every loop bounded in count. */
const MAX_REQUESTS_PER_LOOP = 2_000_000;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export interface KeepAliveTarget {
  /** The origin the requests are addressed to, e.g. https://127.0.0.1:4567. */
  readonly origin: string;
  /** A new dispatcher that keeps at most `connections` keep-alive connections to the origin. */
  readonly dispatcher: (connections: number) => Dispatcher;
  /** The body every 2xx answer must carry, byte for byte. */
  readonly expectBody: Buffer;
}

/** Straight to an HTTPS origin that presents a certificate signed by (or equal to) `ca`. */
export function directTarget(origin: string, ca: string, expectBody: Buffer): KeepAliveTarget {
  return { origin, expectBody, dispatcher: (connections) => new Agent({ connections, connect: { ca } }) };
}

/** To an HTTPS origin through an HTTP proxy's CONNECT tunnels, trusting the proxy's CA inside. */
export function proxiedTarget(origin: string, proxyUrl: string, proxyCa: string, expectBody: Buffer): KeepAliveTarget {
  return {
    origin,
    expectBody,
    dispatcher: (connections) => new ProxyAgent({ uri: proxyUrl, requestTls: { ca: proxyCa }, connections }),
  };
}

interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The same POST autocannon sends to the plain scenarios, answer read to the end. */
async function exchange(dispatcher: Dispatcher, origin: string): Promise<Exchange> {
  const response = await dispatcher.request({
    origin,
    path: REQUEST_PATH,
    method: 'POST',
    headers: REQUEST_HEADERS,
    body: REQUEST_BODY,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Close politely; if that hangs, tear the connections down. */
async function closeDispatcher(dispatcher: Dispatcher): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    dispatcher.close().then(() => true, () => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (!closed) await dispatcher.destroy().catch(() => undefined);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function sustain(dispatcher: Dispatcher, target: KeepAliveTarget, connections: number, durationS: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  let wrongBodies = 0;
  const started = performance.now();
  const end = started + durationS * 1000;

  const loop = async () => {
    for (let sent = 0; sent < MAX_REQUESTS_PER_LOOP && performance.now() < end; sent++) {
      const begun = performance.now();
      try {
        const { status, body } = await exchange(dispatcher, target.origin);
        const took = performance.now() - begun;
        requests++;
        if (status < 200 || status >= 300) non2xx++;
        else {
          latencies.push(took);
          if (!body.equals(target.expectBody)) wrongBodies++;
        }
      } catch (error) {
        if (TIMEOUT_CODES.has(errorCode(error) ?? '')) timeouts++;
        else errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));

  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: requests / elapsedS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    requests,
    errors,
    timeouts,
    non2xx,
    wrongBodies,
    durationS: elapsedS,
  };
}

/**
 * `connections` request loops on one keep-alive dispatcher. open() makes the dispatcher and sends
 * one request per loop at once, so every connection (CONNECT, TLS handshake) exists before the
 * measured run starts: the run measures requests on warm keep-alive connections only.
 */
export function keepAliveClient(target: KeepAliveTarget, connections: number): LoadClient {
  return {
    async sample(): Promise<Sample> {
      const dispatcher = target.dispatcher(1);
      try {
        const { status, headers, body } = await exchange(dispatcher, target.origin);
        return { status, contentType: single(headers['content-type']), source: single(headers['x-paymock-source']), body };
      } finally {
        await closeDispatcher(dispatcher);
      }
    },
    async open(): Promise<LoadSession> {
      const dispatcher = target.dispatcher(connections);
      try {
        const primed = await Promise.all(Array.from({ length: connections }, () => exchange(dispatcher, target.origin)));
        const bad = primed.filter(({ status, body }) => status !== 200 || !body.equals(target.expectBody)).length;
        if (bad > 0) throw new Error(`${bad} of ${connections} requests opening the connections to ${target.origin} did not get the expected answer`);
      } catch (error) {
        await closeDispatcher(dispatcher);
        throw error;
      }
      return {
        run: (durationS) => sustain(dispatcher, target, connections, durationS),
        close: () => closeDispatcher(dispatcher),
      };
    },
  };
}
