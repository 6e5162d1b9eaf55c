// npm run bench: paymock against bare Node baselines, on 127.0.0.1 only. Every server runs in
// its own child process (bench/servers.ts) and the load comes from this one (autocannon; an
// undici keep-alive client for HTTPS through CONNECT), so the load generator never shares an
// event loop with what it measures. The scenarios are built in bench/scenarios/ and measured in
// rounds in the order of bench/plan.ts (each judged scenario next to its baseline; crypto.sign
// alone is a step too); after each round come latency at one connection and first TLS
// handshakes, and record mode runs at the end. Targets are issue 8's (bench/targets.ts).
//   BENCH_DURATION  seconds per measured run (default 5)
//   BENCH_RUNS      measured runs per scenario (default 3); the median is reported
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllChildren, startChild, type ServerChild } from './children.js';
import { describeLatencyResult, formatCassetteLoads, formatLatency, formatRecord, formatSign, summariseLatency, summariseRecord, summariseSign, type PlacedSignRate, type RecordReport } from './extras.js';
import { REQUEST_BODY, REQUEST_PATH, RESPONSE_BODY } from './fixture.js';
import { CACHED_HOST, handshakeThrough, prepareHandshakes, type HandshakeBench } from './handshake.js';
import { prepareSharedKeys } from './keys.js';
import { measureLatency, type LatencyResult, type LatencyTarget } from './latency.js';
import { assertHealthy, measure, withSession } from './measure.js';
import { recordBench, type RecordResult } from './record.js';
import { environment, formatHandshakes, formatResults, formatTargets, median, MiB, NOISE_NOTE, ratio, summarise, summariseHandshakes, writeJson, type HandshakeRun, type RunMetrics, type ScenarioReport, type Settings } from './report.js';
import { basicScenarios } from './scenarios/basic.js';
import { CA_TIMEOUT_MS, httpsScenarios } from './scenarios/https.js';
import { mockScenarios } from './scenarios/mock.js';
import { randomReplayScenarios } from './scenarios/random-replay.js';
import { paymockOptions, type BenchContext, type Scenario } from './scenarios/types.js';
import { measureSignRate } from './sign-rate.js';
import { planProblems, roundOrder, SIGN_STEP } from './plan.js';
import { RATIOS, targetsOf } from './targets.js';
import { waitForCaCert } from './tls.js';
import { ALIPAY_FIXTURE, viaForwardProxy } from './workload.js';

const WARMUP_S = 2;
const SHAPE = { connections: 50, pipelining: 1 } as const;
/** Load scenarios (see bench/scenarios/): sizes the time budget. */
const SCENARIO_COUNT = 17;
/** Start-up (100,000-interaction cassette, CAs, trades paid for mock mode), checks and IPC. */
const OVERHEAD_S = 170;
/** New hosts (and as many cached-host handshakes) per handshake run. */
const HANDSHAKE_HOSTS = 20;
const HANDSHAKE_TARGET_MS = 50;
/** Fresh paymocks (new CA dir each) whose first interception is timed; the median is judged. */
const COLD_STARTS = 3;
/** Generous: 2 x 20 handshakes, each bounded by its own 5 s timeout, normally a second or two. */
const HANDSHAKE_BUDGET_S = 10;
/** Sequential requests per path in the discarded pass before each latency round. */
const LATENCY_SETTLE_REQUESTS = 300;
/** Sequential requests per path for latency at one connection; each path is bounded to 20 s. */
const LATENCY_REQUESTS = 2_000;
const LATENCY_BUDGET_S = 30;
/** crypto.sign alone, per round, plus the child's start-up and key generation. */
const SIGN_SECONDS = 2;
const SIGN_BUDGET_S = 8;
const RECORD_INTERACTIONS = 10_000;
const RECORD_CONNECTIONS = 20;
const RECORD_BUDGET_S = 90;
const RESULTS_FILE = fileURLToPath(new URL('./results/latest.json', import.meta.url));

type Measured = Map<string, { idleRssMB: number; runs: RunMetrics[] }>;

interface Rounds {
  readonly measured: Measured;
  readonly handshakeRuns: HandshakeRun[];
  readonly latencyRounds: LatencyResult[][];
  readonly signRuns: PlacedSignRate[];
}

/** The handshake scenario's own paymock, apart from the load scenarios. */
interface Handshakes {
  readonly server: ServerChild;
  readonly bench: HandshakeBench;
  readonly idleRssMB: number;
  /** First interceptions after start: the handshake paymock's, then one per further fresh paymock. */
  readonly coldMs: number[];
}

