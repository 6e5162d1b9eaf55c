import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUrl } from '../../src/core/parse-url.js';
import { seededRandom } from '../../bench/workload.js';

const FIELDS = ['protocol', 'host', 'hostname', 'port', 'pathname', 'search', 'origin'] as const;

/** parseUrl must say what `new URL` says: the same parts, or the same refusal. */
function assertSameAsUrl(text: string): 'plain' | 'url' | 'invalid' {
  let expected: URL;
  try {
    expected = new URL(text);
  } catch {
    assert.throws(() => parseUrl(text), TypeError, `${JSON.stringify(text)} is not a URL`);
    return 'invalid';
  }
  const actual = parseUrl(text);
  for (const field of FIELDS) assert.equal(actual[field], expected[field], `${field} of ${JSON.stringify(text)}`);
  return actual instanceof URL ? 'url' : 'plain';
}

const SCHEMES = ['http://', 'https://', 'HTTP://', 'ftp://'];
const HOSTS = [
  '127.0.0.1', 'localhost', 'openapi.alipay.com', 'openapi-sandbox.dl.alipaydev.com', 'example.com.', 'Example.COM',
  '127.1', '0x7f.0.0.1', '010.0.0.1', '256.0.0.1', '1.2.3.4.5', 'a..b', '.a', 'xn--fiqs8s.cn', 'a.xn--fiqs8s',
  '-lead.example', 'a.1', 'a.0x1', 'user@host', 'host_name', '[::1]', '',
];
const PORTS = ['', ':80', ':443', ':8080', ':080', ':0', ':65535', ':65536', ':99999', ':'];
const PATHS = [
  '', '/', '/gateway.do', '/v3/alipay/trade/pay', '/api/v1/orders/lookup', '/a/./b', '/a/../b', '/a/.', '/a/..', '/%2e/x', '/.%2E/x',
  '/a%20b', '/a b', '/a"b', '/a<b>', '/a{b}', '/a`b', '/a\\b', "/it's", '/~user/_x-y.z', '/%zz', '/.hidden', '/a..b/', '/中文',
  '//double', '/a;b=c,d@e:f', '/a\tb',
];
const QUERIES = [
  '', '?', '?a=1', '?service=alipay.trade.query&charset=GBK', "?q='x'", '?q="x"', '?a=b c', '?a=%E4%B8%AD', '?a=[1]{2}|^`',
  '?a=<b>', '?a=\\b', '?a=中', '?a#frag', '?a=1?b=2',
];

test('parseUrl gives the parts WHATWG URL gives, for every combination of plain and tricky pieces', () => {
  const seen = { plain: 0, url: 0, invalid: 0 };
  for (const scheme of SCHEMES) {
    for (const host of HOSTS) {
      for (const port of PORTS) {
        for (const path of PATHS) {
          for (const query of QUERIES) seen[assertSameAsUrl(`${scheme}${host}${port}${path}${query}`)]++;
        }
      }
    }
  }
  // Both ways are taken often: the comparison covers the fast path, not only the fallback.
  assert.ok(seen.plain > 3_000, `fast path taken ${seen.plain} times`);
  assert.ok(seen.url > 5_000, `URL taken ${seen.url} times`);
  assert.ok(seen.invalid > 100, `invalid ${seen.invalid} times`);
});

test('parseUrl agrees with URL on random strings made of URL-significant characters', () => {
  const random = seededRandom(0x0bad5eed);
  const alphabet = 'aZ09.-_~%2eE/:?#@[]\\ \'"<>{}|^`!$&()*+,;=';
  for (let i = 0; i < 20_000; i++) {
    let rest = '';
    const length = Math.floor(random() * 24);
    for (let j = 0; j < length; j++) rest += alphabet[Math.floor(random() * alphabet.length)];
    const host = random() < 0.5 ? '127.0.0.1' : 'a.example';
    assertSameAsUrl(`http://${random() < 0.8 ? host : ''}${rest.startsWith('/') || random() < 0.5 ? '' : '/'}${rest}`);
  }
});

test('a plain gateway URL takes the fast path and drops the default port as URL does', () => {
  const url = parseUrl('http://openapi.alipay.com:80/gateway.do?charset=utf-8');
  assert.ok(!(url instanceof URL));
  assert.equal(url.host, 'openapi.alipay.com');
  assert.equal(url.origin, 'http://openapi.alipay.com');
  assert.equal(url.search, '?charset=utf-8');
});
