// Turning runs into medians, ratios, a table for people and a JSON file for machines.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.js';

/** Where a measurement sits in the bench: its round, and its place in the bench's whole sequence. */
export interface Placed {
  readonly round: number;
  readonly step: number;
}

/** One measured run: what the load generator saw, plus the server's CPU and memory. */
export interface RunMetrics extends LoadResult, Placed {
  /** CPU (user + system) of the server under test per response, in microseconds. */
  readonly cpuUsPerReq: number;
  /** Resident memory of the server under test when the run ended. */
  readonly rssMB: number;
  /** For proxies: the origin's CPU per response, so the whole chain's cost can be seen. */
  readonly originCpuUsPerReq?: number;
  /** The load generator's CPU over the run, in % of one core: near 100 it, not the server, is the limit. */
  readonly loadgenCpuPct: number;
}

type MedianMetrics = Pick<RunMetrics, 'reqPerSec' | 'p50Ms' | 'p99Ms' | 'cpuUsPerReq' | 'rssMB'>;

export interface ScenarioReport {
  readonly name: string;
  readonly description: string;
  /** The scenario this one is compared with in the table, if any. */
  readonly baseline?: string;
  readonly runs: readonly RunMetrics[];
  readonly median: MedianMetrics;
  /** Resident memory once started, before any load. */
  readonly idleRssMB: number;
  /** Kernel high-water mark over the server's whole life in this bench. */
  readonly peakRssMB: number;
  /** Figures that are not load: cassette size and load time, RSS after load. */
  readonly facts?: Readonly<Record<string, number>>;
}

export interface Ratio {
  readonly scenario: string;
  readonly baseline: string;
  /** scenario / baseline for each metric: below 1 is fewer req/s, above 1 is slower or costlier. */
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerReq: number;
  /**
   * The median over the scenario's runs of each run's own ratio to the baseline run of the same
   * round measured nearest to it (for a judged pair, the run right before or after it: see
   * bench/plan.ts). The machine's speed drifts between the two sides of a ratio of medians, not
   * between two runs a few seconds apart: targets are judged on this.
   */
  readonly paired: { readonly reqPerSec: number; readonly cpuUsPerReq: number };
}

export interface Settings {
  readonly connections: number;
  readonly pipelining: number;
  readonly warmupS: number;
  readonly durationS: number;
  readonly runs: number;
}

export const NOISE_NOTE =
  'This machine is shared and noisy: absolute numbers move from run to run, and its cores ' +
  'change speed within a minute. Ratios compare against baselines measured in the same run; ' +
  'targets are judged on paired runs, each scenario run against the baseline run measured ' +
  'right before or after it (bench/plan.ts). Load generator, proxies and origin share the same CPUs.';

export const MiB = 1024 * 1024;

/** autocannon is single-threaded: past this share of a core it is the bottleneck, not the server. */
const LOADGEN_SATURATED_PCT = 90;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface ScenarioInput {
  readonly name: string;
  readonly description: string;
  readonly baseline?: string;
  readonly runs: readonly RunMetrics[];
  readonly idleRssMB: number;
  readonly peakRssMB: number;
  readonly facts?: Readonly<Record<string, number>>;
}

export function summarise(input: ScenarioInput): ScenarioReport {
  const of = (pick: (run: RunMetrics) => number) => median(input.runs.map(pick));
  return {
    ...input,
    median: {
      reqPerSec: of((r) => r.reqPerSec),
      p50Ms: of((r) => r.p50Ms),
      p99Ms: of((r) => r.p99Ms),
      cpuUsPerReq: of((r) => r.cpuUsPerReq),
      rssMB: of((r) => r.rssMB),
    },
  };
}

/** The measurement of the same round nearest in the sequence to `step`; the earlier one on a tie. */
function nearestInRound<T extends Placed>(measurements: readonly T[], { round, step }: Placed): T | undefined {
  let best: T | undefined;
  let bestDistance = Infinity;
  // Measurements come in the order they were taken, so on a tie the first one found is the earlier.
  for (const m of measurements) {
    const distance = Math.abs(m.step - step);
    if (m.round === round && distance < bestDistance) [best, bestDistance] = [m, distance];
  }
  return best;
}

