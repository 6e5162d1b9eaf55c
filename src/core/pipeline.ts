// The decision, in DESIGN.md's order: rules -> cassette -> defaults -> upstream, else a miss.
// No sockets here: a buffered HttpRequest goes in, a response and its Outcome come out.
import type { CassetteSession } from '../cassettes/session.js';
import type { Mode } from '../config.js';
import { dialectFor } from '../dialects/index.js';
import type { Upstream } from '../server/upstream.js';
import { textBody } from './body.js';
import { withoutHeaders } from './headers.js';
import { SESSION_HEADER } from './session.js';
import { collecting, warn } from './warnings.js';
import { andThen, isPromise, type MaybePromise } from './maybe-async.js';
import { describe, statusFor } from './errors.js';
import type { Logger } from './log.js';
import { REDACTED, type Redactor } from '../cassettes/redact.js';
import { isSystemError } from '../cassettes/system-error.js';
import { formatKey } from './near-miss.js';
import { MODE_PLANS } from './modes.js';
import type { Answer, Call, Dialect, Fault, HttpRequest, HttpResponse, MatchKey, Outcome, SignatureCheck } from './types.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** A source of answers that is not a recording: custom rules, or the simulated sandbox. */
export interface Responder {
  readonly name: string;
  answer(call: Call, request: HttpRequest, dialect: Dialect): Promise<Answer | undefined> | Answer | undefined;
  /** Why it did not answer this call (for the miss report). */
  explain?(call: Call, request: HttpRequest): string[];
}

export interface PipelineParts {
  /** Mutable: the admin API switches modes at runtime. */
  mode: Mode;
  readonly dialects: readonly Dialect[];
  readonly rules: readonly Responder[];
  readonly defaults: readonly Responder[];
  /** The cassette for this request: its session's, or paymock's own. */
  readonly cassetteFor: (request: HttpRequest) => CassetteSession | undefined;
  readonly upstream: Upstream;
  readonly redact: Redactor;
  /** Record sandbox system errors too (off: a flaky sandbox does not poison a cassette). */
  readonly recordErrors: boolean;
  /** Write each recorded exchange to disk before answering (no batching window to lose). */
  readonly durable: boolean;
  readonly log: Logger;
}

export interface Handled {
  /** The request with its secrets redacted: what the journal and the log may show. */
  readonly shown: HttpRequest;
  readonly call: Call;
  readonly response: HttpResponse;
  readonly outcome: Outcome;
  readonly fault?: Fault;
  /** The request's own signature, as the gateway would judge it. */
  readonly signature: 'valid' | 'invalid' | 'unchecked';
}

export const MISS_STATUS = 404;

/** The first responder's answer; synchronous unless a responder returns a promise (a delay). */
function firstAnswer(responders: readonly Responder[], call: Call, request: HttpRequest, dialect: Dialect, warnings: string[], from = 0): MaybePromise<Answer | undefined> {
  for (let i = from; i < responders.length; i++) {
    const answer = collecting(warnings, () => responders[i]!.answer(call, request, dialect));
    if (isPromise(answer)) return answer.then((found) => found ?? firstAnswer(responders, call, request, dialect, warnings, i + 1));
    if (answer) return answer;
  }
  return undefined;
}

function plainResponse(status: number, text: string, extra: Array<[string, string]> = []): HttpResponse {
  return { status, headers: [['Content-Type', 'text/plain; charset=utf-8'], ...extra], body: textBody(`${text}\n`) };
}

