// Does a rule's `when` hold for a call? Pure: a view of the decoded call in, a verdict out, with
// every failed condition listed so a miss can say how close each rule came.
import { requestUrl } from '../core/request-url.js';
import { headerValue } from '../core/headers.js';
import type { Call, HeaderList, HttpRequest } from '../core/types.js';
import type { Condition, ConditionOperator, Rule, Scalar, When } from './schema.js';

/** What conditions look at: the call, its URL path and its headers. */
export interface CallView {
  dialect: string;
  api: string;
  path: string;
  params: Readonly<Record<string, string>>;
  biz: Readonly<Record<string, unknown>> | undefined;
  headers: HeaderList;
}

export interface FailedCondition {
  readonly field: string;
  readonly expected: string;
  readonly actual: string | undefined;
}

export type WhenResult = { ok: true } | { ok: false; failed: FailedCondition[] };

export function callView(call: Call, request: HttpRequest): CallView {
  const biz = call.biz;
  return {
    dialect: call.dialect,
    api: call.api,
    path: requestUrl(request).pathname,
    params: call.params,
    // Only an object has top-level business fields; a JSON array or scalar body has none.
    biz: typeof biz === 'object' && biz !== null && !Array.isArray(biz) ? (biz as Record<string, unknown>) : undefined,
    headers: request.headers,
  };
}

/** Own keys only: a field named `constructor` must not find Object.prototype's. */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Business values that are not strings are compared via their JSON text (`100`, `true`, `{"a":1}`). */
function asText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function numeric(actual: string | undefined): number | undefined {
  return actual !== undefined && NUMERIC.test(actual) ? Number(actual) : undefined;
}

function isOperator(condition: Condition): condition is ConditionOperator {
  return typeof condition === 'object';
}

export function matchCondition(condition: Condition, actual: string | undefined): boolean {
  if (!isOperator(condition)) return actual === String(condition);
  const c = condition;
  if (c.equals !== undefined) return actual === String(c.equals);
  if (c.regex !== undefined) return actual !== undefined && c.regex.test(actual);
  if (c.oneOf !== undefined) return actual !== undefined && c.oneOf.some((value) => String(value) === actual);
  if (c.exists !== undefined) return (actual !== undefined) === c.exists;
  if (c.not !== undefined) return !matchCondition(c.not, actual);
  const n = numeric(actual);
  if (n === undefined) return false;
  if (c.gt !== undefined) return n > c.gt;
  if (c.gte !== undefined) return n >= c.gte;
  if (c.lt !== undefined) return n < c.lt;
  if (c.lte !== undefined) return n <= c.lte;
  return false;
}

const list = (values: readonly Scalar[]) => values.map(String).join(', ');

/** `alipay.trade.pay`, `>= 100`, `one of a, b`, `matches /x/`, `exists`, `not (...)`. */
export function describeCondition(condition: Condition | readonly string[]): string {
  if (Array.isArray(condition)) return `one of ${list(condition)}`;
  if (!isOperator(condition as Condition)) return String(condition);
  const c = condition as ConditionOperator;
  if (c.equals !== undefined) return String(c.equals);
  if (c.regex !== undefined) return `matches /${c.regex.source}/`;
  if (c.oneOf !== undefined) return `one of ${list(c.oneOf)}`;
  if (c.exists !== undefined) return c.exists ? 'exists' : 'absent';
  if (c.not !== undefined) return `not (${describeCondition(c.not)})`;
  if (c.gt !== undefined) return `> ${c.gt}`;
  if (c.gte !== undefined) return `>= ${c.gte}`;
  if (c.lt !== undefined) return `< ${c.lt}`;
  if (c.lte !== undefined) return `<= ${c.lte}`;
  return '(nothing)';
}

/** Every condition of `when` that the call fails; a missing `when` matches everything. */
export function matchWhen(when: When | undefined, view: CallView): WhenResult {
  if (when === undefined) return { ok: true };
  const failed: FailedCondition[] = [];
  const check = (field: string, condition: Condition | readonly string[] | undefined, actual: string | undefined) => {
    if (condition === undefined) return;
    const ok = Array.isArray(condition) ? actual !== undefined && condition.includes(actual) : matchCondition(condition as Condition, actual);
    if (!ok) failed.push({ field, expected: describeCondition(condition), actual });
  };
  check('dialect', when.dialect, view.dialect);
  check('api', when.api, view.api);
  check('path', when.path, view.path);
  for (const [name, condition] of Object.entries(when.params ?? {})) check(`params.${name}`, condition, own(view.params, name));
  for (const [name, condition] of Object.entries(when.biz ?? {})) check(`biz.${name}`, condition, asText(own(view.biz, name)));
  for (const [name, condition] of Object.entries(when.headers ?? {})) check(`headers.${name}`, condition, headerValue(view.headers, name));
  return failed.length === 0 ? { ok: true } : { ok: false, failed };
}

/** One line per failed condition: `rule declined-big: biz.total_amount expected > 100, got 5.00`. */
export function describeMiss(ruleId: string, failed: readonly FailedCondition[]): string[] {
  return failed.map((f) => `rule ${ruleId}: ${f.field} expected ${f.expected}, got ${f.actual ?? '(absent)'}`);
}

/** The order rules are tried in: higher priority first; ties keep their order (files by name). */
export function tryOrder(rules: readonly Rule[]): Rule[] {
  // Array.prototype.sort is stable since ES2019, which keeps ties in file order.
  return [...rules].sort((a, b) => b.priority - a.priority);
}
