import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atEndOfTurn, batchAtEndOfTurn } from '../../src/core/turn-batch.js';

test('atEndOfTurn writes a turn\'s items together, in order, once the turn ends, and starts afresh after', async () => {
  const written: string[] = [];
  const later = atEndOfTurn((item: string) => written.push(item));
  later('a');
  later('b');
  await Promise.resolve();
  assert.deepEqual(written, [], 'not in the same turn, not even after its microtasks');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(written, ['a', 'b']);
  later('c');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(written, ['a', 'b', 'c'], 'a later turn gets its own batch');
});

test('batchAtEndOfTurn hands over a turn\'s items as one batch; what a batch adds goes to the next', async () => {
  const batches: string[][] = [];
  const later = batchAtEndOfTurn((batch: string[]) => {
    batches.push(batch);
    if (batch.includes('b')) later('from inside');
  });
  later('a');
  later('b');
  await Promise.resolve();
  assert.deepEqual(batches, []);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [['a', 'b']]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [['a', 'b'], ['from inside']]);
});
