// Secrets never reach a cassette, the journal or the log, and redacted requests still replay.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import request from 'supertest';
import { createLogger } from '../../src/core/log.js';
import { startPaymock } from '../../src/index.js';
import { send } from '../support/client.js';
import { startFakeUpstream } from '../support/fake-upstream.js';
import { tempDir } from '../support/tmp.js';

// The seed's own sample carries a password parameter.
const SECRETS = ['SJV88po0XvIptqWGM4rxP5EQ', 'Bearer-s3cr3t-t0ken', 'session=c00kie-value', 'app-auth-t0ken-42', 'biz-auth-t0ken-7'];
const MAPI = `/gateway.do?service=alipay.acquire.overseas.spot.pay&partner=2088621880270354&trans_amount=9901&currency=USD&partner_trans_id=8567745904202380&password=${SECRETS[0]}`;
const V2 = `/gateway.do?method=alipay.trade.query&app_id=2021000000000001&app_auth_token=${SECRETS[3]}`;
const V2_BODY = `biz_content=${encodeURIComponent(JSON.stringify({ out_trade_no: 'X', extend: { auth_token: SECRETS[4] } }))}`;

test('secrets are redacted from cassettes, the journal and the log; matching still works', async (t) => {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('*', '/gateway.do', () => ({ headers: { 'Content-Type': 'text/plain', 'Set-Cookie': SECRETS[2]! }, body: 'ok' }));
  const lines: string[] = [];
  const log = createLogger('debug', (line) => lines.push(line));
  const common = { port: 0, caDir: path.join(dir, 'keys'), rulesDir: path.join(dir, 'rules'), cassettesDir: dir, upstream: upstream.url, cassette: 'secret' } as const;
  const headers = { Authorization: SECRETS[1]!, Cookie: SECRETS[2]!, 'Content-Type': 'application/x-www-form-urlencoded' };

  const recorder = await startPaymock({ ...common, mode: 'record' }, { log });
  await send(`${recorder.url}${MAPI}`, { headers });
  await send(`${recorder.url}${V2}`, { method: 'POST', body: V2_BODY, headers });
  const journal = JSON.stringify((await request(recorder.url).get('/__paymock/journal')).body);
  await recorder.stop();
  assert.ok(upstream.received[0]!.url.includes(SECRETS[0]!), 'the upstream still gets the real request');

  const player = await startPaymock({ ...common, mode: 'replay' }, { log });
  t.after(() => player.stop());
  assert.equal((await send(`${player.url}${MAPI}`, { headers })).headers['x-paymock-source'], 'cassette', 'a redacted field still matches');
  assert.equal((await send(`${player.url}${V2}`, { method: 'POST', body: V2_BODY, headers })).headers['x-paymock-source'], 'cassette');
  const miss = await send(`${player.url}${MAPI.replace('9901', '9902')}`, { headers });
  assert.equal(miss.headers['x-paymock-miss'], '1');

  const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  const written = (await Promise.all(files.map((name) => readFile(path.join(dir, name), 'utf8')))).join('\n');
  assert.match(written, /REDACTED/);
  for (const secret of SECRETS) {
    assert.ok(!written.includes(secret), `${secret} is not in any cassette`);
    assert.ok(!journal.includes(secret), `${secret} is not in the journal`);
    assert.ok(!lines.join('').includes(secret), `${secret} is not in the log`);
    assert.ok(!miss.body.toString().includes(secret), `${secret} is not in a miss report`);
  }
});
