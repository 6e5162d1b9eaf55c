import assert from 'node:assert/strict';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rulesCheck } from '../../src/commands/rules-check.js';
import { loadRuleDir, loadRuleFiles } from '../../src/rules/load.js';
import { watchRules, type RulesChange, type WatchOptions } from '../../src/rules/watch.js';
import { tempDir } from '../support/tmp.js';

const EXAMPLES = fileURLToPath(new URL('../../rules/examples/', import.meta.url));

const rule = (id: string, extra: object = {}) => ({ id, name: `rule ${id}`, then: { result: 'SUCCESS' }, ...extra });
const yamlRule = (id: string) => `- id: ${id}\n  name: rule ${id}\n  then: { result: FAIL, error: BUYER_BALANCE_NOT_ENOUGH }\n`;

test('every example in rules/examples loads, with unique ids across files', async () => {
  const files = (await readdir(EXAMPLES)).filter((name) => name.endsWith('.yaml')).sort();
  assert.ok(files.length >= 11, `expected the 11 scenario files, found ${files.join(', ')}`);
  const { rules, files: loaded } = await loadRuleFiles(files.map((name) => path.join(EXAMPLES, name)));
  assert.equal(loaded.length, files.length);
  assert.ok(rules.length >= files.length);
});

test('a directory loads *.json, *.yaml and *.yml directly in it, by name, not subdirectories', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'examples'));
  await writeFile(path.join(dir, 'examples', 'skip.yaml'), yamlRule('in-subdir'));
  await writeFile(path.join(dir, 'b.yml'), yamlRule('from-b'));
  await writeFile(path.join(dir, 'a.json'), JSON.stringify({ rules: [rule('from-a'), rule('urgent', { priority: 5 })] }));
  await writeFile(path.join(dir, 'c.yaml'), yamlRule('from-c'));
  await writeFile(path.join(dir, 'notes.txt'), 'not a rule');
  const loaded = await loadRuleDir(dir);
  assert.deepEqual(loaded.files.map((file) => path.basename(file)), ['a.json', 'b.yml', 'c.yaml']);
  assert.deepEqual(loaded.rules.map((r) => r.id), ['urgent', 'from-a', 'from-b', 'from-c']);
  assert.deepEqual(loaded.sources[0]?.ids, ['from-a', 'urgent']);
});

test('a missing directory holds no rules', async (t) => {
  const dir = await tempDir(t);
  assert.deepEqual(await loadRuleDir(path.join(dir, 'nope')), { rules: [], files: [], sources: [] });
});

test('load errors name the file (and line, rule and field)', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'a.yaml'), yamlRule('same'));
  await writeFile(path.join(dir, 'b.json'), JSON.stringify([rule('other'), rule('same')]));
  await assert.rejects(loadRuleDir(dir), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'RULES_INVALID');
    assert.equal(error.message, `duplicate rule id "same": in ${path.join(dir, 'a.yaml')} and in ${path.join(dir, 'b.json')}`);
    return true;
  });
  await writeFile(path.join(dir, 'b.json'), '[{"id": "x",, }]');
  await assert.rejects(loadRuleDir(dir), /b\.json is not valid JSON at line 1 column \d+/);
  await rm(path.join(dir, 'b.json'));
  await writeFile(path.join(dir, 'a.yaml'), '- id: a\n  name: [unclosed\n');
  await assert.rejects(loadRuleDir(dir), /a\.yaml is not valid YAML at line \d+ column \d+/);
  await writeFile(path.join(dir, 'a.yaml'), '- id: a\n  name: A\n  when: { path: { regex: "(" } }\n  then: { fault: timeout }\n');
  await assert.rejects(loadRuleDir(dir), /a\.yaml: rule "a" \(#1\): when\.path\.regex: invalid regular expression/);
  await assert.rejects(loadRuleFiles([path.join(dir, 'gone.yaml')]), /cannot read rules file .*gone\.yaml/);
});

