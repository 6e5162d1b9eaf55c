import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atEndOfTurn } from '../../src/core/turn-batch.js';

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
