// npm run bench: paymock's replay and passthrough against bare Node baselines, on 127.0.0.1
// only. Every server runs in its own child process (bench/servers.ts) and the load comes from
// this one (autocannon; an undici keep-alive client for HTTPS through CONNECT), so the load
// generator never shares an event loop with what it measures. Also timed: paymock's first TLS
// handshake for a host it has never seen, against one for a host whose leaf it has cached.
//   BENCH_DURATION  seconds per measured run (default 5)
//   BENCH_RUNS      measured runs per scenario (default 3); the median is reported
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPaymock, type PaymockOptions, type RunningPaymock } from '../src/index.js';
import { killAllChildren, startChild, type ServerChild } from './children.js';
import { REQUEST_BODY, REQUEST_PATH, RESPONSE_BODY } from './fixture.js';
import { prepareHandshakes, type HandshakeBench } from './handshake.js';
import { directTarget, keepAliveClient, proxiedTarget } from './keep-alive-load.js';
import { autocannonClient, fetchSample, type LoadClient, type LoadResult, type LoadShape, type Sample } from './load.js';
import {
  environment,
  formatHandshakes,
  formatResults,
  formatTargets,
  handshakeTargets,
  median,
  MiB,
  NOISE_NOTE,
  ratio,
  ratioTarget,
  summarise,
  summariseHandshakes,
  writeJson,
  type HandshakeReport,
  type HandshakeRun,
  type Ratio,
  type RunMetrics,
  type ScenarioReport,
  type Settings,
  type Target,
} from './report.js';
import { selfSignedForIp, waitForCaCert } from './tls.js';

const CASSETTE = 'bench';
const HTTPS_CASSETTE = 'bench-https';
const WARMUP_S = 2;
const SHAPE: LoadShape = { connections: 50, pipelining: 1 };
/** direct, replay, forward-baseline, passthrough, https-direct, https-replay: sizes the time budget. */
const SCENARIO_COUNT = 6;
/** Time for start-up, recording, checks and IPC, on top of the load itself. */
const OVERHEAD_S = 90;
/** New hosts (and as many cached-host handshakes) per handshake run. */
const HANDSHAKE_HOSTS = 20;
/** The issue's target for a first handshake through paymock. */
const HANDSHAKE_TARGET_MS = 50;
/** Generous: 2 x 20 handshakes, each bounded by its own 5 s timeout, normally a second or two. */
const HANDSHAKE_BUDGET_S = 10;
/** The issue's target for HTTPS replay against a bare Node https server. */
const HTTPS_REPLAY_TARGET = 0.6;
/** paymock creates its CA in the background at start (two RSA key pairs). */
const CA_TIMEOUT_MS = 20_000;
const RESULTS_FILE = fileURLToPath(new URL('./results/latest.json', import.meta.url));

interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Measured for CPU and memory; the client's load goes here. */
  readonly server: ServerChild;
  readonly client: LoadClient;
  /** The origin behind a proxy, whose CPU is recorded too. */
  readonly behind?: ServerChild;
  /** The x-paymock-source every answer must carry, for paymock scenarios. */
  readonly expectSource?: 'cassette' | 'upstream';
  readonly baseline?: string;
}

type Measured = Map<string, { idleRssMB: number; runs: RunMetrics[] }>;

/** The handshake scenario's own paymock, apart from the load scenarios. */
interface Handshakes {
  readonly server: ServerChild;
  readonly bench: HandshakeBench;
  readonly idleRssMB: number;
}

/** Compared in the ratio table: [scenario, baseline]. */
const RATIOS: ReadonlyArray<readonly [string, string]> = [
  ['replay', 'direct'],
  ['passthrough', 'forward-baseline'],
  ['passthrough', 'direct'],
  ['https-replay', 'https-direct'],
];

let tempDir: string | undefined;
/** Every server child, stopped at the end (and killed on any exit by cleanUpSync). */
const servers: ServerChild[] = [];

async function start(name: string, spec: Parameters<typeof startChild>[1]): Promise<ServerChild> {
  const child = await startChild(name, spec);
  servers.push(child);
  return child;
}

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
async function record(options: PaymockOptions & { cassettesDir: string }, exchange: (recorder: RunningPaymock) => Promise<Sample>): Promise<void> {
  const recorder = await startPaymock({ ...options, mode: 'record', port: 0, host: '127.0.0.1', log: 'silent' });
  let sample: Sample;
  try {
    sample = await exchange(recorder);
  } catch (error) {
    await recorder.stop();
    throw error;
  }
  const { cassette } = await recorder.stop(); // writes the cassette and says what it wrote
  if (sample.status !== 200 || sample.source !== 'upstream' || cassette?.recorded !== 1) {
    throw new Error(
      `recording the cassette ${options.cassette ?? ''} failed: status ${sample.status}, x-paymock-source ${sample.source ?? '(absent)'}, ` +
        `${cassette?.recorded ?? 0} interaction(s) written to ${cassette?.file ?? options.cassettesDir}; answer: ${preview(sample.body)}`,
    );
  }
}

