// The first TLS handshake through paymock's CONNECT interception: for a host it has never seen it
// mints a leaf certificate (and writes it to its cache) before it can answer the ClientHello; for
// a host it has seen, the TLS context is already in memory. Handshakes are sent one at a time, each
// on a new TCP connection with no TLS session to resume, timed from the moment the CONNECT request
// is created to 'secureConnect' (the client has checked the leaf against paymock's CA and the name).
// Host names under .test never resolve, and paymock in mock mode with `intercept: ['*']` never
// looks them up or connects anywhere: all traffic stays between here and 127.0.0.1.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ServerChild } from './children.js';
import { MiB, type HandshakeRun } from './report.js';

const HANDSHAKE_TIMEOUT_MS = 5_000;
const DOMAIN = 'bench.paymock.test';
/** The first host paymock intercepts after start, and from then on the "cached" one. */
export const CACHED_HOST = `cached.${DOMAIN}`;

/** One CONNECT + TLS handshake to `host:443` through the proxy; resolves with the time it took in ms. */
export function handshakeThrough(proxyPort: number, host: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = false;
    let tunnel: Duplex | undefined;
    let secure: tls.TLSSocket | undefined;
    const finish = (error: Error | undefined, ms = 0) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      secure?.destroy();
      tunnel?.destroy();
      req.destroy();
      if (error) reject(error);
      else resolve(ms);
    };
    const timer = setTimeout(() => finish(new Error(`no TLS handshake with ${host} through the proxy within ${HANDSHAKE_TIMEOUT_MS} ms`)), HANDSHAKE_TIMEOUT_MS);
    const started = performance.now();
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `${host}:443`, headers: { host: `${host}:443` }, agent: false });
    req.on('connect', (res: http.IncomingMessage, socket: Duplex) => {
      tunnel = socket;
      if (res.statusCode !== 200) {
        finish(new Error(`CONNECT ${host}:443 answered ${res.statusCode}`));
        return;
      }
      // rejectUnauthorized (the default) fails the handshake unless the leaf chains to paymock's
      // CA and names `host`: a handshake that completes is one with the right certificate.
      secure = tls.connect({ socket, host, servername: host, ca }, () => {
        const took = performance.now() - started;
        if (secure?.authorized) finish(undefined, took);
        else finish(new Error(`TLS with ${host} completed but is not authorized: ${String(secure?.authorizationError)}`));
      });
      secure.on('error', (error) => finish(new Error(`TLS with ${host} through the proxy failed: ${error.message}`)));
    });
    req.on('error', (error) => finish(new Error(`CONNECT ${host}:443 failed: ${error.message}`)));
    req.end();
  });
}

/** One after the other, so each is timed alone. */
async function sequence(proxyPort: number, hosts: readonly string[], ca: string): Promise<number[]> {
  const times: number[] = [];
  for (const host of hosts) times.push(await handshakeThrough(proxyPort, host, ca));
  return times;
}

export interface HandshakeBench {
  /** The very first interception after start (loading the CA, cold code), to CACHED_HOST. */
  readonly coldMs: number;
  /** `hosts` handshakes to new names, then as many to CACHED_HOST, with the server's CPU for each block. */
  run(label: string): Promise<HandshakeRun>;
}

export async function prepareHandshakes(server: ServerChild, ca: string, hosts: number): Promise<HandshakeBench> {
  const port = Number(new URL(server.url).port);
  const coldMs = await handshakeThrough(port, CACHED_HOST, ca);
  return {
    coldMs,
    async run(label) {
      const names = Array.from({ length: hosts }, (_, i) => `h${i}.${label}.${DOMAIN}`);
      const before = await server.stats();
      const newMs = await sequence(port, names, ca);
      const between = await server.stats();
      const cachedMs = await sequence(port, Array.from({ length: hosts }, () => CACHED_HOST), ca);
      const after = await server.stats();
      return {
        newMs,
        cachedMs,
        newCpuMs: (between.cpuUs - before.cpuUs) / 1000 / hosts,
        cachedCpuMs: (after.cpuUs - between.cpuUs) / 1000 / hosts,
        rssMB: after.rssBytes / MiB,
      };
    },
  };
}
