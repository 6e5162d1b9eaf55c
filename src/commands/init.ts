// `paymock init`: prepare a project: keep paymock's keys and lock files out of git, create the
// rules/ and cassettes/ folders, and a starter config. Never overwrites what is there.
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const IGNORED = ['.paymock/', 'cassettes/**/*.lock'];

const STARTER_CONFIG = `# paymock configuration (every key is optional; see README)
# mode: mock
# upstream: https://openapi-sandbox.dl.alipaydev.com
alipay:
  partners: {}      # "2088...": { md5Key: "..." }   legacy MD5 replies and request checks
  apps: {}          # "2021...": { publicKey: "..." } v2/v3 request checks
notify:
  retryScale: 0.001 # Alipay's retry schedule, compressed for tests
`;

export async function initCommand(dir: string, print: (line: string) => void): Promise<void> {
  const gitignore = path.join(dir, '.gitignore');
  const present = existsSync(gitignore) ? (await readFile(gitignore, 'utf8')).split('\n').map((line) => line.trim()) : [];
  const missing = IGNORED.filter((line) => !present.includes(line));
  if (missing.length) {
    const prefix = present.length && present.at(-1) !== '' ? '\n' : '';
    await appendFile(gitignore, `${prefix}# paymock: CA and test keys (private), cassette write locks\n${missing.join('\n')}\n`);
    print(`added to .gitignore: ${missing.join(', ')}`);
  } else {
    print('.gitignore already ignores paymock\'s keys and locks');
  }
  for (const folder of ['rules', 'cassettes']) {
    await mkdir(path.join(dir, folder), { recursive: true });
  }
  const config = path.join(dir, 'paymock.config.yaml');
  if (existsSync(config) || existsSync(path.join(dir, 'paymock.config.json'))) {
    print('a paymock.config file is already there: left as it is');
  } else {
    await writeFile(config, STARTER_CONFIG);
    print('wrote paymock.config.yaml');
  }
  print('next: npx paymock keys (the public key your app must trust), npx paymock ca (for HTTPS proxying)');
}
