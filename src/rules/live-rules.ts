// The rule set a running paymock uses: loaded from rules/ at start (a broken file stops the
// start, naming it) and reloaded on change (a broken file then keeps the last good set).
import type { Logger } from '../core/log.js';
import type { Simulator } from './defaults/simulator.js';
import { loadRuleDir } from './load.js';
import { RuleSet } from './rule-set.js';
import { watchRules, type RulesWatcher } from './watch.js';

export async function liveRules(dir: string, watch: boolean, simulator: Simulator, log: Logger): Promise<{ rules: RuleSet; watcher: RulesWatcher | undefined }> {
  const loaded = await loadRuleDir(dir);
  const rules = new RuleSet(simulator, loaded.rules);
  if (loaded.rules.length) log.info(`${loaded.rules.length} rule(s) from ${loaded.files.length} file(s) in ${dir}`);
  const watcher = watch
    ? watchRules(dir, (change) => {
        if ('error' in change) {
          log.warn(`rules not reloaded, the last good set (${rules.rules.length} rule(s)) stays: ${change.error.message}`);
          return;
        }
        rules.replace(change.rules);
        log.info(`rules reloaded: ${change.rules.length} rule(s)`);
      })
    : undefined;
  return { rules, watcher };
}
