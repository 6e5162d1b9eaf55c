import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JUDGED_PAIRS, planProblems, ROUND_PLAN, roundOrder, SIGN_STEP } from '../../bench/plan.js';
import { adjacentRatio, cpuTarget, formatHandshakes, handshakeTargets, ratio, ratioTarget, summarise, summariseHandshakes, type RunMetrics } from '../../bench/report.js';

const SCENARIOS = [...new Set(ROUND_PLAN.flat())].filter((name) => name !== SIGN_STEP);

function run(round: number, step: number, cpuUsPerReq: number, reqPerSec = 1_000_000 / cpuUsPerReq): RunMetrics {
  return { round, step, cpuUsPerReq, reqPerSec, p50Ms: 1, p99Ms: 2, rssMB: 50, loadgenCpuPct: 50, requests: 5000, errors: 0, timeouts: 0, non2xx: 0, durationS: 5 };
}

const report = (name: string, runs: RunMetrics[]) => summarise({ name, description: name, runs, idleRssMB: 40, peakRssMB: 60 });

test('the round plan measures every judged scenario right next to its baseline, in both directions', () => {
  assert.deepEqual(planProblems(SCENARIOS), []);
  for (const round of [1, 2, 3]) {
    const order = roundOrder(round);
    for (const [scenario, baseline] of JUDGED_PAIRS) {
      const nextTo = order.some((step, i) => step === scenario && (order[i - 1] === baseline || order[i + 1] === baseline));
      assert.ok(nextTo, `round ${round}: ${scenario} next to ${baseline}`);
    }
  }
  assert.deepEqual(roundOrder(2), [...roundOrder(1)].reverse(), 'even rounds run backwards, so neither side of a pair always goes first');
  assert.equal(roundOrder(1)[0], ROUND_PLAN[0]![0]);
});

test('a plan that names a stranger, leaves a scenario out or separates a judged pair is refused, naming each', () => {
  const plan = [['replay-http', 'replay-alipay', 'direct'], ['mystery']];
  const problems = planProblems(['direct', 'replay-http', 'replay-alipay', 'mock-md5'], plan, [['replay-http', 'direct']]);
  assert.deepEqual(problems, [
    'the plan names mystery, which is not a scenario',
    'mock-md5 is not in the plan, so it would never be measured',
    `${SIGN_STEP} is not in the plan, so it would never be measured`,
    'replay-http is judged against direct, but is not measured next to it',
  ]);
});

test('each run is paired with the baseline run of its own round measured nearest to it', () => {
  // The machine slows down in round 2: both sides of each pair see it, the ratio does not.
  const baseline = [run(1, 1, 30), run(1, 4, 40), run(2, 11, 60), run(2, 14, 45)];
  const scenario = [run(1, 5, 52), run(2, 10, 78)];
  const cpu = adjacentRatio(scenario, baseline, (r) => r.cpuUsPerReq, (r) => r.cpuUsPerReq);
  assert.equal(cpu, (52 / 40 + 78 / 60) / 2, 'step 5 pairs with step 4, step 10 with step 11');
  assert.equal(adjacentRatio([run(1, 2, 33)], [run(1, 1, 30), run(1, 3, 11)], (r) => r.cpuUsPerReq, (r) => r.cpuUsPerReq), 1.1, 'a tie goes to the earlier run');
  assert.ok(Number.isNaN(adjacentRatio([run(3, 20, 40)], baseline, (r) => r.cpuUsPerReq, (r) => r.cpuUsPerReq)), 'no baseline in its round: no ratio, rather than one across rounds');
});

test('targets are judged on the paired runs, with the ratio of medians beside them', () => {
  // Paired, each run costs 1.25x its neighbour; the medians, taken apart, say 1.60x.
  const direct = report('direct', [run(1, 0, 25), run(1, 8, 40), run(2, 9, 40), run(2, 20, 25), run(3, 21, 25), run(3, 29, 40)]);
  const mock = report('mock-md5', [run(1, 9, 50), run(2, 8, 50), run(3, 30, 50)]);
  const r = ratio(mock, direct);
  assert.equal(r.paired.cpuUsPerReq, 1.25);
  assert.ok(Math.abs(r.cpuUsPerReq - 50 / 32.5) < 1e-9, 'the ratio of medians: 50 over the median of 25, 25, 25, 40, 40, 40');
  const cpu = cpuTarget(r, 1.3);
  assert.deepEqual([cpu.value, cpu.met, cpu.medians], ['1.25x', true, '1.54x']);
  const rate = ratioTarget(r, 0.9);
  assert.deepEqual([rate.value, rate.met, rate.target], ['0.80x', false, '>= 0.90x']);
});

test('the first interception after start is judged on the median of its fresh starts, each shown', () => {
  const run = { newMs: [8, 9, 30], cachedMs: [3, 4, 5], newCpuMs: 7, cachedCpuMs: 2, rssMB: 90 };
  const report = summariseHandshakes({ name: 'first-handshake', description: 'd', hostsPerRun: 3, targetMs: 50, coldMs: [61.2, 18.4, 20.5], runs: [run], idleRssMB: 80, peakRssMB: 100 });
  assert.equal(report.coldMedianMs, 20.5);
  const cold = handshakeTargets(report).find((t) => t.figure.startsWith('first handshake after start'))!;
  assert.deepEqual([cold.figure, cold.value, cold.met], ['first handshake after start (median of 3)', '20.5 ms', true]);
  assert.match(formatHandshakes(report), /in 3 fresh paymocks: median 20\.5 ms\n\(61\.2, 18\.4, 20\.5\)/);
});
