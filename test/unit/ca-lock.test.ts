import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/core/log.js';
import { loadAuthority } from '../../src/tls/authority.js';
import { tempDir } from '../support/tmp.js';

/** A lock dated an hour ahead: only its holder's pid can release it, never its age. */
async function lockFor(dir: string, pid: number): Promise<string> {
  const lock = path.join(dir, 'ca.lock');
  await writeFile(lock, String(pid));
  const future = new Date(Date.now() + 3_600_000);
  await utimes(lock, future, future);
  return lock;
}

test('a CA creation lock left by a killed paymock is taken over at once', async (t) => {
  const dir = await tempDir(t);
  const gone = spawnSync(process.execPath, ['-e', '0']).pid;
  const lock = await lockFor(dir, gone);
  const ca = await loadAuthority({ dir, log: createLogger('silent') });
  assert.match(ca.certPem, /BEGIN CERTIFICATE/);
  assert.equal(existsSync(lock), false, 'the lock is released after creating the CA');
});

test('a CA creation lock held by a live process is waited for', async (t) => {
  const dir = await tempDir(t);
  const lock = await lockFor(dir, process.pid);
  let settled = false;
  const loading = loadAuthority({ dir, log: createLogger('silent') }).finally(() => (settled = true));
  await sleep(300);
  assert.equal(settled, false, 'still waiting for the holder');
  await rm(lock); // the holder gave up without creating it: the waiter creates it
  assert.match((await loading).certPem, /BEGIN CERTIFICATE/);
});
