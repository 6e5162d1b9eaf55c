// What serving from a large cassette costs in-process, where the machine's noise matters less than
// under load: the pipeline alone (no sockets), a generated legacy GBK cassette, every interaction
// replayed once in random order (its first serve: read back from the file, parsed, made), then
// again (already made), then what making all of them as the cassette loads would cost.
//   node --expose-gc --import tsx bench/first-serve.ts [count] [dir]
// `dir` keeps the generated cassette between runs (written there when missing). Figures: CPU per
// request (process.cpuUsage), RSS, and the live heap after a full GC (needs --expose-gc).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { keySignature } from '../src/cassettes/key-signature.js';
import { createRedactor } from '../src/cassettes/redact.js';
import { CassetteSession } from '../src/cassettes/session.js';
import { parseOptions } from '../src/config.js';
import { makeBody } from '../src/core/body.js';
import { createLogger } from '../src/core/log.js';
import { handle, type PipelineParts } from '../src/core/pipeline.js';
import type { HttpRequest } from '../src/core/types.js';
import { createSigner } from '../src/dialects/alipay-signer.js';
import { createDialects } from '../src/dialects/index.js';
import { writeLegacyCassette } from './cassette-gen.js';
import { LEGACY_HEADERS, LEGACY_PATH, legacyQueryBody } from './legacy-trades.js';
import { seededRandom } from './workload.js';

const count = Number(process.argv[2] ?? 100_000);
const keptDir = process.argv[3];
/** Requests served between two turns of the event loop, as a busy server would (WeakRefs clear between turns). */
const PER_TURN = 100;
const MiB = 2 ** 20;

const gc = (globalThis as { gc?: () => void }).gc;
const rssMB = () => Math.round(process.memoryUsage.rss() / MiB);
const liveHeap = () => {
  if (!gc) return 'n/a (run node with --expose-gc)';
  gc();
  return `${Math.round(process.memoryUsage().heapUsed / MiB)} MB`;
};
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Each trade's request body, made before anything is timed. */
const bodies = Array.from({ length: count }, (_, i) => Buffer.from(legacyQueryBody(i)));

function request(i: number): HttpRequest {
  const body = Buffer.from(bodies[i]!);
  const headers: Array<[string, string]> = [['Host', '127.0.0.1'], ...Object.entries(LEGACY_HEADERS), ['Content-Length', String(body.length)]];
  return { method: 'POST', url: `https://intlmapi.alipay.com${LEGACY_PATH}`, headers, body: makeBody(body, headers) };
}

async function open(dir: string) {
  const config = parseOptions({});
  const log = createLogger('silent');
  const signer = createSigner(config.alipay, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, {});
  const dialects = createDialects({ match: config.match, signer, log });
  const started = performance.now();
  const cassette = await CassetteSession.open({ dir, name: 'big', flushIntervalMs: 100, mustExist: true, onError: (error) => { throw error; }, keys: keySignature(config.match) }, dialects);
  const loadS = (performance.now() - started) / 1000;
  const parts: PipelineParts = {
    mode: 'replay',
    dialects,
    rules: [],
    defaults: [],
    cassetteFor: () => cassette,
    upstream: { forward: () => Promise.reject(new Error('no upstream in this bench')), close: async () => undefined },
    redact: createRedactor(config.redact.fields, config.redact.headers),
    recordErrors: false,
    durable: false,
    log,
  };
  return { cassette, parts, loadS };
}

/** Serve `order` through the pipeline; CPU µs per request. */
async function serve(order: readonly number[], parts: PipelineParts): Promise<number> {
  const before = process.cpuUsage();
  for (let k = 0; k < order.length; k++) {
    const handled = handle(request(order[k]!), parts);
    if ('then' in handled) throw new Error('replay answered asynchronously');
    if (handled.outcome.source !== 'cassette') throw new Error(`interaction ${order[k]}: ${handled.outcome.reason ?? handled.outcome.source}`);
    // What the front door writes.
    if (handled.response.body.bytes.length === 0) throw new Error(`interaction ${order[k]}: an empty reply`);
    if (k % PER_TURN === PER_TURN - 1) await turn();
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / order.length;
}

/** Every interaction served once in random order, in two halves, then all again. */
async function firstServes(dir: string): Promise<void> {
  const { cassette, parts, loadS } = await open(dir);
  console.log(`${count.toLocaleString('en-US')} interactions: loaded in ${loadS.toFixed(2)} s, RSS ${rssMB()} MB`);
  const random = seededRandom(0x5eed);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const half = Math.floor(count / 2);
  for (const [name, part] of [['first serve, first half', order.slice(0, half)], ['first serve, second half', order.slice(half)], ['served again', order]] as const) {
    const us = await serve(part, parts);
    console.log(`${name}: ${us.toFixed(1)} µs CPU per request; RSS ${rssMB()} MB, live heap ${liveHeap()}; kept made ${cassette.summary().workingSet.interactions.toLocaleString('en-US')}`);
  }
  await cassette.close();
}

/** Making every interaction as the cassette loads, instead of on first use: what it would cost. */
async function makeAllAtLoad(dir: string): Promise<void> {
  const { cassette, parts, loadS } = await open(dir);
  const started = performance.now();
  await serve(Array.from({ length: cassette.interactions.length }, (_, i) => i), parts);
  console.log(`making all at load instead: load ${loadS.toFixed(2)} s + ${((performance.now() - started) / 1000).toFixed(2)} s; RSS ${rssMB()} MB, live heap ${liveHeap()}`);
  await cassette.close();
}

async function main(): Promise<void> {
  const dir = keptDir ?? (await mkdtemp(path.join(os.tmpdir(), 'paymock-first-serve-')));
  try {
    if (!existsSync(path.join(dir, 'big.json'))) await writeLegacyCassette(dir, 'big', count);
    await firstServes(dir);
    // RSS is not given back at once: the second figure is an upper bound.
    await makeAllAtLoad(dir);
  } finally {
    if (!keptDir) await rm(dir, { recursive: true, force: true });
  }
}

await main();
