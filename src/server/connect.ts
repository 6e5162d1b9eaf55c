// CONNECT tunnels. The first bytes inside the tunnel decide: a TLS ClientHello to an
// intercepted host is answered with a leaf certificate from paymock's CA, to any other host it
// is passed through blind; anything else is plain HTTP. Decrypted and plain requests are fed
// back into the same HTTP server, remembering the tunnel's origin.
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/log.js';
import type { CertificateAuthority } from '../tls/authority.js';
import type { InterceptMatcher } from '../tls/intercept.js';

const TLS_HANDSHAKE = 0x16;

export interface Authority {
  readonly host: string;
  readonly port: number;
}

export function parseAuthority(value: string | undefined): Authority | undefined {
  const match = value ? /^\[?([^\]\s/]+?)\]?:(\d{1,5})$/.exec(value) : null;
  if (!match) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65536 ? { host: match[1]!, port } : undefined;
}

export function originOf({ host, port }: Authority, protocol: 'http' | 'https'): string {
  const name = host.includes(':') ? `[${host}]` : host;
  const standard = (protocol === 'http' && port === 80) || (protocol === 'https' && port === 443);
  return `${protocol}://${name}${standard ? '' : `:${port}`}`;
}

/** Sockets that came in through CONNECT, with the origin their requests are for. */
export const tunnelOrigins = new WeakMap<object, string>();

function blindTunnel(client: Duplex, target: Authority, first: Buffer, tunnels: Set<Duplex>, log: Logger) {
  const upstream = net.connect(target.port, target.host);
  tunnels.add(client).add(upstream);
  const close = () => {
    client.destroy();
    upstream.destroy();
    tunnels.delete(client);
    tunnels.delete(upstream);
  };
  upstream.on('connect', () => {
    upstream.write(first);
    client.pipe(upstream).pipe(client);
  });
  upstream.on('error', (error) => {
    log.warn(`tunnel to ${target.host}:${target.port} failed: ${error.message}`);
    close();
  });
  client.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
}

export interface ConnectOptions {
  readonly intercept: InterceptMatcher;
  /** With --forward-hosts: which hosts a tunnel may reach (intercepted ones always may). */
  readonly mayForward?: (host: string) => boolean;
  readonly authority: () => Promise<CertificateAuthority>;
  readonly log: Logger;
}

/** Feed a tunnel's socket (plain, or TLS we terminate) to the HTTP server as a connection. */
function serve(server: Server, socket: Duplex, origin: string, tunnels: Set<Duplex>): void {
  tunnelOrigins.set(socket, origin);
  tunnels.add(socket);
  socket.on('close', () => tunnels.delete(socket));
  server.emit('connection', socket);
}

async function intercept(server: Server, socket: net.Socket, target: Authority, tunnels: Set<Duplex>, options: ConnectOptions) {
  let context: tls.SecureContext;
  try {
    context = (await options.authority()).contextFor(target.host);
  } catch (error) {
    options.log.warn(`cannot intercept ${target.host}: ${(error as Error).message}`);
    socket.destroy();
    return;
  }
  // The ClientHello was unshifted back onto the socket; TLSSocket reads buffered data first.
  const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
  secure.on('error', (error) => options.log.debug(`TLS with client for ${target.host} failed: ${error.message}`));
  serve(server, secure, originOf(target, 'https'), tunnels);
}

export function handleConnect(server: Server, tunnels: Set<Duplex>, options: ConnectOptions) {
  const { log } = options;
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (error) => log.debug(`tunnel client error: ${error.message}`));
    const target = parseAuthority(req.url);
    if (!target) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\npaymock: CONNECT needs host:port\n');
      return;
    }
    if (options.mayForward && !options.intercept(target.host) && !options.mayForward(target.host)) {
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\npaymock: tunnels to ${target.host} are not allowed: it is not in --forward-hosts\n`);
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const route = (first: Buffer) => {
      if (first[0] === TLS_HANDSHAKE && !options.intercept(target.host)) {
        blindTunnel(socket, target, first, tunnels, log);
        return;
      }
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) {
        void intercept(server, socket as net.Socket, target, tunnels, options);
        return;
      }
      serve(server, socket, originOf(target, 'http'), tunnels);
      // We paused the socket to peek; the HTTP server's data listener does not undo that.
      socket.resume();
    };
    if (head.length > 0) {
      route(head);
      return;
    }
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      route(chunk);
    });
  };
}
