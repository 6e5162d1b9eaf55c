// `paymock doctor`: check a running paymock from the client's side, as an app would reach it,
// and print the settings each runtime needs. The probe through the proxy asks paymock's own
// health endpoint inside an intercepted TLS tunnel, so it never leaves the machine.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import tls from 'node:tls';
import { trustGuide } from '../tls/trust-guide.js';

interface Health {
  mode: string;
  version: string;
  tls: { caFile: string | null; intercept: string[] };
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

function getJson(url: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`HTTP ${res.statusCode}: not paymock's health answer`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** CONNECT host:443 through the proxy, verify TLS against `ca` only, GET /__paymock/health. */
function probeThroughProxy(proxyUrl: string, host: string, ca: string, timeoutMs: number): Promise<string> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const done = (error: Error | undefined, value?: string) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value!);
    };
    const req = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: `${host}:443` });
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) return done(new Error(`CONNECT answered ${res.statusCode}`));
      const secure = tls.connect({ socket, ca, servername: host }, () => {
        secure.write(`GET /__paymock/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      });
      let text = '';
      secure.on('data', (chunk) => (text += chunk));
      secure.on('end', () => done(undefined, text.split('\r\n')[0] ?? ''));
      secure.on('error', (error) => done(error));
    });
    req.on('error', (error) => done(error));
    req.end();
  });
}

export async function runDoctor(proxyUrl: string, print: (line: string) => void, timeoutMs = 5000): Promise<boolean> {
  const checks: Check[] = [];
  const report = (check: Check) => {
    checks.push(check);
    print(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
  };

  let health: Health | undefined;
  try {
    health = (await getJson(`${proxyUrl}/__paymock/health`, timeoutMs)) as Health;
    report({ name: 'proxy reachable', ok: true, detail: `paymock ${health.version} at ${proxyUrl}, mode ${health.mode}` });
  } catch (error) {
    report({ name: 'proxy reachable', ok: false, detail: `${proxyUrl}: ${(error as Error).message} (is "paymock start" running there?)` });
  }

  let ca: string | undefined;
  const caFile = health?.tls.caFile ?? undefined;
  if (health) {
    try {
      if (!caFile) throw new Error('paymock has no CA loaded (see its log)');
      ca = await readFile(caFile, 'utf8');
      const cert = new X509Certificate(ca);
      report({ name: 'CA file present', ok: true, detail: `${caFile}, valid until ${cert.validTo}` });
    } catch (error) {
      report({ name: 'CA file present', ok: false, detail: (error as Error).message });
    }
  }

  const host = health?.tls.intercept.find((pattern) => !pattern.includes('*')) ?? 'openapi.alipay.com';
  if (health && ca) {
    try {
      const status = await probeThroughProxy(proxyUrl, host, ca, timeoutMs);
      const ok = /^HTTP\/1\.1 200/.test(status);
      report({ name: `HTTPS to ${host} through the proxy`, ok, detail: ok ? 'intercepted, and the certificate verifies against the CA' : status });
    } catch (error) {
      report({ name: `HTTPS to ${host} through the proxy`, ok: false, detail: `${(error as Error).message} (is ${host} in --intercept?)` });
    }
  }

  print('');
  print('What each runtime needs to go through paymock:');
  for (const line of trustGuide({ caFile: caFile ?? '<paymock ca.pem>', proxyUrl })) print(`  ${line}`);
  return checks.every((check) => check.ok);
}
