// One measured stretch of load on one scenario: the server's CPU and memory read before and
// after, the load generator's own CPU, and a refusal to report an error path as a fast server.
import type { LoadResult } from './load.js';
import { MiB, type Placed, type RunMetrics } from './report.js';
import type { Scenario } from './scenarios/types.js';

/** Every response must be a 2xx with the right bytes: a fast error path would look like a fast server. */
export function assertHealthy(scenario: Scenario, load: LoadResult): void {
  if (load.requests === 0) throw new Error(`scenario ${scenario.name}: no responses at all in ${load.durationS} s`);
  if (load.non2xx > 0) {
    throw new Error(`scenario ${scenario.name}: ${load.non2xx} of ${load.requests} responses were not 2xx; not measuring an error path`);
  }
  if ((load.wrongBodies ?? 0) > 0) {
    throw new Error(`scenario ${scenario.name}: ${load.wrongBodies} of ${load.requests} responses carried other bytes than the origin's`);
  }
}

/** A load session's connections are opened before, and closed after, whatever is measured. */
export async function withSession<T>(scenario: Scenario, use: (run: (durationS: number) => Promise<LoadResult>) => Promise<T>): Promise<T> {
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

export async function measure(scenario: Scenario, durationS: number, placed: Placed): Promise<RunMetrics> {
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
    ...placed,
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
