// The plain-HTTP scenarios on one fixed request: the bare origin ("direct"), paymock replaying a
// 1-interaction cassette (the Alipay-shaped form, and a generic JSON call, the latter against a
// bare replay server that looks it up in a Map), and forwarding, as a gateway and as a forward
// proxy, each against a bare Node forwarder.
import { JSON_RESPONSE_BODY } from '../fixture-json.js';
import { RESPONSE_BODY } from '../fixture.js';
import { autocannonClient, fetchSample, type Sample } from '../load.js';
import { ALIPAY_FIXTURE, JSON_FIXTURE, viaForwardProxy, type Workload } from '../workload.js';
import type { ServerChild } from '../children.js';
import { sameAnswer } from './checks.js';
import { recordOnce } from './record-once.js';
import { paymockOptions, type BenchContext, type Scenario } from './types.js';

const ALIPAY_CASSETTE = 'bench';
const JSON_CASSETTE = 'bench-json';

/** The origin's own answer to `workload`'s request, which must be the fixture's bytes. */
async function reference(origin: ServerChild, workload: Workload, expected: Buffer): Promise<Sample> {
  const sample = await fetchSample(origin.url, workload.first);
  if (sample.status !== 200 || !sample.body.equals(expected)) {
    throw new Error(`the origin answered status ${sample.status} with ${sample.body.length} bytes, not the fixture (${expected.length} bytes)`);
  }
  return sample;
}

export interface BasicScenarios {
  readonly origin: ServerChild;
  readonly forwarder: ServerChild;
  readonly passthrough: ServerChild;
  readonly scenarios: Scenario[];
}

export async function basicScenarios(context: BenchContext): Promise<BasicScenarios> {
  const { dir, shape, start } = context;
  const origin = await start('origin', { kind: 'origin' });
  const alipay = await reference(origin, ALIPAY_FIXTURE, RESPONSE_BODY);
  const json = await reference(origin, JSON_FIXTURE, JSON_RESPONSE_BODY);
  for (const [cassette, workload] of [[ALIPAY_CASSETTE, ALIPAY_FIXTURE], [JSON_CASSETTE, JSON_FIXTURE]] as const) {
    const options = paymockOptions(context, { cassette, upstream: origin.url, cassettesDir: dir });
    await recordOnce({ ...options, cassettesDir: dir }, (recorder) => fetchSample(recorder.url, workload.first));
  }
  const replay = (cassette: string) => paymockOptions(context, { mode: 'replay', cassette, cassettesDir: dir, upstream: origin.url });
  const [replayAlipay, replayJson, mapJson, forwarder, passthrough] = await Promise.all([
    start('replay-alipay', { kind: 'paymock', options: replay(ALIPAY_CASSETTE) }),
    start('replay-http', { kind: 'paymock', options: replay(JSON_CASSETTE) }),
    start('map-replay-http', { kind: 'map-replay-http' }),
    start('forward-baseline', { kind: 'forwarder', origin: origin.url }),
    start('passthrough', { kind: 'paymock', options: paymockOptions(context, { mode: 'passthrough', upstream: origin.url }) }),
  ]);
  const absolute = viaForwardProxy(ALIPAY_FIXTURE, origin.url);
  const checked = (name: string, server: ServerChild, workload: Workload, like: Sample, source?: string) => async () => {
    sameAnswer(name, await fetchSample(server.url, workload.first), like, source);
  };
  const scenarios: Scenario[] = [
    {
      name: 'direct',
      description: 'bare Node http server with a fixed answer (the origin)',
      server: origin,
      client: autocannonClient(origin.url, shape),
      check: checked('direct', origin, ALIPAY_FIXTURE, alipay),
    },
    {
      name: 'replay-alipay',
      description: 'paymock replay, gateway mode, 1-interaction cassette, legacy Alipay form (alipay-mapi decode + key)',
      server: replayAlipay,
      client: autocannonClient(replayAlipay.url, shape),
      baseline: 'direct',
      check: checked('replay-alipay', replayAlipay, ALIPAY_FIXTURE, alipay, 'cassette'),
    },
    {
      name: 'map-replay-http',
      description: 'bare Node replay server for the generic JSON call: method, path and raw body -> the recorded answer, from a Map',
      server: mapJson,
      client: autocannonClient(mapJson.url, shape, JSON_FIXTURE),
      baseline: 'direct',
      check: checked('map-replay-http', mapJson, JSON_FIXTURE, json),
    },
    {
      name: 'replay-http',
      description: 'paymock replay, gateway mode, 1-interaction cassette, generic JSON POST /api/v1/orders/lookup (http dialect)',
      server: replayJson,
      client: autocannonClient(replayJson.url, shape, JSON_FIXTURE),
      baseline: 'map-replay-http',
      check: checked('replay-http', replayJson, JSON_FIXTURE, json, 'cassette'),
    },
    {
      name: 'forward-baseline',
      description: 'bare Node forwarder, gateway mode: http.request with a keep-alive agent, piped',
      server: forwarder,
      client: autocannonClient(forwarder.url, shape),
      behind: origin,
      check: checked('forward-baseline', forwarder, ALIPAY_FIXTURE, alipay),
    },
    {
      name: 'passthrough',
      description: 'paymock passthrough, gateway mode, upstream = origin',
      server: passthrough,
      client: autocannonClient(passthrough.url, shape),
      behind: origin,
      baseline: 'forward-baseline',
      check: checked('passthrough', passthrough, ALIPAY_FIXTURE, alipay, 'upstream'),
    },
    {
      name: 'forward-proxy-baseline',
      description: 'the bare Node forwarder as a forward proxy: absolute-form POST http://127.0.0.1:<origin>/gateway.do',
      server: forwarder,
      client: autocannonClient(forwarder.url, shape, absolute),
      behind: origin,
      check: checked('forward-proxy-baseline', forwarder, absolute, alipay),
    },
    {
      name: 'forward-proxy',
      description: 'paymock passthrough as a forward proxy: absolute-form requests to the origin',
      server: passthrough,
      client: autocannonClient(passthrough.url, shape, absolute),
      behind: origin,
      baseline: 'forward-proxy-baseline',
      check: checked('forward-proxy', passthrough, absolute, alipay, 'upstream'),
    },
  ];
  return { origin, forwarder, passthrough, scenarios };
}