let tempDir: string | undefined;
/** Every server child, stopped at the end (and killed on any exit by cleanUpSync). */
const servers: ServerChild[] = [];

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
  return { ...SHAPE, warmupS: WARMUP_S, durationS: positiveFromEnv('BENCH_DURATION', 5, false), runs: positiveFromEnv('BENCH_RUNS', 3, true) };
}

/** A hard stop, so a wedged server or client can never hang the bench (or CI) for long. */
function armDeadline(seconds: number): NodeJS.Timeout {
  return setTimeout(() => {
    progress(`over the time budget of ${Math.round(seconds)} s: stopping`);
    process.exit(1); // the 'exit' handler kills the children
  }, seconds * 1000);
}

function budgetS(settings: Settings): { loadS: number; totalS: number } {
  const loadSteps = roundOrder(1).filter((step) => step !== SIGN_STEP).length;
  const loadS = SCENARIO_COUNT * settings.warmupS + settings.runs * loadSteps * settings.durationS;
  const perRound = HANDSHAKE_BUDGET_S + LATENCY_BUDGET_S + SIGN_BUDGET_S;
  return { loadS, totalS: loadS + (settings.runs + 1) * perRound + settings.runs * RECORD_BUDGET_S + OVERHEAD_S };
}

function cleanUpSync(): void {
  killAllChildren();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
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

/** A paymock in mock mode intercepting every host, on its own fresh CA (so no leaf is cached). */
async function startHandshakes(context: BenchContext): Promise<Handshakes> {
  const options = paymockOptions(context, { mode: 'mock', intercept: ['*'], caDir: path.join(context.dir, 'ca-handshake') });
  const server = await context.start('first-handshake', { kind: 'paymock', options });
  const ca = await waitForCaCert(String(options.caDir), CA_TIMEOUT_MS);
  const idle = await server.stats();
  const bench = await prepareHandshakes(server, ca, HANDSHAKE_HOSTS);
  const coldMs = [bench.coldMs];
  for (let n = 2; n <= COLD_STARTS; n++) coldMs.push(await coldStart(context, n));
  progress(`first interception after start, ${COLD_STARTS} fresh paymocks: ${coldMs.map((ms) => ms.toFixed(1)).join(', ')} ms`);
  return { server, bench, idleRssMB: idle.rssBytes / MiB, coldMs };
}

/**
 * The first interception of a freshly started paymock on a new CA dir, in a paymock of its own
 * stopped right after: one sample besides the handshake scenario's own first one.
 */
async function coldStart(context: BenchContext, n: number): Promise<number> {
  const options = paymockOptions(context, { mode: 'mock', intercept: ['*'], caDir: path.join(context.dir, `ca-cold-${n}`) });
  const server = await startChild(`first-interception-${n}`, { kind: 'paymock', options });
  try {
    const ca = await waitForCaCert(String(options.caDir), CA_TIMEOUT_MS);
    return await handshakeThrough(Number(new URL(server.url).port), CACHED_HOST, ca);
  } finally {
    await server.stop();
  }
}

/** Straight to the origin, through the bare forwarder and through paymock, as a gateway and as a forward proxy. */
function latencyTargets(origin: ServerChild, forwarder: ServerChild, passthrough: ServerChild): LatencyTarget[] {
  const request = ALIPAY_FIXTURE.first;
  const absolute = viaForwardProxy(ALIPAY_FIXTURE, origin.url).first;
  const pids = (...servers: ServerChild[]) => servers.flatMap((server) => (server.pid === undefined ? [] : [server.pid]));
  return [
    { name: 'direct', url: origin.url, request, pids: pids(origin) },
    { name: 'forward-baseline', url: forwarder.url, request, pids: pids(forwarder, origin) },
    { name: 'passthrough', url: passthrough.url, request, pids: pids(passthrough, origin) },
    { name: 'forward-proxy-baseline', url: forwarder.url, request: absolute, pids: pids(forwarder, origin) },
    { name: 'forward-proxy', url: passthrough.url, request: absolute, pids: pids(passthrough, origin) },
  ];
}

function describeHandshakeRun(run: HandshakeRun): string {
  const max = (values: readonly number[]) => Math.max(...values).toFixed(1);
  const mid = (values: readonly number[]) => median(values).toFixed(1);
  return `new host median ${mid(run.newMs)} ms, max ${max(run.newMs)} ms; cached median ${mid(run.cachedMs)} ms, max ${max(run.cachedMs)} ms`;
}

/**
 * Warm every scenario once, then run the rounds: each round measures every step of bench/plan.ts
 * once, each judged scenario right next to its baseline, forwards in odd rounds and backwards in
 * even ones. A burst of a neighbour's load then lands on both sides of a pair alike.
 * Handshakes and latency take their turn after each round, with no load running.
 */
async function measureRounds(scenarios: readonly Scenario[], handshakes: Handshakes, latency: readonly LatencyTarget[], settings: Settings): Promise<Rounds> {
  const rounds: Rounds = { measured: new Map(), handshakeRuns: [], latencyRounds: [], signRuns: [] };
  const byName = new Map(scenarios.map((scenario) => [scenario.name, scenario]));
  for (const scenario of scenarios) {
    const idle = await scenario.server.stats();
    rounds.measured.set(scenario.name, { idleRssMB: idle.rssBytes / MiB, runs: [] });
  }
  for (const name of new Set(roundOrder(1))) {
    const scenario = byName.get(name);
    if (!scenario) continue;
    progress(`warming up ${scenario.name} (${settings.warmupS} s, discarded)`);
    assertHealthy(scenario, await withSession(scenario, (run) => run(settings.warmupS)));
  }
  progress(`warming up first-handshake (${HANDSHAKE_HOSTS} new and ${HANDSHAKE_HOSTS} cached hosts, discarded)`);
  await handshakes.bench.run('warm');
  let step = 0;
  for (let round = 1; round <= settings.runs; round++) {
    for (const name of roundOrder(round)) {
      const placed = { round, step: step++ };
      const scenario = byName.get(name);
      if (!scenario) {
        const sign = { ...(await measureSignRate(SIGN_SECONDS)), ...placed };
        rounds.signRuns.push(sign);
        progress(`run ${round}/${settings.runs} ${SIGN_STEP}: ${Math.round(sign.signsPerSec)} signs/s (${sign.usPerSign.toFixed(0)} us each)`);
        continue;
      }
      const metrics = await measure(scenario, settings.durationS, placed);
      rounds.measured.get(name)!.runs.push(metrics);
      const failures = metrics.errors + metrics.timeouts > 0 ? `, ${metrics.errors} errors, ${metrics.timeouts} timeouts` : '';
      progress(`run ${round}/${settings.runs} ${name}: ${Math.round(metrics.reqPerSec)} req/s, ${metrics.cpuUsPerReq.toFixed(1)} us/req, p99 ${metrics.p99Ms.toFixed(2)} ms${failures}`);
    }
    const handshakeRun = await handshakes.bench.run(`r${round}`);
    rounds.handshakeRuns.push(handshakeRun);
    progress(`run ${round}/${settings.runs} first-handshake: ${describeHandshakeRun(handshakeRun)}`);
    // Right after the load runs, whichever path goes first pays for the servers' leftover GC work:
    // one discarded pass first, and the order rotated each round so no path is always first.
    const order = [...latency.slice((round - 1) % latency.length), ...latency.slice(0, (round - 1) % latency.length)];
    await measureLatency(order, LATENCY_SETTLE_REQUESTS);
    const latencyRound = await measureLatency(order, LATENCY_REQUESTS);
    rounds.latencyRounds.push(latencyRound);
    progress(`run ${round}/${settings.runs} latency p50: ${latencyRound.map((r) => `${r.name} ${describeLatencyResult(r)}`).join(', ')}`);
  }
  return rounds;
}

async function summariseAll(scenarios: readonly Scenario[], measured: Measured): Promise<ScenarioReport[]> {
  const reports: ScenarioReport[] = [];
  for (const { name, description, baseline, server, facts } of scenarios) {
    const { maxRssBytes } = await server.stats();
    const { idleRssMB, runs } = measured.get(name)!;
    reports.push(summarise({ name, description, ...(baseline ? { baseline } : {}), ...(facts ? { facts } : {}), runs, idleRssMB, peakRssMB: maxRssBytes / MiB }));
  }
  return reports;
}

async function publish(scenarios: readonly Scenario[], handshakes: Handshakes, rounds: Rounds, record: RecordReport, settings: Settings, loadAtStart: number[]): Promise<void> {
  const reports = await summariseAll(scenarios, rounds.measured);
  const byName = new Map(reports.map((report) => [report.name, report]));
  const ratios = RATIOS.map(([name, baseline]) => ratio(byName.get(name)!, byName.get(baseline)!));
  const { maxRssBytes } = await handshakes.server.stats();
  const handshakeReport = summariseHandshakes({
    name: 'first-handshake',
    description: `CONNECT + TLS through paymock (mock, intercept *) to ${HANDSHAKE_HOSTS} never-seen hosts vs one cached host`,
    hostsPerRun: HANDSHAKE_HOSTS,
    targetMs: HANDSHAKE_TARGET_MS,
    coldMs: handshakes.coldMs,
    runs: rounds.handshakeRuns,
    idleRssMB: handshakes.idleRssMB,
    peakRssMB: maxRssBytes / MiB,
  });
  const latency = summariseLatency(rounds.latencyRounds, LATENCY_REQUESTS, 'direct');
  const sign = summariseSign(rounds.signRuns);
  const targets = targetsOf({ scenarios: reports, ratios, handshakes: handshakeReport, latency, sign, record });
  const env = environment();
  console.log(`paymock bench: node ${process.version}, ${env.cpus} CPU(s) (${env.cpuModel}), load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    `${settings.connections} connections, pipelining ${settings.pipelining}, ${settings.warmupS} s warm-up, ` +
      `${settings.runs} run(s) of ${settings.durationS} s per scenario; POST form -> ${RESPONSE_BODY.length}-byte GBK XML unless said otherwise\n`,
  );
  console.log(formatResults(reports, ratios));
  for (const section of [formatCassetteLoads(reports), formatLatency(latency), formatSign(sign, reports), formatRecord(record), formatHandshakes(handshakeReport), formatTargets(targets)]) {
    console.log(`\n${section}`);
  }
  console.log(`\n${wrap(`Note: ${NOISE_NOTE}`, 96)}`);

  const results = {
    ...env,
    loadAverage: { start: loadAtStart, end: os.loadavg() },
    settings: { ...settings, requestPath: REQUEST_PATH, requestBytes: Buffer.byteLength(REQUEST_BODY), responseBytes: RESPONSE_BODY.length },
    note: NOISE_NOTE,
    scenarios: reports,
    ratios,
    latency,
    rsa2Sign: sign,
    record,
    handshakes: handshakeReport,
    targets,
  };
  // latest.json, and a copy named by date and commit that the next run leaves alone (bench/diff.ts compares them).
  const kept = path.join(path.dirname(RESULTS_FILE), `${env.date.replace(/[:.]/g, '-')}${env.commit ? `-${env.commit}` : ''}.json`);
  await writeJson(RESULTS_FILE, results);
  await writeJson(kept, results);
  console.log(`Results written to ${path.relative(process.cwd(), RESULTS_FILE)} and ${path.relative(process.cwd(), kept)}`);
}

async function main(): Promise<void> {
  const settings = readSettings();
  const { loadS, totalS } = budgetS(settings);
  const deadline = armDeadline(totalS);
  const loadAtStart = os.loadavg();
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'paymock-bench-'));
  const context: BenchContext = {
    dir: tempDir,
    shape: SHAPE,
    progress,
    async start(name, spec) {
      const child = await startChild(name, spec);
      servers.push(child);
      return child;
    },
  };
  try {
    progress(`starting servers (about ${Math.round(loadS)} s of load follows; hard stop after ${Math.round(totalS)} s)`);
    await prepareSharedKeys(context.dir);
    const basic = await basicScenarios(context);
    const scenarios = [
      ...basic.scenarios,
      ...(await randomReplayScenarios(context, basic.origin)),
      ...(await mockScenarios(context)),
      ...(await httpsScenarios(context)),
    ];
    if (scenarios.length !== SCENARIO_COUNT) throw new Error(`${scenarios.length} scenarios, but the time budget is sized for ${SCENARIO_COUNT}: update SCENARIO_COUNT`);
    const problems = planProblems(scenarios.map((scenario) => scenario.name));
    if (problems.length > 0) throw new Error(`bench/plan.ts: ${problems.join('; ')}`);
    const handshakes = await startHandshakes(context);
    for (const scenario of scenarios) await scenario.check();
    const rounds = await measureRounds(scenarios, handshakes, latencyTargets(basic.origin, basic.forwarder, basic.passthrough), settings);
    // One run is one fresh process's few seconds, as exposed to the machine's other load as any
    // single round: several, and the median reported, as for the load scenarios.
    const recordRuns: RecordResult[] = [];
    for (let run = 1; run <= settings.runs; run++) {
      progress(`record-10k run ${run}/${settings.runs}: ${RECORD_INTERACTIONS.toLocaleString('en-US')} distinct interactions over ${RECORD_CONNECTIONS} connections`);
      const result = await recordBench(context, basic.origin.url, RECORD_INTERACTIONS, RECORD_CONNECTIONS, RECORD_BUDGET_S - 30);
      progress(`record-10k run ${run}/${settings.runs}: ${Math.round(result.perSec)} interactions/s, stop ${result.stopMs.toFixed(0)} ms, file ${result.fileProblems.length === 0 ? 'ok' : 'WRONG'}`);
      recordRuns.push(result);
    }
    const record = summariseRecord(recordRuns);
    await publish(scenarios, handshakes, rounds, record, settings, loadAtStart);
  } finally {
    clearTimeout(deadline);
    await Promise.all(servers.map((server) => server.stop()));
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
