// Child-process entry: exactly one server under test per process, so the load generator (the
// parent) never shares an event loop with it, and CPU and memory can be read per server.
// Started by children.ts through fork(); speaks only over the IPC channel.
//   node --import tsx bench/servers.ts '<ServerSpec as JSON>'
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { PaymockOptions, RunningPaymock } from '../src/index.js';
import { RESPONSE_BODY, RESPONSE_HEADERS, xmlHeaders } from './fixture.js';
import { JSON_PATH, JSON_REQUEST_BODY, JSON_RESPONSE_BODY, JSON_RESPONSE_HEADERS } from './fixture-json.js';
import { legacyAnswer, legacyQueryBody } from './legacy-trades.js';

export type ServerSpec =
  | { readonly kind: 'origin' }
  /** The same answer over TLS, with the key and certificate (PEM) read from these files. */
  | { readonly kind: 'https-origin'; readonly keyFile: string; readonly certFile: string }
  /** Origin-form requests go to `origin`; absolute-form ones (a forward proxy's) to their URL. */
  | { readonly kind: 'forwarder'; readonly origin: string }
  /** The bare replay server: request body -> recorded answer, from a Map of `count` legacy trades. */
  | { readonly kind: 'map-replay'; readonly count: number }
  /** The bare replay server for the generic JSON call: method, path and body -> its recorded answer. */
  | { readonly kind: 'map-replay-http' }
  | { readonly kind: 'paymock'; readonly options: PaymockOptions };

export interface ChildStats {
  /** user + system CPU time since the process started, in microseconds. */
  readonly cpuUs: number;
  readonly rssBytes: number;
  /** The kernel's high-water mark for this process's RSS. */
  readonly maxRssBytes: number;
  /** Main-thread time spent in garbage collection since the process started, in microseconds. */
  readonly gcUs: number;
}

/** What a paymock child says when asked to stop: how long stop() took (the final cassette flush). */
export interface StopReport {
  readonly stopMs: number;
  readonly recorded: number;
  readonly file: string | undefined;
}

export type ChildMessage =
  /** `startMs`: for paymock, from calling startPaymock to its resolving (cassette load included). */
  | { readonly type: 'ready'; readonly url: string; readonly startMs?: number }
  | { readonly type: 'stats'; readonly stats: ChildStats }
  | { readonly type: 'stopped'; readonly report: StopReport }
  | { readonly type: 'error'; readonly message: string };

export type ParentMessage = { readonly type: 'stats' } | { readonly type: 'stop' };

// Idle keep-alive sockets from the forwarders' agents sit unused while other scenarios run;
// a short server-side timeout would close them under the agent and surface as resets.
const KEEP_ALIVE_MS = 10 * 60_000;

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];

function send(message: ChildMessage, then?: () => void): void {
  process.send?.(message, undefined, undefined, then);
}

function listen(server: http.Server | https.Server): Promise<string> {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  const protocol = server instanceof https.Server ? 'https' : 'http';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`${protocol}://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** The fixed answer (the JSON one on the generic path), after reading the whole request. */
function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  req.on('end', () => {
    const json = req.url === JSON_PATH;
    res.writeHead(200, json ? JSON_RESPONSE_HEADERS : RESPONSE_HEADERS);
    res.end(json ? JSON_RESPONSE_BODY : RESPONSE_BODY);
  });
}

/** The origin and the "direct" baseline. */
function startOrigin(): Promise<string> {
  return listen(http.createServer(answer));
}

/** The HTTPS origin and the "https-direct" baseline: the same bytes over TLS. */
function startHttpsOrigin(keyFile: string, certFile: string): Promise<string> {
  return listen(https.createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, answer));
}

function endToEnd(headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

/**
 * The least a streaming Node proxy does: one upstream request per request, piped both ways.
 * As a gateway it sends origin-form requests to `originUrl`; as a forward proxy it sends an
 * absolute-form request (`POST http://host:port/path`) to the host it names.
 */
function startForwarder(originUrl: string): Promise<string> {
  const origin = new URL(originUrl);
  // Same pool shape as paymock's upstream agent, so the comparison is about the work per request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const absolute = req.url?.startsWith('http://') ? new URL(req.url) : undefined;
    const target = absolute ?? origin;
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: absolute ? absolute.pathname + absolute.search : req.url,
        headers: { ...endToEnd(req.headers), host: target.host },
        agent,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, endToEnd(upstreamRes.headers));
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`forwarder: ${error.message}\n`);
    });
    req.pipe(upstream);
  });
  return listen(server);
}