function recordCassette(originUrl: string, dir: string): Promise<void> {
  return record({ cassette: CASSETTE, upstream: originUrl, cassettesDir: dir }, (recorder) => fetchSample(recorder.url));
}

/** paymock options shared by the recorder and the replayer of the HTTPS cassette. */
function httpsOptions(dir: string, caDir: string, originCertFile: string) {
  return { cassette: HTTPS_CASSETTE, cassettesDir: dir, caDir, intercept: ['127.0.0.1'], upstreamCa: originCertFile } satisfies PaymockOptions;
}

/**
 * Record through CONNECT + TLS to the HTTPS origin itself (no --upstream), so the cassette holds
 * https://127.0.0.1:<origin port>/... and replay matches requests sent through a tunnel to it.
 * Resolves with paymock's CA certificate, created by this recorder in `caDir`.
 */
async function recordHttpsCassette(originUrl: string, dir: string, caDir: string, originCertFile: string): Promise<string> {
  let ca = '';
  await record(httpsOptions(dir, caDir, originCertFile), async (recorder) => {
    ca = await waitForCaCert(caDir, CA_TIMEOUT_MS);
    return keepAliveClient(proxiedTarget(originUrl, recorder.url, ca, RESPONSE_BODY), 1).sample();
  });
  return ca;
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

const LISTEN = { port: 0, host: '127.0.0.1', log: 'silent' } as const;

async function startScenarios(dir: string): Promise<Scenario[]> {
  const origin = await start('origin', { kind: 'origin' });
  await recordCassette(origin.url, dir);
  const [replay, forwarder, passthrough] = await Promise.all([
    start('replay', { kind: 'paymock', options: { ...LISTEN, mode: 'replay', cassette: CASSETTE, cassettesDir: dir, upstream: origin.url } }),
    start('forward-baseline', { kind: 'forwarder', origin: origin.url }),
    start('passthrough', { kind: 'paymock', options: { ...LISTEN, mode: 'passthrough', upstream: origin.url } }),
  ]);
  const plain = (server: ServerChild) => autocannonClient(server.url, SHAPE);
  return [
    { name: 'direct', description: 'bare Node http server with a fixed answer (the origin)', server: origin, client: plain(origin) },
    { name: 'replay', description: 'paymock replay, gateway mode, 1-interaction cassette', server: replay, client: plain(replay), expectSource: 'cassette', baseline: 'direct' },
    { name: 'forward-baseline', description: 'bare Node forwarder: http.request with a keep-alive agent, piped', server: forwarder, client: plain(forwarder), behind: origin },
    { name: 'passthrough', description: 'paymock passthrough, gateway mode, upstream = origin', server: passthrough, client: plain(passthrough), behind: origin, expectSource: 'upstream', baseline: 'forward-baseline' },
    ...(await startHttpsScenarios(dir)),
  ];
}

/** A bare https origin (also the baseline), and paymock replaying it through CONNECT + TLS. */
async function startHttpsScenarios(dir: string): Promise<Scenario[]> {
  const originTls = selfSignedForIp('127.0.0.1');
  const keyFile = path.join(dir, 'origin-key.pem');
  const certFile = path.join(dir, 'origin-cert.pem');
  await writeFile(keyFile, originTls.key, { mode: 0o600 });
  await writeFile(certFile, originTls.cert);
  const origin = await start('https-direct', { kind: 'https-origin', keyFile, certFile });
  const caDir = path.join(dir, 'ca-https');
  const paymockCa = await recordHttpsCassette(origin.url, dir, caDir, certFile);
  const replay = await start('https-replay', { kind: 'paymock', options: { ...LISTEN, ...httpsOptions(dir, caDir, certFile), mode: 'replay' } });
  const connections = SHAPE.connections;
  return [
    {
      name: 'https-direct',
      description: 'bare Node https server, same answer, self-signed cert for 127.0.0.1; undici Agent, keep-alive',
      server: origin,
      client: keepAliveClient(directTarget(origin.url, originTls.cert, RESPONSE_BODY), connections),
    },
    {
      name: 'https-replay',
      description: "paymock replay through CONNECT + TLS with its CA (intercept 127.0.0.1); undici ProxyAgent, keep-alive",
      server: replay,
      client: keepAliveClient(proxiedTarget(origin.url, replay.url, paymockCa, RESPONSE_BODY), connections),
      expectSource: 'cassette',
      baseline: 'https-direct',
    },
  ];
}

/** A paymock in mock mode intercepting every host, on its own fresh CA (so no leaf is cached). */
async function startHandshakes(dir: string): Promise<Handshakes> {
  const caDir = path.join(dir, 'ca-handshake');
  const server = await start('first-handshake', { kind: 'paymock', options: { ...LISTEN, mode: 'mock', intercept: ['*'], caDir } });
  const ca = await waitForCaCert(caDir, CA_TIMEOUT_MS);
  const idle = await server.stats();
  return { server, bench: await prepareHandshakes(server, ca, HANDSHAKE_HOSTS), idleRssMB: idle.rssBytes / MiB };
}

/**
 * Every scenario must answer like the origin: each is compared with its baseline's answer (checked
 * first, the list is in that order), the others with the plain origin's, which must be the fixture.
 */
async function checkAll(scenarios: readonly Scenario[]): Promise<void> {
  const samples = new Map<string, Sample>();
  const reference = await scenarios[0]!.client.sample();
  if (reference.status !== 200 || !reference.body.equals(RESPONSE_BODY)) {
    throw new Error(`the origin answered status ${reference.status} with ${reference.body.length} bytes, not the fixture`);
  }
  for (const scenario of scenarios) {
    const sample = await scenario.client.sample();
    checkSample(scenario, sample, (scenario.baseline && samples.get(scenario.baseline)) || reference);
    samples.set(scenario.name, sample);
  }
}

/** Every response must be a 2xx with the right bytes: a fast error path would look like a fast server. */
function assertHealthy(scenario: Scenario, load: LoadResult): void {
  if (load.requests === 0) throw new Error(`scenario ${scenario.name}: no responses at all in ${load.durationS} s`);
  if (load.non2xx > 0) {
    throw new Error(`scenario ${scenario.name}: ${load.non2xx} of ${load.requests} responses were not 2xx; not measuring an error path`);
  }
  if ((load.wrongBodies ?? 0) > 0) {
    throw new Error(`scenario ${scenario.name}: ${load.wrongBodies} of ${load.requests} responses carried other bytes than the origin's`);
  }
}

/** A load session's connections are opened before, and closed after, whatever is measured. */
async function withSession<T>(scenario: Scenario, use: (run: (durationS: number) => Promise<LoadResult>) => Promise<T>): Promise<T> {
  const session = await scenario.client.open();
  try {
    return await use((durationS) => session.run(durationS));
  } finally {
    await session.close();
  }
}

async function snapshot(scenario: Scenario) {
  const [server, behind] = await Promise.all([scenario.server.stats(), scenario.behind?.stats()]);
  return { server, behind };
}

async function measure(scenario: Scenario, durationS: number): Promise<RunMetrics> {
  const { before, load, loadgen, after } = await withSession(scenario, async (run) => {
    const before = await snapshot(scenario);
    const loadgenBefore = process.cpuUsage();
    const load = await run(durationS);
    const loadgen = process.cpuUsage(loadgenBefore);
    return { before, load, loadgen, after: await snapshot(scenario) };
  });
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
    ...(load.wrongBodies !== undefined ? { wrongBodies: load.wrongBodies } : {}),
    durationS: load.durationS,
  };
}