/** The median of each run's value over that of the baseline measured nearest to it in its round. */
export function adjacentRatio<R extends Placed, B extends Placed>(runs: readonly R[], baselines: readonly B[], value: (run: R) => number, base: (b: B) => number): number {
  return median(
    runs.flatMap((run) => {
      const nearest = nearestInRound(baselines, run);
      return nearest ? [value(run) / base(nearest)] : [];
    }),
  );
}

export function ratio(scenario: ScenarioReport, baseline: ScenarioReport): Ratio {
  const over = (pick: (m: MedianMetrics) => number) => pick(scenario.median) / pick(baseline.median);
  const paired = (pick: (run: RunMetrics) => number) => adjacentRatio(scenario.runs, baseline.runs, pick, pick);
  return {
    scenario: scenario.name,
    baseline: baseline.name,
    reqPerSec: over((m) => m.reqPerSec),
    p50Ms: over((m) => m.p50Ms),
    p99Ms: over((m) => m.p99Ms),
    cpuUsPerReq: over((m) => m.cpuUsPerReq),
    paired: { reqPerSec: paired((r) => r.reqPerSec), cpuUsPerReq: paired((r) => r.cpuUsPerReq) },
  };
}

export const fixed = (digits: number) => (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
export const times = (value: number) => `${fixed(2)(value)}x`;
export const thousands = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-');

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  // The first column is text (left-aligned); the rest are numbers (right-aligned).
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function hadFailures(report: ScenarioReport): boolean {
  return report.runs.some((run) => run.errors > 0 || run.timeouts > 0 || (run.wrongBodies ?? 0) > 0);
}

function scenarioTable(scenarios: readonly ScenarioReport[], ratios: readonly Ratio[]): string {
  const rows = scenarios.map((report) => {
    const vs = ratios.find((r) => r.scenario === report.name && r.baseline === report.baseline);
    return [
      report.name + (hadFailures(report) ? ' (!)' : ''),
      thousands(report.median.reqPerSec),
      fixed(2)(report.median.p50Ms),
      fixed(2)(report.median.p99Ms),
      fixed(1)(report.median.cpuUsPerReq),
      fixed(1)(report.median.rssMB),
      fixed(1)(report.peakRssMB),
      vs ? `${times(vs.paired.reqPerSec)} ${vs.baseline}` : report.baseline ? `see ${report.baseline} below` : 'baseline',
    ];
  });
  return renderTable(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'CPU us/req', 'RSS MB', 'peak MB', 'req/s vs baseline, paired'], rows);
}

function ratioTable(ratios: readonly Ratio[]): string {
  const rows = ratios.map((r) => [`${r.scenario} / ${r.baseline}`, times(r.reqPerSec), times(r.p50Ms), times(r.p99Ms), times(r.cpuUsPerReq), times(r.paired.reqPerSec), times(r.paired.cpuUsPerReq)]);
  return renderTable(['ratio (medians)', 'req/s', 'p50', 'p99', 'CPU/req', 'req/s paired', 'CPU/req paired'], rows);
}

/** What makes some figures less trustworthy than they look. */
function warnings(scenarios: readonly ScenarioReport[]): string[] {
  const lines: string[] = [];
  if (scenarios.some(hadFailures)) {
    lines.push('(!) some requests failed, timed out or got other bytes there: see errors, timeouts and wrongBodies in the JSON.');
  }
  const saturated = scenarios
    .map((report) => ({ name: report.name, pct: median(report.runs.map((run) => run.loadgenCpuPct)) }))
    .filter(({ pct }) => pct >= LOADGEN_SATURATED_PCT)
    .map(({ name, pct }) => `${name} (${Math.round(pct)}%)`);
  if (saturated.length > 0) {
    lines.push(`The load generator used most of a core in: ${saturated.join(', ')}; there req/s is a lower bound.`);
  }
  return lines;
}

