// Where the bench's processes run. On this 2-core shared machine one core was measured 25-60 %
// slower than the other for the same process (the pipeline alone, in-process: 8.2 against 6.2 µs
// per request, consistently per core), and the scheduler put each server child on either one. A
// scenario and its baseline could thus run on different cores and their ratio moved with the
// placement, not the code. So every server child (the baselines, paymock, the origins, the
// crypto.sign child) runs on one core, the last one, and the bench process with its load generator
// on the others: a scenario and its baseline meet the same core. `BENCH_PIN=off` turns it off;
// without `taskset` (util-linux) or with one core nothing is pinned, and the report says so.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface Placement {
  /** CPU list for server children, e.g. "1"; undefined when not pinned. */
  readonly servers: string | undefined;
  /** CPU list for the bench process and its load generator. */
  readonly load: string | undefined;
  /** One line for the report. */
  readonly note: string;
}

/** The CPUs this process may run on, from /proc (Linux); undefined elsewhere. */
function allowedCpus(): number[] | undefined {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
  const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1]?.trim();
  if (!list) return undefined;
  return list.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number) as [number, number?];
    return Array.from({ length: to! - from + 1 }, (_, i) => from + i);
  });
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

function decide(): Placement {
  if (process.env.BENCH_PIN === 'off') return { servers: undefined, load: undefined, note: 'processes not pinned to cores (BENCH_PIN=off)' };
  const cpus = allowedCpus();
  if (!cpus || cpus.length < 2) return { servers: undefined, load: undefined, note: 'processes not pinned to cores (fewer than 2 CPUs to choose from)' };
  if (!hasTaskset()) return { servers: undefined, load: undefined, note: 'processes not pinned to cores (no taskset: install util-linux)' };
  const servers = String(cpus.at(-1));
  const load = cpus.slice(0, -1).join(',');
  return { servers, load, note: `server children pinned to CPU ${servers}, the load generator to CPU ${load} (BENCH_PIN=off to turn off)` };
}

let decided: Placement | undefined;

export function placement(): Placement {
  return (decided ??= decide());
}

/** Pin the bench process (and the load generator in it) to the load CPUs; once, at start. */
export function pinLoadGenerator(): void {
  const { load } = placement();
  if (!load) return;
  taskset(load, process.pid);
}

/** Pin a server child, all its threads (threads it starts later inherit the pinning). */
export function pinServer(pid: number | undefined): void {
  const { servers } = placement();
  if (!servers || pid === undefined) return;
  taskset(servers, pid);
}

/** Pin every child process of the bench process to the server CPUs (children started by code that does not pin). */
export function pinServerChildren(): void {
  const { servers } = placement();
  if (!servers) return;
  const tasks = readdirSync(`/proc/${process.pid}/task`);
  const children = tasks.flatMap((task) => readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
  for (const pid of new Set(children)) taskset(servers, Number(pid));
}

function taskset(cpus: string, pid: number): void {
  const result = spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { encoding: 'utf8' });
  // A child that already exited has nothing to pin.
  if (result.status !== 0 && existsSync(`/proc/${pid}`)) throw new Error(`taskset could not pin process ${pid} to CPU ${cpus}: ${result.stderr.trim()}`);
}
