// A fake Alipay gateway on 127.0.0.1 that signs like the real one, with keys of its own (not
// paymock's): v2 JSON at /gateway.do?method=, v3 REST at /v3/..., legacy XML at /gateway.do?service=.
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import iconv from 'iconv-lite';
import { parseForm } from '../../src/core/form.js';
import { mapiResponseSignContent, md5Sign } from '../../src/dialects/signing.js';
import { startFakeUpstream, type FakeUpstream, type Received } from './fake-upstream.js';

export const MD5_KEY = 'k3y0f7hemerchant2088md5key000000';

export interface FakeAlipay {
  upstream: FakeUpstream;
  /** The gateway's public key (what an app trusts when talking to the real thing). */
  publicKeyPem: string;
  /** Its private key, for a test that sends notifications as the gateway would. */
  privateKeyPem: string;
  /** Business fields each v2/v3 call answers with, by call count. */
  v2(method: string, answer: (biz: Record<string, string>, n: number) => Record<string, string>): void;
  v3(path: string, answer: (body: Record<string, string>, n: number) => Record<string, string>): void;
  mapi(service: string, answer: (params: Record<string, string>, n: number) => Record<string, string>): void;
}

function rsa(content: string, key: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');
}

function params(req: Received, charset: string): Record<string, string> {
  const url = new URL(req.url, 'http://x');
  return Object.fromEntries([...parseForm(url.search.slice(1), charset), ...parseForm(req.body.toString('latin1'), charset)]);
}

export async function startFakeAlipay(): Promise<FakeAlipay> {
  const upstream = await startFakeUpstream();
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const v2 = new Map<string, (biz: Record<string, string>, n: number) => Record<string, string>>();
  const mapi = new Map<string, (p: Record<string, string>, n: number) => Record<string, string>>();
  const counts = new Map<string, number>();
  const next = (name: string) => {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return counts.get(name)!;
  };
  upstream.route('*', '/gateway.do', (req) => {
    const url = new URL(req.url, 'http://x');
    const service = url.searchParams.get('service') ?? params(req, 'latin1').service;
    if (service) {
      const charset = url.searchParams.get('_input_charset') ?? 'GBK';
      const p = params(req, charset);
      const business = mapi.get(service)!(p, next(service));
      const sorted = Object.keys(business).sort();
      const sign = md5Sign(mapiResponseSignContent(business), MD5_KEY, charset);
      const echo = Object.entries(p).map(([k, v]) => `<param name="${k}">${v}</param>`).join('');
      const inner = sorted.map((k) => `<${k}>${business[k]}</${k}>`).join('');
      const xml = `<?xml version="1.0" encoding="${charset}"?>\n<alipay><is_success>T</is_success><request>${echo}</request><response><alipay>${inner}</alipay></response><sign>${sign}</sign><sign_type>MD5</sign_type></alipay>`;
      return { headers: { 'Content-Type': `text/xml; charset=${charset}` }, body: iconv.encode(xml, charset) };
    }
    const method = url.searchParams.get('method')!;
    const biz = JSON.parse(params(req, 'utf-8').biz_content ?? '{}') as Record<string, string>;
    const node = JSON.stringify({ code: '10000', msg: 'Success', ...v2.get(method)!(biz, next(method)) });
    return {
      headers: { 'Content-Type': 'text/html;charset=utf-8' },
      body: `{"${method.replaceAll('.', '_')}_response":${node},"sign":"${rsa(node, privateKey)}"}`,
    };
  });
  return {
    upstream,
    publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey,
    v2: (method, answer) => v2.set(method, answer),
    mapi: (service, answer) => mapi.set(service, answer),
    v3(path, answer) {
      upstream.route('POST', path, (req) => {
        const body = JSON.stringify(answer(JSON.parse(req.body.toString() || '{}'), next(path)));
        const ts = String(Date.now());
        const nonce = randomUUID();
        return {
          headers: { 'Content-Type': 'application/json; charset=utf-8', 'alipay-timestamp': ts, 'alipay-nonce': nonce, 'alipay-signature': rsa(`${ts}\n${nonce}\n${body}\n`, privateKey) },
          body,
        };
      });
    },
  };
}
