// Plain node:http requests, in origin-form (gateway mode) or absolute-form (forward proxy).
import http from 'node:http';
import net from 'node:net';
import { fromRaw } from '../../src/core/headers.js';
import type { HeaderList } from '../../src/core/types.js';

export interface Got {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: HeaderList;
  body: Buffer;
}

export interface Send {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Send as an absolute-form proxy request to this proxy URL. */
  proxy?: string;
  agent?: http.Agent | false;
}

export function send(url: string, options: Send = {}): Promise<Got> {
  const target = new URL(url);
  const via = options.proxy ? new URL(options.proxy) : target;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: via.hostname,
        port: via.port,
        method: options.method ?? 'GET',
        path: options.proxy ? target.href : target.pathname + target.search,
        headers: { ...(options.proxy ? { host: target.host } : {}), ...options.headers },
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            rawHeaders: fromRaw(res.rawHeaders),
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Headers as received, without paymock's own and the per-connection ones. */
export function comparable(headers: HeaderList): HeaderList {
  return headers.filter(([name]) => !/^(x-paymock-|connection$|keep-alive$)/i.test(name));
}

/** Write raw bytes to a port and collect everything that comes back until the close. */
export function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.on('data', (chunk) => (reply += chunk));
    socket.on('close', () => resolve(reply));
    socket.write(text);
  });
}
