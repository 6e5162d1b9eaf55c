import assert from 'node:assert/strict';
import { test } from 'node:test';
import { responseBodyRedactor } from '../../src/cassettes/redact-response.js';
import { makeBody } from '../../src/core/body.js';
import type { HeaderList, HttpResponse } from '../../src/core/types.js';

function response(text: string, type: string, extra: HeaderList = []): HttpResponse {
  const headers: HeaderList = [['Content-Type', type], ...extra];
  return { status: 200, headers, body: makeBody(Buffer.from(text), headers) };
}

test('by default only the request secrets the legacy gateway echoes back are redacted', () => {
  const redact = responseBodyRedactor([], ['password']);
  const xml = '<alipay><request><param name="password">pw1</param><param name="x">1</param></request><response><password>kept</password></response></alipay>';
  assert.equal(redact(response(xml, 'text/xml')).body.text, '<alipay><request><param name="password">REDACTED</param><param name="x">1</param></request><response><password>kept</password></response></alipay>');
  const json = response('{"password":"kept"}', 'application/json');
  assert.equal(redact(json), json, 'a JSON answer is served as recorded');
});

test('responseFields: JSON at any depth, XML elements, form pairs; Content-Length follows; untouched bodies are the same object', () => {
  const redact = responseBodyRedactor(['Card_Token'], []);
  const json = redact(response('{"a":{"card_token":"t1","list":[{"CARD_TOKEN":"t2"}]},"sign":"s"}', 'text/html;charset=utf-8', [['Content-Length', '60']]));
  assert.equal(json.body.text, '{"a":{"card_token":"REDACTED","list":[{"CARD_TOKEN":"REDACTED"}]},"sign":"s"}');
  assert.deepEqual(json.headers.find(([name]) => name === 'Content-Length'), ['Content-Length', String(json.body.bytes.length)]);
  assert.equal(redact(response('<r><card_token type="x">t</card_token></r>', 'text/xml')).body.text, '<r><card_token type="x">REDACTED</card_token></r>');
  assert.equal(redact(response('a=1&card_token=t&b=2', 'application/x-www-form-urlencoded')).body.text, 'a=1&card_token=REDACTED&b=2');
  const plain = response('card_token is mentioned, but this is no known format', 'text/plain');
  assert.equal(redact(plain), plain);
  const unrelated = response('{"x":1}', 'application/json');
  assert.equal(redact(unrelated), unrelated);
});
