// paymock's real command line in a child process (bin/paymock.js): its output, its exit, and the
// URL its one startup line names.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const BIN = path.resolve('bin/paymock.js');

export interface Proc {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export function paymock(args: string[], cwd: string): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, stdout: () => stdout, exited };
}

export async function output(proc: Proc) {
  return proc.exited;
}

/** Wait for the one startup line and return the URL it names. */
export async function started(proc: Proc): Promise<{ url: string; line: string }> {
  const deadline = Date.now() + 20_000;
  while (!proc.stdout().includes('\n')) {
    if (proc.child.exitCode !== null || Date.now() > deadline) throw new Error(`paymock did not start: ${proc.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const line = proc.stdout().split('\n')[0]!;
  const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
  assert.ok(url, `startup line names the URL: ${line}`);
  return { url, line };
}
