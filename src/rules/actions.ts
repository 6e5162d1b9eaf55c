// What a matched rule's action puts on the wire. Business results and field overrides go
// through the simulated sandbox, so they come out in the request's dialect, charset and
// signature; raw responses and faults are written as given.
import { makeBody, textBody } from '../core/body.js';
import type { Answer, Call, Dialect, HttpRequest, HttpResponse } from '../core/types.js';
import type { Simulator } from './defaults/simulator.js';
import type { Action } from './schema.js';

function raw(response: NonNullable<Action['response']>): HttpResponse {
  const headers = Object.entries(response.headers ?? {});
  const bytes = response.bodyBase64 !== undefined ? Buffer.from(response.bodyBase64, 'base64') : Buffer.from(response.body ?? '', 'utf8');
  return { status: response.status, headers, body: makeBody(bytes, headers) };
}

/** A body that starts like the dialect's reply and stops mid-way: no parser accepts it. */
function malformed(call: Call, like: HttpResponse | undefined): HttpResponse {
  const text = like?.body.text ?? (call.dialect === 'alipay-mapi' ? '<?xml version="1.0" encoding="GBK"?><alipay><is_success>T</is_success>' : '{"code":"10000"}');
  const broken = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  const type = like?.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? 'text/plain; charset=utf-8';
  return { status: 200, headers: [['Content-Type', type]], body: textBody(broken, like?.body.charset ?? 'utf-8') };
}

export interface ActionContext {
  readonly call: Call;
  readonly request: HttpRequest;
  readonly dialect: Dialect;
  readonly simulator: Simulator;
}

/** The rule's answer, or undefined for a pure delay (the next source answers after the wait). */
export function perform(action: Action, ruleId: string, context: ActionContext): Answer | undefined {
  const { call, request, dialect, simulator } = context;
  const outcome = { source: 'rule' as const, ruleId };
  const delay = action.delayMs ? { delayMs: action.delayMs } : {};
  const simulated = (forced: Parameters<Simulator['respond']>[3]) =>
    simulator.respond(call, request, dialect, forced)?.response ?? dialect.encode({ fields: forced?.fields ?? {} }, call, request);

  if (action.result !== undefined) {
    const forced = { result: action.result, ...(action.error ? { error: action.error } : {}), ...(action.message ? { message: action.message } : {}), ...(action.fields ? { fields: action.fields } : {}) };
    return { response: simulated(forced), outcome, ...delay };
  }
  if (action.fields !== undefined) return { response: simulated({ fields: action.fields }), outcome, ...delay };
  if (action.response !== undefined) return { response: raw(action.response), outcome, ...delay };
  if (action.fault !== undefined) {
    const fault = action.fault;
    if (typeof fault === 'object') {
      const body = fault.body ?? `paymock: simulated HTTP ${fault.status} (rule ${ruleId})\n`;
      return { response: { status: fault.status, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: textBody(body) }, outcome, ...delay };
    }
    if (fault === 'malformed') return { response: malformed(call, simulator.respond(call, request, dialect)?.response), outcome, ...delay };
    // A timeout, reset or truncation of what the sandbox would have said (and done).
    const like = simulator.respond(call, request, dialect)?.response ?? dialect.encode({ fields: {} }, call, request);
    return { response: like, outcome, fault: { kind: fault }, ...delay };
  }
  return undefined;
}
