// TLS material for the HTTPS scenarios: a self-signed certificate for the bench's HTTPS origin on
// 127.0.0.1 (key from node:crypto, X.509 by node-forge, the approach of test/support/tls.ts, kept
// here so the bench does not depend on test code), and paymock's CA certificate once it exists.
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import forge from 'node-forge';

export interface KeyAndCert {
  readonly key: string;
  readonly cert: string;
}

/** Valid from a minute ago for a day: longer than any bench, short enough to be obviously a test. */
export function selfSignedForIp(ip = '127.0.0.1'): KeyAndCert {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3_600_000);
  const subject = [{ name: 'commonName', value: ip }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip }] }]);
  cert.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { key, cert: forge.pki.certificateToPem(cert) };
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
