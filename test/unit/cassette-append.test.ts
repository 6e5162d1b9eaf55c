// Appends in place: one positional write over the file's closing bytes, byte for byte what a
// whole-file rewrite would write; anything unexpected on disk means a whole rewrite instead.
import assert from 'node:assert/strict';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { appendBytes, appendText, cassetteText, TAIL } from '../../src/cassettes/append.js';
import { emptyCassette, type StoredInteraction } from '../../src/cassettes/format.js';
import { openCassette } from '../../src/cassettes/store.js';
import { makeBody } from '../../src/core/body.js';
import { storedPay } from '../support/stored.js';
import { tempDir } from '../support/tmp.js';

function interaction(i: number): StoredInteraction {
  return storedPay(i, {
    keyFields: { subject: '基准测试订单' },
    requestJson: `{"subject":"订单 ${i}","q":"\\"{[]}\\""}`,
    responseXml: `<alipay><is_success>T</is_success><subject>商品 ${i} "引号" {[</subject></alipay>`,
    ...(i % 3 === 0 ? { notifications: [{ receivedAt: new Date(0).toISOString(), headers: [['X', 'y']], body: makeBody(Buffer.from([0, 1, 2]), []) }] } : {}),
  });
}

const open = (dir: string, name = 'c', upstream?: string) =>
  openCassette(dir, name, { flushIntervalMs: 10_000, mustExist: false, onError: (e) => assert.fail(e), ...(upstream ? { upstream } : {}) });

/** The file is exactly what a whole-file write of `interactions` gives. */
async function assertWhole(file: string, interactions: StoredInteraction[], name = 'c', upstream?: string): Promise<void> {
  const expected = { ...emptyCassette(name, upstream), interactions };
  assert.equal(await readFile(file, 'utf8'), cassetteText(expected));
}

test('an append, as text and as bytes, is what a whole-file write adds for the same interactions', () => {
  for (const count of [1, 2, 5]) {
    const first = interaction(100);
    const added = Array.from({ length: count }, (_, i) => interaction(i));
    const before = cassetteText({ ...emptyCassette('c'), interactions: [first] });
    const after = cassetteText({ ...emptyCassette('c'), interactions: [first, ...added] });
    assert.equal(before.slice(0, -TAIL.length) + appendText(added), after, `${count} appended`);
    assert.deepEqual(appendBytes(added), Buffer.from(appendText(added)), 'encoded an interaction at a time, the same bytes');
  }
});

test('appends are one in-place write each, byte-identical to a whole rewrite, also after a reopen', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'c.json');
  const all: StoredInteraction[] = [];
  let store = await open(dir);
  store.append(interaction(0));
  all.push(interaction(0));
  await store.flush(); // a new file: written whole
  await assertWhole(file, all);
  const inode = (await stat(file)).ino;
  for (let batch = 1; batch <= 3; batch++) {
    for (let j = 0; j < batch; j++) {
      const next = interaction(all.length);
      store.append(next);
      all.push(next);
    }
    await store.flush();
    await assertWhole(file, all);
  }
  await store.close();
  store = await open(dir);
  assert.equal(store.interactions.length, all.length);
  for (let j = 0; j < 4; j++) {
    const next = interaction(all.length);
    store.append(next);
    all.push(next);
    if (j % 2) await store.flush();
  }
  await store.close();
  await assertWhole(file, all);
  assert.equal((await stat(file)).ino, inode, 'every write after the first was in place (a rewrite renames a new file over it)');
});

test('an empty cassette, a removal, a replacement and a header change are written whole', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'c.json');
  await writeFile(file, cassetteText(emptyCassette('c')));
  let store = await open(dir);
  store.append(interaction(0));
  store.append(interaction(1));
  store.append(interaction(2));
  await store.flush();
  await assertWhole(file, [interaction(0), interaction(1), interaction(2)]);
  let inode = (await stat(file)).ino;
  store.remove(1);
  store.append(interaction(3));
  await store.flush();
  await assertWhole(file, [interaction(0), interaction(2), interaction(3)]);
  assert.notEqual((await stat(file)).ino, inode, 'rewritten whole');
  inode = (await stat(file)).ino;
  store.update(0, interaction(9));
  await store.flush();
  await assertWhole(file, [interaction(9), interaction(2), interaction(3)]);
  assert.notEqual((await stat(file)).ino, inode, 'rewritten whole');
  store.append(interaction(4));
  await store.close();
  await assertWhole(file, [interaction(9), interaction(2), interaction(3), interaction(4)]);
  // A new upstream in the header: the next write is whole, then appends again.
  store = await open(dir, 'c', 'http://up');
  store.append(interaction(5));
  await store.close();
  await assertWhole(file, [interaction(9), interaction(2), interaction(3), interaction(4), interaction(5)], 'c', 'http://up');
});

test('a foreign file (minified, or another last field) is rewritten whole on its first append', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'c.json');
  await writeFile(file, JSON.stringify({ ...emptyCassette('c'), interactions: [interaction(0)] }));
  let store = await open(dir);
  store.append(interaction(1));
  await store.close();
  await assertWhole(file, [interaction(0), interaction(1)]);
  // Ends with the same closing bytes, but the array that closes is not `interactions`.
  await writeFile(file, cassetteText({ ...emptyCassette('c'), interactions: [interaction(0)], extra: [1] }));
  store = await open(dir);
  store.append(interaction(1));
  await store.close();
  await assertWhole(file, [interaction(0), interaction(1)]);
});

test('a tail changed behind paymock\'s back is never appended to: the file is rewritten whole', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'c.json');
  const store = await open(dir);
  store.append(interaction(0));
  store.append(interaction(1));
  await store.flush();
  // Torn: the last bytes are gone.
  await truncate(file, (await stat(file)).size - 3);
  store.append(interaction(2));
  await store.flush();
  await assertWhole(file, [interaction(0), interaction(1), interaction(2)]);
  // Same size, other bytes.
  const text = await readFile(file, 'utf8');
  await writeFile(file, `${text.slice(0, -7)}\n  ]}\n \n`);
  store.append(interaction(3));
  await store.close();
  await assertWhole(file, [interaction(0), interaction(1), interaction(2), interaction(3)]);
});

test('flushes asked for while a write waits join it; --durable syncs each batch', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'c.json');
  const store = await openCassette(dir, 'c', { flushIntervalMs: 10_000, mustExist: false, durable: true, onError: (e) => assert.fail(e) });
  store.append(interaction(0));
  await store.flush();
  const before = store.writes;
  const flushes: Array<Promise<void>> = [];
  for (let i = 1; i <= 20; i++) {
    store.append(interaction(i));
    flushes.push(store.flush());
  }
  await Promise.all(flushes);
  assert.ok(store.writes - before <= 2, `${store.writes - before} writes for 20 flushes`);
  await assertWhole(file, Array.from({ length: 21 }, (_, i) => interaction(i)));
  await store.close();
});
