// How the scheduler treated a set of processes over a stretch of time, from Linux's /proc: how
// often their main threads moved to another core, and how often they were switched out while
// still runnable (preempted, by another process or a neighbour's). A slow latency round with
// many of either was the machine's doing. One without them may still be (a shared core can slow
// down without being taken away), so they explain a slow round, never clear one. Elsewhere than
// Linux the counters are absent and every figure is undefined.
import { readFileSync } from 'node:fs';

export interface SchedCounters {
  /** se.nr_migrations: moves of the main thread from one core to another. */
  readonly migrations: number;
  /** nonvoluntary_ctxt_switches: switched out while runnable. */
  readonly preempted: number;
}

function field(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name.replace(/\./g, '\\.')}\\s*:\\s*(\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The main thread's counters of one process, or undefined when /proc does not have them. */
function countersOf(pid: number): SchedCounters | undefined {
  try {
    const migrations = field(readFileSync(`/proc/${pid}/sched`, 'utf8'), 'se.nr_migrations');
    const preempted = field(readFileSync(`/proc/${pid}/status`, 'utf8'), 'nonvoluntary_ctxt_switches');
    return migrations === undefined || preempted === undefined ? undefined : { migrations, preempted };
  } catch {
    return undefined;
  }
}

/** The counters of `pids` summed now; undefined if any is unreadable. */
export function readSched(pids: readonly number[]): SchedCounters | undefined {
  let migrations = 0;
  let preempted = 0;
  for (const pid of pids) {
    const counters = countersOf(pid);
    if (!counters) return undefined;
    migrations += counters.migrations;
    preempted += counters.preempted;
  }
  return { migrations, preempted };
}

/** What happened to `pids` between `before` and now. */
export function schedSince(pids: readonly number[], before: SchedCounters | undefined): SchedCounters | undefined {
  const after = readSched(pids);
  if (!before || !after) return undefined;
  return { migrations: after.migrations - before.migrations, preempted: after.preempted - before.preempted };
}