function describeHandshakeRun(run: HandshakeRun): string {
  const max = (values: readonly number[]) => Math.max(...values).toFixed(1);
  const mid = (values: readonly number[]) => median(values).toFixed(1);
  return `new host median ${mid(run.newMs)} ms, max ${max(run.newMs)} ms; cached median ${mid(run.cachedMs)} ms, max ${max(run.cachedMs)} ms`;
}

/**
 * Warm every scenario once, then take run 1 of each, run 2 of each, ...: a burst of noise from
 * a neighbour then lands on all scenarios alike instead of on whichever ran at that moment.
 * The handshake runs take their turn after each round of load runs, with nothing else running.
 */
async function measureAll(scenarios: readonly Scenario[], handshakes: Handshakes, settings: Settings): Promise<{ measured: Measured; handshakeRuns: HandshakeRun[] }> {
  const measured: Measured = new Map();
  const handshakeRuns: HandshakeRun[] = [];
  for (const scenario of scenarios) {
    const idle = await scenario.server.stats();
    measured.set(scenario.name, { idleRssMB: idle.rssBytes / MiB, runs: [] });
  }
  for (const scenario of scenarios) {
    progress(`warming up ${scenario.name} (${settings.warmupS} s, discarded)`);
    assertHealthy(scenario, await withSession(scenario, (run) => run(settings.warmupS)));
  }
  progress(`warming up first-handshake (${HANDSHAKE_HOSTS} new and ${HANDSHAKE_HOSTS} cached hosts, discarded)`);
  await handshakes.bench.run('warm');
  for (let run = 1; run <= settings.runs; run++) {
    for (const scenario of scenarios) {
      const metrics = await measure(scenario, settings.durationS);
      measured.get(scenario.name)!.runs.push(metrics);
      const failures = metrics.errors + metrics.timeouts > 0 ? `, ${metrics.errors} errors, ${metrics.timeouts} timeouts` : '';
      progress(`run ${run}/${settings.runs} ${scenario.name}: ${Math.round(metrics.reqPerSec)} req/s, p99 ${metrics.p99Ms.toFixed(2)} ms${failures}`);
    }
    const handshakeRun = await handshakes.bench.run(`r${run}`);
    handshakeRuns.push(handshakeRun);
    progress(`run ${run}/${settings.runs} first-handshake: ${describeHandshakeRun(handshakeRun)}`);
  }
  return { measured, handshakeRuns };
}

