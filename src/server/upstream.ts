// Forwarding to the real upstream. The only module that imports http-proxy: it is wrapped so
// that every call returns a promise, every error is handled (http-proxy emits them as events
// and the process dies when nobody listens), and the buffered body is handed over as a stream
// because http-proxy would otherwise re-read the already consumed request.
import http from 'node:http';
import https from 'node:https';
import { EventEmitter } from 'node:events';
import type { Stream } from 'node:stream';
import tls from 'node:tls';
import httpProxy from 'http-proxy';
import { makeBody } from '../core/body.js';
import { requestUrl, type RequestUrl } from '../core/request-url.js';
import { PaymockError } from '../core/errors.js';
import { endToEnd, fromRaw } from '../core/headers.js';
import { SESSION_HEADER } from '../core/session.js';
import { atEndOfTurn } from '../core/turn-batch.js';
import type { HttpRequest, HttpResponse } from '../core/types.js';

export interface UpstreamOptions {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Verify upstream TLS certificates (on unless told otherwise). */
  readonly verifyTls: boolean;
  /** Extra CAs to trust for upstream TLS, PEM. */
  readonly ca?: readonly string[];
}

export interface Forwarded {
  readonly response: HttpResponse;
  readonly latencyMs: number;
}

export interface Upstream {
  forward(request: HttpRequest): Promise<Forwarded>;
  close(): void;
}

interface Pending {
  readonly settle: (error: unknown, result?: Forwarded) => void;
  readonly started: number;
  proxyReq?: http.ClientRequest;
}

const TLS_ERROR = /CERT|SSL|TLS|EPROTO|SELF_SIGNED|ALTNAME/i;

function upstreamError(error: NodeJS.ErrnoException, url: string): PaymockError {
  if (error instanceof PaymockError) return error;
  const code = error.code ?? 'ERROR';
  if (TLS_ERROR.test(code) || TLS_ERROR.test(error.message)) {
    return new PaymockError('UPSTREAM_TLS', `TLS with upstream ${url} failed: ${code} ${error.message}`, { cause: error });
  }
  return new PaymockError('UPSTREAM_UNREACHABLE', `upstream ${url} failed: ${code} ${error.message}`, { cause: error });
}

/** A request-shaped object for http-proxy: it reads method, url, headers and socket from it. */
function proxyRequest(request: HttpRequest, url: RequestUrl): http.IncomingMessage {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of endToEnd(request.headers)) {
    const lower = name.toLowerCase();
    // paymock's own session header never leaves the machine.
    if (lower === 'content-length' || lower === 'host' || lower === SESSION_HEADER) continue;
    const prior = headers[lower];
    headers[lower] = prior === undefined ? value : ([] as string[]).concat(prior, value);
  }
  if (request.body.bytes.length > 0 || !['GET', 'HEAD'].includes(request.method)) {
    headers['content-length'] = String(request.body.bytes.length);
  }
  // http-proxy only listens on it ('aborted', 'error') and reads these fields: an emitter will do,
  // a stream per request would cost more than the rest of the forwarding.
  const fake = new EventEmitter() as unknown as http.IncomingMessage;
  Object.assign(fake, {
    method: request.method,
    url: url.pathname + url.search,
    headers,
    httpVersion: '1.1',
    socket: { destroyed: false },
  });
  return fake;
}

const PENDING = Symbol('paymock.pending');

export function createUpstream(options: UpstreamOptions): Upstream {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 256,
    rejectUnauthorized: options.verifyTls,
    // Extra CAs are added to Node's bundled roots, not put in their place. They go in through one
    // prebuilt secure context: as a `ca` option, https.Agent would join the whole list into its
    // pool key on every request (a third of the CPU of forwarding, measured).
    ...(options.ca ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, ...options.ca] }) } : {}),
  });
  // Each forwarded request's settle hooks, on the stand-in request itself (a WeakMap entry per
  // request costs more than the property).
  const pending = {
    get: (req: http.IncomingMessage) => (req as { [PENDING]?: Pending })[PENDING],
    set: (req: http.IncomingMessage, entry: Pending) => void ((req as { [PENDING]?: Pending })[PENDING] = entry),
    delete: (req: http.IncomingMessage) => void delete (req as { [PENDING]?: Pending })[PENDING],
  };
  const proxy = httpProxy.createProxyServer({ selfHandleResponse: true, changeOrigin: true, prependPath: false, xfwd: false });

  // Errors also reach the per-call callback; this listener only keeps a stray one from killing us.
  proxy.on('error', (error, req) => pending.get(req)?.settle(error));
  proxy.on('proxyReq', (proxyReq, req) => {
    const entry = pending.get(req);
    if (entry) entry.proxyReq = proxyReq;
  });
  proxy.on('proxyRes', (proxyRes, req) => {
    const entry = pending.get(req);
    if (!entry) return;
    const chunks: Buffer[] = [];
    let size = 0;
    proxyRes.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxResponseBytes) {
        // Settle first: destroying the stream reports its own (less useful) "aborted" error.
        entry.settle(new PaymockError('UPSTREAM_BAD_RESPONSE', `upstream response is larger than ${options.maxResponseBytes} bytes (--max-response-bytes)`));
        proxyRes.destroy();
        return;
      }
      chunks.push(chunk);
    });
    proxyRes.on('error', (error) => entry.settle(error));
    proxyRes.on('aborted', () => entry.settle(new PaymockError('UPSTREAM_BAD_RESPONSE', 'upstream closed the connection mid-response')));
    proxyRes.on('end', () => {
      const headers = endToEnd(fromRaw(proxyRes.rawHeaders));
      const bytes = Buffer.concat(chunks);
      entry.settle(undefined, {
        response: {
          status: proxyRes.statusCode ?? 502,
          ...(proxyRes.statusMessage ? { statusText: proxyRes.statusMessage } : {}),
          headers,
          body: makeBody(bytes, headers),
        },
        latencyMs: Date.now() - entry.started,
      });
    });
  });

  // Requests go upstream together at the end of the turn that produced them (core/turn-batch.ts):
  // passthrough under 50 connections, 167-180 -> 142-145 µs of CPU per request.
  const sendLater = atEndOfTurn(({ upstreamRequest, bytes }: { upstreamRequest: http.ClientRequest; bytes: Buffer }) => upstreamRequest.end(bytes));

  return {
    forward(request) {
      const url = requestUrl(request);
      const req = proxyRequest(request, url);
      const secure = url.protocol === 'https:';
      // http-proxy's `buffer` is only ever piped into the upstream request: write the bytes, end it.
      const body = { pipe: (upstreamRequest: http.ClientRequest) => sendLater({ upstreamRequest, bytes: request.body.bytes }) } as unknown as Stream;
      return new Promise<Forwarded>((resolve, reject) => {
        let done = false;
        const timer = setTimeout(() => {
          entry.proxyReq?.destroy();
          entry.settle(new PaymockError('UPSTREAM_TIMEOUT', `upstream ${url.origin} did not answer within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
        const entry: Pending = {
          started: Date.now(),
          settle(error, result) {
            if (done) return;
            done = true;
            clearTimeout(timer);
            pending.delete(req);
            if (error) reject(upstreamError(error as NodeJS.ErrnoException, url.origin));
            else resolve(result!);
          },
        };
        pending.set(req, entry);
        const res = { headersSent: false, finished: false } as unknown as http.ServerResponse;
        proxy.web(req, res, {
          target: url.origin,
          agent: secure ? httpsAgent : httpAgent,
          secure: options.verifyTls,
          buffer: body,
        }, (error) => entry.settle(error));
      });
    },
    close() {
      proxy.close();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
