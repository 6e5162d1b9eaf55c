// The targets (issue 8), each judged on figures from the same run.
import { pairedWithSign, type LatencyReport, type SignReport } from './extras.js';
import { JUDGED_PAIRS } from './plan.js';
import type { RecordResult } from './record.js';
import { cpuTarget, handshakeTargets, limitTarget, pairedTarget, ratioTarget, type HandshakeReport, type Ratio, type ScenarioReport, type Target } from './report.js';

/** Compared in the ratio table: [scenario, baseline]. */
export const RATIOS: ReadonlyArray<readonly [string, string]> = [
  ['replay-http', 'map-replay-http'],
  ['map-replay-http', 'direct'],
  ['replay-http', 'direct'],
  ['replay-alipay', 'direct'],
  ['map-replay', 'direct-random'],
  ['replay-10k', 'direct-random'],
  ['replay-100k', 'direct-random'],
  ['replay-10k', 'map-replay'],
  ['mock-md5', 'direct'],
  ['passthrough', 'forward-baseline'],
  ['passthrough', 'direct'],
  ['forward-proxy', 'forward-proxy-baseline'],
  ['https-replay', 'https-direct'],
];

export interface Measurements {
  readonly scenarios: readonly ScenarioReport[];
  readonly ratios: readonly Ratio[];
  readonly handshakes: HandshakeReport;
  readonly latency: LatencyReport;
  readonly sign: SignReport;
  readonly record: RecordResult | undefined;
}

export function targetsOf(m: Measurements): Target[] {
  const r = (scenario: string, baseline: string) => {
    // A target's two sides must be measured next to each other (bench/plan.ts), or its pairs mean little.
    if (!JUDGED_PAIRS.some(([s, b]) => s === scenario && b === baseline)) throw new Error(`${scenario} / ${baseline} is judged, but not listed in JUDGED_PAIRS (bench/plan.ts)`);
    return m.ratios.find((x) => x.scenario === scenario && x.baseline === baseline)!;
  };
  const scenario = (name: string) => m.scenarios.find((s) => s.name === name)!;
  const added = (name: string) => m.latency.targets.find((t) => t.name === name)!.addedP50Ms;
  const large = scenario('replay-100k').facts ?? {};
  const vsSign = (name: string, atLeast: number) =>
    pairedTarget(`${name} req/s / crypto.sign rate`, pairedWithSign(scenario(name), m.sign), scenario(name).median.reqPerSec / m.sign.signsPerSec, { atLeast });
  const targets: Target[] = [
    // "The bare replay server" of the replay targets serves stored bytes from a Map: for
    // scenario 1 (generic, one interaction) map-replay-http, for scenario 2 (legacy Alipay, 10,000
    // interactions, random keys) map-replay under the same workload.
    cpuTarget(r('replay-http', 'map-replay-http'), 1.3),
    ratioTarget(r('replay-http', 'map-replay-http'), 0.8),
    cpuTarget(r('replay-10k', 'map-replay'), 1.6),
    ratioTarget(r('replay-10k', 'map-replay'), 0.7),
    ratioTarget(r('replay-10k', 'direct-random'), 0.7),
    ratioTarget(r('replay-100k', 'direct-random'), 0.7),
    limitTarget('replay-100k cassette load time', (large.loadMs ?? Number.NaN) / 1000, ' s', { atMost: 2 }),
    limitTarget('replay-100k RSS after load', large.rssAfterLoadMB ?? Number.NaN, ' MB', { atMost: 400 }, 0),
    cpuTarget(r('mock-md5', 'direct'), 2),
    vsSign('mock-rsa2', 0.8),
    vsSign('mock-rsa2-pay', 0.8),
    cpuTarget(r('passthrough', 'forward-baseline'), 1.2),
    cpuTarget(r('forward-proxy', 'forward-proxy-baseline'), 1.2),
    limitTarget('latency added at 1 conn, passthrough (gateway)', added('passthrough'), ' ms', { atMost: 0.35 }, 3),
    limitTarget('latency added at 1 conn, forward-proxy', added('forward-proxy'), ' ms', { atMost: 0.35 }, 3),
  ];
  if (m.record) {
    targets.push(limitTarget('record-10k interactions per second', m.record.perSec, '/s', { atLeast: 2000 }, 0));
    targets.push({ figure: 'record-10k file: every interaction once', value: m.record.fileProblems.length === 0 ? 'ok' : m.record.fileProblems.join('; '), target: 'ok', met: m.record.fileProblems.length === 0 });
  }
  targets.push(ratioTarget(r('https-replay', 'https-direct'), 0.6), ...handshakeTargets(m.handshakes));
  return targets;
}
