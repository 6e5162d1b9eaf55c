// A fake upstream sandbox on 127.0.0.1, port 0: routes answer with exact bytes, and every
// request it received is kept for assertions.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
}

export type Route = (request: Received, count: number) => Reply | Promise<Reply> | 'hang' | 'reset';

export interface FakeUpstream {
  url: string;
  port: number;
  received: Received[];
  route(method: string, path: string, handler: Route): void;
  close(): Promise<void>;
}

/** With `tls`, the upstream speaks HTTPS with that key and certificate. */
export async function startFakeUpstream(options: { tls?: { key: string; cert: string } } = {}): Promise<FakeUpstream> {
  const routes = new Map<string, { handler: Route; count: number }>();
  const received: Received[] = [];
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const request: Received = { method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) };
      received.push(request);
      const path = new URL(req.url!, 'http://x').pathname;
      const route = routes.get(`${req.method} ${path}`) ?? routes.get(`* ${path}`);
      if (!route) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no route ${req.method} ${path}`);
        return;
      }
      const reply = await route.handler(request, ++route.count);
      if (reply === 'hang') return;
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    received,
    route(method, path, handler) {
      routes.set(`${method} ${path}`, { handler, count: 0 });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
