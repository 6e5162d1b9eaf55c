// Rule files from disk: every `*.json`, `*.yaml` and `*.yml` directly in the rules directory
// (not in subdirectories, so `rules/examples/` stays out), in name order. Any error throws, so a
// caller reloading on change keeps its last good set.
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDataFile } from '../core/data-file.js';
import { PaymockError } from '../core/errors.js';
import { tryOrder } from './match.js';
import { parseRules, type Rule } from './schema.js';

export const RULE_FILE = /\.(json|ya?ml)$/i;

export interface LoadedRules {
  /** In the order they are tried: priority, then file order. */
  readonly rules: Rule[];
  readonly files: string[];
  /** Each file's rule ids, in file order (for `paymock rules check`). */
  readonly sources: ReadonlyArray<{ readonly file: string; readonly ids: readonly string[] }>;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function readRuleFile(file: string, missingOk: boolean): Promise<Rule[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // A directory listing can be stale by the time we read: a file deleted or renamed in the
    // meantime is simply gone (the watcher reloads again for the rename's other half).
    if (missingOk && isMissing(error)) return undefined;
    throw new PaymockError('RULES_INVALID', `cannot read rules file ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseRules(parseDataFile(text, file, 'RULES_INVALID'), file);
}

async function loadFiles(files: readonly string[], missingOk: boolean): Promise<LoadedRules> {
  const all: Rule[] = [];
  const found: string[] = [];
  const sources: Array<{ file: string; ids: string[] }> = [];
  const owner = new Map<string, string>();
  for (const file of files) {
    const rules = await readRuleFile(file, missingOk);
    if (rules === undefined) continue;
    for (const rule of rules) {
      const other = owner.get(rule.id);
      if (other !== undefined) throw new PaymockError('RULES_INVALID', `duplicate rule id "${rule.id}": in ${other} and in ${file}`);
      owner.set(rule.id, file);
    }
    all.push(...rules);
    found.push(file);
    sources.push({ file, ids: rules.map((rule) => rule.id) });
  }
  return { rules: tryOrder(all), files: found, sources };
}

/** Explicit files, in the order given (tests load `rules/examples/` this way). */
export function loadRuleFiles(files: readonly string[]): Promise<LoadedRules> {
  return loadFiles(files, false);
}

/** The rule files directly in `dir`, sorted by name; a missing directory holds no rules. */
export async function loadRuleDir(dir: string): Promise<LoadedRules> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return { rules: [], files: [], sources: [] };
    throw new PaymockError('RULES_INVALID', `cannot read rules directory ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const names = entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && RULE_FILE.test(entry.name))
    .map((entry) => entry.name)
    // Code-point order, not locale order: the same on every machine.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return loadFiles(
    names.map((name) => path.join(dir, name)),
    true,
  );
}
