// The listening socket. It turns what arrives (absolute-form proxy requests, requests inside a
// CONNECT tunnel, origin-form gateway requests, admin requests) into buffered HttpRequests for
// the pipeline, and writes the answer back.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { makeBody } from '../core/body.js';
import { isPromise, type MaybePromise } from '../core/maybe-async.js';
import { describe, statusFor } from '../core/errors.js';
import { isHeader, setHeader, toRaw } from '../core/headers.js';
import type { Logger } from '../core/log.js';
import { atEndOfTurn, batchAtEndOfTurn } from '../core/turn-batch.js';
import type { Fault, HeaderList, HttpRequest, HttpResponse, Outcome } from '../core/types.js';
import { handleConnect, tunnelOrigins, type ConnectOptions } from './connect.js';
import { readBody } from './read-body.js';

export const ADMIN_PREFIX = '/__paymock/';

export interface FrontDoorOptions {
  readonly maxBodyBytes: number;
  /** Where origin-form (gateway mode) requests go; the Host header decides when unset. */
  readonly gatewayOrigin: () => string | undefined;
  readonly handle: (request: HttpRequest) => MaybePromise<{ response: HttpResponse; outcome: Outcome; fault?: Fault }>;
  readonly admin: (req: IncomingMessage, res: ServerResponse) => void;
  readonly connect: Omit<ConnectOptions, 'log'>;
  readonly log: Logger;
}

export interface FrontDoor {
  readonly server: http.Server;
  /** Stop accepting, then end every connection and tunnel. */
  close(): Promise<void>;
}

function absoluteUrl(req: IncomingMessage, gatewayOrigin: string | undefined): string {
  const target = req.url ?? '/';
  if (/^https?:\/\//i.test(target)) return target;
  const tunnel = tunnelOrigins.get(req.socket);
  if (tunnel) return tunnel + target;
  return (gatewayOrigin ?? `http://${req.headers.host ?? 'localhost'}`) + target;
}

/** The authority of an absolute URL (`http://host:port/path` -> `host:port`), without a URL parse. */
function authorityOf(url: string): string {
  const start = url.indexOf('//') + 2;
  const end = url.indexOf('/', start);
  return url.slice(start, end < 0 ? undefined : end);
}

/** The request as it goes upstream: Host names the target, not paymock (gateway mode). */
function targetHeaders(rawHeaders: string[], url: string): HeaderList {
  const headers: HeaderList = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    headers.push([name, isHeader(name, 'host') ? authorityOf(url) : rawHeaders[i + 1]!]);
  }
  return headers;
}

const DRAIN_MS = 5_000;
const NO_BODY_STATUS = new Set([204, 304]);

const SOURCE_HEADER = 'x-paymock-source';

export function writeResponse(res: ServerResponse, response: HttpResponse, outcome: Outcome, method: string): void {
  // One pass: the headers as recorded (a stale x-paymock-source dropped), ours last.
  const raw: string[] = [];
  let hasLength = false;
  for (const [name, value] of response.headers) {
    if (isHeader(name, SOURCE_HEADER)) continue;
    if (isHeader(name, 'content-length')) hasLength = true;
    raw.push(name, value);
  }
  raw.push(SOURCE_HEADER, outcome.source);
  const bodyless = method === 'HEAD' || NO_BODY_STATUS.has(response.status) || response.status < 200;
  if (!bodyless && !hasLength) raw.push('Content-Length', String(response.body.bytes.length));
  res.writeHead(response.status, response.statusText ?? http.STATUS_CODES[response.status] ?? '', raw);
  res.end(bodyless ? undefined : response.body.bytes);
}

/** Requests being answered on a connection (a pipelined request waits behind earlier ones). */
const ANSWERING = Symbol('paymock.answering');
type Counted = Duplex & { [ANSWERING]?: number };
const countOut = (socket: Counted) => {
  socket[ANSWERING] = (socket[ANSWERING] ?? 1) - 1;
};

type Answered = { response: HttpResponse; outcome: Outcome; fault?: Fault };
/** A request whose body is in, waiting for the end of the turn. */
type Arrived = { readonly req: IncomingMessage; readonly res: ServerResponse; readonly bytes: Buffer };
type Reply = { readonly res: ServerResponse; readonly handled: Answered; readonly method: string };

function answer(res: ServerResponse, { response, outcome, fault }: Answered, method: string): void {
  if (fault) writeFault(res, fault, response, outcome);
  else writeResponse(res, response, outcome, method);
}

/** What no well-formed response can say: silence, a reset, a body cut short. */
function writeFault(res: ServerResponse, fault: Fault, response: HttpResponse, outcome: Outcome): void {
  switch (fault.kind) {
    case 'timeout':
      return; // the request stays open until the client gives up or paymock stops
    case 'reset':
      res.socket?.resetAndDestroy();
      return;
    case 'truncated': {
      const bytes = response.body.bytes;
      const headers = setHeader(setHeader(response.headers, 'x-paymock-source', outcome.source), 'Content-Length', String(Math.max(bytes.length, 2)));
      res.writeHead(response.status, toRaw(headers));
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      // Flush what was written, then cut the connection mid-body.
      res.socket?.end(() => res.socket?.destroy());
    }
  }
}

