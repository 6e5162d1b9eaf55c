import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { test } from 'node:test';
import { AlipaySdk } from 'alipay-sdk';
import { keysCommand } from '../../src/commands/keys.js';
import { PaymockError } from '../../src/core/errors.js';
import {
  mapiRequestSignContent,
  mapiResponseSignContent,
  md5Sign,
  notifySignContent,
  openapiRequestSignContent,
  openapiResponseSignContent,
  parseV3Authorization,
  rsaSign,
  rsaVerify,
  signedOffThread,
  toPrivateKey,
  toPublicKey,
  v3RequestSignContent,
  v3ResponseSignContent,
} from '../../src/dialects/signing.js';
import { loadOrCreateAlipayTestKey } from '../../src/keys/alipay-test-key.js';
import { tempDir } from '../support/tmp.js';

// chloerei/alipay's test_helper.rb: Alipay.pid and Alipay.key.
const MD5_KEY = '10000000000000000000000000000000';
const PARTNER = '1000000000000000';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('legacy MD5 reproduces the overseas.query vector (chloerei/alipay service_test.rb)', () => {
  const params = {
    service: 'alipay.acquire.overseas.query',
    _input_charset: 'utf-8',
    partner: PARTNER,
    partner_trans_id: '2010121000000002',
    sign_type: 'MD5',
  };
  const content = mapiRequestSignContent(params);
  assert.equal(content, '_input_charset=utf-8&partner=1000000000000000&partner_trans_id=2010121000000002&service=alipay.acquire.overseas.query');
  assert.equal(md5Sign(content, MD5_KEY, 'utf-8'), '2a7f598bbb13d02f7de819ae689f80ba');
});

test('legacy MD5 reproduces the overseas.spot.refund vector (chloerei/alipay service_test.rb)', () => {
  const params = {
    service: 'alipay.acquire.overseas.spot.refund',
    _input_charset: 'utf-8',
    partner: PARTNER,
    partner_trans_id: '2010121000000002',
    partner_refund_id: '301012133000002',
    currency: 'USD',
    refund_amount: '0.01',
    is_sync: 'Y',
    sign_type: 'MD5',
    sign: 'ignored',
    memo: '',
  };
  assert.equal(md5Sign(mapiRequestSignContent(params), MD5_KEY, 'UTF-8'), '397685a0c6b2d71d0d1f374ddba331a0');
});

test('the illustrative spot-pay response sign covers only the response/alipay children (alipay.md 1.6)', () => {
  const children = {
    alipay_buyer_login_id: '159****5620',
    alipay_buyer_user_id: '2088102000000001',
    alipay_pay_time: '20240101120000',
    alipay_trans_id: '2024010122001400000000000001',
    currency: 'USD',
    exchange_rate: '7.1000000000',
    partner_trans_id: 'TEST20240101000001',
    result_code: 'SUCCESS',
    trans_amount: '0.01',
    trans_amount_cny: '0.07',
  };
  assert.equal(md5Sign(mapiResponseSignContent(children), MD5_KEY, 'utf-8'), '302ea1c85ad6124d6d99ec31d2d5feca');
});

test('MD5 hashes the bytes of the request charset, so GBK and UTF-8 differ for Chinese values', () => {
  const content = mapiRequestSignContent({ trans_name: '支付宝', partner: PARTNER });
  assert.equal(content, 'partner=1000000000000000&trans_name=支付宝');
  const gbk = md5Sign(content, MD5_KEY, 'GBK');
  assert.notEqual(gbk, md5Sign(content, MD5_KEY, 'utf-8'));
  // 支付宝 in GBK is D6A7 B8B6 B1A6: hash those bytes independently of iconv-lite.
  const bytes = Buffer.concat([Buffer.from('partner=1000000000000000&trans_name='), Buffer.from('d6a7b8b6b1a6', 'hex'), Buffer.from(MD5_KEY)]);
  assert.equal(gbk, createHash('md5').update(bytes).digest('hex'));
  assert.throws(() => md5Sign(content, MD5_KEY, 'no-such-charset'), (error: unknown) => error instanceof PaymockError && error.code === 'BAD_REQUEST');
});

test('RSA2 and RSA signatures round-trip, and tampered content or a garbage signature fail', () => {
  const content = 'app_id=2021000000000000&method=alipay.trade.query&sign_type=RSA2';
  for (const algorithm of ['RSA', 'RSA2'] as const) {
    const sign = rsaSign(content, rsa.privateKey, algorithm);
    assert.equal(rsaVerify(content, sign, rsa.publicKey, algorithm), true);
    assert.equal(rsaVerify(`${content}&x=1`, sign, rsa.publicKey, algorithm), false);
  }
  const rsa2 = rsaSign(content, rsa.privateKey, 'RSA2');
  assert.equal(rsaVerify(content, rsa2, rsa.publicKey, 'RSA'), false, 'SHA1 does not verify a SHA256 signature');
  assert.equal(rsaVerify(content, 'not base64 at all!', rsa.publicKey, 'RSA2'), false);
  assert.equal(rsaVerify(content, rsa2, 'garbage key', 'RSA2'), false);
  assert.equal(rsaVerify(content, rsa2, rsa.publicKey, 'RSA2', 'no-such-charset'), false);
  const pem = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  assert.equal(rsaSign(content, pem, 'RSA2'), rsa2, 'PKCS#1 v1.5 is deterministic, whatever form the key came in');
});

