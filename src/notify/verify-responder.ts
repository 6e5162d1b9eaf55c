// Legacy `service=notify_verify&partner=...&notify_id=...`: the body is the literal `true` for a
// notify_id paymock issued within its lifetime, `false` otherwise (alipay.md §7).
import { textBody } from '../core/body.js';
import type { Responder } from '../core/pipeline.js';
import type { Notifier } from './notifier.js';

/**
 * `onlyIssued`: answer only for ids paymock issued, and let anything else go on (to a cassette or
 * the real gateway). That one runs in every mode, so a notification re-sent on replay verifies.
 */
export function notifyVerifyResponder(notifier: Notifier, onlyIssued = false): Responder {
  return {
    name: onlyIssued ? 'notify_verify (issued by paymock)' : 'notify_verify',
    answer(call) {
      if (call.dialect !== 'alipay-mapi' || call.api !== 'notify_verify') return undefined;
      const valid = notifier.verify(call.params.notify_id ?? '');
      if (onlyIssued && !valid) return undefined;
      return {
        response: { status: 200, headers: [['Content-Type', 'text/html;charset=utf-8']], body: textBody(String(valid)) },
        outcome: { source: 'default', reason: `notify_verify: ${valid ? 'issued by paymock and fresh' : 'unknown or expired notify_id'}` },
      };
    },
  };
}