async function forward(exchange: Exchange): Promise<Answer> {
  const { request, shown, call, dialect, parts, warnings } = exchange;
  const plan = MODE_PLANS[parts.mode];
  const cassette = parts.cassetteFor(request);
  try {
    const { response, latencyMs } = await parts.upstream.forward(request);
    if (!plan.record || !cassette) return { response, outcome: { source: 'upstream' } };
    if (!parts.recordErrors && isSystemError(call, response)) {
      parts.log.info(`${call.api}: not recorded, the upstream answered a system error (HTTP ${response.status}); --record-errors keeps them`);
      return { response, outcome: { source: 'upstream', reason: 'system error: not recorded' } };
    }
    const stored = parts.redact.response(response);
    if (parts.redact.responseFields.size && stored.body !== response.body) {
      // After an await: attached to this exchange explicitly.
      collecting(warnings, () => warn(parts.log, `${call.api}: recorded with response fields redacted (redact.responseFields): replay will serve ${REDACTED} in them, and a signature over them will not verify unless replies are re-signed (alipay.resign: always)`));
    }
    const index = cassette.record({
      recordedAt: new Date().toISOString(),
      latencyMs,
      dialect: call.dialect,
      api: call.api,
      key: exchange.key,
      ...(dialect.merchantIds ? { merchantIds: dialect.merchantIds(exchange.recordedCall) } : {}),
      // Secrets redacted; paymock's own session header is not part of what the app sent.
      request: { ...shown, headers: withoutHeaders(shown.headers, [SESSION_HEADER]) },
      response: stored,
    });
    // --durable: the exchange is on disk before the client hears the answer.
    if (parts.durable) await cassette.flush();
    return { response, outcome: { source: 'upstream', recorded: true, cassette: { name: cassette.name, index } } };
  } catch (error) {
    // Never recorded: a failed upstream is not an interaction.
    const reason = describe(error);
    parts.log.warn(`${call.api}: ${reason}`);
    return { response: plainResponse(statusFor(error), `paymock: ${reason}`), outcome: { source: 'upstream', reason } };
  }
}

function miss(call: Call, key: MatchKey, request: HttpRequest, parts: PipelineParts): Answer {
  const cassette = parts.cassetteFor(request);
  const fromCassette = cassette && MODE_PLANS[parts.mode].cassette
    ? cassette.explainMiss(key)
    : `no rule or default answers this request (mode ${parts.mode}). Its key fields:\n${formatKey(key)}`;
  const nearRules = parts.rules.flatMap((responder) => responder.explain?.(call, request) ?? []);
  const explanation = nearRules.length ? `${fromCassette}\nclosest rules:\n${nearRules.map((line) => `  ${line}`).join('\n')}` : fromCassette;
  const text = `paymock miss: ${call.dialect} ${call.api}\n${explanation}`;
  parts.log.warn(text);
  const outcome = { source: 'miss', reason: explanation } as const;
  if (call.dialect === 'alipay-v3') {
    // alipay-sdk's curl() reads a v3 error body as {code, message} and puts both in its error.
    const json = `${JSON.stringify({ code: 'paymock-miss', message: text })}\n`;
    const response: HttpResponse = { status: MISS_STATUS, headers: [['Content-Type', 'application/json; charset=utf-8'], ['x-paymock-miss', '1']], body: textBody(json) };
    return { response, outcome };
  }
  return { response: plainResponse(MISS_STATUS, text, [['x-paymock-miss', '1']]), outcome };
}

/** A badly signed request gets the gateway's own answer, as the real gateway would give it. */
function rejectSignature(check: SignatureCheck, call: Call, parts: PipelineParts): Answer | undefined {
  if (check.ok) return undefined;
  parts.log.warn(`${call.api}: bad request signature: ${check.reason}`);
  return { response: check.response, outcome: { source: 'default', reason: `bad request signature: ${check.reason}` } };
}

/** What one exchange is about: worked out once, read by every step. */
class Exchange {
  #key: MatchKey | undefined;
  #recordedCall: Call | undefined;

  constructor(
    readonly request: HttpRequest,
    readonly shown: HttpRequest,
    readonly call: Call,
    readonly dialect: Dialect,
    readonly check: SignatureCheck,
    readonly parts: PipelineParts,
    readonly plan: (typeof MODE_PLANS)[Mode],
    readonly warnings: string[],
  ) {}

