// The working set of a large cassette: made interactions kept within a budget of file bytes,
// the one made longest ago let go first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkingSet } from '../../src/cassettes/working-set.js';

function item(name: string, released: string[]) {
  return { name, release: () => released.push(name) };
}

test('keeps items within its budget and lets the oldest go first', () => {
  const released: string[] = [];
  const set = new WorkingSet(100);
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => item(name, released));
  set.keep(a!, 40);
  set.keep(b!, 40);
  assert.deepEqual(set.size, { interactions: 2, bytes: 80 });
  set.keep(a!, 40); // kept already: nothing changes
  assert.deepEqual(set.size, { interactions: 2, bytes: 80 });
  set.keep(c!, 40);
  assert.deepEqual(released, ['a']);
  assert.deepEqual(set.size, { interactions: 2, bytes: 80 });
  set.keep(a!, 10); // made again after it was let go
  assert.deepEqual(released, ['a']);
  assert.deepEqual(set.size, { interactions: 3, bytes: 90 });
  // One bigger than the whole budget stays, alone: it is about to be used.
  set.keep(d!, 500);
  assert.deepEqual(released, ['a', 'b', 'c', 'a']);
  assert.deepEqual(set.size, { interactions: 1, bytes: 500 });
});
