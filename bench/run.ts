// npm run bench: paymock's replay and passthrough against bare Node baselines, on 127.0.0.1
// only. Every server runs in its own child process (bench/servers.ts) and autocannon drives
// them from this one, so the load generator never shares an event loop with what it measures.
//   BENCH_DURATION  seconds per measured run (default 5)
//   BENCH_RUNS      measured runs per scenario (default 3); the median is reported
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPaymock } from '../src/index.js';
import { killAllChildren, startChild, type ServerChild } from './children.js';
import { REQUEST_BODY, REQUEST_PATH, RESPONSE_BODY } from './fixture.js';
import { drive, fetchSample, type LoadResult, type LoadShape, type Sample } from './load.js';
import {
  environment,
  formatResults,
  MiB,
  NOISE_NOTE,
  ratio,
  summarise,
  writeJson,
  type Ratio,
  type RunMetrics,
  type ScenarioReport,
  type Settings,
} from './report.js';

const CASSETTE = 'bench';
const WARMUP_S = 2;
const SHAPE: LoadShape = { connections: 50, pipelining: 1 };
/** direct, replay, forward-baseline, passthrough: sizes the time budget before they exist. */
const SCENARIO_COUNT = 4;
/** Time for start-up, recording, checks and IPC, on top of the load itself. */
const OVERHEAD_S = 60;
const RESULTS_FILE = fileURLToPath(new URL('./results/latest.json', import.meta.url));

interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Measured for CPU and memory; autocannon sends its load here. */
  readonly server: ServerChild;
  /** The origin behind a proxy, whose CPU is recorded too. */
  readonly behind?: ServerChild;
  /** The x-paymock-source every answer must carry, for paymock scenarios. */
  readonly expectSource?: 'cassette' | 'upstream';
  readonly baseline?: string;
}

type Measured = Map<string, { idleRssMB: number; runs: RunMetrics[] }>;

/** Compared in the ratio table: [scenario, baseline]. */
const RATIOS: ReadonlyArray<readonly [string, string]> = [
  ['replay', 'direct'],
  ['passthrough', 'forward-baseline'],
  ['passthrough', 'direct'],
];

