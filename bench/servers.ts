// Child-process entry: exactly one server under test per process, so the load generator (the
// parent) never shares an event loop with it, and CPU and memory can be read per server.
// Started by children.ts through fork(); speaks only over the IPC channel.
//   node --import tsx bench/servers.ts '<ServerSpec as JSON>'
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { PaymockOptions } from '../src/index.js';
import { RESPONSE_BODY, RESPONSE_HEADERS } from './fixture.js';

export type ServerSpec =
  | { readonly kind: 'origin' }
  /** The same answer over TLS, with the key and certificate (PEM) read from these files. */
  | { readonly kind: 'https-origin'; readonly keyFile: string; readonly certFile: string }
  | { readonly kind: 'forwarder'; readonly origin: string }
  | { readonly kind: 'paymock'; readonly options: PaymockOptions };

export interface ChildStats {
  /** user + system CPU time since the process started, in microseconds. */
  readonly cpuUs: number;
  readonly rssBytes: number;
  /** The kernel's high-water mark for this process's RSS. */
  readonly maxRssBytes: number;
}

export type ChildMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'stats'; readonly stats: ChildStats }
  | { readonly type: 'error'; readonly message: string };

export type ParentMessage = { readonly type: 'stats' };

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

/** The fixed answer, after reading the whole request. */
function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, RESPONSE_HEADERS);
    res.end(RESPONSE_BODY);
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

/** The least a streaming Node proxy does: one upstream request per request, piped both ways. */
function startForwarder(originUrl: string): Promise<string> {
  const origin = new URL(originUrl);
  // Same pool shape as paymock's upstream agent, so the comparison is about the work per request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: origin.hostname,
        port: origin.port,
        method: req.method,
        path: req.url,
        headers: { ...endToEnd(req.headers), host: origin.host },
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

async function startServer(spec: ServerSpec): Promise<string> {
  switch (spec.kind) {
    case 'origin':
      return startOrigin();
    case 'https-origin':
      return startHttpsOrigin(spec.keyFile, spec.certFile);
    case 'forwarder':
      return startForwarder(spec.origin);
    case 'paymock': {
      // Imported only here, so the bare servers' RSS does not include paymock's dependencies.
      const { startPaymock } = await import('../src/index.js');
      return (await startPaymock(spec.options)).url;
    }
  }
}

function readStats(): ChildStats {
  const cpu = process.cpuUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    rssBytes: process.memoryUsage.rss(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024, // reported in KiB
  };
}

function main(): void {
  // Orphaned by a crashed parent: nothing would ever stop us otherwise.
  process.on('disconnect', () => process.exit());
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') send({ type: 'stats', stats: readStats() });
  });

  const arg = process.argv[2];
  if (!arg || !process.send) {
    console.error('bench/servers.ts is started by bench/run.ts (through fork, with a ServerSpec as JSON)');
    process.exit(2);
  }
  startServer(JSON.parse(arg) as ServerSpec).then(
    (url) => send({ type: 'ready', url }),
    (error: unknown) => {
      process.exitCode = 1;
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) }, () => process.disconnect());
    },
  );
}

main();
