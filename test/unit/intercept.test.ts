import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions } from '../../src/config.js';
import { ALIPAY_HOSTS, interceptMatcher } from '../../src/tls/intercept.js';

test('the default intercept list is the Alipay gateways and sandboxes', () => {
  const matches = interceptMatcher(parseOptions({}).intercept);
  for (const host of ALIPAY_HOSTS) assert.ok(matches(host), host);
  assert.ok(matches('OpenAPI.Alipay.com'));
  assert.equal(matches('registry.npmjs.org'), false);
});

test('exact hosts, *.domain and * from a comma-separated flag', () => {
  const matches = interceptMatcher(parseOptions({ intercept: 'pay.example.com, *.sandbox.test' }).intercept);
  assert.ok(matches('pay.example.com'));
  assert.ok(matches('a.b.sandbox.test'));
  assert.equal(matches('sandbox.test'), false);
  assert.equal(matches('example.com'), false);
  assert.ok(interceptMatcher(['*'])('anything.at.all'));
  assert.throws(() => parseOptions({ intercept: 'bad host/x' }), /intercept\[0\]: expected host names, \*\.domain or \*/);
});
