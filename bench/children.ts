// The parent's side of bench/servers.ts: fork a server child, wait for its URL, ask it for CPU
// and memory figures, and make sure no child outlives the bench, whatever happens.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildStats, ParentMessage, ServerSpec, StopReport } from './servers.js';

const SERVERS_ENTRY = fileURLToPath(new URL('./servers.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** A paymock child loading a 100,000-interaction cassette on a busy machine takes a while. */
const READY_TIMEOUT_MS = 90_000;
const STATS_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 3_000;
/** A recording paymock's stop() writes its whole cassette (10,000 interactions: seconds at worst). */
const FINISH_TIMEOUT_MS = 60_000;
/** Enough of a child's output to explain why it died. */
const OUTPUT_TAIL_CHARS = 4_000;

export interface ServerChild {
  readonly name: string;
  readonly url: string;
  /** The child's process id (undefined if it could not be started, which startChild reports). */
  readonly pid: number | undefined;
  /** For a paymock child: ms from calling startPaymock to its resolving. */
  readonly startMs: number | undefined;
  stats(): Promise<ChildStats>;
  /** For a paymock child: stop paymock itself (flushing its cassette) and report; the process stays. */
  finish(): Promise<StopReport>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Synchronous, so it also works from an 'exit' handler. */
export function killAllChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function captureOutput(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => (tail.trim() ? `\n--- output of the child ---\n${tail.trim()}` : '');
}

/** The next message of `type` from the child; rejects if it reports an error, exits or is slow. */
function nextMessage<T extends ChildMessage['type']>(
  child: ChildProcess,
  name: string,
  type: T,
  timeoutMs: number,
  output: () => string,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`server child "${name}" ${why}${output()}`));
    };
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'error') fail(`failed: ${message.message}`);
      else if (message.type === type) {
        cleanup();
        resolve(message as Extract<ChildMessage, { type: T }>);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited (code ${code}, signal ${signal})`);
    const timer = setTimeout(() => fail(`sent no "${type}" message within ${timeoutMs} ms`), timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startChild(name: string, spec: ServerSpec): Promise<ServerChild> {
  const child = fork(SERVERS_ENTRY, [JSON.stringify(spec)], {
    cwd: PROJECT_ROOT,
    // BENCH_CHILD_ARGS: extra node flags for every server child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CHILD_ARGS ? process.env.BENCH_CHILD_ARGS.split(' ') : [])],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const output = captureOutput(child);
  let url: string;
  let startMs: number | undefined;
  try {
    ({ url, startMs } = await nextMessage(child, name, 'ready', READY_TIMEOUT_MS, output));
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  const ask = <T extends ChildMessage['type']>(request: ParentMessage, type: T, timeoutMs: number) => {
    const reply = nextMessage(child, name, type, timeoutMs, output);
    child.send(request);
    return reply;
  };
  return {
    name,
    url,
    pid: child.pid,
    startMs,
    async stats() {
      return (await ask({ type: 'stats' }, 'stats', STATS_TIMEOUT_MS)).stats;
    },
    async finish() {
      return (await ask({ type: 'stop' }, 'stopped', FINISH_TIMEOUT_MS)).report;
    },
    async stop() {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) child.kill('SIGKILL');
      running.delete(child);
    },
  };
}
