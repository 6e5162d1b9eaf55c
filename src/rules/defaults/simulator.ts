// The simulated sandbox as a pipeline source ("default rules"): it answers pay, query, cancel,
// refund, close and precreate in all three Alipay dialects from its ledger, encoded and signed by
// the request's dialect. Other APIs fall through to a miss.
import type { Responder } from '../../core/pipeline.js';
import type { Answer, BusinessReply, Call, Dialect, HttpRequest } from '../../core/types.js';
import type { AlipaySigner } from '../../dialects/alipay-signer.js';
import { spoilSignature } from './bad-signature.js';
import { legacyReply } from './replies-legacy.js';
import { openapiReply, v3Reply } from './replies-openapi.js';
import { Sandbox, type SandboxResult } from './sandbox.js';
import { tradeNumber } from './time-and-money.js';
import { tradeRequest, type TradeRequest } from './trade-request.js';

export interface Simulator extends Responder {
  readonly sandbox: Sandbox;
}

function reply(call: Call, request: TradeRequest, result: SandboxResult): BusinessReply {
  if (call.dialect === 'alipay-mapi') return legacyReply(call.api, request, result);
  if (call.dialect === 'alipay-v3') return v3Reply(request, result);
  return openapiReply(request, result);
}

export function createSimulator(signer: AlipaySigner, clock = { now: () => new Date() }): Simulator {
  let sequence = 0;
  const sandbox = new Sandbox({ now: clock.now, tradeNo: (at) => tradeNumber(at, ++sequence) });
  return {
    name: 'simulated sandbox',
    sandbox,
    answer(call: Call, request: HttpRequest, dialect: Dialect): Answer | undefined {
      const trade = tradeRequest(call, request);
      if (!trade) return undefined;
      const result = sandbox.handle(trade);
      const outcome = { source: 'default' as const, reason: `simulated ${trade.op}: ${result.kind}` };
      const response = dialect.encode(reply(call, trade, result), call, request);
      if (result.kind === 'timeout') return { response, outcome, fault: { kind: 'timeout' } };
      if (result.kind === 'bad-signature') return { response: spoilSignature(response, signer), outcome };
      return { response, outcome };
    },
  };
}