interface StoredAnswer {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * What a bare Node replayer costs: read the body, one Map lookup on what identifies the request
 * (`keyOf`, from the request and its raw body as latin1 text), write the stored bytes.
 */
function startMapReplay(answers: ReadonlyMap<string, StoredAnswer>, keyOf: (req: http.IncomingMessage, body: string) => string): Promise<string> {
  return listen(
    http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = answers.get(keyOf(req, Buffer.concat(chunks).toString('latin1')));
        if (!answer) {
          res.writeHead(404, { 'Content-Type': 'text/plain' });
          res.end('map-replay: no such request\n');
          return;
        }
        res.writeHead(200, answer.headers);
        res.end(answer.body);
      });
    }),
  );
}

/** `count` legacy trades, each answered by its own body (the gateway has one path). */
function legacyAnswers(count: number): Map<string, StoredAnswer> {
  const answers = new Map<string, StoredAnswer>();
  for (let i = 0; i < count; i++) {
    const body = legacyAnswer(i);
    answers.set(legacyQueryBody(i), { headers: xmlHeaders(body), body });
  }
  return answers;
}

/** The generic JSON call, keyed as a generic API must be: method, path and body. */
const httpKey = (req: http.IncomingMessage, body: string) => `${req.method} ${req.url}\n${body}`;
const HTTP_ANSWERS: ReadonlyMap<string, StoredAnswer> = new Map([
  [`POST ${JSON_PATH}\n${JSON_REQUEST_BODY}`, { headers: JSON_RESPONSE_HEADERS, body: JSON_RESPONSE_BODY }],
]);

let paymock: RunningPaymock | undefined;

/** Stop paymock (flushing what it recorded) and say how long that took. */
async function stopPaymock(): Promise<StopReport> {
  const started = performance.now();
  const summary = await paymock?.stop();
  return { stopMs: performance.now() - started, recorded: summary?.cassette?.recorded ?? 0, file: summary?.cassette?.file };
}

async function startServer(spec: ServerSpec): Promise<{ url: string; startMs?: number }> {
  switch (spec.kind) {
    case 'origin':
      return { url: await startOrigin() };
    case 'https-origin':
      return { url: await startHttpsOrigin(spec.keyFile, spec.certFile) };
    case 'forwarder':
      return { url: await startForwarder(spec.origin) };
    case 'map-replay':
      return { url: await startMapReplay(legacyAnswers(spec.count), (_req, body) => body) };
    case 'map-replay-http':
      return { url: await startMapReplay(HTTP_ANSWERS, httpKey) };
    case 'paymock': {
      // Imported only here, so the bare servers' RSS does not include paymock's dependencies.
      const { startPaymock } = await import('../src/index.js');
      const started = performance.now();
      paymock = await startPaymock(spec.options);
      return { url: paymock.url, startMs: performance.now() - started };
    }
  }
}

// Every collection's pause (the performance timeline's `gc` entries), for compare.ts to show.
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

function readStats(): ChildStats {
  const cpu = process.cpuUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    gcUs: gcMs * 1000,
    rssBytes: process.memoryUsage.rss(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024, // reported in KiB
  };
}

function main(): void {
  // Orphaned by a crashed parent: nothing would ever stop us otherwise.
  process.on('disconnect', () => process.exit());
  // Stopped by the parent (ServerChild.stop): exit normally, so that node flags given through
  // BENCH_CHILD_ARGS (--cpu-prof, --heap-prof) write their files.
  process.on('SIGTERM', () => process.exit());
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') send({ type: 'stats', stats: readStats() });
    if (message.type === 'stop') {
      stopPaymock().then(
        (report) => send({ type: 'stopped', report }),
        (error: unknown) => send({ type: 'error', message: `stop failed: ${error instanceof Error ? error.message : String(error)}` }),
      );
    }
  });

  const arg = process.argv[2];
  if (!arg || !process.send) {
    console.error('bench/servers.ts is started by bench/run.ts (through fork, with a ServerSpec as JSON)');
    process.exit(2);
  }
  startServer(JSON.parse(arg) as ServerSpec).then(
    (ready) => send({ type: 'ready', ...ready }),
    (error: unknown) => {
      process.exitCode = 1;
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) }, () => process.disconnect());
    },
  );
}

main();
