// A paymock in mock mode that knows one OpenAPI app (its public key) and one legacy partner (its
// MD5 key), and an alipay-sdk client for that app trusting paymock's test Alipay key.
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { AlipaySdk } from 'alipay-sdk';
import { startPaymock, type PaymockOptions } from '../../src/index.js';
import { loadOrCreateAlipayTestKey } from '../../src/keys/alipay-test-key.js';
import { tempDir } from './tmp.js';

export const PARTNER = '2088101122136241';
export const BUYER = '288888888888888888';
/** The merchant app's own key pair (generated once per test file). */
export const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const pkcs1 = (key: typeof app.privateKey) => key.export({ type: 'pkcs1', format: 'pem' }).toString();

export async function startMockSandbox(t: TestContext, setup: { appId: string; md5Key: string; options?: Partial<PaymockOptions> }) {
  const dir = await tempDir(t);
  const keys = path.join(dir, 'keys');
  const paymock = await startPaymock({
    port: 0,
    caDir: keys,
    rulesDir: path.join(dir, 'rules'),
    log: 'silent',
    alipay: {
      apps: { [setup.appId]: { publicKey: app.publicKey.export({ type: 'spki', format: 'pem' }).toString() } },
      partners: { [PARTNER]: { md5Key: setup.md5Key } },
    },
    ...setup.options,
  } as PaymockOptions);
  t.after(() => paymock.stop());
  const alipayPublicKey = (await loadOrCreateAlipayTestKey(keys)).publicKeyBase64;
  /** An SDK for the app, signing with `privateKey` (the app's own unless given). */
  const sdk = (privateKey = pkcs1(app.privateKey), timeout = 5000) =>
    new AlipaySdk({ appId: setup.appId, privateKey, alipayPublicKey, gateway: `${paymock.url}/gateway.do`, endpoint: paymock.url, timeout });
  return { dir, paymock, sdk, alipayPublicKey };
}
