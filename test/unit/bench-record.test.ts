import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRecord, summariseRecord } from '../../bench/extras.js';
import type { RecordResult } from '../../bench/record.js';

const run = (perSec: number, fileProblems: string[] = []): RecordResult => ({
  interactions: 10_000,
  connections: 20,
  totalMs: 10_000_000 / perSec,
  perSec,
  firstHalfPerSec: perSec * 0.8,
  secondHalfPerSec: perSec * 1.2,
  stopMs: 20,
  fileMB: 25.1,
  cpuUsPerInteraction: 450,
  peakRssMB: 120,
  fileProblems,
  warmUp: { interactions: 3_000, perSec: perSec / 2, cpuUsPerInteraction: 900 },
});

test('record runs: the median run by rate is reported, and every run\'s file is judged', () => {
  const report = summariseRecord([run(2500), run(1470), run(2100, ['3 trade_no values recorded more than once'])]);
  assert.equal(report.perSec, 2100, 'the middle rate, not the last run or the mean');
  assert.equal(report.runs.length, 3);
  assert.deepEqual(report.fileProblems, ['run 3: 3 trade_no values recorded more than once']);
  assert.deepEqual(summariseRecord([run(2500), run(1470, ['torn']), run(2100)]).fileProblems, ['run 2: torn'], 'a bad file in a run that is not the median still counts');
  const table = formatRecord(report);
  assert.match(table, /^run 1 .* 2,500 /m);
  assert.match(table, /^median \(10,000 over 20 conns\) .* 2,100 /m);
  assert.match(table, /^run 2 .* 3,000: 735\/s +900\.0$/m, 'each run\'s cold start (its warm-up) is shown beside it');
  assert.match(table, /\(!\) cassette file: run 3: 3 trade_no values/);
  assert.equal(summariseRecord([run(1900)]).perSec, 1900, 'one run is its own median');
});