export function formatResults(scenarios: readonly ScenarioReport[], ratios: readonly Ratio[]): string {
  return [
    scenarioTable(scenarios, ratios),
    ...warnings(scenarios),
    '',
    ratioTable(ratios),
    '',
    'Medians of the measured runs; "paired" is the median of each run against the baseline run measured next',
    'to it (see the Note). CPU us/req and RSS are the server under test only (for proxies,',
    "the origin's CPU per request is in the JSON). RSS is at the end of each run, peak MB the kernel's",
    'high-water mark; every server runs under tsx, whose loader is part of each figure (idle RSS is in the JSON).',
    'https-* are driven by an undici keep-alive client (CONNECT tunnels via ProxyAgent for https-replay, a',
    'plain Agent for https-direct), with every connection and TLS handshake made before each measured run;',
    'the others by autocannon. forward-proxy* send absolute-form requests (POST http://127.0.0.1:<origin>/...)',
    'through the same servers as forward-baseline and passthrough. *-random, map-replay and replay-10k/100k',
    'draw each request from a seeded PRNG (the same sequence every run); mock-rsa2-pay sends a new trade each time.',
  ].join('\n');
}

/** One run of the handshake scenario: times in ms, server CPU in ms per handshake. */
export interface HandshakeRun {
  readonly newMs: readonly number[];
  readonly cachedMs: readonly number[];
  readonly newCpuMs: number;
  readonly cachedCpuMs: number;
  readonly rssMB: number;
}

export interface HandshakeStats {
  readonly newMedianMs: number;
  readonly newMaxMs: number;
  readonly cachedMedianMs: number;
  readonly cachedMaxMs: number;
  readonly newCpuMs: number;
  readonly cachedCpuMs: number;
  readonly rssMB: number;
}

export interface HandshakeInput {
  readonly name: string;
  readonly description: string;
  readonly hostsPerRun: number;
  readonly targetMs: number;
  /** The first interception after start, in each of several fresh paymocks: includes creating and loading the CA. */
  readonly coldMs: readonly number[];
  readonly runs: readonly HandshakeRun[];
  readonly idleRssMB: number;
  readonly peakRssMB: number;
}

export interface HandshakeReport extends HandshakeInput {
  /** Per run: median and max of its handshakes; here the median of those over the runs. */
  readonly median: HandshakeStats;
  /** The slowest new-host handshake of all measured runs: what the target is judged on. */
  readonly worstNewMs: number;
  /** The median of `coldMs`: what the first-interception target is judged on. */
  readonly coldMedianMs: number;
}

export function summariseHandshakes(input: HandshakeInput): HandshakeReport {
  const of = (pick: (run: HandshakeRun) => number) => median(input.runs.map(pick));
  const max = (values: readonly number[]) => (values.length ? Math.max(...values) : Number.NaN);
  return {
    ...input,
    median: {
      newMedianMs: of((r) => median(r.newMs)),
      newMaxMs: of((r) => max(r.newMs)),
      cachedMedianMs: of((r) => median(r.cachedMs)),
      cachedMaxMs: of((r) => max(r.cachedMs)),
      newCpuMs: of((r) => r.newCpuMs),
      cachedCpuMs: of((r) => r.cachedCpuMs),
      rssMB: of((r) => r.rssMB),
    },
    worstNewMs: max(input.runs.flatMap((r) => r.newMs)),
    coldMedianMs: median(input.coldMs),
  };
}

