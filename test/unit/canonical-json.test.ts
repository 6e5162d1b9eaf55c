import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { canonicalJsonText } from '../../src/core/canonical-json-text.js';
import { seededRandom } from '../../bench/workload.js';

/** What the text path must give: the canonical form of what JSON.parse makes, when it answers at all. */
function check(text: string): 'text' | 'parse' {
  const fast = canonicalJsonText(text);
  if (fast === undefined) return 'parse';
  let parsed: unknown;
  assert.doesNotThrow(() => (parsed = JSON.parse(text)), `${JSON.stringify(text)} answered by the text path but is not JSON`);
  assert.equal(fast, canonicalJson(parsed), `canonical form of ${JSON.stringify(text)}`);
  return 'text';
}

test('canonicalJsonText sorts keys at every level and drops whitespace, as canonicalJson of the parsed value does', () => {
  assert.equal(canonicalJsonText('{"merchant":"bench-shop","order_id":"ORD-1","include":["items","payments"]}'), '{"include":["items","payments"],"merchant":"bench-shop","order_id":"ORD-1"}');
  assert.equal(canonicalJsonText(' {\n\t"b" : { "d": [ 1 , -2, 0 ], "c": null },\r\n "a": true, "10": false, "9": "中文" } '), '{"10":false,"9":"中文","a":true,"b":{"c":null,"d":[1,-2,0]}}');
  assert.equal(canonicalJsonText('[]'), '[]');
  assert.equal(canonicalJsonText('{}'), '{}');
  assert.equal(canonicalJsonText('"x"'), '"x"');
  assert.equal(canonicalJsonText('123456789012345'), '123456789012345');
  assert.equal(canonicalJsonText('{"__proto__":1}'), '{"__proto__":1}');
  for (const text of ['{"a":"\\u0041"}', '{"a":1.5}', '{"a":1e3}', '{"a":-0}', '{"a":1,"a":2}', '1234567890123456', '{"a":"\ud800"}', '{"a":1,}', '[1 2]', '{"a" 1}', '01', 'tru', 'nul', '{"a":1}x', '\ufeff{}', '']) {
    assert.equal(canonicalJsonText(text), undefined, JSON.stringify(text));
  }
  for (const text of ['{"a":"\\u0041"}', '{"a":1.50}', '{"a":1,"a":2}', '{"b":[{"z":1,"y":2}],"a":"q"}', ' [ {"a": [ [ ] ] } ] ']) check(text);
});

/** A random JSON value, as JSON.parse could give it: nested, with keys that sort in interesting ways. */
function randomValue(random: () => number, depth: number): unknown {
  const pick = random();
  if (depth > 3 || pick < 0.35) {
    const scalars = [0, 1, -1, 42, -987654321, 1.5, -0.25, 1e21, 123456789012345, 9007199254740993, true, false, null, '', 'text', '中文', 'a"b', 'back\\slash', 'tab\there', '\u2028', '😀', 'é'];
    return scalars[Math.floor(random() * scalars.length)];
  }
  if (pick < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const names = ['a', 'b', 'B', 'aa', '10', '9', '01', '', 'z', '_', 'é', '中', '__proto__', 'constructor', 'a b'];
  const value: Record<string, unknown> = {};
  for (let i = Math.floor(random() * 5); i > 0; i--) value[names[Math.floor(random() * names.length)]!] = randomValue(random, depth + 1);
  return value;
}

test('canonicalJsonText agrees with canonicalJson(JSON.parse) on random JSON, written plainly, spaced out, and broken', () => {
  const random = seededRandom(0xc0ffee);
  const seen = { text: 0, parse: 0 };
  for (let i = 0; i < 20_000; i++) {
    const value = randomValue(random, 0);
    const plain = JSON.stringify(value);
    seen[check(plain)]++;
    check(JSON.stringify(value, null, random() < 0.5 ? 2 : '\t'));
    // Broken or altered text: a character dropped, doubled or replaced.
    const at = Math.floor(random() * plain.length);
    const noise = '{}[],:"\\ -0.e1x';
    check(plain.slice(0, at) + plain.slice(at + 1));
    check(plain.slice(0, at) + plain[at] + plain.slice(at));
    check(plain.slice(0, at) + noise[Math.floor(random() * noise.length)] + plain.slice(at + 1));
  }
  assert.ok(seen.text > 5_000 && seen.parse > 5_000, `text path ${seen.text} times, parse ${seen.parse}`);
});
