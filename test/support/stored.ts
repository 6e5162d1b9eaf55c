// A recorded `POST http://h/pay?i=<i>` exchange in cassette form, for the store's tests: a JSON
// request and a GBK XML answer whose texts each test chooses (Chinese, quotes, braces...).
import { toStoredInteraction, type StoredInteraction } from '../../src/cassettes/format.js';
import { textBody } from '../../src/core/body.js';
import { makeKey } from '../../src/core/match-key.js';
import type { RecordedNotification } from '../../src/core/types.js';

export function storedPay(
  i: number,
  parts: { keyFields: Record<string, string>; requestJson: string; responseXml: string; notifications?: RecordedNotification[]; merchantIds?: Record<string, string> },
): StoredInteraction {
  return toStoredInteraction({
    recordedAt: new Date(i * 1000).toISOString(),
    latencyMs: i,
    dialect: 'http',
    api: 'POST /pay',
    key: makeKey({ i: String(i), ...parts.keyFields }),
    ...(parts.merchantIds ? { merchantIds: parts.merchantIds } : {}),
    request: { method: 'POST', url: `http://h/pay?i=${i}`, headers: [['Host', 'h']], body: textBody(parts.requestJson) },
    response: { status: 200, headers: [['Content-Type', 'text/xml; charset=GBK']], body: textBody(parts.responseXml, 'GBK') },
    ...(parts.notifications ? { notifications: parts.notifications } : {}),
  });
}
