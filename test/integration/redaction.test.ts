// Secrets never reach a cassette, the journal or the log, and redacted requests still replay.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
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

test('redact.responseFields: named response fields are REDACTED in the cassette and the journal, replay serves REDACTED with a warning, the live answer keeps them', async (t) => {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  const secrets = ['tok-json-s3cret', 'pw-echoed-s3cret', 'tok-xml-s3cret', 'tok-form-s3cret'];
  // Alipay's OpenAPI answers JSON as text/html; the legacy gateway echoes request params in GBK XML.
  upstream.route('GET', '/json', () => ({ headers: { 'Content-Type': 'text/html;charset=utf-8' }, body: `{"alipay_trade_query_response":{"code":"10000","card_token":"${secrets[0]}","out_trade_no":"X"},"sign":"abc"}` }));
  const xml = `<?xml version="1.0" encoding="GBK"?>\n<alipay><is_success>T</is_success><request><param name="password">${secrets[1]}</param><param name="service">alipay.acquire.overseas.query</param></request><response><alipay><card_token>${secrets[2]}</card_token><trans_name>测试商品</trans_name></alipay></response></alipay>`;
  upstream.route('POST', '/gateway.do', () => ({ headers: { 'Content-Type': 'text/xml; charset=GBK' }, body: iconv.encode(xml, 'gbk') }));
  upstream.route('GET', '/form', () => ({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `a=1&card_token=${secrets[3]}` }));
  const common = { port: 0, caDir: path.join(dir, 'keys'), rulesDir: path.join(dir, 'rules'), cassettesDir: dir, upstream: upstream.url, cassette: 'fields', log: 'silent' as const, redact: { responseFields: ['card_token'] } };
  const form = { method: 'POST', body: `service=alipay.acquire.overseas.query&partner=2088101122136241&partner_trans_id=T1&password=${secrets[1]}&_input_charset=GBK`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };

  const recorder = await startPaymock({ ...common, mode: 'record' });
  const live = [await send(`${recorder.url}/json`), await send(`${recorder.url}/gateway.do?_input_charset=GBK`, form), await send(`${recorder.url}/form`)];
  const recording = (await request(recorder.url).get('/__paymock/journal')).body.entries as Array<{ outcome: { warnings?: string[] } }>;
  await recorder.stop();
  assert.ok(live[0]!.body.toString().includes(secrets[0]!) && iconv.decode(live[1]!.body, 'gbk').includes(secrets[2]!), 'the live answer is the upstream\'s own');
  assert.match(recording[0]!.outcome.warnings?.join('\n') ?? '', /recorded with response fields redacted \(redact\.responseFields\)/);

  const player = await startPaymock({ ...common, mode: 'replay' });
  t.after(() => player.stop());
  const replayed = [await send(`${player.url}/json`), await send(`${player.url}/gateway.do?_input_charset=GBK`, form), await send(`${player.url}/form`)];
  const replaying = (await request(player.url).get('/__paymock/journal')).body.entries as Array<{ outcome: { source: string; warnings?: string[] } }>;
  assert.deepEqual(replaying.map((entry) => entry.outcome.source), ['cassette', 'cassette', 'cassette']);
  assert.match(replaying[0]!.outcome.warnings?.join('\n') ?? '', /it carries REDACTED, not the original values/);
  assert.match(replayed[0]!.body.toString(), /"card_token":"REDACTED","out_trade_no":"X"/);
  const gbk = iconv.decode(replayed[1]!.body, 'gbk');
  assert.match(gbk, /<param name="password">REDACTED<\/param>.*<card_token>REDACTED<\/card_token><trans_name>测试商品<\/trans_name>/, 'GBK stays GBK');
  assert.equal(replayed[1]!.headers['content-type'], 'text/xml; charset=GBK');
  assert.equal(replayed[2]!.body.toString(), 'a=1&card_token=REDACTED');

  const written = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  const files = (await Promise.all(written.map((name) => readFile(path.join(dir, name), 'utf8')))).join('\n');
  const journals = JSON.stringify([recording, replaying]);
  for (const secret of secrets) {
    assert.ok(!files.includes(secret), `${secret} is not in the cassette`);
    assert.ok(!journals.includes(secret), `${secret} is not in the journal`);
  }
});
