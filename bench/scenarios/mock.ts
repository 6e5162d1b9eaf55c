// Mock mode (the simulated sandbox, no cassette). mock-md5: legacy `alipay.acquire.overseas.query`
// for trades paid beforehand, MD5-signed requests (paymock checks them) and MD5-signed XML replies.
// mock-rsa2: OpenAPI v2 `alipay.trade.query` for one trade over and over (the signed text repeats,
// so a signature cache can help), and mock-rsa2-pay: a new `alipay.trade.pay` per request (every
// signed text is new). Both are RSA2-signed with paymock's test key; their limit is crypto.sign.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { checkLegacyMd5Reply, checkOpenapiReply, md5Sign, publicKeyOf } from '../alipay-sign.js';
import type { ServerChild } from '../children.js';
import { gbkForm, LEGACY_PARTNER } from '../legacy-trades.js';
import { autocannonClient, fetchSample } from '../load.js';
import { fixedWorkload, randomWorkload, sequenceWorkload, type BenchRequest } from '../workload.js';
import { fail } from './checks.js';
import { paymockOptions, type BenchContext, type Scenario } from './types.js';

const MD5_KEY = 'benchmd5key0123456789abcdefghijk';
const APP_ID = '2021000000000001';
/** Trades paid before mock-md5 is measured; each query asks for one of them at random. */
const MD5_TRADES = 100;
const SEED = 0x5eed;
/** 18 digits starting 28: a valid buyer code (alipay.md 1.4). */
const BUYER_CODE = '285000000000000001';
const LEGACY_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

function legacyCall(params: Record<string, string>): BenchRequest {
  const all = { ...params, partner: LEGACY_PARTNER, _input_charset: 'GBK' };
  return { path: '/gateway.do', headers: LEGACY_HEADERS, body: gbkForm({ ...all, sign_type: 'MD5', sign: md5Sign(all, MD5_KEY, 'GBK') }) };
}

const legacyTradeId = (i: number) => `BENCH-M-${String(i).padStart(6, '0')}`;

function legacyPay(i: number): BenchRequest {
  return legacyCall({
    service: 'alipay.acquire.overseas.spot.pay',
    alipay_seller_id: LEGACY_PARTNER,
    trans_name: '基准测试订单',
    partner_trans_id: legacyTradeId(i),
    currency: 'USD',
    trans_amount: '10.00',
    buyer_identity_code: BUYER_CODE,
    identity_code_type: 'barcode',
    trans_create_time: '20240101120000',
    biz_product: 'OVERSEAS_MBARCODE_PAY',
  });
}

const legacyQuery = (i: number) => legacyCall({ service: 'alipay.acquire.overseas.query', partner_trans_id: legacyTradeId(i) });

/** A v2 call: common params in the query, biz_content in the form body (alipay.md 3.1); not verified (no app key configured). */
function openapiCall(method: string, biz: Record<string, string>): BenchRequest {
  const query = new URLSearchParams({ app_id: APP_ID, method, format: 'JSON', charset: 'utf-8', sign_type: 'RSA2', timestamp: '2024-01-01 12:00:00', version: '1.0', sign: 'A'.repeat(344) });
  return { path: `/gateway.do?${query}`, headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams({ biz_content: JSON.stringify(biz) }).toString() };
}

const openapiPay = (outTradeNo: string) =>
  openapiCall('alipay.trade.pay', { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: BUYER_CODE, subject: '基准测试订单', total_amount: '10.00' });

async function expectMd5(name: string, server: ServerChild, request: BenchRequest): Promise<void> {
  const sample = await fetchSample(server.url, request);
  const problems = checkLegacyMd5Reply(sample.body, MD5_KEY, 'GBK');
  if (sample.status !== 200) problems.unshift(`status ${sample.status}`);
  if (sample.source !== 'default') problems.push(`x-paymock-source is ${sample.source ?? '(absent)'}, expected default`);
  if (problems.length > 0) fail(name, problems, sample.body);
}

