// The decision, in DESIGN.md's order: rules -> cassette -> defaults -> upstream, else a miss.
// No sockets here: a buffered HttpRequest goes in, a response and its Outcome come out.
import type { CassetteSession } from '../cassettes/session.js';
import type { Mode } from '../config.js';
import { dialectFor } from '../dialects/index.js';
import type { Upstream } from '../server/upstream.js';
import { textBody } from './body.js';
import { withoutHeaders } from './headers.js';
import { SESSION_HEADER } from './session.js';
import { collectWarnings, warn } from './warnings.js';
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
  readonly key: MatchKey;
  readonly response: HttpResponse;
  readonly outcome: Outcome;
  readonly fault?: Fault;
  /** The request's own signature, as the gateway would judge it. */
  readonly signature: 'valid' | 'invalid' | 'unchecked';
}

export const MISS_STATUS = 404;

async function firstAnswer(responders: readonly Responder[], call: Call, request: HttpRequest, dialect: Dialect) {
  for (const responder of responders) {
    const answer = await responder.answer(call, request, dialect);
    if (answer) return answer;
  }
  return undefined;
}

function plainResponse(status: number, text: string, extra: Array<[string, string]> = []): HttpResponse {
  return { status, headers: [['Content-Type', 'text/plain; charset=utf-8'], ...extra], body: textBody(`${text}\n`) };
}

async function forward(request: HttpRequest, shown: HttpRequest, call: Call, key: MatchKey, parts: PipelineParts): Promise<Answer> {
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
      warn(parts.log, `${call.api}: recorded with response fields redacted (redact.responseFields): replay will serve ${REDACTED} in them, and a signature over them will not verify unless replies are re-signed (alipay.resign: always)`);
    }
    const index = cassette.record({
      recordedAt: new Date().toISOString(),
      latencyMs,
      dialect: call.dialect,
      api: call.api,
      key,
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

export async function handle(request: HttpRequest, parts: PipelineParts): Promise<Handled> {
  const { value, warnings } = await collectWarnings(() => decide(request, parts));
  return warnings.length ? { ...value, outcome: { ...value.outcome, warnings } } : value;
}

async function decide(request: HttpRequest, parts: PipelineParts): Promise<Handled> {
  const started = performance.now();
  const plan = MODE_PLANS[parts.mode];
  const dialect = dialectFor(request, parts.dialects);
  const call = dialect.decode(request);
  // The key is computed on the redacted request, as it will be when a cassette is reloaded.
  const shown = parts.redact.request(request);
  const key = shown === request ? dialect.fingerprint(call, request) : dialect.fingerprint(dialect.decode(shown), shown);

  const check: SignatureCheck = plan.verify ? dialect.verify(request, call) : { ok: true, checked: false };
  const signature = !check.ok ? 'invalid' : check.checked ? 'valid' : 'unchecked';
  const answer =
    rejectSignature(check, call, parts) ??
    (await firstAnswer(parts.rules, call, request, dialect)) ??
    (plan.cassette ? parts.cassetteFor(request)?.answer(key, call, request, dialect) : undefined) ??
    (plan.defaults ? await firstAnswer(parts.defaults, call, request, dialect) : undefined) ??
    (plan.upstream ? await forward(request, shown, call, key, parts) : miss(call, key, request, parts));

  if (answer.outcome.source === 'cassette' && parts.redact.responseFields.size && answer.response.body.text?.includes(REDACTED)) {
    warn(parts.log, `${call.api}: this recorded response had fields redacted when it was recorded (redact.responseFields): it carries ${REDACTED}, not the original values`);
  }
  if (answer.delayMs) await sleep(answer.delayMs);
  const outcome: Outcome = { ...answer.outcome, durationMs: performance.now() - started };
  parts.log.debug(`${request.method} ${shown.url} -> ${answer.response.status} (${outcome.source}${answer.fault ? `, fault ${answer.fault.kind}` : ''})`);
  return { shown, call, key, response: answer.response, outcome, signature, ...(answer.fault ? { fault: answer.fault } : {}) };
}
