import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { makeBody, textBody } from '../../src/core/body.js';
import { Journal, type JournalInput } from '../../src/core/journal.js';
import { makeKey } from '../../src/core/match-key.js';
import type { HeaderList } from '../../src/core/types.js';

const FORM: HeaderList = [
  ['Host', 'openapi.alipay.com'],
  ['Content-Type', 'application/x-www-form-urlencoded; charset=GBK'],
];

function exchange(n: number, overrides: Partial<JournalInput> = {}): JournalInput {
  const requestBytes = iconv.encode(`service=alipay.acquire.overseas.query&partner_trans_id=T-${n}&subject=支付宝`, 'gbk');
  return {
    request: { method: 'POST', url: `http://127.0.0.1:8080/gateway.do?n=${n}`, headers: FORM, body: makeBody(requestBytes, FORM) },
    response: { status: 200, headers: [['Content-Type', 'text/xml; charset=GBK']], body: textBody(`<alipay><n>${n}</n><a>交易成功</a></alipay>`, 'GBK') },
    dialect: 'alipay-mapi',
    api: n % 2 ? 'alipay.acquire.overseas.query' : 'alipay.acquire.overseas.spot.pay',
    outcome: { source: n % 3 ? 'cassette' : 'default', durationMs: n / 10 },
    ...overrides,
  };
}

test('an entry reads back as it was added: request, response, outcome, charsets, time', () => {
  const journal = new Journal(10);
  const before = Date.now();
  const id = journal.add(
    exchange(1, {
      response: { status: 202, statusText: 'Accepted', headers: [['Content-Type', 'text/xml; charset=GBK'], ['X-Trace', 'a\tb']], body: textBody('<a>退款</a>', 'GBK') },
      outcome: { source: 'rule', ruleId: 'declined-pay', cassette: { name: 'checkout', index: 7 }, recorded: false, reason: 'a reason', warnings: ['first "warning"', 'second\nline'], durationMs: 1.25 },
      fault: 'truncated',
      signature: 'invalid',
    }),
  );
  const [entry] = journal.list();
  assert.ok(entry);
  assert.equal(entry.id, id);
  assert.ok(Date.parse(entry.time) >= before - 1 && Date.parse(entry.time) <= Date.now());
  assert.equal(entry.method, 'POST');
  assert.equal(entry.url, 'http://127.0.0.1:8080/gateway.do?n=1');
  assert.equal(entry.dialect, 'alipay-mapi');
  assert.equal(entry.api, 'alipay.acquire.overseas.query');
  assert.deepEqual(entry.outcome, { source: 'rule', ruleId: 'declined-pay', cassette: { name: 'checkout', index: 7 }, recorded: false, reason: 'a reason', warnings: ['first "warning"', 'second\nline'], durationMs: 1.25 });
  assert.equal(entry.fault, 'truncated');
  assert.equal(entry.signature, 'invalid');
  assert.deepEqual(entry.request.headers, FORM);
  assert.deepEqual(entry.request.body, { text: 'service=alipay.acquire.overseas.query&partner_trans_id=T-1&subject=支付宝', charset: 'GBK' });
  assert.equal(entry.response.status, 202);
  assert.deepEqual(entry.response.headers, [['Content-Type', 'text/xml; charset=GBK'], ['X-Trace', 'a\tb']]);
  assert.deepEqual(entry.response.body, { text: '<a>退款</a>', charset: 'GBK' });
});

test('binary and empty bodies, and an outcome with nothing optional', () => {
  const journal = new Journal(10);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
  journal.add({
    request: { method: 'GET', url: 'http://example.test/', headers: [], body: makeBody(Buffer.alloc(0), []) },
    response: { status: 200, headers: [['Content-Type', 'image/png']], body: { bytes: png, charset: undefined, text: undefined } },
    dialect: 'http',
    api: 'GET /',
    outcome: { source: 'upstream', durationMs: 0 },
  });
  const [entry] = journal.list();
  assert.ok(entry);
  assert.deepEqual(entry.outcome, { source: 'upstream', durationMs: 0 });
  assert.deepEqual(entry.request, { headers: [], body: { text: '', charset: 'utf-8' } });
  assert.deepEqual(entry.response.body, { base64: png.toString('base64') });
  assert.equal(entry.fault, undefined);
  assert.equal(entry.signature, undefined);
});

