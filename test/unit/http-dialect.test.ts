import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeBody } from '../../src/core/body.js';
import type { HeaderList, HttpRequest } from '../../src/core/types.js';
import { httpDialect } from '../../src/dialects/http.js';

function request(method: string, url: string, body = '', type?: string): HttpRequest {
  const headers: HeaderList = type ? [['Content-Type', type]] : [];
  return { method, url, headers, body: makeBody(Buffer.from(body), headers) };
}

function key(req: HttpRequest) {
  return httpDialect.fingerprint(httpDialect.decode(req), req);
}

test('the key ignores query order, form field order and JSON key order', () => {
  const form = 'application/x-www-form-urlencoded';
  assert.equal(key(request('POST', 'http://h/p?a=1&b=2', 'x=1&y=2', form)).hash, key(request('POST', 'http://h/p?b=2&a=1', 'y=2&x=1', form)).hash);
  const json = 'application/json';
  assert.equal(key(request('POST', 'http://h/p', '{"a":1,"b":{"d":2,"c":3}}', json)).hash, key(request('POST', 'http://h/p', '{ "b": {"c":3,"d":2}, "a":1 }', json)).hash);
});

test('method, host, path, query values and body bytes all take part', () => {
  const base = key(request('POST', 'http://h/p?a=1', 'raw-bytes', 'text/plain'));
  for (const other of [
    request('PUT', 'http://h/p?a=1', 'raw-bytes', 'text/plain'),
    request('POST', 'http://other/p?a=1', 'raw-bytes', 'text/plain'),
    request('POST', 'http://h/q?a=1', 'raw-bytes', 'text/plain'),
    request('POST', 'http://h/p?a=2', 'raw-bytes', 'text/plain'),
    request('POST', 'http://h/p?a=1', 'raw-bytez', 'text/plain'),
  ]) {
    assert.notEqual(key(other).hash, base.hash, `${other.method} ${other.url} ${other.body.text}`);
  }
});

test('the key fields are readable, and long bodies are replaced by their digest', () => {
  const short = key(request('POST', 'http://h:81/p?b=2&a=1', 'y=2&x=1', 'application/x-www-form-urlencoded'));
  assert.deepEqual(short.fields, { method: 'POST', host: 'h:81', path: '/p', query: 'a=1&b=2', body: 'form:x=1&y=2' });
  const long = key(request('POST', 'http://h/p', 'z'.repeat(5000), 'text/plain'));
  assert.match(long.fields.body!, /^sha256:[0-9a-f]{64} \(5005 bytes\)$/);
  assert.notEqual(long.hash, key(request('POST', 'http://h/p', `${'z'.repeat(4999)}y`, 'text/plain')).hash);
});

test('decode gives the API as METHOD /path and the flat params', () => {
  const call = httpDialect.decode(request('POST', 'http://h/gateway.do?method=m', 'biz=1', 'application/x-www-form-urlencoded'));
  assert.equal(call.api, 'POST /gateway.do');
  assert.deepEqual(call.params, { method: 'm', biz: '1' });
});
