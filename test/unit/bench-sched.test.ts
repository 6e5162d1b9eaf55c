import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { formatLatency, summariseLatency } from '../../bench/extras.js';
import type { LatencyResult } from '../../bench/latency.js';
import { readSched, schedSince } from '../../bench/sched.js';

const linux = process.platform === 'linux';

test('scheduler counters: read from /proc for live processes, summed, and differenced', { skip: !linux && 'needs Linux /proc' }, async () => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => child.once('spawn', resolve));
    const one = readSched([process.pid]);
    const both = readSched([process.pid, child.pid!]);
    assert.ok(one && both, 'both processes are readable');
    assert.ok(Number.isInteger(one.migrations) && one.migrations >= 0);
    assert.ok(Number.isInteger(one.preempted) && one.preempted >= 0);
    assert.ok(both.migrations >= one.migrations && both.preempted >= one.preempted, 'a second process adds its counts');
    const spent = schedSince([process.pid], one);
    assert.ok(spent && spent.migrations >= 0 && spent.preempted >= 0, 'counters only grow');
  } finally {
    child.kill();
  }
  assert.equal(readSched([process.pid, 2 ** 22 + 1]), undefined, 'a process that is not there makes the whole reading unknown');
  assert.equal(schedSince([process.pid], undefined), undefined);
});

test('latency report: medians over rounds, and each round with what the scheduler did', () => {
  const result = (name: string, p50Ms: number, sched?: LatencyResult['sched']): LatencyResult => ({ name, requests: 2000, p50Ms, p99Ms: p50Ms * 3, ...(sched ? { sched } : {}) });
  const report = summariseLatency(
    [
      [result('direct', 0.1, { migrations: 0, preempted: 1 }), result('passthrough', 0.3, { migrations: 0, preempted: 2 })],
      [result('direct', 0.1, { migrations: 1, preempted: 0 }), result('passthrough', 0.6, { migrations: 14, preempted: 380 })],
      [result('direct', 0.12), result('passthrough', 0.32)],
    ],
    2000,
    'direct',
  );
  const passthrough = report.targets.find((t) => t.name === 'passthrough')!;
  assert.equal(passthrough.p50Ms, 0.32, 'the median round, not the slow one');
  assert.ok(Math.abs(passthrough.addedP50Ms - 0.22) < 1e-9);
  const text = formatLatency(report);
  assert.match(text, /^passthrough .*0\.300 ms \(0 moved, 2 preempted\) .*0\.600 ms \(14 moved, 380 preempted\) .*0\.320 ms\s*$/m);
  assert.match(text, /^direct .*0\.120 ms\s*$/m, 'a round without counters shows the time alone');
});
