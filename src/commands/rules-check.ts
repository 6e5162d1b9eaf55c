// `paymock rules check [dir|file]`: load the rules the way `start` would and say what is there,
// or exactly what is wrong (file, rule, field). Exit code 0 when they load, 1 when not.
import { stat } from 'node:fs/promises';
import { describe } from '../core/errors.js';
import { loadRuleDir, loadRuleFiles, type LoadedRules } from '../rules/load.js';

async function load(target: string): Promise<LoadedRules> {
  // A single file can be checked too, e.g. one of rules/examples/ before copying it in.
  const info = await stat(target).catch(() => undefined);
  return info?.isFile() ? loadRuleFiles([target]) : loadRuleDir(target);
}

export async function rulesCheck(dir: string, print: (line: string) => void): Promise<number> {
  let loaded: LoadedRules;
  try {
    loaded = await load(dir);
  } catch (error) {
    print(`FAIL ${describe(error)}`);
    return 1;
  }
  if (loaded.files.length === 0) {
    print(`no rule files (*.json, *.yaml, *.yml) in ${dir}`);
    return 0;
  }
  const disabled = new Set(loaded.rules.filter((rule) => !rule.enabled).map((rule) => rule.id));
  for (const { file, ids } of loaded.sources) {
    const listed = ids.map((id) => (disabled.has(id) ? `${id} (disabled)` : id));
    print(`ok   ${file}: ${listed.length ? listed.join(', ') : '(no rules)'}`);
  }
  print(`${loaded.rules.length} rule(s) in ${loaded.files.length} file(s)`);
  return 0;
}
