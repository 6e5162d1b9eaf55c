import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { toStoredInteraction } from '../../src/cassettes/format.js';
import { cassettePath, openCassette } from '../../src/cassettes/store.js';
import { makeBody } from '../../src/core/body.js';
import { makeKey } from '../../src/core/match-key.js';
import { tempDir } from '../support/tmp.js';

function interaction(i: number) {
  return toStoredInteraction({
    recordedAt: new Date(0).toISOString(),
    latencyMs: 1,
    dialect: 'http',
    api: 'GET /x',
    key: makeKey({ i: String(i) }),
    request: { method: 'GET', url: `http://h/x?i=${i}`, headers: [['Host', 'h']], body: makeBody(Buffer.alloc(0), []) },
    response: { status: 200, headers: [['Content-Type', 'text/plain']], body: makeBody(Buffer.from(`r${i}`), [['Content-Type', 'text/plain']]) },
  });
}

test('appends are batched into few writes, and flush puts them all on disk', async (t) => {
  const dir = await tempDir(t);
  const store = await openCassette(dir, 'batch', { flushIntervalMs: 50, mustExist: false, onError: (e) => assert.fail(e) });
  for (let i = 0; i < 500; i++) store.append(interaction(i));
  await store.flush();
  assert.equal(store.writes, 1);
  const file = JSON.parse(await readFile(path.join(dir, 'batch.json'), 'utf8'));
  assert.equal(file.interactions.length, 500);
  assert.equal(file.paymock, 1);
  assert.deepEqual(await readdir(dir), ['batch.json'], 'no temp file is left behind');
  store.append(interaction(500));
  // The window is 50 ms; a slow machine may take longer to get to it.
  for (let waited = 0; store.writes < 2 && waited < 3000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(store.writes, 2, 'the flush window writes on its own');
});

test('cassette names stay inside the cassettes directory', () => {
  assert.match(cassettePath('/c', 'alipay/pay-flow'), /\/c\/alipay\/pay-flow\.json$/);
  for (const bad of ['../etc/passwd', '/abs', 'a//b', 'a b', '']) {
    assert.throws(() => cassettePath('/c', bad), /is not accepted/, bad);
  }
});

test('a closed cassette refuses appends: nothing reaches the file after its lock is released', async (t) => {
  const dir = await tempDir(t);
  const store = await openCassette(dir, 'closed', { flushIntervalMs: 10, mustExist: false, lock: true, onError: (e) => assert.fail(e) });
  store.append(interaction(0));
  await store.close();
  assert.throws(() => store.append(interaction(1)), (error: Error & { code?: string }) => error.code === 'CASSETTE_CLOSED' && /this exchange is not recorded/.test(error.message));
  assert.throws(() => store.remove(0), /CASSETTE_CLOSED|is closed/);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const file = JSON.parse(await readFile(path.join(dir, 'closed.json'), 'utf8'));
  assert.equal(file.interactions.length, 1);
  assert.deepEqual(await readdir(dir), ['closed.json'], 'the lock is gone and no write followed');
});