async function summariseHandshakeRuns(handshakes: Handshakes, runs: readonly HandshakeRun[]): Promise<HandshakeReport> {
  const { maxRssBytes } = await handshakes.server.stats();
  return summariseHandshakes({
    name: 'first-handshake',
    description: `CONNECT + TLS through paymock (mock, intercept *) to ${HANDSHAKE_HOSTS} never-seen hosts vs one cached host`,
    hostsPerRun: HANDSHAKE_HOSTS,
    targetMs: HANDSHAKE_TARGET_MS,
    coldMs: handshakes.bench.coldMs,
    runs,
    idleRssMB: handshakes.idleRssMB,
    peakRssMB: maxRssBytes / MiB,
  });
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

function targetsOf(ratios: readonly Ratio[], handshakes: HandshakeReport): Target[] {
  const https = ratios.find((r) => r.scenario === 'https-replay' && r.baseline === 'https-direct')!;
  return [ratioTarget(https, HTTPS_REPLAY_TARGET), ...handshakeTargets(handshakes)];
}

async function publish(reports: readonly ScenarioReport[], handshakes: HandshakeReport, settings: Settings, loadAtStart: number[]): Promise<void> {
  const ratios = ratiosOf(reports);
  const targets = targetsOf(ratios, handshakes);
  const env = environment();
  console.log(`paymock bench: node ${process.version}, ${env.cpus} CPU(s) (${env.cpuModel}), load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    `${settings.connections} connections, pipelining ${settings.pipelining}, ${settings.warmupS} s warm-up, ` +
      `${settings.runs} run(s) of ${settings.durationS} s per scenario; POST form -> ${RESPONSE_BODY.length}-byte GBK XML\n`,
  );
  console.log(formatResults(reports, ratios));
  console.log(`\n${formatHandshakes(handshakes)}`);
  console.log(`\n${formatTargets(targets)}`);
  console.log(`\n${wrap(`Note: ${NOISE_NOTE}`, 96)}`);

  await writeJson(RESULTS_FILE, {
    ...env,
    loadAverage: { start: loadAtStart, end: os.loadavg() },
    settings: { ...settings, requestPath: REQUEST_PATH, requestBytes: Buffer.byteLength(REQUEST_BODY), responseBytes: RESPONSE_BODY.length },
    note: NOISE_NOTE,
    scenarios: reports,
    ratios,
    handshakes,
    targets,
  });
  console.log(`Results written to ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

async function main(): Promise<void> {
  const settings = readSettings();
  const loadS = SCENARIO_COUNT * (settings.warmupS + settings.runs * settings.durationS);
  const deadline = armDeadline(loadS + (settings.runs + 1) * HANDSHAKE_BUDGET_S + OVERHEAD_S);
  const loadAtStart = os.loadavg();
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'paymock-bench-'));
  try {
    progress(`starting servers (about ${Math.round(loadS)} s of load follows)`);
    const scenarios = await startScenarios(tempDir);
    const handshakes = await startHandshakes(tempDir);
    await checkAll(scenarios);
    const { measured, handshakeRuns } = await measureAll(scenarios, handshakes, settings);
    const reports = await summariseAll(scenarios, measured);
    await publish(reports, await summariseHandshakeRuns(handshakes, handshakeRuns), settings, loadAtStart);
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
