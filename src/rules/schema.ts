// Custom mock rules as data: the zod schemas, their types, and `parseRules`, the one place a rule
// file's content is checked. Parsed rules are deep-frozen and carry their regexes compiled, so
// nothing is re-validated or recompiled per request.
import { z } from 'zod';
import { PaymockError } from '../core/errors.js';
import { formatIssues } from '../core/schema-error.js';

export const DIALECTS = ['alipay-mapi', 'alipay-openapi', 'alipay-v3', 'http'] as const;
export const RESULTS = ['SUCCESS', 'FAIL', 'UNKNOWN', 'WAITING'] as const;
export const FAULTS = ['timeout', 'reset', 'malformed', 'truncated'] as const;
const OPERATORS = ['equals', 'regex', 'gt', 'gte', 'lt', 'lte', 'oneOf', 'exists', 'not'] as const;

/** A compiled `regex:` that still serialises as its source, so a parsed rule keeps the file's shape. */
export class RuleRegExp extends RegExp {
  /** As written (`source` escapes `/`). */
  readonly pattern: string;

  constructor(pattern: string) {
    super(pattern);
    this.pattern = pattern;
  }

  toJSON(): string {
    return this.pattern;
  }
}

/** A strict object whose unknown-key error lists the keys it accepts. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const accepted = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}: expected ${accepted}` : undefined),
  });
}

/**
 * zod's unions report only "Invalid input" when every branch fails. Branching on the input's JS
 * type first keeps the chosen branch's own, field-level errors.
 */
function byShape<S extends z.ZodType = z.ZodNever, A extends z.ZodType = z.ZodNever, O extends z.ZodType = z.ZodNever>(
  branches: { scalar?: S; array?: A; object?: O },
  expected: string,
) {
  return z.unknown().transform((input, ctx): z.output<S> | z.output<A> | z.output<O> => {
    const schema = Array.isArray(input)
      ? branches.array
      : typeof input === 'object' && input !== null
        ? branches.object
        : ['string', 'number', 'boolean'].includes(typeof input)
          ? branches.scalar
          : undefined;
    if (!schema) {
      ctx.issues.push({ code: 'custom', message: expected, input });
      return z.NEVER;
    }
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data as z.output<S> | z.output<A> | z.output<O>;
    for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input } as z.core.$ZodRawIssue);
    return z.NEVER;
  });
}

// An unquoted 28-digit trade number is parsed as a float and would never equal the real one.
const LiteralNumber = z.number().refine((n) => !Number.isInteger(n) || Number.isSafeInteger(n), 'too many digits for a number: quote it');
const Scalar = z.union([z.string(), LiteralNumber, z.boolean()], { error: 'expected a string, number or boolean' });
const FiniteNumber = z.number({ error: 'expected a number' });
const Pattern = z.string({ error: 'expected a regular expression as a string' }).transform((source, ctx) => {
  try {
    return new RuleRegExp(source);
  } catch (error) {
    ctx.issues.push({ code: 'custom', message: `invalid regular expression /${source}/: ${(error as Error).message.replace(/^.*: /, '')}`, input: source });
    return z.NEVER;
  }
});

export type Scalar = string | number | boolean;
/** A literal (equals, compared as strings) or exactly one operator. Recursive, so written out. */
export type Condition = Scalar | ConditionOperator;
export interface ConditionOperator {
  readonly equals?: Scalar;
  readonly regex?: RuleRegExp;
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly oneOf?: readonly Scalar[];
  readonly exists?: boolean;
  readonly not?: Condition;
}

const ConditionOperatorSchema = strict({
  equals: Scalar.optional(),
  regex: Pattern.optional(),
  gt: FiniteNumber.optional(),
  gte: FiniteNumber.optional(),
  lt: FiniteNumber.optional(),
  lte: FiniteNumber.optional(),
  oneOf: z.array(Scalar).min(1, 'expected a non-empty list').optional(),
  exists: z.boolean({ error: 'expected true or false' }).optional(),
  not: z.lazy((): z.ZodType<Condition> => ConditionSchema).optional(),
}).superRefine((condition, ctx) => {
  const given = OPERATORS.filter((op) => condition[op] !== undefined);
  if (given.length !== 1) {
    const got = given.length ? `got ${given.join(' and ')}` : 'got none';
    ctx.addIssue({ code: 'custom', message: `expected exactly one of ${OPERATORS.join(', ')}; ${got}` });
  }
});

