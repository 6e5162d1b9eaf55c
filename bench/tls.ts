// TLS material for the HTTPS scenarios: a self-signed certificate for the bench's HTTPS origin on
// 127.0.0.1 (the tests' own helper), and paymock's CA certificate once it exists.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { selfSigned } from '../test/support/tls.js';

export interface KeyAndCert {
  readonly key: string;
  readonly cert: string;
}

/** The tests' self-signed certificate for an IP: the bench origin needs exactly the same. */
export function selfSignedForIp(ip = '127.0.0.1'): KeyAndCert {
  return selfSigned(ip);
}

/** A CA paymock creates in the background at start: wait (bounded) for its certificate file. */
export async function waitForCaCert(caDir: string, timeoutMs: number): Promise<string> {
  const file = path.join(caDir, 'ca.pem');
  const step = 25;
  for (let waited = 0; waited <= timeoutMs; waited += step) {
    // Written to a temporary name and renamed into place, so once it exists it is complete.
    const pem = await readFile(file, 'utf8').catch(() => undefined);
    if (pem?.includes('-----BEGIN CERTIFICATE-----')) return pem;
    await new Promise((resolve) => setTimeout(resolve, step));
  }
  throw new Error(`paymock's CA certificate ${file} did not appear within ${timeoutMs} ms`);
}
