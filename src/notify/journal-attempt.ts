// A delivery attempt as a journal entry, so notifications show up in the journal and the
// dashboard beside the calls that caused them: paymock's POST and the merchant's answer.
import { textBody } from '../core/body.js';
import type { Journal } from '../core/journal.js';
import { makeKey } from '../core/match-key.js';
import type { Source } from '../core/types.js';
import type { AttemptObserver, NotificationOrigin } from './notifier.js';

/** Shown as who answered: the simulated sandbox, the real one (relayed), or a cassette (re-sent). */
const SOURCE: Record<NotificationOrigin, Source> = { simulated: 'default', relayed: 'upstream', replayed: 'cassette' };
const ORIGIN: Record<NotificationOrigin, string> = { simulated: '', relayed: ' (relayed from the sandbox)', replayed: ' (recorded, re-sent)' };

function describe(dialect: 'alipay-mapi' | 'alipay-openapi', api: string, params: Record<string, string>) {
  return { dialect, api, call: { dialect, api, params } };
}

export function journalAttempts(journal: Journal): AttemptObserver {
  return (notification, attempt, body, durationMs) => {
    const legacy = 'partner' in notification.fields && !('app_id' in notification.fields);
    journal.add({
      request: {
        method: 'POST',
        url: notification.url,
        headers: [['Content-Type', `application/x-www-form-urlencoded; charset=${notification.charset}`]],
        body: textBody(body),
      },
      response: {
        status: attempt.status ?? 0,
        headers: [],
        body: textBody(attempt.answer ?? attempt.error ?? ''),
      },
      ...describe(legacy ? 'alipay-mapi' : 'alipay-openapi', `notify ${notification.fields.trade_status ?? ''}`.trim(), notification.fields),
      key: makeKey({ notify_id: notification.id }),
      outcome: {
        source: SOURCE[notification.origin],
        reason: `notification ${notification.id}${ORIGIN[notification.origin]}, attempt ${notification.attempts.length}: ${attempt.success ? 'merchant answered success' : `not success (${attempt.error ?? JSON.stringify(attempt.answer)})`}`,
        durationMs,
      },
    });
  };
}
