import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PaymockError } from '../../src/core/errors.js';
import { actionKind, parseRules, RuleRegExp } from '../../src/rules/schema.js';

const FILE = 'rules/pay.yaml';
const ok = { id: 'ok', name: 'fine', then: { result: 'SUCCESS' } };

function errorOf(data: unknown): string {
  try {
    parseRules(data, FILE);
  } catch (error) {
    assert.ok(error instanceof PaymockError);
    assert.equal(error.code, 'RULES_INVALID');
    return error.message;
  }
  assert.fail('expected parseRules to throw');
}

test('a file holds one rule, a list, or { rules: [...] }; an empty file holds none', () => {
  assert.deepEqual(parseRules(ok, FILE).map((r) => r.id), ['ok']);
  assert.deepEqual(parseRules([ok, { ...ok, id: 'two' }], FILE).map((r) => r.id), ['ok', 'two']);
  assert.deepEqual(parseRules({ rules: [ok] }, FILE).map((r) => r.id), ['ok']);
  assert.deepEqual(parseRules(null, FILE), []);
  assert.match(errorOf({ rules: [ok], extra: 1 }), /^rules\/pay\.yaml: unknown key "extra" beside "rules"$/);
  assert.match(errorOf('text'), /^rules\/pay\.yaml: expected a rule, a list of rules/);
});

test('defaults are filled in, rules are deep-frozen, regexes compiled once and serialised as written', () => {
  const [rule] = parseRules({ ...ok, when: { path: { regex: '^/v3/' } } }, FILE);
  assert.ok(rule);
  assert.equal(rule.priority, 0);
  assert.equal(rule.enabled, true);
  assert.ok(Object.isFrozen(rule) && Object.isFrozen(rule.when) && Object.isFrozen(rule.then));
  const path = rule.when?.path;
  assert.ok(typeof path === 'object' && path.regex instanceof RuleRegExp);
  assert.ok(path.regex.test('/v3/alipay/trade/pay'));
  const json = JSON.stringify(rule);
  assert.match(json, /"regex":"\^\/v3\/"/);
  assert.deepEqual(JSON.parse(JSON.stringify(parseRules(JSON.parse(json), FILE)[0])), JSON.parse(json));
});

test('every action kind parses, and a result action is written flat', () => {
  const kinds = [
    { result: 'FAIL', error: 'BUYER_BALANCE_NOT_ENOUGH', message: 'no money', fields: { a: 'b' } },
    { fields: { buyer_logon_id: '138****8888' } },
    { response: { status: 200, headers: { 'content-type': 'text/plain' }, body: 'hi' } },
    { response: { status: 204, bodyBase64: 'AAEC' } },
    { fault: 'timeout' },
    { fault: { status: 503, body: 'down' } },
    { delayMs: 50 },
    { delayMs: 50, result: 'WAITING' },
  ];
  const rules = parseRules(kinds.map((then, i) => ({ id: `r${i}`, name: 'n', then })), FILE);
  assert.deepEqual(
    rules.map((rule) => (Array.isArray(rule.then) ? 'list' : rule.then ? actionKind(rule.then) : 'none')),
    ['result', 'fields', 'response', 'response', 'fault', 'fault', 'delay', 'result'],
  );
  const [sequence] = parseRules({ ...ok, then: [{ result: 'UNKNOWN' }, { result: 'SUCCESS' }] }, FILE);
  assert.ok(Array.isArray(sequence?.then) && sequence.then.length === 2);
});

