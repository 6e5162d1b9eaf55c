import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplayIndex } from '../../src/cassettes/replay-index.js';
import { makeKey } from '../../src/core/match-key.js';
import { formatNearMisses, nearestMisses } from '../../src/core/near-miss.js';

test('identical requests recorded N times replay in order, then the last repeats', () => {
  const index = new ReplayIndex();
  const a = makeKey({ path: '/a' });
  const b = makeKey({ path: '/b' });
  index.add(0, a);
  index.add(1, b);
  index.add(2, a);
  index.add(3, a);
  assert.deepEqual([index.take(a), index.take(a), index.take(a), index.take(a)], [0, 2, 3, 3]);
  assert.equal(index.take(makeKey({ path: '/c' })), undefined);
  assert.deepEqual(index.unused(4), [1]);
  assert.equal(index.size, 2);
});

test('keys that share a bucket are told apart by their fields', () => {
  // Two different keys with the same 30-bit bucket: found by trying (about 41,000 on average).
  const seen = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; !pair; i++) {
    const bucket = makeKey({ path: `/t/${i}` }).bucket;
    const other = seen.get(bucket);
    if (other !== undefined) pair = [other, `/t/${i}`];
    else seen.set(bucket, `/t/${i}`);
  }
  const [a, b] = pair.map((path) => makeKey({ path }));
  assert.equal(a!.bucket, b!.bucket);
  assert.notEqual(a!.id, b!.id);
  const index = new ReplayIndex();
  index.add(0, a!);
  assert.equal(index.take(b!), undefined, 'not served for a key it was not recorded under');
  index.add(1, b!);
  index.add(2, makeKey({ path: pair[0]! }));
  assert.deepEqual([index.take(b!), index.take(a!), index.take(a!), index.take(makeKey({ path: pair[1]! }))], [1, 0, 2, 1]);
  assert.equal(index.size, 2);
  assert.deepEqual(index.candidates().map(({ key }) => key.fields.path).sort(), [...pair].sort());
});

test('near misses rank by the weight of differing fields and name them', () => {
  const actual = makeKey({ method: 'POST', path: '/pay', body: 'amount=2' });
  const candidates = [
    { key: makeKey({ method: 'GET', path: '/query', body: 'amount=2' }), label: 'far' },
    { key: makeKey({ method: 'POST', path: '/pay', body: 'amount=1' }), label: 'near' },
  ];
  const misses = nearestMisses(actual, candidates);
  assert.deepEqual(misses.map((m) => m.label), ['near', 'far']);
  assert.deepEqual(misses[0]!.differences, [{ field: 'body', expected: 'amount=1', actual: 'amount=2' }]);
  assert.match(formatNearMisses(misses), /1\. near: differs in 1 field\(s\):\n {7}body: expected "amount=1", got "amount=2"/);
});

test('the hash depends on every field and not on the order they are given in', () => {
  assert.equal(makeKey({ a: '1', b: '2' }).hash, makeKey({ b: '2', a: '1' }).hash);
  assert.notEqual(makeKey({ a: '1', b: '2' }).hash, makeKey({ a: '1', b: '3' }).hash);
  assert.notEqual(makeKey({ a: '1b', b: '' }).hash, makeKey({ a: '1', b: 'b' }).hash);
  assert.notEqual(makeKey({ a: '1b', b: '' }).id, makeKey({ a: '1', b: 'b' }).id);
});

test('a key orders its fields as Array#sort does (code units), so stored hashes stay valid', () => {
  const names = ['biz.out_trade_no', '_input_charset', 'api', 'Zeta', 'zeta', 'biz.订单', 'biz.😀', 'biz.\uFF01', 'a_b', 'a-b', 'ab', 'a', '', 'merchant', 'dialect'];
  const fields = Object.fromEntries(names.map((name, i) => [name, String(i)]));
  const expected = [...names].sort().map((name) => `${name}\u0000${fields[name]}`).join('\u0001');
  assert.equal(makeKey(fields).id, expected);
  // The hash a cassette written with Array#sort holds for these fields (bench/cassette-gen.ts, trade 0).
  const stored = { dialect: 'alipay-mapi', api: 'single_trade_query', merchant: '2088101122136241', _input_charset: 'GBK', trade_no: '2024010122001424330500000000', subject: '基准测试订单' };
  assert.equal(makeKey(stored).hash, 'b5bc780e421d0f2668828e8e');
});
