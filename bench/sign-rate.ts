// The limit for RSA2 replies: how many RSA-2048 SHA-256 signatures `crypto.sign` alone makes per
// second on this machine, in a child process of its own (one core, like paymock's event loop).
//   measureSignRate(seconds) in the parent forks this file with `--child <seconds>`.
import { fork } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export interface SignRate {
  readonly signsPerSec: number;
  readonly usPerSign: number;
  readonly signs: number;
}

const SELF = fileURLToPath(import.meta.url);
/** About what paymock signs for a v2 trade reply: the response node's JSON text. */
const TEXT = JSON.stringify({
  code: '10000',
  msg: 'Success',
  buyer_logon_id: 'bu***@example.com',
  buyer_pay_amount: '88.88',
  buyer_user_id: '2088102122524333',
  out_trade_no: 'BENCH-Q-00000001',
  receipt_amount: '88.88',
  send_pay_date: '2024-01-01 12:00:05',
  total_amount: '88.88',
  trade_no: '2024010122001424330500001234',
  trade_status: 'TRADE_SUCCESS',
});
const WARMUP_MS = 300;
/** Far above what one core reaches in the time given; keeps the loop bounded in count. */
const MAX_SIGNS = 1_000_000;

function signFor(seconds: number): SignRate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.from(TEXT);
  for (let end = performance.now() + WARMUP_MS; performance.now() < end; ) sign('sha256', data, privateKey);
  const started = performance.now();
  const end = started + seconds * 1000;
  let signs = 0;
  while (signs < MAX_SIGNS && performance.now() < end) {
    sign('sha256', data, privateKey);
    signs++;
  }
  const elapsedMs = performance.now() - started;
  return { signs, signsPerSec: signs / (elapsedMs / 1000), usPerSign: (elapsedMs * 1000) / signs };
}

export function measureSignRate(seconds: number): Promise<SignRate> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, ['--child', String(seconds)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the crypto.sign child gave no answer within ${seconds + 20} s`));
    }, (seconds + 20) * 1000);
    child.once('message', (rate: SignRate) => {
      clearTimeout(timer);
      resolve(rate);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the crypto.sign child exited (code ${code}) without an answer`));
    });
  });
}

if (process.argv[2] === '--child' && process.send) {
  process.send(signFor(Number(process.argv[3])), () => process.exit(0));
}
