// The figures that are not a load run: latency at one connection, the crypto.sign limit, record
// mode, and cassette loading; medians over rounds, and a small table for each.
import type { LatencyResult } from './latency.js';
import { WARM_UP_INTERACTIONS, WARM_UP_SECONDS, type RecordResult } from './record.js';
import { adjacentRatio, fixed, median, renderTable, thousands, type Placed, type ScenarioReport } from './report.js';
import type { SignRate } from './sign-rate.js';

export interface LatencyReport {
  readonly requestsPerTarget: number;
  readonly rounds: number;
  /** Per target: median over rounds of its p50 and p99, and p50 minus the direct p50. */
  readonly targets: ReadonlyArray<LatencyResult & { readonly addedP50Ms: number }>;
  /** Each round as measured, with what the scheduler did during each target's requests. */
  readonly byRound: readonly (readonly LatencyResult[])[];
}

export function summariseLatency(rounds: readonly (readonly LatencyResult[])[], requestsPerTarget: number, directName: string): LatencyReport {
  const names = rounds[0]?.map((result) => result.name) ?? [];
  const of = (name: string, pick: (r: LatencyResult) => number) => median(rounds.map((round) => pick(round.find((r) => r.name === name)!)));
  const direct = of(directName, (r) => r.p50Ms);
  return {
    requestsPerTarget,
    rounds: rounds.length,
    targets: names.map((name) => {
      const p50Ms = of(name, (r) => r.p50Ms);
      return { name, requests: of(name, (r) => r.requests), p50Ms, p99Ms: of(name, (r) => r.p99Ms), addedP50Ms: p50Ms - direct };
    }),
    byRound: rounds,
  };
}

/** `0.284 ms` and, where /proc gave them, the migrations and preemptions during its requests. */
export function describeLatencyResult(result: LatencyResult): string {
  const sched = result.sched ? ` (${result.sched.migrations} moved, ${result.sched.preempted} preempted)` : '';
  return `${fixed(3)(result.p50Ms)} ms${sched}`;
}

export function formatLatency(report: LatencyReport): string {
  const rows = report.targets.map((t) => [t.name, fixed(3)(t.p50Ms), fixed(3)(t.p99Ms), t.addedP50Ms === 0 ? 'baseline' : fixed(3)(t.addedP50Ms)]);
  return [
    `latency at one connection: ${report.requestsPerTarget} sequential requests per target after 200 warm-up and a discarded pass, order rotated each round, one keep-alive connection (median of ${report.rounds} round(s))`,
    renderTable(['path', 'p50 ms', 'p99 ms', 'added p50 ms'], rows),
    '',
    'each round: p50, and how often the main threads of the client and the servers on the path moved to another core or were preempted while runnable (/proc)',
    renderTable(
      ['path', ...report.byRound.map((_, i) => `round ${i + 1}`)],
      report.targets.map((t) => [t.name, ...report.byRound.map((round) => {
        const result = round.find((r) => r.name === t.name);
        return result ? describeLatencyResult(result) : '-';
      })]),
    ),
  ].join('\n');
}

/** One crypto.sign measurement, placed in the round's sequence like a load run. */
export type PlacedSignRate = SignRate & Placed;

export interface SignReport {
  readonly runs: readonly PlacedSignRate[];
  readonly signsPerSec: number;
  readonly usPerSign: number;
}

export function summariseSign(runs: readonly PlacedSignRate[]): SignReport {
  return { runs, signsPerSec: median(runs.map((r) => r.signsPerSec)), usPerSign: median(runs.map((r) => r.usPerSign)) };
}

/** A scenario's req/s over the crypto.sign rate, each run against the sign run measured next to it. */
export function pairedWithSign(scenario: ScenarioReport, sign: SignReport): number {
  return adjacentRatio(scenario.runs, sign.runs, (run) => run.reqPerSec, (rate) => rate.signsPerSec);
}

