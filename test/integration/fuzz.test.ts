// A short fuzz run in every test run (the full one is `npm run fuzz`): paymock stays up and
// answers or closes every malformed request.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

test('500 malformed requests: paymock stays up, nothing hangs, memory flat', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/fuzz.ts'], { env: { ...process.env, FUZZ_CASES: '500' }, timeout: 90_000 });
  assert.match(stdout, /ok: paymock stayed up, answered or closed every request, memory flat/);
  assert.match(stdout, /health after the run: HTTP 200/);
  assert.match(stdout, /bad MD5 signature\s+answered\s+\d+ \(HTTP 200\)/);
  assert.match(stdout, /body over the limit\s+answered\s+\d+ \(HTTP 413\)/);
});