let tempDir: string | undefined;

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function positiveFromEnv(name: string, fallback: number, integer: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${name}=${raw}: expected a positive ${integer ? 'whole number' : 'number'}`);
  }
  return value;
}

function readSettings(): Settings {
  return {
    ...SHAPE,
    warmupS: WARMUP_S,
    durationS: positiveFromEnv('BENCH_DURATION', 5, false),
    runs: positiveFromEnv('BENCH_RUNS', 3, true),
  };
}

/** A hard stop, so a wedged server or client can never hang the bench (or CI) for long. */
function armDeadline(seconds: number): NodeJS.Timeout {
  return setTimeout(() => {
    progress(`over the time budget of ${Math.round(seconds)} s: stopping`);
    process.exit(1); // the 'exit' handler kills the children
  }, seconds * 1000);
}

function cleanUpSync(): void {
  killAllChildren();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}

/** Record the one interaction replay will serve, through a paymock in this process. */
async function recordCassette(originUrl: string, dir: string): Promise<void> {
  const recorder = await startPaymock({
    mode: 'record',
    cassette: CASSETTE,
    upstream: originUrl,
    port: 0,
    host: '127.0.0.1',
    cassettesDir: dir,
    log: 'silent',
  });
  let sample: Sample;
  try {
    sample = await fetchSample(recorder.url);
  } catch (error) {
    await recorder.stop();
    throw error;
  }
  const { cassette } = await recorder.stop(); // writes the cassette and says what it wrote
  if (sample.status !== 200 || sample.source !== 'upstream' || cassette?.recorded !== 1) {
    throw new Error(
      `recording the cassette failed: status ${sample.status}, x-paymock-source ${sample.source ?? '(absent)'}, ` +
        `${cassette?.recorded ?? 0} interaction(s) written to ${cassette?.file ?? dir}; answer: ${preview(sample.body)}`,
    );
  }
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join('\n');
}

function preview(body: Buffer): string {
  return JSON.stringify(body.subarray(0, 300).toString('latin1'));
}

/** Refuse to measure anything that does not answer exactly like the origin does. */
function checkSample(scenario: Scenario, sample: Sample, reference: Sample): void {
  const problems: string[] = [];
  if (sample.status !== 200) problems.push(`status ${sample.status}, expected 200`);
  if (scenario.expectSource && sample.source !== scenario.expectSource) {
    problems.push(`x-paymock-source is ${sample.source ?? '(absent)'}, expected ${scenario.expectSource}`);
  }
  if (sample.contentType !== reference.contentType) {
    problems.push(`content-type is ${sample.contentType ?? '(absent)'}, expected ${reference.contentType ?? '(absent)'}`);
  }
  if (!sample.body.equals(reference.body)) {
    problems.push(`body differs from the direct answer (${sample.body.length} bytes, expected ${reference.body.length})`);
  }
  if (problems.length > 0) {
    throw new Error(`scenario ${scenario.name} does not answer like the origin, so measuring it would be meaningless:\n  ` +
      `${problems.join('\n  ')}\n  its answer starts: ${preview(sample.body)}`);
  }
}

async function startScenarios(dir: string): Promise<Scenario[]> {
  const origin = await startChild('origin', { kind: 'origin' });
  await recordCassette(origin.url, dir);
  const listen = { port: 0, host: '127.0.0.1', log: 'silent' } as const;
  const [replay, forwarder, passthrough] = await Promise.all([
    startChild('replay', { kind: 'paymock', options: { ...listen, mode: 'replay', cassette: CASSETTE, cassettesDir: dir, upstream: origin.url } }),
    startChild('forward-baseline', { kind: 'forwarder', origin: origin.url }),
    startChild('passthrough', { kind: 'paymock', options: { ...listen, mode: 'passthrough', upstream: origin.url } }),
  ]);
  return [
    { name: 'direct', description: 'bare Node http server with a fixed answer (the origin)', server: origin },
    { name: 'replay', description: 'paymock replay, gateway mode, 1-interaction cassette', server: replay, expectSource: 'cassette', baseline: 'direct' },
    { name: 'forward-baseline', description: 'bare Node forwarder: http.request with a keep-alive agent, piped', server: forwarder, behind: origin },
    { name: 'passthrough', description: 'paymock passthrough, gateway mode, upstream = origin', server: passthrough, behind: origin, expectSource: 'upstream', baseline: 'forward-baseline' },
  ];
}

async function checkAll(scenarios: readonly Scenario[]): Promise<void> {
  const direct = scenarios[0]!;
  const reference = await fetchSample(direct.server.url);
  if (reference.status !== 200 || !reference.body.equals(RESPONSE_BODY)) {
    throw new Error(`the origin answered status ${reference.status} with ${reference.body.length} bytes, not the fixture`);
  }
  for (const scenario of scenarios) checkSample(scenario, await fetchSample(scenario.server.url), reference);
}

/** Every response must be a 2xx: a fast error path would look like a fast server. */
function assertHealthy(scenario: Scenario, load: LoadResult): void {
  if (load.requests === 0) throw new Error(`scenario ${scenario.name}: no responses at all in ${load.durationS} s`);
  if (load.non2xx > 0) {
    throw new Error(`scenario ${scenario.name}: ${load.non2xx} of ${load.requests} responses were not 2xx; not measuring an error path`);
  }
}

async function snapshot(scenario: Scenario) {
  const [server, behind] = await Promise.all([scenario.server.stats(), scenario.behind?.stats()]);
  return { server, behind };
}

async function measure(scenario: Scenario, durationS: number): Promise<RunMetrics> {
  const before = await snapshot(scenario);
  const loadgenBefore = process.cpuUsage();
  const load = await drive(scenario.server.url, durationS, SHAPE);
  const loadgen = process.cpuUsage(loadgenBefore);
  const after = await snapshot(scenario);
  assertHealthy(scenario, load);
  const perRequest = (us: number) => us / load.requests;
  return {
    reqPerSec: load.reqPerSec,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    cpuUsPerReq: perRequest(after.server.cpuUs - before.server.cpuUs),
    rssMB: after.server.rssBytes / MiB,
    ...(after.behind && before.behind ? { originCpuUsPerReq: perRequest(after.behind.cpuUs - before.behind.cpuUs) } : {}),
    loadgenCpuPct: ((loadgen.user + loadgen.system) / (load.durationS * 1e6)) * 100,
    requests: load.requests,
    errors: load.errors,
    timeouts: load.timeouts,
    non2xx: load.non2xx,
    durationS: load.durationS,
  };
}

/**
 * Warm every scenario once, then take run 1 of each, run 2 of each, ...: a burst of noise from
 * a neighbour then lands on all scenarios alike instead of on whichever ran at that moment.
 */
async function measureAll(scenarios: readonly Scenario[], settings: Settings): Promise<Measured> {
  const measured: Measured = new Map();
  for (const scenario of scenarios) {
    const idle = await scenario.server.stats();
    measured.set(scenario.name, { idleRssMB: idle.rssBytes / MiB, runs: [] });
  }
  for (const scenario of scenarios) {
    progress(`warming up ${scenario.name} (${settings.warmupS} s, discarded)`);
    assertHealthy(scenario, await drive(scenario.server.url, settings.warmupS, SHAPE));
  }
  for (let run = 1; run <= settings.runs; run++) {
    for (const scenario of scenarios) {
      const metrics = await measure(scenario, settings.durationS);
      measured.get(scenario.name)!.runs.push(metrics);
      const failures = metrics.errors + metrics.timeouts > 0 ? `, ${metrics.errors} errors, ${metrics.timeouts} timeouts` : '';
      progress(`run ${run}/${settings.runs} ${scenario.name}: ${Math.round(metrics.reqPerSec)} req/s, p99 ${metrics.p99Ms.toFixed(2)} ms${failures}`);
    }
  }
  return measured;
}

async function summariseAll(scenarios: readonly Scenario[], measured: Measured): Promise<ScenarioReport[]> {
  const reports: ScenarioReport[] = [];
  for (const { name, description, baseline, server } of scenarios) {
    const { maxRssBytes } = await server.stats();
    const { idleRssMB, runs } = measured.get(name)!;
    reports.push(summarise({ name, description, ...(baseline ? { baseline } : {}), runs, idleRssMB, peakRssMB: maxRssBytes / MiB }));
  }
  return reports;
}

function ratiosOf(reports: readonly ScenarioReport[]): Ratio[] {
  const byName = new Map(reports.map((report) => [report.name, report]));
  return RATIOS.map(([name, baseline]) => ratio(byName.get(name)!, byName.get(baseline)!));
}

async function publish(reports: readonly ScenarioReport[], settings: Settings, loadAtStart: number[]): Promise<void> {
  const ratios = ratiosOf(reports);
  const env = environment();
  console.log(`paymock bench: node ${process.version}, ${env.cpus} CPU(s) (${env.cpuModel}), load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    `${settings.connections} connections, pipelining ${settings.pipelining}, ${settings.warmupS} s warm-up, ` +
      `${settings.runs} run(s) of ${settings.durationS} s per scenario; POST form -> ${RESPONSE_BODY.length}-byte GBK XML\n`,
  );
  console.log(formatResults(reports, ratios));
  console.log(`\n${wrap(`Note: ${NOISE_NOTE}`, 96)}`);

  await writeJson(RESULTS_FILE, {
    ...env,
    loadAverage: { start: loadAtStart, end: os.loadavg() },
    settings: { ...settings, requestPath: REQUEST_PATH, requestBytes: Buffer.byteLength(REQUEST_BODY), responseBytes: RESPONSE_BODY.length },
    note: NOISE_NOTE,
    scenarios: reports,
    ratios,
  });
  console.log(`Results written to ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

async function main(): Promise<void> {
  const settings = readSettings();
  const loadS = SCENARIO_COUNT * (settings.warmupS + settings.runs * settings.durationS);
  const deadline = armDeadline(loadS + OVERHEAD_S);
  const loadAtStart = os.loadavg();
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'paymock-bench-'));
  let scenarios: Scenario[] = [];
  try {
    progress(`starting servers (about ${Math.round(loadS)} s of load follows)`);
    scenarios = await startScenarios(tempDir);
    await checkAll(scenarios);
    const measured = await measureAll(scenarios, settings);
    await publish(await summariseAll(scenarios, measured), settings, loadAtStart);
  } finally {
    clearTimeout(deadline);
    await Promise.all(scenarios.map((scenario) => scenario.server.stop()));
    cleanUpSync();
  }
}

process.on('exit', cleanUpSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    progress(`${signal}: stopping`);
    process.exit(128 + os.constants.signals[signal]);
  });
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