const CONDITION_HINT = 'expected a string, number or boolean, or an object with one of equals, regex, gt, gte, lt, lte, oneOf, exists, not';
export const ConditionSchema: z.ZodType<Condition> = byShape({ scalar: Scalar, object: ConditionOperatorSchema }, CONDITION_HINT);

const DialectName = z.enum(DIALECTS, { error: `expected one of ${DIALECTS.join(', ')}` });
const Fields = z.record(z.string(), ConditionSchema);

export const WhenSchema = strict({
  /** A list of dialect names is one-of. */
  dialect: byShape({ scalar: DialectName, array: z.array(DialectName).min(1, 'expected a non-empty list'), object: ConditionOperatorSchema }, `${CONDITION_HINT}, or a list of dialects`).optional(),
  api: ConditionSchema.optional(),
  path: ConditionSchema.optional(),
  params: Fields.optional(),
  biz: Fields.optional(),
  headers: Fields.optional(),
});

const StringRecord = z.record(z.string(), z.string({ error: 'expected a string (quote numbers in YAML, e.g. "100.00")' }));

const ResponseSchema = strict({
  status: z.number({ error: 'expected an HTTP status' }).int('expected an integer').min(100, 'expected 100-599').max(599, 'expected 100-599'),
  headers: StringRecord.optional(),
  body: z.string().optional(),
  bodyBase64: z.base64('expected base64 text').optional(),
}).refine((response) => response.body === undefined || response.bodyBase64 === undefined, { message: 'give body or bodyBase64, not both' });

const FaultSchema = byShape(
  {
    scalar: z.enum(FAULTS, { error: `expected one of ${FAULTS.join(', ')}, or { status: 5xx }` }),
    object: strict({ status: z.number({ error: 'expected an HTTP status' }).int('expected an integer').min(500, 'expected 500-599').max(599, 'expected 500-599'), body: z.string().optional() }),
  },
  `expected one of ${FAULTS.join(', ')}, or { status: 5xx }`,
);

const ActionObject = strict({
  delayMs: z.number({ error: 'expected a number of milliseconds' }).int('expected an integer').min(0, 'expected 0 or more').optional(),
  result: z.enum(RESULTS, { error: `expected one of ${RESULTS.join(', ')}` }).optional(),
  error: z.string().min(1).optional(),
  message: z.string().optional(),
  /** With `result`: extra reply fields; alone: overrides merged into the simulated reply. */
  fields: StringRecord.optional(),
  response: ResponseSchema.optional(),
  fault: FaultSchema.optional(),
});

export type ActionKind = 'result' | 'fields' | 'response' | 'fault' | 'delay';

/** What an action does; `delay` alone waits, then lets the next source answer. */
export function actionKind(action: Action): ActionKind | undefined {
  const kinds = actionKinds(action);
  return kinds.length === 1 ? kinds[0] : kinds.length === 0 && action.delayMs !== undefined ? 'delay' : undefined;
}

function actionKinds(action: z.output<typeof ActionObject>): ActionKind[] {
  const kinds: ActionKind[] = (['result', 'response', 'fault'] as const).filter((key) => action[key] !== undefined);
  if (action.fields !== undefined && action.result === undefined) kinds.push('fields');
  return kinds;
}

