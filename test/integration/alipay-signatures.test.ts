// Incoming signatures are checked like Alipay does when the merchant's key is configured, and a
// bad one is answered like Alipay answers it, per dialect.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import iconv from 'iconv-lite';
import { mapiRequestSignContent, md5Sign } from '../../src/dialects/signing.js';
import { send } from '../support/client.js';
import { PARTNER, pkcs1, startMockSandbox } from '../support/mock-sandbox.js';

const APP_ID = '2021000000000002';
const MD5_KEY = '0123456789abcdef0123456789abcdef';
const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 });

const mockPaymock = (t: TestContext) => startMockSandbox(t, { appId: APP_ID, md5Key: MD5_KEY });

test('v2: a bad signature gets 40002 isv.invalid-signature in the method node, signed by paymock', async (t) => {
  const { sdk } = await mockPaymock(t);
  const bad = await sdk(pkcs1(impostor.privateKey)).exec('alipay.trade.query', { bizContent: { outTradeNo: 'A 1' } }, { validateSign: true });
  assert.equal(bad.code, '40002');
  assert.equal(bad.msg, 'Invalid Arguments');
  assert.equal(bad.subCode, 'isv.invalid-signature');
  assert.match(bad.subMsg, /网关生成的验签字符串为：app_id=2021000000000002&amp;biz_content=\{"out_trade_no":"A 1"\}&amp;charset=utf-8&amp;method=alipay\.trade\.query/);
  // A correctly signed request passes the check and reaches the simulated sandbox.
  const good = await sdk().exec('alipay.trade.query', { bizContent: { outTradeNo: 'A 1' } }, { validateSign: true });
  assert.equal(good.subCode, 'ACQ.TRADE_NOT_EXIST');
});

test('v3: a bad authorization signature is a signed 401 the SDK reports', async (t) => {
  const { sdk } = await mockPaymock(t);
  await assert.rejects(sdk(pkcs1(impostor.privateKey)).curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'X' } }), (error: Error & { code?: string; responseHttpStatus?: number }) => {
    assert.equal(error.code, 'invalid-signature');
    assert.equal(error.responseHttpStatus, 401);
    return true;
  });
  await assert.rejects(sdk().curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'X' } }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ACQ.TRADE_NOT_EXIST', 'a good signature passes the check and reaches the sandbox');
    return true;
  });
});

test('legacy: a bad MD5 signature gets is_success=F with ILLEGAL_SIGN in the request charset', async (t) => {
  const { paymock } = await mockPaymock(t);
  const params = { service: 'alipay.acquire.overseas.query', partner: PARTNER, partner_trans_id: 'T1', _input_charset: 'gbk', memo: '中文' };
  const good = md5Sign(mapiRequestSignContent(params), MD5_KEY, 'gbk');
  const form = (sign: string) =>
    Object.entries({ ...params, sign_type: 'MD5', sign })
      .map(([k, v]) => `${k}=${[...iconv.encode(v, 'gbk')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`)
      .join('&');
  const post = (sign: string) => send(`${paymock.url}/gateway.do?_input_charset=gbk`, { method: 'POST', body: form(sign), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });

  const rejected = await post('0'.repeat(32));
  assert.equal(rejected.status, 200);
  assert.equal(rejected.headers['content-type'], 'text/xml; charset=gbk');
  assert.equal(iconv.decode(rejected.body, 'gbk'), '<?xml version="1.0" encoding="gbk"?>\n<alipay><is_success>F</is_success><error>ILLEGAL_SIGN</error></alipay>');
  const accepted = iconv.decode((await post(good)).body, 'gbk');
  assert.match(accepted, /<is_success>T<\/is_success>.*<error>TRADE_NOT_EXIST<\/error>/, 'a good MD5 signature (hashed in GBK) passes the check');
});
