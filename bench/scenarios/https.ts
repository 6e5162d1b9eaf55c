// A bare https origin (also the baseline), and paymock replaying it through CONNECT + TLS with
// keep-alive: driven by undici (ProxyAgent through paymock, a plain Agent to the origin).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PaymockOptions } from '../../src/index.js';
import { RESPONSE_BODY } from '../fixture.js';
import { directTarget, keepAliveClient, proxiedTarget } from '../keep-alive-load.js';
import { selfSignedForIp, waitForCaCert } from '../tls.js';
import { sameAnswer } from './checks.js';
import { recordOnce } from './record-once.js';
import { paymockOptions, type BenchContext, type Scenario } from './types.js';

const HTTPS_CASSETTE = 'bench-https';
/** paymock creates its CA in the background at start (two RSA key pairs). */
export const CA_TIMEOUT_MS = 20_000;

export async function httpsScenarios(context: BenchContext): Promise<Scenario[]> {
  const { dir, shape, start } = context;
  const originTls = selfSignedForIp('127.0.0.1');
  const keyFile = path.join(dir, 'origin-key.pem');
  const certFile = path.join(dir, 'origin-cert.pem');
  await writeFile(keyFile, originTls.key, { mode: 0o600 });
  await writeFile(certFile, originTls.cert);
  const origin = await start('https-direct', { kind: 'https-origin', keyFile, certFile });
  // Recorder and replayer share the CA, so the client trusts one certificate for both.
  const caDir = path.join(dir, 'ca-https');
  const options = (extra: PaymockOptions) =>
    paymockOptions(context, { cassette: HTTPS_CASSETTE, cassettesDir: dir, caDir, intercept: ['127.0.0.1'], upstreamCa: certFile, ...extra });
  // Through CONNECT + TLS to the HTTPS origin itself (no --upstream), so the cassette holds
  // https://127.0.0.1:<origin port>/... and replay matches requests sent through a tunnel to it.
  let ca = '';
  await recordOnce({ ...options({}), cassettesDir: dir }, async (recorder) => {
    ca = await waitForCaCert(caDir, CA_TIMEOUT_MS);
    return keepAliveClient(proxiedTarget(origin.url, recorder.url, ca, RESPONSE_BODY), 1).sample();
  });
  const replay = await start('https-replay', { kind: 'paymock', options: options({ mode: 'replay' }) });
  const direct = keepAliveClient(directTarget(origin.url, originTls.cert, RESPONSE_BODY), shape.connections);
  const proxied = keepAliveClient(proxiedTarget(origin.url, replay.url, ca, RESPONSE_BODY), shape.connections);
  return [
    {
      name: 'https-direct',
      description: 'bare Node https server, same answer, self-signed cert for 127.0.0.1; undici Agent, keep-alive',
      server: origin,
      client: direct,
      check: async () => sameAnswer('https-direct', await direct.sample(), { body: RESPONSE_BODY }),
    },
    {
      name: 'https-replay',
      description: 'paymock replay through CONNECT + TLS with its CA (intercept 127.0.0.1); undici ProxyAgent, keep-alive',
      server: replay,
      client: proxied,
      baseline: 'https-direct',
      check: async () => sameAnswer('https-replay', await proxied.sample(), await direct.sample(), 'cassette'),
    },
  ];
}
