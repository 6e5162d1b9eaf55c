// Custom rules as a pipeline source: tried in priority order before cassettes in every mode.
// A rule answers at most `times` times; a `then` list is a sequence consumed in order whose
// last action repeats. Counters survive a reload for rules whose definition did not change.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Responder } from '../core/pipeline.js';
import type { MaybePromise } from '../core/maybe-async.js';
import type { Answer, Call, Dialect, HttpRequest } from '../core/types.js';
import { perform } from './actions.js';
import type { Simulator } from './defaults/simulator.js';
import { callView, describeMiss, matchWhen, tryOrder } from './match.js';
import type { NotifyShape, Rule } from './schema.js';

export interface RuleState {
  readonly rule: Rule;
  /** `file`: from rules/ (edit the file to change it); `admin`: added at runtime. */
  readonly origin: 'file' | 'admin';
  readonly enabled: boolean;
  readonly used: number;
}

export class RuleSet implements Responder {
  readonly name = 'custom rules';
  readonly #simulator: Simulator;
  #fileRules: readonly Rule[] = [];
  readonly #adminRules = new Map<string, Rule>();
  /** Runtime enable/disable, over what the rule itself says. */
  readonly #switched = new Map<string, boolean>();
  #rules: readonly Rule[] = [];
  #used = new Map<string, number>();

  constructor(simulator: Simulator, rules: readonly Rule[] = []) {
    this.#simulator = simulator;
    this.replace(rules);
  }

  get rules(): readonly Rule[] {
    return this.#rules;
  }

  /** How many times each rule has answered. */
  get used(): ReadonlyMap<string, number> {
    return this.#used;
  }

  /** Every rule in the order it is tried, with where it came from and whether it is on. */
  states(): RuleState[] {
    return this.#rules.map((rule) => ({
      rule,
      origin: this.#adminRules.has(rule.id) ? 'admin' : 'file',
      enabled: this.#enabled(rule),
      used: this.#used.get(rule.id) ?? 0,
    }));
  }

  adminRules(): Rule[] {
    return [...this.#adminRules.values()];
  }

  /** The rules from files, after a (re)load. */
  replace(rules: readonly Rule[]): void {
    this.#fileRules = rules.filter((rule) => !this.#adminRules.has(rule.id));
    this.#rebuild();
  }

  /** Add or change a runtime rule; false when a rule file already defines that id. */
  upsert(rule: Rule): boolean {
    if (this.#fileRules.some((existing) => existing.id === rule.id)) return false;
    this.#adminRules.set(rule.id, rule);
    this.#rebuild();
    return true;
  }

  remove(id: string): boolean {
    const removed = this.#adminRules.delete(id);
    if (removed) this.#rebuild();
    return removed;
  }

  has(id: string): boolean {
    return this.#rules.some((rule) => rule.id === id);
  }

  setEnabled(id: string, enabled: boolean): boolean {
    if (!this.has(id)) return false;
    this.#switched.set(id, enabled);
    return true;
  }

  #enabled(rule: Rule): boolean {
    return this.#switched.get(rule.id) ?? rule.enabled;
  }

  #rebuild(): void {
    const next = [...this.#fileRules, ...this.#adminRules.values()];
    const before = new Map(this.#rules.map((rule) => [rule.id, JSON.stringify(rule)]));
    const used = new Map<string, number>();
    for (const rule of next) {
      const kept = before.get(rule.id) === JSON.stringify(rule) ? this.#used.get(rule.id) : undefined;
      if (kept !== undefined) used.set(rule.id, kept);
    }
    this.#rules = tryOrder(next);
    this.#used = used;
  }

  answer(call: Call, request: HttpRequest, dialect: Dialect): MaybePromise<Answer | undefined> {
    if (this.#rules.length === 0) return undefined;
    const view = callView(call, request);
    for (const rule of this.#rules) {
      const used = this.#used.get(rule.id) ?? 0;
      if (rule.then === undefined || !this.#enabled(rule) || (rule.times !== undefined && used >= rule.times)) continue;
      if (!matchWhen(rule.when, view).ok) continue;
      this.#used.set(rule.id, used + 1);
      const actions = Array.isArray(rule.then) ? rule.then : [rule.then];
      const action = actions[Math.min(used, actions.length - 1)]!;
      const answer = perform(action, rule.id, { call, request, dialect, simulator: this.#simulator });
      if (answer) return answer;
      // A delay alone: wait, then let the next source (cassette, sandbox, upstream) answer.
      return sleep(action.delayMs ?? 0).then(() => undefined);
    }
    return undefined;
  }

  /** The notification shape of the first enabled rule with `notify:` that matches this call. */
  notifyShape(call: Call, request: HttpRequest): { ruleId: string; shape: NotifyShape } | undefined {
    const view = callView(call, request);
    const rule = this.#rules.find((candidate) => candidate.notify && this.#enabled(candidate) && matchWhen(candidate.when, view).ok);
    return rule?.notify ? { ruleId: rule.id, shape: rule.notify } : undefined;
  }

  /** Why each enabled rule did not match this call (for miss reports), closest first. */
  explain(call: Call, request: HttpRequest, limit = 3): string[] {
    const view = callView(call, request);
    return this.#rules
      .filter((rule) => this.#enabled(rule))
      .map((rule) => ({ rule, result: matchWhen(rule.when, view) }))
      .flatMap(({ rule, result }) => (result.ok ? [] : [{ rule, failed: result.failed }]))
      .sort((a, b) => a.failed.length - b.failed.length)
      .slice(0, limit)
      .flatMap(({ rule, failed }) => describeMiss(rule.id, failed));
  }
}