test('rules check prints each file with its rule ids, or the error, and sets the exit code', async (t) => {
  const dir = await tempDir(t);
  const lines: string[] = [];
  const print = (line: string) => lines.push(line);
  assert.equal(await rulesCheck(dir, print), 0);
  assert.match(lines.pop()!, /no rule files/);
  await writeFile(path.join(dir, 'pay.yaml'), yamlRule('declined') + yamlRule('off').replace('  then:', '  enabled: false\n  then:'));
  assert.equal(await rulesCheck(dir, print), 0);
  assert.deepEqual(lines.splice(0), [`ok   ${path.join(dir, 'pay.yaml')}: declined, off (disabled)`, '2 rule(s) in 1 file(s)']);
  assert.equal(await rulesCheck(path.join(EXAMPLES, 'fault-5xx.yaml'), print), 0);
  lines.length = 0;
  await writeFile(path.join(dir, 'pay.yaml'), '- id: x\n  name: X\n  then: { result: MAYBE }\n');
  assert.equal(await rulesCheck(dir, print), 1);
  assert.match(lines[0]!, /^FAIL .*pay\.yaml: rule "x" \(#1\): then\.result: expected one of SUCCESS/);
});

/** Changes as they are reported, awaited one at a time with a bounded wait. */
function recordChanges(dir: string, options?: WatchOptions) {
  const queue: RulesChange[] = [];
  let wake: (() => void) | undefined;
  const watcher = watchRules(dir, (change) => {
    queue.push(change);
    wake?.();
  }, { debounceMs: 30, ...options });
  async function next(timeoutMs = 3000): Promise<RulesChange> {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no change reported within ${timeoutMs} ms`);
      // A ref'd timer: the watcher itself does not keep the event loop alive.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return queue.shift()!;
  }
  return { next, close: () => watcher.close() };
}

function ids(change: RulesChange): string[] {
  if ('error' in change) assert.fail(`expected rules, got: ${change.error.message}`);
  return change.rules.map((r) => r.id);
}

test('watch: a new file reports its rules, a broken one the error, a fix the rules again', async (t) => {
  const dir = await tempDir(t);
  const changes = recordChanges(dir);
  t.after(changes.close);
  const file = path.join(dir, 'pay.yaml');
  await writeFile(file, yamlRule('first'));
  assert.deepEqual(ids(await changes.next()), ['first']);
  await writeFile(file, '- id: first\n  name: [broken\n');
  const broken = await changes.next();
  assert.ok('error' in broken && broken.error.code === 'RULES_INVALID');
  assert.match(broken.error.message, /pay\.yaml is not valid YAML/);
  await writeFile(file, yamlRule('first') + yamlRule('second'));
  assert.deepEqual(ids(await changes.next()), ['first', 'second']);
  // Renamed (an editor's atomic save) and deleted files are reloaded, not fatal.
  await writeFile(`${file}.tmp`, yamlRule('renamed'));
  await rename(`${file}.tmp`, file);
  assert.deepEqual(ids(await changes.next()), ['renamed']);
  await rm(file);
  assert.deepEqual(ids(await changes.next()), []);
});

test('watch: a directory that is missing, then created, then removed', async (t) => {
  const dir = path.join(await tempDir(t), 'rules');
  const changes = recordChanges(dir, { pollMs: 20 });
  t.after(changes.close);
  await mkdir(dir);
  await writeFile(path.join(dir, 'a.json'), JSON.stringify(rule('late')));
  // The poll may see the directory before or after the file is written.
  let change = await changes.next();
  if (ids(change).length === 0) change = await changes.next();
  assert.deepEqual(ids(change), ['late']);
  await rm(dir, { recursive: true });
  assert.deepEqual(ids(await changes.next()), []);
  await mkdir(dir);
  await writeFile(path.join(dir, 'b.yaml'), yamlRule('back'));
  change = await changes.next();
  if (ids(change).length === 0) change = await changes.next();
  assert.deepEqual(ids(change), ['back']);
});