test('the last `capacity` entries are kept; filters by id, api, source and limit', () => {
  const journal = new Journal(10);
  for (let n = 1; n <= 25; n++) journal.add(exchange(n));
  assert.equal(journal.size, 10);
  assert.deepEqual(journal.list().map((entry) => entry.id), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  assert.deepEqual(journal.list({ since: '22' }).map((entry) => entry.id), [23, 24, 25]);
  assert.deepEqual(journal.list({ api: 'alipay.acquire.overseas.query' }).map((entry) => entry.id), [17, 19, 21, 23, 25]);
  assert.deepEqual(journal.list({ source: 'default' }).map((entry) => entry.id), [18, 21, 24]);
  assert.deepEqual(journal.list({ limit: 2 }).map((entry) => entry.id), [24, 25]);
  assert.equal(journal.list({ since: new Date(Date.now() + 60_000).toISOString() }).length, 0);
  assert.match(JSON.stringify(journal.list().at(-1)?.request.body), /T-25/);
});

test('memory stays bounded: slabs are reused once nothing in them is kept', () => {
  const journal = new Journal(1000);
  for (let n = 1; n <= 20_000; n++) journal.add(exchange(n));
  assert.equal(journal.size, 1000);
  assert.ok(journal.bytes <= 3 * 1024 * 1024, `${journal.bytes} bytes for 1,000 small entries`);
  const entries = journal.list();
  assert.equal(entries[0]?.id, 19_001);
  assert.match(JSON.stringify(entries[0]?.request.body), /T-19001/);
});

test('large entries: bodies over 64 KB keep their start and length, and the journal keeps fewer of them within its memory', () => {
  const journal = new Journal(100); // at most 100 x 32 KB
  const big = `<a>${'支'.repeat(60_000)}</a>`;
  for (let n = 1; n <= 100; n++) {
    journal.add(exchange(n, { response: { status: 200, headers: [['Content-Type', 'text/xml; charset=utf-8']], body: textBody(big) } }));
  }
  assert.ok(journal.bytes <= 100 * 32 * 1024, `${journal.bytes} bytes`);
  assert.ok(journal.size < 100 && journal.size > 10, `${journal.size} entries kept`);
  const entries = journal.list();
  assert.equal(entries.at(-1)?.id, 100);
  assert.deepEqual(
    entries.map((entry) => entry.id),
    Array.from({ length: entries.length }, (_, i) => 101 - entries.length + i),
  );
  const shown = entries.at(-1)!.response.body;
  assert.ok('text' in shown);
  assert.ok(shown.text.startsWith('<a>支支'));
  assert.ok(shown.text.endsWith(`… (${Buffer.byteLength(big)} bytes)`), shown.text.slice(-40));
  assert.ok(Buffer.byteLength(shown.text) <= 64 * 1024 + 40);
});

test('an entry larger than a slab gets a slab of its own; over-long strings are cut', () => {
  const journal = new Journal(100); // 3.2 MB: room for the 1 MB slab and a 1.2 MB one
  const url = `http://example.test/${'中'.repeat(400_000)}`;
  journal.add(exchange(1));
  journal.add(exchange(2, { request: { method: 'GET', url, headers: [], body: makeBody(Buffer.alloc(0), []) } }));
  journal.add(exchange(3));
  const entries = journal.list();
  assert.deepEqual(entries.map((entry) => entry.id), [1, 2, 3]);
  assert.equal(entries[1]!.url, url.slice(0, 64 * 1024));
  assert.match(JSON.stringify(entries[2]!.request), /T-3/);
});

test('live subscribers see each entry as it is added; clear forgets entries and their memory', () => {
  const journal = new Journal(10);
  const seen: number[] = [];
  const stop = journal.subscribe((entry) => seen.push(entry.id));
  journal.add(exchange(1));
  journal.add(exchange(2));
  stop();
  journal.add(exchange(3));
  assert.deepEqual(seen, [1, 2]);
  journal.clear();
  assert.equal(journal.size, 0);
  assert.equal(journal.bytes, 0);
  assert.deepEqual(journal.list(), []);
  journal.add(exchange(4));
  assert.deepEqual(journal.list().map((entry) => entry.id), [4]);
});

test('a call and key brought with the entry are kept; others are decoded again when read', () => {
  const decoded: string[] = [];
  const journal = new Journal(10, (request) => {
    decoded.push(request.url);
    return { call: { dialect: 'http', api: `explained ${request.url}`, params: {} }, key: makeKey({ url: request.url }) };
  });
  const call = { dialect: 'alipay-mapi' as const, api: 'notify TRADE_SUCCESS', params: { notify_id: 'N-1' } };
  journal.add(exchange(1, { call, key: makeKey({ notify_id: 'N-1' }) }));
  journal.add(exchange(2));
  const [kept, explained] = journal.list();
  assert.deepEqual(kept!.call, call);
  assert.deepEqual(kept!.key, makeKey({ notify_id: 'N-1' }));
  assert.equal(explained!.call.api, 'explained http://127.0.0.1:8080/gateway.do?n=2');
  assert.deepEqual(decoded, ['http://127.0.0.1:8080/gateway.do?n=2']);
});