  /** The call as a recording stores it: decoded from the redacted request. */
  get recordedCall(): Call {
    const { dialect, request, shown, call } = this;
    return shown === request ? call : (this.#recordedCall ??= dialect.decode(shown));
  }

  /**
   * The match key, made when a step needs it (a cassette, a recording, a miss report): plain
   * forwarding never does. Computed on the redacted request, as it will be when a cassette is
   * reloaded.
   */
  get key(): MatchKey {
    return (this.#key ??= this.dialect.fingerprint(this.recordedCall, this.shown));
  }
}

/** DESIGN.md's order. Each step answers or passes; the last one always answers. */
const STEPS: ReadonlyArray<(exchange: Exchange) => MaybePromise<Answer | undefined>> = [
  ({ check, call, parts }) => rejectSignature(check, call, parts),
  ({ parts, call, request, dialect, warnings }) => firstAnswer(parts.rules, call, request, dialect, warnings),
  (exchange) => {
    const { plan, parts, request, call, dialect, warnings } = exchange;
    if (!plan.cassette) return undefined;
    return collecting(warnings, () => {
      const answer = parts.cassetteFor(request)?.answer(exchange.key, call, request, dialect);
      if (answer && parts.redact.responseFields.size && answer.response.body.text?.includes(REDACTED)) {
        warn(parts.log, `${call.api}: this recorded response had fields redacted when it was recorded (redact.responseFields): it carries ${REDACTED}, not the original values`);
      }
      return answer;
    });
  },
  ({ plan, parts, call, request, dialect, warnings }) => (plan.defaults ? firstAnswer(parts.defaults, call, request, dialect, warnings) : undefined),
  // The upstream's warnings (a relay that cannot re-sign) are raised before its first await.
  (exchange) => {
    const { plan, request, call, parts, warnings } = exchange;
    return collecting(warnings, () => (plan.upstream ? forward(exchange) : miss(call, exchange.key, request, parts)));
  },
];

function answerFrom(exchange: Exchange, from: number): MaybePromise<Answer> {
  for (let i = from; i < STEPS.length; i++) {
    const answer = STEPS[i]!(exchange);
    if (isPromise(answer)) return answer.then((found) => found ?? answerFrom(exchange, i + 1));
    if (answer) return answer;
  }
  throw new Error('paymock: no step answered (the last one always does)');
}

/** One exchange through the pipeline; synchronous when nothing along the way has to wait. */
export function handle(request: HttpRequest, parts: PipelineParts): MaybePromise<Handled> {
  const started = performance.now();
  const warnings: string[] = [];
  const plan = MODE_PLANS[parts.mode];
  const dialect = dialectFor(request, parts.dialects);
  const call = dialect.decode(request);
  const shown = parts.redact.request(request);
  const check: SignatureCheck = plan.verify ? collecting(warnings, () => dialect.verify(request, call)) : UNCHECKED;
  const exchange = new Exchange(request, shown, call, dialect, check, parts, plan, warnings);

  return andThen(answerFrom(exchange, 0), (answer) => (answer.delayMs ? sleep(answer.delayMs).then(() => finish(exchange, answer, started)) : finish(exchange, answer, started)));
}

function finish({ request, shown, call, check, parts, warnings }: Exchange, answer: Answer, started: number): Handled {
  // The duration first: `{ ...outcome, durationMs }`, a double added after a spread, gave every
  // outcome a map of its own once optimised, so each read of an outcome field anywhere (the
  // journal, the counts, the relay) missed its inline cache and went to the runtime.
  const outcome: Mutable<Outcome> = { durationMs: performance.now() - started, ...answer.outcome };
  if (warnings.length) outcome.warnings = warnings;
  if (parts.log.debugging) {
    parts.log.debug(`${request.method} ${shown.url} -> ${answer.response.status} (${outcome.source}${answer.fault ? `, fault ${answer.fault.kind}` : ''})`);
  }
  const handled: Mutable<Handled> = { shown, call, response: answer.response, outcome, signature: !check.ok ? 'invalid' : check.checked ? 'valid' : 'unchecked' };
  if (answer.fault) handled.fault = answer.fault;
  return handled;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const UNCHECKED: SignatureCheck = { ok: true, checked: false };