test('signedOffThread signs new texts on the thread pool, gives the inline bytes, and is synchronous when nothing is new', async () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const inlineKey = toPrivateKey(key.export({ type: 'pkcs8', format: 'pem' }).toString());
  let runs = 0;
  const reply = (text: string, charset = 'utf-8') => () => {
    runs += 1;
    return `{"node":${text},"sign":"${rsaSign(text, key, 'RSA2', charset)}"}`;
  };
  const fresh = signedOffThread(reply('{"n":1,"subject":"测试"}', 'GBK'));
  assert.ok(fresh instanceof Promise, 'a text never signed before is signed off the event loop');
  const expected = `{"node":{"n":1,"subject":"测试"},"sign":"${rsaSign('{"n":1,"subject":"测试"}', inlineKey, 'RSA2', 'GBK')}"}`;
  assert.equal(await fresh, expected, 'the same bytes as signing inline (another KeyObject, so no shared cache)');
  assert.equal(runs, 2, 'one rehearsal, one real run');
  runs = 0;
  assert.equal(signedOffThread(reply('{"n":1,"subject":"测试"}', 'GBK')), expected, 'signed before: the answer comes at once');
  assert.equal(runs, 1, 'and the rehearsal is the answer');
  assert.equal(signedOffThread(() => md5Sign('a=1', MD5_KEY, 'utf-8')), md5Sign('a=1', MD5_KEY, 'utf-8'), 'nothing RSA: synchronous');
  assert.throws(() => signedOffThread(() => md5Sign('a=1', MD5_KEY, 'no-such-charset')), PaymockError, 'a failure with nothing to sign is thrown as is');
  await assert.rejects(async () => signedOffThread(() => rsaSign('x', key, 'RSA2', 'no-such-charset')), PaymockError, 'and one with something to sign, in the real run');
});

test('v2 request sign content keeps sign_type and empty values, and leaves out only sign', () => {
  const params = { sign: 'x', sign_type: 'RSA2', app_id: '2021', method: 'alipay.trade.pay', biz_content: '{"a":"A 1"}', notify_url: '' };
  assert.equal(openapiRequestSignContent(params), 'app_id=2021&biz_content={"a":"A 1"}&method=alipay.trade.pay&notify_url=&sign_type=RSA2');
  assert.equal(mapiRequestSignContent(params), 'app_id=2021&biz_content={"a":"A 1"}&method=alipay.trade.pay');
});

test('a notification signed by paymock passes alipay-sdk checkNotifySign with a bare base64 public key', () => {
  const publicKey = rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const sdk = new AlipaySdk({ appId: '2021000000000000', privateKey: app, alipayPublicKey: publicKey });
  const notify = { notify_type: 'trade_status_sync', out_trade_no: 'ORDER-1', trade_status: 'TRADE_SUCCESS', total_amount: '0.01', sign_type: 'RSA2' };
  const sign = rsaSign(notifySignContent(notify), rsa.privateKey, 'RSA2');
  assert.equal(sdk.checkNotifySign({ ...notify, sign }), true);
  assert.equal(sdk.checkNotifySign({ ...notify, total_amount: '100.00', sign }), false);
});

test('the v2 response sign content is the node text exactly as sent, braces inside strings included', () => {
  const node = '{"code":"10000","msg":"Success","memo":"a } \\" { b","detail":{"x":[1,{"y":2}]}}';
  const body = `{"alipay_trade_query_response":${node},"alipay_cert_sn":"abc","sign":"AAAA"}`;
  assert.equal(openapiResponseSignContent(body, 'alipay_trade_query_response'), node);
  assert.equal(openapiResponseSignContent(body, 'error_response'), undefined);
  assert.equal(openapiResponseSignContent('{"k_response":{"a":1', 'k_response'), undefined);
});

test('v3 sign contents end every line with \\n, app auth token last', () => {
  assert.equal(v3ResponseSignContent('1700000000000', 'n-1', '{"a":1}'), '1700000000000\nn-1\n{"a":1}\n');
  const base = { authString: 'app_id=1,nonce=n,timestamp=2', method: 'post', pathAndQuery: '/v3/alipay/trade/query?a=1', body: '{}' };
  assert.equal(v3RequestSignContent(base), 'app_id=1,nonce=n,timestamp=2\nPOST\n/v3/alipay/trade/query?a=1\n{}\n');
  assert.equal(v3RequestSignContent({ ...base, appAuthToken: 'tok' }), 'app_id=1,nonce=n,timestamp=2\nPOST\n/v3/alipay/trade/query?a=1\n{}\ntok\n');
});

