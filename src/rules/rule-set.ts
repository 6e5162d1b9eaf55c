// Custom rules as a pipeline source: tried in priority order before cassettes in every mode.
// A rule answers at most `times` times; a `then` list is a sequence consumed in order whose
// last action repeats. Counters survive a reload for rules whose definition did not change.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Responder } from '../core/pipeline.js';
import type { Answer, Call, Dialect, HttpRequest } from '../core/types.js';
import { perform } from './actions.js';
import type { Simulator } from './defaults/simulator.js';
import { callView, describeMiss, matchWhen, tryOrder } from './match.js';
import type { Rule } from './schema.js';

export class RuleSet implements Responder {
  readonly name = 'custom rules';
  readonly #simulator: Simulator;
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

  replace(rules: readonly Rule[]): void {
    const before = new Map(this.#rules.map((rule) => [rule.id, JSON.stringify(rule)]));
    const used = new Map<string, number>();
    for (const rule of rules) {
      const kept = before.get(rule.id) === JSON.stringify(rule) ? this.#used.get(rule.id) : undefined;
      if (kept !== undefined) used.set(rule.id, kept);
    }
    this.#rules = tryOrder(rules);
    this.#used = used;
  }

  async answer(call: Call, request: HttpRequest, dialect: Dialect): Promise<Answer | undefined> {
    const view = callView(call, request);
    for (const rule of this.#rules) {
      const used = this.#used.get(rule.id) ?? 0;
      if (!rule.enabled || (rule.times !== undefined && used >= rule.times)) continue;
      if (!matchWhen(rule.when, view).ok) continue;
      this.#used.set(rule.id, used + 1);
      const actions = Array.isArray(rule.then) ? rule.then : [rule.then];
      const action = actions[Math.min(used, actions.length - 1)]!;
      const answer = perform(action, rule.id, { call, request, dialect, simulator: this.#simulator });
      if (answer) return answer;
      // A delay alone: wait, then let the next source (cassette, sandbox, upstream) answer.
      await sleep(action.delayMs ?? 0);
      return undefined;
    }
    return undefined;
  }

  /** Why each enabled rule did not match this call (for miss reports), closest first. */
  explain(call: Call, request: HttpRequest, limit = 3): string[] {
    const view = callView(call, request);
    return this.#rules
      .filter((rule) => rule.enabled)
      .map((rule) => ({ rule, result: matchWhen(rule.when, view) }))
      .flatMap(({ rule, result }) => (result.ok ? [] : [{ rule, failed: result.failed }]))
      .sort((a, b) => a.failed.length - b.failed.length)
      .slice(0, limit)
      .flatMap(({ rule, failed }) => describeMiss(rule.id, failed));
  }
}
