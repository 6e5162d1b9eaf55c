// The dashboard in a real headless Chromium (Debian's, driven by playwright-core): rows appear live
// as traffic flows, a row opens its decoded GBK exchange, and a rule toggled in the page changes
// the next answer.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { chromium } from 'playwright-core';
import request from 'supertest';
import { startPaymock } from '../../src/index.js';
import { send } from '../support/client.js';
import { tempDir } from '../support/tmp.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Flags for a closed network: without them Chromium keeps trying to reach Google's services.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PAY = '/gateway.do?service=alipay.acquire.overseas.spot.pay&partner=2088101122136241&trans_amount=1.00&currency=USD&buyer_identity_code=288888888888888888';

test('live rows, a decoded exchange, and a rule toggled from the page', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`Chromium not found at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
    return;
  }
  const dir = await tempDir(t);
  const paymock = await startPaymock({ port: 0, caDir: path.join(dir, 'keys'), rulesDir: path.join(dir, 'rules'), log: 'silent' });
  t.after(() => paymock.stop());
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(`${paymock.url}/__paymock`);
  await page.waitForFunction(() => (window as unknown as { paymockReady?: boolean }).paymockReady === true);
  await page.waitForSelector('#live.on');
  assert.equal(await page.inputValue('#mode'), 'mock');

  const chinese = [...iconv.encode('测试商品', 'gbk')].map((b) => `%${b.toString(16)}`).join('');
  await send(`${paymock.url}${PAY}&partner_trans_id=D-1&trans_name=${chinese}`);
  await send(`${paymock.url}/nothing/here`);
  await page.waitForSelector('#journal tbody tr:nth-child(2)');
  assert.deepEqual(await page.$$eval('#journal tbody tr', (rows) => rows.map((row) => (row as HTMLElement).dataset.source)), ['miss', 'default']);

  await page.click('#journal tbody tr[data-source="default"]');
  const requestText = await page.textContent('#detail-request');
  const responseText = await page.textContent('#detail-response');
  assert.match(requestText ?? '', /GET http:\/\/127\.0\.0\.1:\d+\/gateway\.do/);
  assert.match(responseText ?? '', /<param name="trans_name">测试商品<\/param>/, 'GBK decoded for reading');
  assert.match(responseText ?? '', /\n {6}<result_code>SUCCESS<\/result_code>/, 'XML pretty-printed');
  assert.match((await page.textContent('#detail-outcome')) ?? '', /answered by default .* request signature: unchecked/);
  await page.click('#journal tbody tr[data-source="miss"]');
  assert.match((await page.textContent('#detail-reason')) ?? '', /no rule or default answers this request/);

  await request(paymock.url)
    .post('/__paymock/rules')
    .send({ id: 'decline-d', name: 'decline D-*', when: { params: { partner_trans_id: { regex: '^D-' } } }, then: { result: 'FAIL', error: 'BUYER_BALANCE_NOT_ENOUGH' } })
    .expect(201);
  assert.match((await send(`${paymock.url}${PAY}&partner_trans_id=D-2`)).body.toString(), /BUYER_BALANCE_NOT_ENOUGH/);
  await page.click('nav button[data-tab="rules"]');
  const toggle = page.locator('#rule-list tr[data-rule="decline-d"] input[type="checkbox"]');
  assert.equal(await toggle.isChecked(), true);
  await toggle.uncheck();
  await page.waitForFunction(() => !(document.querySelector('#rule-list tr[data-rule="decline-d"] input') as HTMLInputElement | null)?.checked);
  assert.match((await send(`${paymock.url}${PAY}&partner_trans_id=D-3`)).body.toString(), /<result_code>SUCCESS<\/result_code>/, 'the rule is off');

  await page.click('nav button[data-tab="exchanges"]');
  await page.waitForSelector('#journal tbody tr:nth-child(4)');
  assert.deepEqual(await page.$$eval('#journal tbody tr', (rows) => rows.slice(0, 2).map((row) => (row as HTMLElement).dataset.source)), ['default', 'rule']);
  assert.deepEqual(errors, [], 'no script errors in the page');
});
