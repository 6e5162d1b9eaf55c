// One paymock in a child process for the soak: its URL, its RSS from /proc, and, with the probe
// on, the heap left after a forced GC (scripts/memory-probe.ts) and heap snapshots on SIGUSR2
// (written to the soak's temp directory, never into the repository).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProbeSample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** MB reserved per V8 heap space (new, old, code, large_object, ...). */
  spaces: Record<string, number>;
}

export interface SoakChild {
  readonly url: string;
  readonly child: ChildProcess;
  /** VmRSS and its anonymous part (heap, malloc) in MB. */
  rss(): { rss: number; anon: number };
  /** The last probe line (after a forced GC), when the probe is on. */
  probe(): ProbeSample | undefined;
  /** Ask for a heap snapshot (probe on): node writes Heap-*.heapsnapshot into `dir`. */
  snapshot(): void;
}

function status(pid: number, field: string): number {
  const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 102.4) / 10;
}

export async function soakChild(name: string, args: string[], options: { dir: string; probeMs?: number }): Promise<SoakChild> {
  const probe = options.probeMs
    ? ['--expose-gc', '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.dir}`, '--import', './scripts/memory-probe.ts']
    : [];
  // tsx first: the probe is TypeScript too.
  const child = spawn(process.execPath, ['--import', 'tsx', ...probe, 'src/cli.ts', 'start', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(options.probeMs ? { PAYMOCK_PROBE_MS: String(options.probeMs) } : {}) },
  });
  let last: ProbeSample | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      const sample = /^paymock-memory (\{.*\})$/.exec(line)?.[1];
      if (sample) last = JSON.parse(sample) as ProbeSample;
      else if (line) process.stderr.write(`${name}: ${line}\n`);
    }
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const found = /listening on (http:\/\/\S+)/.exec(chunk.toString())?.[1];
      if (found) resolve(found);
    });
    child.on('exit', () => reject(new Error(`${name} exited`)));
  });
  return {
    url,
    child,
    rss: () => ({ rss: status(child.pid!, 'VmRSS'), anon: status(child.pid!, 'RssAnon') }),
    probe: () => last,
    snapshot: () => void child.kill('SIGUSR2'),
  };
}
