// Reload the rules directory when it changes and report the new set or the error; the caller
// keeps its last good set on an error. Events are observation only: the reload itself is one
// awaited loadRuleDir, and a burst of events (an editor's save is several) makes one reload.
import { statSync, watch, watchFile, unwatchFile, type FSWatcher, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { describe, PaymockError } from '../core/errors.js';
import { loadRuleDir } from './load.js';
import type { Rule } from './schema.js';

export type RulesChange = { rules: Rule[] } | { error: PaymockError };

export interface RulesWatcher {
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last event before reloading. */
  readonly debounceMs?: number;
  /** How often to look for a missing directory. */
  readonly pollMs?: number;
}

/**
 * fs.watch needs an existing directory, and its watch dies with the directory (deleted, or
 * renamed away: then it follows the old inode). So while `dir` is missing we poll it with
 * fs.watchFile, one stat a second, which works at any depth of missing parents and costs less
 * than watching a parent that may not exist either. A missing directory reports no rules.
 * The first report comes on the first change: load the initial set with loadRuleDir yourself.
 */
export function watchRules(dir: string, onChange: (change: RulesChange) => void, options: WatchOptions = {}): RulesWatcher {
  const debounceMs = options.debounceMs ?? 100;
  const pollMs = options.pollMs ?? 1000;
  let watcher: FSWatcher | undefined;
  let watchedInode: number | undefined;
  let polling = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let loading = false;
  let again = false;
  let lastReport: string | undefined;

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), debounceMs);
  };

  const onPoll = (current: Stats) => {
    if (!current.isDirectory()) return;
    stopPolling();
    arm();
    schedule();
  };

  function startPolling() {
    if (polling || closed) return;
    polling = true;
    watchFile(dir, { interval: pollMs, persistent: false }, onPoll);
  }

  function stopPolling() {
    if (!polling) return;
    polling = false;
    unwatchFile(dir, onPoll);
  }

  function disarm() {
    watcher?.close();
    watcher = undefined;
    watchedInode = undefined;
  }

  // Synchronous, so that a change made right after watchRules returns is not missed.
  function arm() {
    if (closed || watcher) return;
    try {
      watchedInode = statSync(dir).ino;
      watcher = watch(dir, { persistent: false }, schedule);
      // Some platforms report a vanished directory as an error: re-check on the next reload.
      watcher.on('error', () => {
        disarm();
        schedule();
      });
    } catch {
      disarm();
      startPolling();
    }
  }

  /** After each reload: is the watch still on the directory now at `dir`? */
  async function rearm() {
    const current = await stat(dir).catch(() => undefined);
    if (current?.isDirectory() && current.ino === watchedInode) return;
    disarm();
    if (current?.isDirectory()) arm();
    else startPolling();
  }

  async function reload() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    let change: RulesChange;
    try {
      change = { rules: (await loadRuleDir(dir)).rules };
    } catch (error) {
      change = { error: error instanceof PaymockError ? error : new PaymockError('RULES_INVALID', describe(error), { cause: error }) };
    }
    await rearm();
    loading = false;
    if (closed) return;
    if (again) {
      // Files changed while we read them: this result may be half old, half new.
      again = false;
      schedule();
      return;
    }
    // Regexes serialise as their source, so equal text means an equal rule set.
    const report = 'error' in change ? `error ${change.error.message}` : JSON.stringify(change.rules);
    if (report === lastReport) return;
    lastReport = report;
    onChange(change);
  }

  arm();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      disarm();
      stopPolling();
    },
  };
}
