import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerValue, isHeader, isOneOf, withoutHeaders } from '../../src/core/headers.js';

test('isHeader compares names in any case, as toLowerCase does, without lower-casing them', () => {
  assert.equal(isHeader('Content-Type', 'content-type'), true);
  assert.equal(isHeader('content-type', 'CONTENT-TYPE'), true);
  assert.equal(isHeader('Content-Typf', 'content-type'), false);
  assert.equal(isHeader('Content-Length', 'content-type'), false, 'different lengths');
  assert.equal(isHeader('[', '{'), false, '0x5b and 0x7b differ by the case bit but are not letters');
  assert.equal(isHeader('@', '`'), false);
  assert.equal(isHeader('\u212a-x', 'k-x'), true, 'the Kelvin sign lower-cases to k');
  assert.equal(isHeader('\u00c9', '\u00e9'), true);
  // Every pair of ASCII characters, against toLowerCase.
  for (let a = 0; a < 128; a++) {
    for (let b = 0; b < 128; b++) {
      const x = String.fromCharCode(a);
      const y = String.fromCharCode(b);
      assert.equal(isHeader(x, y), x.toLowerCase() === y.toLowerCase(), `${a} ${b}`);
    }
  }
});

test('headerValue finds the first header of that name in any case', () => {
  const headers: Array<[string, string]> = [['Host', 'a'], ['content-type', 'text/plain'], ['Content-Type', 'application/json']];
  assert.equal(headerValue(headers, 'Content-Type'), 'text/plain');
  assert.equal(headerValue(headers, 'HOST'), 'a');
  assert.equal(headerValue(headers, 'accept'), undefined);
});

test('isOneOf and withoutHeaders match names in any case', () => {
  assert.equal(isOneOf('Authorization', ['cookie', 'authorization']), true);
  assert.equal(isOneOf('X-Auth', ['authorization']), false);
  const headers: Array<[string, string]> = [['Host', 'a'], ['X-Paymock-Session', 's'], ['Content-Type', 'text/plain']];
  assert.deepEqual(withoutHeaders(headers, ['x-paymock-session', 'HOST']), [['Content-Type', 'text/plain']]);
});
