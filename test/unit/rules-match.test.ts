import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Call, HttpRequest } from '../../src/core/types.js';
import { callView, describeCondition, describeMiss, matchCondition, matchWhen, tryOrder, type CallView } from '../../src/rules/match.js';
import { parseRules, type Condition, type Rule, type When } from '../../src/rules/schema.js';

/** Conditions go through the schema, as from a file (regexes compiled there). */
function when(data: unknown): When {
  const [rule] = parseRules({ id: 't', name: 't', when: data, then: { result: 'SUCCESS' } }, 'test');
  return rule!.when!;
}

function condition(data: unknown): Condition {
  return when({ api: data }).api!;
}

const view: CallView = {
  dialect: 'alipay-openapi',
  api: 'alipay.trade.pay',
  path: '/gateway.do',
  params: { app_id: '2021000000000001', trans_amount: '1000.00', empty: '' },
  biz: { total_amount: '5.00', quantity: 3, paid: true, goods: [{ id: 'g1' }], scene: 'bar_code' },
  headers: [['X-Test-Case', 'declined']],
};

test('each condition kind holds and fails', () => {
  const cases: Array<[unknown, string | undefined, boolean]> = [
    ['100', '100', true],
    [100, '100', true], // literals compare as strings
    [true, 'true', true],
    [100, '100.00', false],
    ['a', undefined, false],
    [{ equals: 100 }, '100', true],
    [{ equals: 'x' }, 'y', false],
    [{ regex: '^alipay\\.trade\\.' }, 'alipay.trade.pay', true],
    [{ regex: '^alipay\\.trade\\.' }, 'alipay.acquire.overseas.spot.pay', false],
    [{ regex: '.*' }, undefined, false],
    [{ gt: 100 }, '100.01', true],
    [{ gt: 100 }, '100', false],
    [{ gte: 100 }, '100.00', true],
    [{ gte: 100 }, '99.99', false],
    [{ lt: 1 }, '0.5', true],
    [{ lt: 1 }, '1', false],
    [{ lte: 1 }, '1.0', true],
    [{ lte: 1 }, '1.01', false],
    [{ gte: 0 }, 'abc', false], // not a number: no match
    [{ gte: 0 }, '', false],
    [{ gte: 0 }, undefined, false],
    [{ oneOf: ['bar_code', 'security_code'] }, 'bar_code', true],
    [{ oneOf: [1, 2] }, '2', true],
    [{ oneOf: ['bar_code'] }, 'wave_code', false],
    [{ exists: true }, '', true],
    [{ exists: true }, undefined, false],
    [{ exists: false }, undefined, true],
    [{ exists: false }, 'x', false],
    [{ not: 'x' }, 'y', true],
    [{ not: 'x' }, 'x', false],
    [{ not: { exists: true } }, undefined, true],
    [{ not: { gt: 5 } }, '6', false],
  ];
  for (const [data, actual, expected] of cases) {
    assert.equal(matchCondition(condition(data), actual), expected, `${JSON.stringify(data)} on ${JSON.stringify(actual)}`);
  }
});

test('describeCondition reads like the condition', () => {
  assert.equal(describeCondition(condition('alipay.trade.pay')), 'alipay.trade.pay');
  assert.equal(describeCondition(condition({ equals: 7 })), '7');
  assert.equal(describeCondition(condition({ gte: 100 })), '>= 100');
  assert.equal(describeCondition(condition({ gt: 1 })), '> 1');
  assert.equal(describeCondition(condition({ lt: 1 })), '< 1');
  assert.equal(describeCondition(condition({ lte: 1 })), '<= 1');
  assert.equal(describeCondition(condition({ oneOf: ['a', 'b'] })), 'one of a, b');
  assert.equal(describeCondition(condition({ regex: 'x' })), 'matches /x/');
  assert.equal(describeCondition(condition({ exists: true })), 'exists');
  assert.equal(describeCondition(condition({ exists: false })), 'absent');
  assert.equal(describeCondition(condition({ not: { oneOf: ['a'] } })), 'not (one of a)');
  assert.equal(describeCondition(['http', 'alipay-v3']), 'one of http, alipay-v3');
});