export const ActionSchema = ActionObject.superRefine((action, ctx) => {
  const kinds = actionKinds(action);
  if (kinds.length > 1) ctx.addIssue({ code: 'custom', message: `an action does one thing, got ${kinds.join(' and ')}; use a list for a sequence` });
  if (kinds.length === 0 && action.delayMs === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected one of result, fields, response, fault, or delayMs alone (wait, then pass through)' });
  }
  for (const key of ['error', 'message'] as const) {
    if (action[key] !== undefined && action.result === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} goes with result:` });
  }
  if (action.error !== undefined && action.result === 'SUCCESS') ctx.addIssue({ code: 'custom', path: ['error'], message: 'a SUCCESS result has no error' });
});

/** How the notifications caused by a matching call go out (alipay.md §7 tests: idempotency, checks). */
export const NotifyShapeSchema = strict({
  /** Send nothing. */
  suppress: z.boolean({ error: 'expected true or false' }).optional(),
  /** Wait this long before the first delivery. */
  delayMs: z.number({ error: 'expected a number of milliseconds' }).int('expected an integer').min(0, 'expected 0 or more').optional(),
  /** Deliver this many identical copies (same notify_id), as Alipay may. */
  duplicate: z.number({ error: 'expected a number' }).int('expected an integer').min(2, 'expected 2 or more').max(10, 'expected at most 10').optional(),
  /** Hold it until the trade's next notification was sent: the merchant sees them out of order. */
  outOfOrder: z.boolean({ error: 'expected true or false' }).optional(),
  /** Sign it wrongly: the merchant's check must refuse it. */
  badSignature: z.boolean({ error: 'expected true or false' }).optional(),
});

export type NotifyShape = z.output<typeof NotifyShapeSchema>;

const RuleObject = strict({
  id: z.string({ error: 'expected an id' }).regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-", e.g. declined-big-payments'),
  name: z.string({ error: 'expected a name (human text)' }).min(1, 'expected a name (human text)'),
  priority: z.number({ error: 'expected a number' }).int('expected an integer').default(0),
  times: z.number({ error: 'expected a number' }).int('expected an integer').positive('expected 1 or more').optional(),
  enabled: z.boolean({ error: 'expected true or false' }).default(true),
  when: WhenSchema.optional(),
  /** A list is a sequence: consumed in order, the last one repeats. */
  then: byShape({ object: ActionSchema, array: z.array(ActionSchema).min(1, 'expected at least one action') }, 'expected an action or a list of actions').optional(),
  /** Shapes the notifications this call causes; a rule with only `notify` does not answer. */
  notify: NotifyShapeSchema.optional(),
});

export const RuleSchema = RuleObject.refine((rule) => rule.then !== undefined || rule.notify !== undefined, {
  message: 'expected then: (how to answer) or notify: (how to shape notifications), or both',
});

export type When = z.output<typeof WhenSchema>;
export type Action = z.output<typeof ActionSchema>;
export type Rule = Readonly<z.output<typeof RuleObject>>;

/** A file holds one rule, a list of rules, or `{ rules: [...] }`; an empty file holds none. */
function ruleList(data: unknown, file: string): unknown[] {
  if (data === null || data === undefined) return [];
  if (Array.isArray(data)) return data;
  if (typeof data === 'object' && 'rules' in data) {
    const extra = Object.keys(data).filter((key) => key !== 'rules');
    if (extra.length) throw new PaymockError('RULES_INVALID', `${file}: unknown key ${extra.map((k) => `"${k}"`).join(', ')} beside "rules"`);
    if (Array.isArray(data.rules)) return data.rules;
    throw new PaymockError('RULES_INVALID', `${file}: rules: expected a list of rules`);
  }
  if (typeof data === 'object') return [data];
  throw new PaymockError('RULES_INVALID', `${file}: expected a rule, a list of rules, or { rules: [...] }`);
}

function rawId(input: unknown): string | undefined {
  const id = typeof input === 'object' && input !== null && 'id' in input ? input.id : undefined;
  return typeof id === 'string' && id ? id : undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || value instanceof RegExp) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}

/**
 * The rules in one file's parsed content, frozen. Every error line names the file, the rule
 * (by id, or by position when it has none) and the field, e.g.
 * `rules/pay.yaml: rule "declined-big" (#2): when.biz.total_amount.gt: expected a number`.
 */
export function parseRules(data: unknown, file: string): Rule[] {
  const errors: string[] = [];
  const rules: Rule[] = [];
  const seen = new Map<string, number>();
  ruleList(data, file).forEach((input, index) => {
    const id = rawId(input);
    const label = id ? `rule "${id}" (#${index + 1})` : `rule #${index + 1}`;
    const first = id === undefined ? undefined : seen.get(id);
    if (first !== undefined) errors.push(`${file}: ${label}: id: "${id}" is already the id of rule #${first + 1}`);
    else if (id !== undefined) seen.set(id, index);
    const parsed = RuleSchema.safeParse(input);
    if (parsed.success) rules.push(deepFreeze(parsed.data));
    else for (const line of formatIssues(parsed.error).split('\n')) errors.push(`${file}: ${label}: ${line.trim()}`);
  });
  if (errors.length > 0) {
    const shown = errors.length > 10 ? [...errors.slice(0, 10), `... and ${errors.length - 10} more`] : errors;
    throw new PaymockError('RULES_INVALID', shown.join('\n'));
  }
  return rules;
}
