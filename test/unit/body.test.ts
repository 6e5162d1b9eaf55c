import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { declaredCharset, encodeText, fromStored, makeBody, toStored } from '../../src/core/body.js';
import { parseForm, sortedForm } from '../../src/core/form.js';
import { gatewayForms } from '../../src/dialects/alipay-request.js';

const XML_TYPE: Array<[string, string]> = [['Content-Type', 'text/xml']];

test('a GBK XML body is decoded by its declaration and stored as text plus charset', () => {
  const bytes = iconv.encode('<?xml version="1.0" encoding="GBK"?><a>支付宝</a>', 'gbk');
  const body = makeBody(bytes, XML_TYPE);
  assert.equal(body.charset, 'GBK');
  assert.equal(body.text, '<?xml version="1.0" encoding="GBK"?><a>支付宝</a>');
  const stored = toStored(body);
  assert.deepEqual(stored, { charset: 'GBK', text: body.text });
  assert.ok(fromStored(stored).bytes.equals(bytes));
});

test('an XML declaration counts after leading whitespace, and only at the start of the body', () => {
  const xml = '<?xml version="1.0" encoding="GBK"?><a>x</a>';
  for (const lead of ['', ' ', '\r\n\t', '\u00a0\v\f ']) assert.equal(declaredCharset([], Buffer.from(lead + xml, 'latin1')), 'GBK', JSON.stringify(lead));
  assert.equal(declaredCharset([], Buffer.from(`x=1&y=${xml}`)), undefined, 'a form that carries XML in a field');
  assert.equal(declaredCharset([], Buffer.from(JSON.stringify({ xml }))), undefined, 'JSON that carries XML');
  assert.equal(declaredCharset([], Buffer.from(`${' '.repeat(200)}${xml}`)), undefined, 'past the first 200 bytes, as before');
  assert.equal(declaredCharset([], Buffer.alloc(0)), undefined);
});

test('the Content-Type charset wins over the XML declaration', () => {
  const bytes = Buffer.from('<?xml version="1.0" encoding="GBK"?><a>x</a>');
  assert.equal(declaredCharset([['content-type', 'text/xml; charset=UTF-8']], bytes), 'UTF-8');
  assert.equal(declaredCharset([['content-type', 'text/xml']], bytes), 'GBK');
  assert.equal(declaredCharset([['content-type', 'text/xml; charset=no-such-charset']], bytes), 'GBK');
});

test('bytes that do not round-trip through their charset are stored as base64', () => {
  const invalidUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
  const body = makeBody(invalidUtf8, [['Content-Type', 'application/json; charset=utf-8']]);
  assert.equal(body.text, undefined);
  assert.deepEqual(toStored(body), { base64: invalidUtf8.toString('base64') });
  assert.ok(fromStored(toStored(body)).bytes.equals(invalidUtf8));
});

test('binary without a text content type is stored as base64; empty is empty text', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]);
  assert.ok('base64' in toStored(makeBody(png, [['Content-Type', 'image/png']])));
  assert.ok('base64' in toStored(makeBody(png, [])), 'NUL bytes without a type mean binary');
  assert.deepEqual(toStored(makeBody(Buffer.alloc(0), [])), { charset: 'utf-8', text: '' });
});

test('a GBK form decodes percent-escapes as GBK and + as a space', () => {
  const gbk = iconv.encode('测试 商品', 'gbk');
  const escaped = [...gbk].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  assert.deepEqual(parseForm(`trans_name=${escaped}&memo=a+b`, 'GBK'), [['trans_name', '测试 商品'], ['memo', 'a b']]);
  assert.deepEqual(parseForm('x=%E4%B8%AD'), [['x', '中']]);
  assert.equal(sortedForm([['b', '2'], ['a', '9'], ['a', '1']]), 'a=1&a=9&b=2');
});

test('GB-family text encodes to the same bytes as iconv-lite, ASCII runs copied and Chinese runs cached', () => {
  const samples = ['', 'plain ASCII only', '中文', 'a中b文c', '<subject>测试商品：基准测试订单</subject><total_fee>88.88</total_fee>', '€\u0080x', 'lone \uD800 surrogate', '𠀀 astral', 'tab\tnl\n'];
  for (const charset of ['GBK', 'gb2312', 'GB18030', 'big5', 'utf-8']) {
    for (const text of samples) {
      // Twice: the second time the non-ASCII runs come from the cache.
      for (let round = 0; round < 2; round++) {
        assert.deepEqual(encodeText(text, charset), iconv.encode(text, charset, { addBOM: false }), `${charset} ${JSON.stringify(text)}`);
      }
    }
  }
});

test('form escapes: malformed ones stay as they are, and a decoded part is the same from the cache', () => {
  assert.deepEqual(parseForm('a=100%&b=%zz%4&c=%41%6a+%2B'), [['a', '100%'], ['b', '%zz%4'], ['c', 'Aj +']]);
  const escaped = iconv.encode('基准测试订单', 'gbk').toString('hex').replace(/(..)/g, '%$1').toUpperCase();
  const first = parseForm(`subject=${escaped}`, 'GBK');
  const again = parseForm(`subject=${escaped}`, 'GBK');
  assert.deepEqual(first, [['subject', '基准测试订单']]);
  assert.deepEqual(again, first);
  assert.notEqual(parseForm(`subject=${escaped}`, 'utf-8')[0]![1], '基准测试订单', 'cached per charset');
});

test('gateway forms split into name=value pairs as written: empty parts skipped, a bare name has an empty value, the first = splits', () => {
  const pairsOf = (form: string, query = '') => {
    const headers: Array<[string, string]> = [['content-type', 'application/x-www-form-urlencoded']];
    return gatewayForms({ method: 'POST', url: `http://127.0.0.1/gateway.do${query}`, headers, body: makeBody(Buffer.from(form), headers) }).pairs;
  };
  assert.deepEqual(pairsOf(''), []);
  assert.deepEqual(pairsOf('&&'), []);
  assert.deepEqual(pairsOf('a=1&&b&c=3=4&'), [['a', '1'], ['b', ''], ['c', '3=4']]);
  assert.deepEqual(pairsOf('x&y&z=1'), [['x', ''], ['y', ''], ['z', '1']]);
  assert.deepEqual(pairsOf('=v&k=', '?service=q&sign=ab%3D%3D'), [['service', 'q'], ['sign', 'ab%3D%3D'], ['', 'v'], ['k', '']]);
});
