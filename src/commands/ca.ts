// `paymock ca`: make sure the CA exists and say where it is and how to trust it.
import path from 'node:path';
import type { Logger } from '../core/log.js';
import { loadAuthority } from '../tls/authority.js';
import { trustGuide } from '../tls/trust-guide.js';

export interface CaCommandOptions {
  readonly caDir: string;
  readonly caCert?: string;
  readonly caKey?: string;
  readonly proxyUrl: string;
}

export async function caCommand(options: CaCommandOptions, print: (line: string) => void, log: Logger): Promise<void> {
  const authority = await loadAuthority({
    dir: options.caDir,
    ...(options.caCert && options.caKey ? { certFile: options.caCert, keyFile: options.caKey } : {}),
    log,
  });
  const keyFile = options.caKey ? path.resolve(options.caKey) : path.resolve(options.caDir, 'ca-key.pem');
  print(`paymock CA certificate: ${authority.certFile}`);
  print(`its private key: ${keyFile} (mode 0600: never commit it, never share it)`);
  print('');
  print(`Trust the certificate in the client that talks to Alipay through paymock (${options.proxyUrl}):`);
  for (const line of trustGuide({ caFile: authority.certFile, proxyUrl: options.proxyUrl })) print(`  ${line}`);
}