test('errors name the file, the rule by id (or by position) and the field', () => {
  const bad = [ok, { id: 'declined-big', name: 'n', when: { biz: { total_amount: { gt: 'lots' } } }, then: { result: 'FAIL' } }];
  assert.equal(errorOf(bad), 'rules/pay.yaml: rule "declined-big" (#2): when.biz.total_amount.gt: expected a number');
  assert.equal(errorOf([ok, { name: 'n', then: { result: 'FAIL' } }]), 'rules/pay.yaml: rule #2: id: expected an id');
  assert.match(errorOf({ ...ok, id: 'has space' }), /rule "has space" \(#1\): id: expected letters, digits/);
});

test('a bad regex is a load error naming the field, also inside not', () => {
  assert.match(errorOf({ ...ok, when: { path: { regex: '(' } } }), /rule "ok" \(#1\): when\.path\.regex: invalid regular expression \/\(\/: Unterminated group/);
  assert.match(errorOf({ ...ok, when: { params: { a: { not: { regex: '[' } } } } }), /when\.params\.a\.not\.regex: invalid regular expression/);
});

test('unknown keys are errors that list what is accepted', () => {
  assert.match(errorOf({ ...ok, when: { bizz: {} } }), /rule "ok" \(#1\): when: unknown key "bizz": expected dialect, api, path, params, biz, headers/);
  assert.match(errorOf({ ...ok, prio: 1 }), /rule "ok" \(#1\): \(root\): unknown key "prio"/);
  assert.match(errorOf({ ...ok, when: { api: { eq: 'x' } } }), /when\.api: unknown key "eq": expected equals, regex/);
  assert.match(errorOf({ ...ok, then: { fault: { status: 503, wait: 1 } } }), /then\.fault: unknown key "wait"/);
});

test('bad numbers and values name the field and what is accepted', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...ok, priority: 1.5 }, /priority: expected an integer/],
    [{ ...ok, times: 0 }, /times: expected 1 or more/],
    [{ ...ok, then: { delayMs: -1 } }, /then\.delayMs: expected 0 or more/],
    [{ ...ok, then: { response: { status: 700 } } }, /then\.response\.status: expected 100-599/],
    [{ ...ok, then: { fault: { status: 404 } } }, /then\.fault\.status: expected 500-599/],
    [{ ...ok, then: { fault: 'explode' } }, /then\.fault: expected one of timeout, reset, malformed, truncated/],
    [{ ...ok, then: { result: 'OK' } }, /then\.result: expected one of SUCCESS, FAIL, UNKNOWN, WAITING/],
    [{ ...ok, then: { fields: { total_amount: 100 } } }, /then\.fields\.total_amount: expected a string \(quote numbers/],
    [{ ...ok, when: { dialect: 'alipay' } }, /when\.dialect: expected one of alipay-mapi, alipay-openapi, alipay-v3, http/],
    [{ ...ok, when: { api: { gt: 1, lt: 5 } } }, /when\.api: expected exactly one of .*; got gt and lt/],
    [{ ...ok, when: { api: null } }, /when\.api: expected a string, number or boolean, or an object/],
    [{ ...ok, when: { biz: { a: { oneOf: [] } } } }, /when\.biz\.a\.oneOf: expected a non-empty list/],
    [{ ...ok, when: { biz: { a: { oneOf: ['x', null] } } } }, /when\.biz\.a\.oneOf\[1\]: expected a string, number or boolean/],
    [{ ...ok, when: { params: { trade_no: 2024010122001400000000000001 } } }, /when\.params\.trade_no: too many digits for a number: quote it/],
  ];
  for (const [data, expected] of cases) assert.match(errorOf(data), expected);
});

test('an action does exactly one thing', () => {
  assert.match(errorOf({ ...ok, then: { result: 'SUCCESS', fault: 'reset' } }), /then: an action does one thing, got result and fault; use a list/);
  assert.match(errorOf({ ...ok, then: {} }), /then: expected one of result, fields, response, fault, or delayMs alone/);
  assert.match(errorOf({ ...ok, then: [] }), /then: expected at least one action/);
  assert.match(errorOf({ ...ok, then: { fields: { a: 'b' }, error: 'X' } }), /then\.error: error goes with result:/);
  assert.match(errorOf({ ...ok, then: { result: 'SUCCESS', error: 'X' } }), /then\.error: a SUCCESS result has no error/);
  assert.match(errorOf({ ...ok, then: { response: { status: 200, body: 'a', bodyBase64: 'YQ==' } } }), /then\.response: give body or bodyBase64, not both/);
  assert.match(errorOf({ ...ok, then: [{ result: 'SUCCESS' }, { fault: 'nope' }] }), /then\[1\]\.fault: expected one of/);
});

test('every error in a file is reported, and duplicate ids within it too', () => {
  const message = errorOf([{ ...ok, times: -1 }, { id: 'b', name: 'n', then: { result: 'X' } }, ok]);
  assert.equal(message.split('\n').length, 3);
  assert.match(message, /rule "ok" \(#1\): times/);
  assert.match(message, /rule "b" \(#2\): then\.result/);
  assert.match(message, /rule "ok" \(#3\): id: "ok" is already the id of rule #1/);
});