export function formatHandshakes(report: HandshakeReport): string {
  const { median: m } = report;
  const ms = fixed(1);
  const rows = [
    ['new host (mints a leaf)', ms(m.newMedianMs), ms(m.newMaxMs), ms(m.newCpuMs), times(m.newMedianMs / m.cachedMedianMs)],
    ['cached host', ms(m.cachedMedianMs), ms(m.cachedMaxMs), ms(m.cachedCpuMs), 'baseline'],
  ];
  return [
    `${report.name}: ${report.description}`,
    renderTable(['handshake', 'median ms', 'max ms', 'CPU ms/hs', 'median vs cached'], rows),
    `Medians over runs of each run's median and max (${report.hostsPerRun} of each per run); CPU is the proxy's,`,
    `per handshake. Slowest new-host handshake in any run: ${ms(report.worstNewMs)} ms. First interception after`,
    `start (creates and loads a CA, cold code), in ${report.coldMs.length} fresh paymocks: median ${ms(report.coldMedianMs)} ms`,
    `(${report.coldMs.map(ms).join(', ')}). Proxy RSS ${ms(m.rssMB)} MB, peak ${ms(report.peakRssMB)} MB.`,
  ].join('\n');
}

/** A figure from the issue, judged against its target. */
export interface Target {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  readonly met: boolean;
  /** For a ratio, judged on its adjacent pairs (Ratio.paired): the ratio of the two medians, for reading alongside. */
  readonly medians?: string;
}

export function formatTargets(targets: readonly Target[]): string {
  return renderTable(
    ['target', 'measured', 'wanted', 'met', 'ratio of medians'],
    targets.map((t) => [t.figure, t.value, t.target, t.met ? 'yes' : 'NO', t.medians ?? '']),
  );
}

/** A ratio judged on adjacent pairs of runs (see Ratio.paired), with the ratio of medians beside it. */
export function pairedTarget(figure: string, paired: number, medians: number, limit: { atMost?: number; atLeast?: number }): Target {
  const judged = limitTarget(figure, paired, 'x', limit);
  return { ...judged, medians: times(medians) };
}

export function ratioTarget(r: Ratio, atLeast: number): Target {
  return pairedTarget(`${r.scenario} / ${r.baseline} req/s`, r.paired.reqPerSec, r.reqPerSec, { atLeast });
}

export function cpuTarget(r: Ratio, atMost: number): Target {
  return pairedTarget(`${r.scenario} / ${r.baseline} CPU/req`, r.paired.cpuUsPerReq, r.cpuUsPerReq, { atMost });
}

/** A figure with a unit that must stay at or under (or at or over) a limit. */
export function limitTarget(figure: string, value: number, unit: string, limit: { atMost?: number; atLeast?: number }, digits = 2): Target {
  const show = (n: number) => `${fixed(digits)(n)}${unit}`;
  if (limit.atMost !== undefined) return { figure, value: show(value), target: `<= ${show(limit.atMost)}`, met: value <= limit.atMost };
  return { figure, value: show(value), target: `>= ${show(limit.atLeast ?? 0)}`, met: value >= (limit.atLeast ?? 0) };
}

export function handshakeTargets(report: HandshakeReport): Target[] {
  const under = `< ${report.targetMs} ms`;
  return [
    { figure: 'first handshake, new host, median', value: `${fixed(1)(report.median.newMedianMs)} ms`, target: under, met: report.median.newMedianMs < report.targetMs },
    { figure: 'first handshake, new host, slowest', value: `${fixed(1)(report.worstNewMs)} ms`, target: under, met: report.worstNewMs < report.targetMs },
    // The handshake a freshly started paymock makes a client wait for: one sample per fresh start, so the median of a few.
    {
      figure: `first handshake after start (median of ${report.coldMs.length})`,
      value: `${fixed(1)(report.coldMedianMs)} ms`,
      target: under,
      met: report.coldMedianMs < report.targetMs,
    },
  ];
}

export interface Environment {
  readonly date: string;
  /** The code measured: `git describe --always --dirty`, when run from a checkout. */
  readonly commit: string | undefined;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemMB: number;
}

function commitOf(): string | undefined {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function environment(): Environment {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    commit: commitOf(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemMB: Math.round(os.totalmem() / MiB),
  };
}

export async function writeJson(file: string, data: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
}
