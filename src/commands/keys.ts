// `paymock keys`: make sure paymock's test "Alipay" key pair exists and show the public half in
// the forms clients are configured with, so responses paymock signs verify in the app under test.
import { loadOrCreateAlipayTestKey, type AlipayTestKey } from '../keys/alipay-test-key.js';

/** The report as lines, kept apart from the key loading so its wording can be tested on its own. */
export function keysReport(key: AlipayTestKey): string[] {
  const lines = [
    `paymock Alipay test key: ${key.file}${key.created ? ' (created now)' : ''}`,
    'This is a TEST key pair made by paymock. Never configure its public key in production:',
    'anyone holding this file can sign responses and notifications your app would then trust.',
    '',
    // Bare base64 SPKI is what Alipay's console shows and what alipay-sdk and the Java SDK take as is.
    'Alipay public key (base64, one line: alipay-sdk alipayPublicKey, Java DefaultAlipayClient alipayPublicKey):',
    key.publicKeyBase64,
    '',
    'Alipay public key (PEM):',
    ...key.publicKeyPem.trimEnd().split('\n'),
    '',
    'Example, in the app under test only (alipay-sdk for Node):',
    `  new AlipaySdk({ appId, privateKey, gateway, endpoint, alipayPublicKey: '${key.publicKeyBase64}' })`,
    '',
    // alipay.md §8: what this key does and does not cover, since each case fails as a bad signature.
    'What it covers:',
    '  - OpenAPI v2 (gateway.do) and v3 responses, and notifications, that paymock makes up or re-signs.',
    '  - Legacy mapi RSA/RSA2 responses. Legacy MD5 is signed with your merchant MD5 key, not this one.',
    '  - Replayed real Alipay traffic keeps its recorded signatures: those verify only with the real',
    '    Alipay public key that was configured when they were recorded.',
  ];
  return lines;
}

export async function keysCommand(dir: string, print: (line: string) => void): Promise<void> {
  const key = await loadOrCreateAlipayTestKey(dir);
  for (const line of keysReport(key)) print(line);
}