export function formatSign(report: SignReport, scenarios: readonly ScenarioReport[]): string {
  const rows = [['rsa2-sign', thousands(report.signsPerSec), fixed(0)(report.usPerSign), 'limit', 'limit']];
  for (const name of ['mock-rsa2', 'mock-rsa2-pay']) {
    const scenario = scenarios.find((s) => s.name === name);
    if (!scenario) continue;
    const { reqPerSec, cpuUsPerReq } = scenario.median;
    rows.push([name, thousands(reqPerSec), fixed(0)(cpuUsPerReq), `${fixed(2)(reqPerSec / report.signsPerSec)}x`, `${fixed(2)(pairedWithSign(scenario, report))}x`]);
  }
  return [
    'RSA2 replies against their limit: RSA-2048 SHA-256 crypto.sign on a ~300-byte text, one core, in a child of its own',
    '(medians of runs; paired: each run against the crypto.sign run measured next to it in its round)',
    renderTable(['what', 'per s', 'us each', 'vs rsa2-sign', 'paired'], rows),
  ].join('\n');
}

/** Record mode over several fresh paymocks: the run with the median rate, every file's problems, and each run. */
export interface RecordReport extends RecordResult {
  readonly runs: readonly RecordResult[];
}

export function summariseRecord(runs: readonly RecordResult[]): RecordReport {
  const byRate = [...runs].sort((a, b) => a.perSec - b.perSec);
  const middle = byRate[Math.floor((byRate.length - 1) / 2)]!;
  // The file check is judged on every run's file, not the median one's alone.
  const fileProblems = runs.flatMap((run, i) => run.fileProblems.map((problem) => (runs.length > 1 ? `run ${i + 1}: ${problem}` : problem)));
  return { ...middle, fileProblems, runs };
}

export function formatRecord(report: RecordReport): string {
  const row = (result: RecordResult, label: string) => [
    label,
    fixed(0)(result.totalMs),
    thousands(result.perSec),
    `${thousands(result.firstHalfPerSec)} / ${thousands(result.secondHalfPerSec)}`,
    fixed(0)(result.stopMs),
    fixed(1)(result.fileMB),
    fixed(1)(result.cpuUsPerInteraction),
    result.fileProblems.length === 0 ? 'ok' : 'WRONG',
    `${thousands(result.warmUp.interactions)}: ${thousands(result.warmUp.perSec)}/s`,
    fixed(1)(result.warmUp.cpuUsPerInteraction),
  ];
  const what = `${thousands(report.interactions)} over ${report.connections} conns`;
  const rows = report.runs.length > 1 ? [...report.runs.map((run, i) => row(run, `run ${i + 1}`)), row(report, `median (${what})`)] : [row(report, what)];
  return [
    `record-10k: paymock record mode (gateway, upstream = origin), distinct legacy GBK calls (distinct trade_no), ${report.runs.length} run(s), each in a fresh paymock; the median run by rate`,
    `each run first warms up (as every load scenario does): other distinct trades recorded into a session's own cassette, at most ${thousands(WARM_UP_INTERACTIONS)} or ${WARM_UP_SECONDS} s; those columns are the fresh process's cold start`,
    renderTable(['interactions', 'total ms', 'per s', '1st / 2nd half per s', 'stop (flush) ms', 'file MB', 'CPU us/each', 'file', 'warm-up (cold start)', 'cold CPU us/each'], rows),
    ...report.fileProblems.map((problem) => `(!) cassette file: ${problem}`),
  ].join('\n');
}

export function formatCassetteLoads(scenarios: readonly ScenarioReport[]): string {
  const rows = scenarios
    .filter((s) => s.facts?.loadMs !== undefined)
    .map((s) => {
      const { interactions, cassetteMB, loadMs, loadMinMs, loadMaxMs, rssAfterLoadMB } = s.facts!;
      const range = loadMinMs === undefined || loadMaxMs === undefined ? '' : `${fixed(0)(loadMinMs)}-${fixed(0)(loadMaxMs)}`;
      return [s.name, thousands(interactions ?? Number.NaN), fixed(0)(cassetteMB ?? Number.NaN), fixed(0)(loadMs!), range, fixed(1)(rssAfterLoadMB ?? Number.NaN), fixed(1)(s.peakRssMB)];
    });
  return [
    'cassette load: startPaymock() to resolved, timed inside each of 3 fresh processes (median, and the range); RSS right after (median)',
    renderTable(['scenario', 'interactions', 'file MB', 'load ms', 'range ms', 'RSS after load MB', 'peak MB'], rows),
  ].join('\n');
}