async function expectRsa2(name: string, server: ServerChild, request: BenchRequest, responseKey: string, key: KeyObject): Promise<void> {
  const sample = await fetchSample(server.url, request);
  const problems = checkOpenapiReply(sample.body, responseKey, key);
  if (sample.status !== 200) problems.unshift(`status ${sample.status}`);
  if (sample.source !== 'default') problems.push(`x-paymock-source is ${sample.source ?? '(absent)'}, expected default`);
  if (problems.length > 0) fail(name, problems, sample.body);
}

/** paymock in mock mode, knowing the legacy partner's MD5 key. */
export const md5Options = (context: BenchContext) =>
  paymockOptions(context, { mode: 'mock', alipay: { partners: { [LEGACY_PARTNER]: { md5Key: MD5_KEY } } }, notify: { enabled: false } });

/** Pay the trades the MD5 queries ask for, checking each answer: a paid trade, signed with the partner's key. */
export async function payMd5Trades(server: ServerChild): Promise<void> {
  for (let i = 0; i < MD5_TRADES; i++) await expectMd5('mock-md5 (paying the trades it queries)', server, legacyPay(i));
}

/** Queries of the paid trades, at random. */
export const md5Queries = () => randomWorkload(Array.from({ length: MD5_TRADES }, (_, i) => legacyQuery(i)), SEED);

async function md5Scenario(context: BenchContext): Promise<Scenario> {
  const server = await context.start('mock-md5', { kind: 'paymock', options: md5Options(context) });
  await payMd5Trades(server);
  return {
    name: 'mock-md5',
    description: `paymock mock, legacy GBK alipay.acquire.overseas.query (MD5-signed) of ${MD5_TRADES} paid trades at random; MD5-signed XML replies`,
    server,
    client: autocannonClient(server.url, context.shape, md5Queries()),
    baseline: 'direct',
    check: async () => {
      for (const i of [0, 42, MD5_TRADES - 1]) await expectMd5('mock-md5', server, legacyQuery(i));
    },
  };
}

async function rsa2Scenarios(context: BenchContext): Promise<Scenario[]> {
  const options = paymockOptions(context, { mode: 'mock', notify: { enabled: false } });
  const server = await context.start('mock-rsa2', { kind: 'paymock', options });
  // startPaymock creates its test key before it listens, so it is on disk by now.
  const key = publicKeyOf(await readFile(path.join(String(options.caDir), 'alipay-test-key.pem'), 'utf8'));
  const queried = 'BENCH-Q-00000001';
  await expectRsa2('mock-rsa2 (paying the trade it queries)', server, openapiPay(queried), 'alipay_trade_pay_response', key);
  const query = openapiCall('alipay.trade.query', { out_trade_no: queried });
  // A run-unique prefix: a pay with an id already paid is answered from the ledger, not new.
  const pays = sequenceWorkload((i) => openapiPay(`BENCH-P-${process.pid}-${i}`));
  return [
    {
      name: 'mock-rsa2',
      description: 'paymock mock, OpenAPI v2 alipay.trade.query of one trade, again and again: RSA2-signed JSON, the same signed text each time',
      server,
      client: autocannonClient(server.url, context.shape, fixedWorkload(query)),
      baseline: 'rsa2-sign',
      check: () => expectRsa2('mock-rsa2', server, query, 'alipay_trade_query_response', key),
    },
    {
      name: 'mock-rsa2-pay',
      description: 'paymock mock, OpenAPI v2 alipay.trade.pay with a new out_trade_no each request: every signed text is new',
      server,
      client: autocannonClient(server.url, context.shape, pays),
      baseline: 'rsa2-sign',
      check: () => expectRsa2('mock-rsa2-pay', server, pays.next(), 'alipay_trade_pay_response', key),
    },
  ];
}

export async function mockScenarios(context: BenchContext): Promise<Scenario[]> {
  return [await md5Scenario(context), ...(await rsa2Scenarios(context))];
}