test('no when, or an empty one, matches everything', () => {
  assert.deepEqual(matchWhen(undefined, view), { ok: true });
  assert.deepEqual(matchWhen(when({}), view), { ok: true });
});

test('all parts of when are checked: dialect (list), api, path, params, biz, headers', () => {
  const all = when({
    dialect: ['alipay-openapi', 'alipay-v3'],
    api: 'alipay.trade.pay',
    path: { regex: '^/gateway' },
    params: { trans_amount: { gte: 1000 }, app_id: { regex: '^2021' } },
    biz: { total_amount: { lt: 10 }, quantity: 3, paid: true, scene: { oneOf: ['bar_code', 'security_code'] }, goods: { regex: '"g1"' } },
    headers: { 'x-test-case': 'declined' },
  });
  assert.deepEqual(matchWhen(all, view), { ok: true });
  assert.deepEqual(matchWhen(when({ dialect: { not: { equals: 'http' } } }), view), { ok: true });
});

test('every failed condition is listed with what was expected and what was there', () => {
  const result = matchWhen(
    when({
      dialect: 'alipay-mapi',
      api: 'alipay.trade.pay',
      biz: { total_amount: { gt: 100 }, missing: { exists: true } },
      headers: { 'X-TEST-CASE': 'timeout' },
      params: { constructor: { exists: true } }, // own fields only, never Object.prototype's
    }),
    view,
  );
  assert.ok(!result.ok);
  assert.deepEqual(result.failed, [
    { field: 'dialect', expected: 'alipay-mapi', actual: 'alipay-openapi' },
    { field: 'params.constructor', expected: 'exists', actual: undefined },
    { field: 'biz.total_amount', expected: '> 100', actual: '5.00' },
    { field: 'biz.missing', expected: 'exists', actual: undefined },
    { field: 'headers.X-TEST-CASE', expected: 'timeout', actual: 'declined' },
  ]);
  assert.deepEqual(describeMiss('declined-big', result.failed.slice(2, 4)), [
    'rule declined-big: biz.total_amount expected > 100, got 5.00',
    'rule declined-big: biz.missing expected exists, got (absent)',
  ]);
});

test('callView takes the path from the URL and only an object as business fields', () => {
  const request: HttpRequest = { method: 'POST', url: 'https://openapi.alipay.com/v3/alipay/trade/pay?x=1', headers: [['Authorization', 'a']], body: { bytes: Buffer.alloc(0), charset: undefined, text: undefined } };
  const call: Call = { dialect: 'alipay-v3', api: 'alipay.trade.pay', params: { x: '1' }, biz: { total_amount: '9.00' } };
  const v = callView(call, request);
  assert.equal(v.path, '/v3/alipay/trade/pay');
  assert.deepEqual(v.biz, { total_amount: '9.00' });
  assert.equal(v.headers, request.headers);
  assert.equal(callView({ ...call, biz: [1, 2] }, request).biz, undefined);
  assert.equal(callView({ ...call, biz: undefined }, request).biz, undefined);
  assert.ok(!matchWhen(when({ biz: { total_amount: { exists: true } } }), callView({ ...call, biz: 'text' }, request)).ok);
});

test('rules are tried by priority, ties in file order', () => {
  const rules = parseRules(
    [
      { id: 'a', name: 'a', then: { result: 'SUCCESS' } },
      { id: 'b', name: 'b', priority: 10, then: { result: 'SUCCESS' } },
      { id: 'c', name: 'c', then: { result: 'SUCCESS' } },
      { id: 'd', name: 'd', priority: -1, then: { result: 'SUCCESS' } },
      { id: 'e', name: 'e', priority: 10, then: { result: 'SUCCESS' } },
    ],
    'test',
  );
  assert.deepEqual(tryOrder(rules).map((rule: Rule) => rule.id), ['b', 'e', 'a', 'c', 'd']);
});
