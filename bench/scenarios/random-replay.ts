// Replay with random keys: legacy GBK calls (bench/legacy-trades.ts), each request one of N
// recorded trades picked by a seeded PRNG, served by paymock from an N-interaction cassette
// written straight to disk (bench/cassette-gen.ts). Baselines on the same workload and client:
// the bare origin (fixed answer, "direct-random") and a bare Node server looking the raw body up
// in a Map of prebuilt answers ("map-replay").
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startChild, type ServerChild } from '../children.js';
import { writeLegacyCassette } from '../cassette-gen.js';
import { RESPONSE_BODY } from '../fixture.js';
import { legacyAnswer, legacyQueries, legacyQuery } from '../legacy-trades.js';
import { autocannonClient, fetchSample } from '../load.js';
import { median, MiB } from '../report.js';
import { randomWorkload, seededRandom } from '../workload.js';
import { fail, sameAnswer } from './checks.js';
import { paymockOptions, type BenchContext, type Scenario } from './types.js';

export const SMALL = 10_000;
export const LARGE = 100_000;
const SEED = 0x5eed;
/** Fresh processes that load each cassette; the median load time and RSS are reported. */
const LOAD_SAMPLES = 3;
/** Random trades checked, each against its own recorded bytes, before anything is measured. */
const CHECKED = 25;

/** `CHECKED` random trades of `count`, each answered with exactly its own recorded answer. */
function checkTrades(name: string, server: ServerChild, count: number, source?: string): () => Promise<void> {
  return async () => {
    const random = seededRandom(SEED + 1);
    const picks = [0, count - 1, ...Array.from({ length: CHECKED - 2 }, () => Math.floor(random() * count))];
    for (const i of picks) {
      const expected = legacyAnswer(i);
      sameAnswer(`${name} (trade #${i})`, await fetchSample(server.url, legacyQuery(i)), { body: expected, contentType: 'text/xml; charset=GBK' }, source);
    }
  };
}

/** paymock replaying an N-interaction cassette, with how long it took to load and its RSS then. */
async function replayScenario(context: BenchContext, count: number, label: string): Promise<Scenario> {
  const name = `replay-${label}`;
  const cassette = `bench-${label}`;
  const written = performance.now();
  const bytes = await writeLegacyCassette(context.dir, cassette, count);
  context.progress(`wrote a ${count.toLocaleString('en-US')}-interaction cassette (${(bytes / MiB).toFixed(0)} MB) in ${Math.round(performance.now() - written)} ms`);
  const spec = { kind: 'paymock', options: paymockOptions(context, { mode: 'replay', cassette, cassettesDir: context.dir }) } as const;
  const server = await context.start(name, spec);
  // One load is one sample on a shared machine (1.8 to 3.2 s for the same 100,000 interactions):
  // two more fresh processes load it too, one at a time, and the median of the three is reported.
  const loads = [{ ms: server.startMs ?? Number.NaN, rssBytes: (await server.stats()).rssBytes }];
  for (let extra = 1; extra < LOAD_SAMPLES; extra++) {
    const again = await startChild(`${name}-load-${extra}`, spec);
    loads.push({ ms: again.startMs ?? Number.NaN, rssBytes: (await again.stats()).rssBytes });
    await again.stop();
  }
  const loadMs = median(loads.map((load) => load.ms));
  const rssBytes = median(loads.map((load) => load.rssBytes));
  const file = await stat(path.join(context.dir, `${cassette}.json`));
  return {
    name,
    description: `paymock replay, ${count.toLocaleString('en-US')}-interaction cassette, random keys (legacy GBK single_trade_query, trade_no varies)`,
    server,
    client: autocannonClient(server.url, context.shape, randomWorkload(legacyQueries(count), SEED)),
    baseline: 'direct-random',
    check: checkTrades(name, server, count, 'cassette'),
    facts: { interactions: count, cassetteMB: file.size / MiB, loadMs, loadMinMs: Math.min(...loads.map((load) => load.ms)), loadMaxMs: Math.max(...loads.map((load) => load.ms)), rssAfterLoadMB: rssBytes / MiB },
  };
}

export async function randomReplayScenarios(context: BenchContext, origin: ServerChild): Promise<Scenario[]> {
  const small = randomWorkload(legacyQueries(SMALL), SEED);
  const map = await context.start('map-replay', { kind: 'map-replay', count: SMALL });
  return [
    {
      name: 'direct-random',
      description: `the bare origin (fixed answer) under the random ${SMALL.toLocaleString('en-US')}-trade workload`,
      server: origin,
      client: autocannonClient(origin.url, context.shape, small),
      check: async () => {
        const sample = await fetchSample(origin.url, legacyQuery(7));
        if (sample.status !== 200 || !sample.body.equals(RESPONSE_BODY)) fail('direct-random', [`status ${sample.status}, ${sample.body.length} bytes: not the fixture`], sample.body);
      },
    },
    {
      name: 'map-replay',
      description: `bare Node server: raw request body -> one of ${SMALL.toLocaleString('en-US')} prebuilt answers in a Map`,
      server: map,
      client: autocannonClient(map.url, context.shape, small),
      baseline: 'direct-random',
      check: checkTrades('map-replay', map, SMALL),
    },
    await replayScenario(context, SMALL, '10k'),
    await replayScenario(context, LARGE, '100k'),
  ];
}
