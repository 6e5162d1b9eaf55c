import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/core/log.js';
import { loadAuthority } from '../../src/tls/authority.js';
import { tempDir } from '../support/tmp.js';

async function leafFiles(dir: string): Promise<string[]> {
  const [fingerprint] = await readdir(path.join(dir, 'certs'));
  return fingerprint ? (await readdir(path.join(dir, 'certs', fingerprint))).map((name) => path.join(dir, 'certs', fingerprint, name)) : [];
}

test('leaves are cached on disk in the background, and the warm-up leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  const ca = await loadAuthority({ dir, log: createLogger('silent') });
  await sleep(50); // past the load's own warm-up, if any
  assert.deepEqual((await readdir(dir)).sort(), ['ca-key.pem', 'ca.pem', 'certs', 'leaf-key.pem'], 'no warm-up CA or key written');
  ca.contextFor('openapi.alipay.com');
  ca.contextFor('10.1.2.3');
  ca.contextFor('openapi.alipay.com');
  assert.equal(ca.minted, 2);
  await ca.settled();
  const files = await leafFiles(dir);
  assert.deepEqual(files.map((file) => path.basename(file)).sort(), ['10.1.2.3.pem', 'openapi.alipay.com.pem'], 'one file per host, no temporary files, no warm-up host');
  const caCert = new X509Certificate(ca.certPem);
  for (const file of files) {
    const leaf = new X509Certificate(await readFile(file, 'utf8'));
    assert.ok(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey), `${path.basename(file)} is issued by the CA`);
  }
  const ip = new X509Certificate(await readFile(files.find((file) => file.endsWith('10.1.2.3.pem'))!, 'utf8'));
  assert.match(ip.subjectAltName ?? '', /IP Address:10\.1\.2\.3/);

  const again = await loadAuthority({ dir, log: createLogger('silent') });
  again.contextFor('openapi.alipay.com');
  assert.equal(again.minted, 0, 'a restart serves the cached leaf');
});