test('parseV3Authorization reads an alipay-sdk style header whose sign verifies against its authString', () => {
  const nonce = randomUUID();
  const authString = `app_id=2021000000000000,app_cert_sn=abc123,nonce=${nonce},timestamp=1700000000000,extra=x=y`;
  const body = '{"out_trade_no":"ORDER-1"}';
  const content = (auth: string) => v3RequestSignContent({ authString: auth, method: 'POST', pathAndQuery: '/v3/alipay/trade/query', body });
  const sign = rsaSign(content(authString), rsa.privateKey, 'RSA2');
  const parsed = parseV3Authorization(`ALIPAY-SHA256withRSA ${authString},sign=${sign}`);
  assert.deepEqual(parsed, { scheme: 'ALIPAY-SHA256withRSA', appId: '2021000000000000', nonce, timestamp: '1700000000000', sign, authString });
  assert.equal(rsaVerify(content(parsed.authString), parsed.sign, rsa.publicKey, 'RSA2'), true);
  assert.equal(parseV3Authorization('Bearer abc'), undefined);
  assert.equal(parseV3Authorization('ALIPAY-SHA256withRSA app_id=1,timestamp=2,sign=x'), undefined, 'nonce is required');
});

test('keys are read from PEM, one-line PEM, or bare base64 (PKCS#1 or PKCS#8 private, SPKI public)', () => {
  const expected = rsa.publicKey.export({ type: 'spki', format: 'pem' });
  const publicOf = (text: string) => toPublicKey(text).export({ type: 'spki', format: 'pem' });
  const privateOf = (text: string) => createPublicKey(toPrivateKey(text)).export({ type: 'spki', format: 'pem' });
  for (const type of ['pkcs1', 'pkcs8'] as const) {
    const bare = rsa.privateKey.export({ type, format: 'der' }).toString('base64');
    assert.equal(privateOf(bare), expected, `bare ${type}`);
    const pem = rsa.privateKey.export({ type, format: 'pem' }).toString();
    assert.equal(privateOf(pem.replace(/\n/g, '\\n')), expected, `${type} with literal \\n`);
    assert.equal(privateOf(pem.replace(/\n(?!-----END)/g, '')), expected, `${type} on one line`);
  }
  assert.equal(publicOf(rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')), expected);
  assert.equal(publicOf(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()), expected);
  const invalid = (error: unknown) => error instanceof PaymockError && error.code === 'CONFIG_INVALID';
  assert.throws(() => toPrivateKey('not a key'), invalid);
  assert.throws(() => toPrivateKey('QUJDRA=='), invalid);
  assert.throws(() => toPublicKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), invalid);
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.throws(() => toPrivateKey(ec), /Alipay keys are RSA/);
});

test('the Alipay test key is created once, mode 0600, and reused', async (t) => {
  const dir = await tempDir(t);
  const first = await loadOrCreateAlipayTestKey(dir);
  assert.equal(first.created, true);
  assert.equal((await stat(first.file)).mode & 0o777, 0o600);
  const second = await loadOrCreateAlipayTestKey(dir);
  assert.equal(second.created, false);
  assert.equal(second.file, first.file);
  assert.equal(second.publicKeyBase64, first.publicKeyBase64);
  assert.match(second.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.match(await readFile(first.file, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  const sign = rsaSign('x', second.privateKey, 'RSA2');
  assert.equal(rsaVerify('x', sign, first.publicKeyBase64, 'RSA2'), true);

  const printed: string[] = [];
  await keysCommand(dir, (line) => printed.push(line));
  assert.ok(printed.includes(first.publicKeyBase64), 'the bare base64 public key on a line of its own');
  assert.ok(printed.some((line) => line.includes(first.file) && !line.includes('created now')));
  assert.ok(printed.some((line) => /TEST key/.test(line)) && printed.some((line) => /production/.test(line)));
  assert.ok(printed.some((line) => line.includes(`alipayPublicKey: '${first.publicKeyBase64}'`)));
  assert.ok(printed.includes('-----BEGIN PUBLIC KEY-----'));
});

test('concurrent creators agree on one key and leave no temp files', async (t) => {
  const dir = await tempDir(t);
  const keys = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateAlipayTestKey(dir)));
  assert.equal(new Set(keys.map((key) => key.publicKeyBase64)).size, 1);
  assert.ok(keys.filter((key) => key.created).length <= 1);
  assert.deepEqual(await readdir(dir), ['alipay-test-key.pem']);
});
