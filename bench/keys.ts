// One CA and one test Alipay key for every paymock the bench starts (except those that need
// their own CA), made before any of them starts: each would otherwise generate RSA key pairs in
// the background while it loads a cassette or is measured.
import path from 'node:path';
import { createLogger } from '../src/core/log.js';
import { loadOrCreateAlipayTestKey } from '../src/keys/alipay-test-key.js';
import { loadAuthority } from '../src/tls/authority.js';

export function sharedCaDir(dir: string): string {
  return path.join(dir, 'ca-shared');
}

export async function prepareSharedKeys(dir: string): Promise<void> {
  const caDir = sharedCaDir(dir);
  await loadAuthority({ dir: caDir, log: createLogger('silent') });
  await loadOrCreateAlipayTestKey(caDir);
}
