// The simulated sandbox as a pipeline source ("default rules"): it answers pay, query, cancel,
// refund, close and precreate in all three Alipay dialects from its ledger, encoded and signed by
// the request's dialect. Other APIs fall through to a miss. Custom rules use `respond` to force
// a dialect-neutral result or to override fields of the reply it would have given.
import type { Responder } from '../../core/pipeline.js';
import { andThen, type MaybePromise } from '../../core/maybe-async.js';
import type { Answer, BusinessReply, Call, Dialect, HttpRequest, HttpResponse } from '../../core/types.js';
import { signedOffThread } from '../../dialects/signing.js';
import type { AlipaySigner } from '../../dialects/alipay-signer.js';
import { spoilSignature } from './bad-signature.js';
import { legacyReply } from './replies-legacy.js';
import { openapiReply, v3Reply } from './replies-openapi.js';
import { Sandbox, type SandboxResult } from './sandbox.js';
import { tradeNumber } from './time-and-money.js';
import { tradeRequest, type TradeRequest } from './trade-request.js';
import { sessionOf } from '../../core/session.js';
import type { TradeObserver } from '../../notify/trade-watch.js';

/** What a rule can impose on the simulated reply. */
export interface Forced {
  readonly result?: 'SUCCESS' | 'FAIL' | 'UNKNOWN' | 'WAITING';
  readonly error?: string;
  readonly message?: string;
  readonly fields?: Readonly<Record<string, string>>;
}

export interface Simulator extends Responder {
  /** The ledger of a session (x-paymock-session), or the default one. */
  sandbox(session?: string): Sandbox;
  /** Sessions that have a ledger of their own. */
  sessions(): string[];
  /** The simulated reply, with a rule's result and field overrides; undefined for unknown APIs. */
  respond(call: Call, request: HttpRequest, dialect: Dialect, forced?: Forced): Answer | undefined;
}

function reply(call: Call, request: TradeRequest, result: SandboxResult): BusinessReply {
  if (call.dialect === 'alipay-mapi') return legacyReply(call.api, request, result);
  if (call.dialect === 'alipay-v3') return v3Reply(request, result);
  return openapiReply(request, result);
}

/** Make the ledger agree with a forced result, and say what the reply must report. */
function forcedResult(sandbox: Sandbox, trade: TradeRequest, result: NonNullable<Forced['result']>, forced: Forced): SandboxResult {
  switch (result) {
    case 'FAIL':
      return { kind: 'error', error: forced.error ?? 'PAYMENT_FAIL', ...(forced.message ? { message: forced.message } : {}) };
    case 'UNKNOWN': {
      const known = sandbox.find(trade) ?? (trade.op === 'pay' ? sandbox.force(trade, 'TRADE_SUCCESS') : undefined);
      return known ? { kind: 'unknown', trade: known } : { kind: 'error', error: 'SYSTEM_ERROR' };
    }
    case 'WAITING': {
      const waiting = sandbox.force(trade, 'WAIT_BUYER_PAY');
      if (!waiting) return { kind: 'error', error: 'INVALID_PARAMETER' };
      return trade.op === 'pay' ? { kind: 'waiting', trade: waiting } : { kind: 'ok', trade: waiting };
    }
    case 'SUCCESS': {
      // A trade left waiting for the buyer (by the sandbox or an earlier rule) is now paid.
      if ((trade.op === 'query' || trade.op === 'pay') && sandbox.find(trade)?.status === 'WAIT_BUYER_PAY') {
        const paid = sandbox.force(trade, 'TRADE_SUCCESS')!;
        if (trade.op === 'query') return { kind: 'ok', trade: paid };
      }
      const normal = sandbox.handle(trade);
      if (normal.kind === 'ok') return normal;
      const closing = trade.op === 'cancel' || trade.op === 'close';
      const forcedTrade = sandbox.force(trade, closing ? 'TRADE_CLOSED' : 'TRADE_SUCCESS');
      return forcedTrade ? { kind: 'ok', trade: forcedTrade, ...(closing ? { action: 'close' as const } : {}) } : normal;
    }
  }
}

export function createSimulator(signer: AlipaySigner, options: { clock?: { now(): Date }; observe?: TradeObserver } = {}): Simulator {
  const clock = options.clock ?? { now: () => new Date() };
  let sequence = 0;
  const sandboxes = new Map<string, Sandbox>();
  const sandboxFor = (session = '') => {
    let sandbox = sandboxes.get(session);
    if (!sandbox) sandboxes.set(session, (sandbox = new Sandbox({ now: clock.now, tradeNo: (at) => tradeNumber(at, ++sequence) })));
    return sandbox;
  };
  /** The ledger's part of an answer (it changes the ledger: once per request); undefined for unknown APIs. */
  const settle = (call: Call, request: HttpRequest, forced?: Forced) => {
    const trade = tradeRequest(call, request);
    if (!trade) return undefined;
    const sandbox = sandboxFor(sessionOf(request));
    const prior = sandbox.find(trade);
    const before = { status: prior?.status, refunds: prior?.refunds.length ?? 0 };
    const result = forced?.result ? forcedResult(sandbox, trade, forced.result, forced) : sandbox.handle(trade);
    options.observe?.(call, request, before, sandbox.find(trade));
    const business = reply(call, trade, result);
    // A rule's fields override the reply's. The usual reply is passed on as it is: a literal that
    // starts with a spread and adds a field is slow to build on Node 20 (see replies-openapi.ts).
    const replied = forced?.fields ? { ...business, fields: { ...(business.fields as Record<string, unknown>), ...forced.fields } } : business;
    return { reply: replied, kind: result.kind, outcome: { source: 'default' as const, reason: `simulated ${trade.op}: ${result.kind}` } };
  };
  const answerWith = ({ kind, outcome }: Settled, response: HttpResponse): Answer => {
    if (kind === 'timeout') return { response, outcome, fault: { kind: 'timeout' } };
    if (kind === 'bad-signature') return { response: spoilSignature(response, signer), outcome };
    return { response, outcome };
  };
  type Settled = NonNullable<ReturnType<typeof settle>>;
  const respond = (call: Call, request: HttpRequest, dialect: Dialect, forced?: Forced): Answer | undefined => {
    const settled = settle(call, request, forced);
    return settled && answerWith(settled, dialect.encode(settled.reply, call, request));
  };
  // As the sandbox's own answer, a reply with a new RSA signature is signed off the event loop.
  const answer = (call: Call, request: HttpRequest, dialect: Dialect): MaybePromise<Answer | undefined> => {
    const settled = settle(call, request);
    if (!settled) return undefined;
    return andThen(signedOffThread(() => dialect.encode(settled.reply, call, request)), (response) => answerWith(settled, response));
  };
  return {
    name: 'simulated sandbox',
    sandbox: sandboxFor,
    sessions: () => [...sandboxes.keys()].filter(Boolean),
    respond,
    answer,
  };
}