function fail(res: ServerResponse, error: unknown, log: Logger): void {
  const status = statusFor(error);
  const text = `paymock: ${describe(error)}\n`;
  if (status >= 500) log.warn(describe(error));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A body we refused to read leaves the connection in an unknown state: close it.
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.end(text);
}

export function createFrontDoor(options: FrontDoorOptions): FrontDoor {
  const tunnels = new Set<Duplex>();
  const { log } = options;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  let stopping = false;

  /** An exchange is over: its answer is out, or its connection is gone. */
  const release = (socket: Counted) => {
    countOut(socket);
    if (--inFlight === 0) drained?.();
  };
  // Once per exchange, after its answer (or failure) was written: counted out at once when the
  // socket took every byte or the connection is gone, else when the response closes (a `timeout`
  // fault, a slow reader). So the usual exchange adds no listener to its response (each had a
  // `close` listener before, and the counts per connection lived in a WeakMap).
  const settle = (res: ServerResponse) => {
    if (res.writableFinished || res.closed) release(res.req.socket);
    else res.once('close', () => release(res.req.socket));
  };
  const failed = (res: ServerResponse, error: unknown) => {
    fail(res, error, log);
    settle(res);
  };

  const write = ({ res, handled, method }: Reply) => {
    // Stopping: this answer is the connection's last (Node then sends Connection: close).
    if (stopping) res.shouldKeepAlive = false;
    try {
      answer(res, handled, method);
    } catch (error) {
      fail(res, error, log);
    }
    settle(res);
  };
  // Answers go out together at the end of the turn that produced them (core/turn-batch.ts): replay
  // under 50 connections, 67 -> 49 µs of CPU per request.
  const respond = atEndOfTurn(write);
  // Requests read in one turn are handled together at its end, back to back, and the answers made
  // at once are written after them. Handling each as its body came in ran paymock's code between
  // Node's parsing of one connection and the next: generic replay under 50 connections took 1.60x
  // the bare server's CPU per request that way, 1.33x this way (bench/compare.ts, same rounds).
  const handleAll = batchAtEndOfTurn((arrived: Arrived[]) => {
    const ready: Reply[] = [];
    for (const { req, res, bytes } of arrived) {
      const method = req.method ?? 'GET';
      try {
        const url = absoluteUrl(req, options.gatewayOrigin());
        const headers = targetHeaders(req.rawHeaders, url);
        const handled = options.handle({ method, url, headers, body: makeBody(bytes, headers) });
        if (!isPromise(handled)) ready.push({ res, handled, method });
        else handled.then((later) => respond({ res, handled: later, method }), (error: unknown) => failed(res, error));
      } catch (error) {
        failed(res, error);
      }
    }
    for (const reply of ready) write(reply);
  });

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // Node keeps reading new requests from kept-alive connections after server.close(): a request
    // that arrives once the stop began is not taken (the client sees the connection close, as if
    // it had been idle a moment earlier), so nothing new starts while in-flight exchanges drain.
    // Pipelined behind an answer still being produced, it is left alone: closing now would lose
    // that answer (which may already be recorded), and the connection closes after it anyway.
    const socket: Counted = req.socket;
    if (stopping) {
      if (!socket[ANSWERING]) socket.destroy();
      return;
    }
    socket[ANSWERING] = (socket[ANSWERING] ?? 0) + 1;
    const target = req.url ?? '/';
    // Also inside tunnels: `paymock doctor` probes an intercepted host this way, offline. Admin
    // requests are not drained on stop (nothing of them is recorded, and the dashboard's event
    // feed never ends on its own): they end with their connection.
    if (target.startsWith(ADMIN_PREFIX) || target === '/__paymock' || target.startsWith('/__paymock?')) {
      res.on('close', () => countOut(socket));
      options.admin(req, res);
      return;
    }
    inFlight++;
    readBody(req, options.maxBodyBytes).then(
      (bytes) => handleAll({ req, res, bytes }),
      (error: unknown) => failed(res, error),
    );
  };

  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => void onRequest(req, res));
  server.on('connect', handleConnect(server, tunnels, { ...options.connect, log }));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    log.debug(`client error: ${error.code ?? ''} ${error.message}`);
    if (socket.writable && error.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\npaymock: malformed HTTP request\n');
    } else {
      socket.destroy();
    }
  });

  return {
    server,
    close: async () => {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Let answers already being produced go out (so they can be recorded), briefly: no new
      // request is taken meanwhile, so this ends as soon as the last one is answered.
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, DRAIN_MS).unref();
        });
      }
      server.closeAllConnections();
      for (const socket of tunnels) socket.destroy();
      tunnels.clear();
      // Every connection was just destroyed; do not let a straggler hold the caller forever.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    },
  };
}
