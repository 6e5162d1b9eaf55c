// Legacy `service=notify_verify&partner=...&notify_id=...`: the body is the literal `true` for a
// notify_id paymock issued within its lifetime, `false` otherwise (alipay.md §7).
import { textBody } from '../core/body.js';
import type { Responder } from '../core/pipeline.js';
import type { Notifier } from './notifier.js';

export function notifyVerifyResponder(notifier: Notifier): Responder {
  return {
    name: 'notify_verify',
    answer(call) {
      if (call.dialect !== 'alipay-mapi' || call.api !== 'notify_verify') return undefined;
      const valid = notifier.verify(call.params.notify_id ?? '');
      return {
        response: { status: 200, headers: [['Content-Type', 'text/html;charset=utf-8']], body: textBody(String(valid)) },
        outcome: { source: 'default', reason: `notify_verify: ${valid ? 'issued by paymock and fresh' : 'unknown or expired notify_id'}` },
      };
    },
  };
}
