// A delivery attempt as a journal entry, so notifications show up in the journal and the
// dashboard beside the calls that caused them: paymock's POST and the merchant's answer.
import { textBody } from '../core/body.js';
import type { Journal } from '../core/journal.js';
import { makeKey } from '../core/match-key.js';
import type { AttemptObserver } from './notifier.js';

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
        source: 'default',
        reason: `notification ${notification.id}, attempt ${notification.attempts.length}: ${attempt.success ? 'merchant answered success' : `not success (${attempt.error ?? JSON.stringify(attempt.answer)})`}`,
        durationMs,
      },
    });
  };
}
