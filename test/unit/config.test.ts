import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig, parseOptions } from '../../src/config.js';
import { tempDir } from '../support/tmp.js';

test('defaults: mock mode on 127.0.0.1:8080 with a 10 MiB body limit', () => {
  const config = parseOptions({});
  assert.equal(config.mode, 'mock');
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.maxBodyBytes, 10 * 1024 * 1024);
  assert.ok(Object.isFrozen(config));
});

test('flags arrive as strings and are coerced; the upstream loses its trailing slash', () => {
  const config = parseOptions({ port: '0', mode: 'record', cassette: 'c', upstream: 'https://openapi.alipay.com/' });
  assert.equal(config.port, 0);
  assert.equal(config.upstream, 'https://openapi.alipay.com');
});

test('errors name each bad field and what is accepted', () => {
  assert.throws(() => parseOptions({ mode: 'replay' }), /cassette: mode replay needs a cassette name/);
  assert.throws(() => parseOptions({ mode: 'x' }), /mode: expected one of mock, record, replay, auto, passthrough/);
  assert.throws(() => parseOptions({ port: 70000 }), /port: /);
  assert.throws(() => parseOptions({ prot: 1 }), /Unrecognized key.*prot/);
});

test('a config file is read, flags win, and a broken file is named', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'paymock.json');
  await writeFile(file, JSON.stringify({ mode: 'replay', cassette: 'ci', port: 9000 }));
  const config = await loadConfig(file, { port: '0', host: undefined });
  assert.equal(config.port, 0);
  assert.equal(config.cassette, 'ci');
  await writeFile(file, '{"mode": "replay",, }');
  await assert.rejects(loadConfig(file, {}), /paymock\.json is not valid JSON at line 1 column/);
  await writeFile(file, JSON.stringify({ mode: 'nope' }));
  await assert.rejects(loadConfig(file, {}), /file .*paymock\.json and flags\):\n {2}mode: expected one of/);
});

test('a YAML config file works the same, and its syntax errors name the line', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'paymock.config.yaml');
  await writeFile(file, 'mode: replay\ncassette: ci\nalipay:\n  partners:\n    "2088101122136241": { md5Key: abc }\nmatch:\n  alipay.trade.refund: { keep: [out_request_no] }\n');
  const config = await loadConfig(file, {});
  assert.equal(config.alipay.partners['2088101122136241']?.md5Key, 'abc');
  assert.deepEqual(config.match['alipay.trade.refund'], { keep: ['out_request_no'] });
  await writeFile(file, 'mode: replay\n  cassette: [\n');
  await assert.rejects(loadConfig(file, {}), /paymock\.config\.yaml is not valid YAML at line \d+ column \d+/);
  await writeFile(file, 'alipay:\n  partners:\n    "123": { md5Key: abc }\n');
  await assert.rejects(loadConfig(file, {}), /alipay\.partners\.123: expected a partner id/);
});

test('notify relay: on with a public URL, off without; relay alone is an error; --public-url keeps the file notify options', async (t) => {
  assert.equal(parseOptions({}).notify.relay, false);
  const on = parseOptions({ notify: { publicBaseUrl: 'https://pm.example.com/' } }).notify;
  assert.deepEqual([on.relay, on.publicBaseUrl], [true, 'https://pm.example.com']);
  assert.equal(parseOptions({ notify: { publicBaseUrl: 'https://pm.example.com', relay: false } }).notify.relay, false);
  assert.throws(() => parseOptions({ notify: { relay: true } }), /notify\.relay: notify\.relay needs notify\.publicBaseUrl/);
  assert.throws(() => parseOptions({ notify: { publicBaseUrl: 'ftp://x' } }), /notify\.publicBaseUrl: expected an http/);
  assert.throws(() => parseOptions({ alipay: { apps: { '2021': {} } } }), /alipay\.apps\.2021: expected publicKey, privateKey or both/);
  const dir = await tempDir(t);
  const file = path.join(dir, 'paymock.config.json');
  await writeFile(file, JSON.stringify({ notify: { delayMs: 5 } }));
  const merged = await loadConfig(file, { notify: { publicBaseUrl: 'http://127.0.0.1:9' } });
  assert.deepEqual([merged.notify.delayMs, merged.notify.publicBaseUrl, merged.notify.relay], [5, 'http://127.0.0.1:9', true]);
});
