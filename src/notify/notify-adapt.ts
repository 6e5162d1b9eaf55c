// Fitting a recorded notification to a live exchange, the way alipay-resign.ts fits a recorded
// reply: the merchant ids the live request changed are swapped in, the merchant is the live one,
// notify_id and notify_time are fresh. Pure; signing is signNotification's job (notification.ts).
import type { Call } from '../core/types.js';
import { dashedTime } from '../rules/defaults/time-and-money.js';

/**
 * `mapping` is recorded id -> live id (alipay-resign's idMapping). Whole values are swapped, never
 * parts of one. Empty fields are dropped: alipay-sdk's checkNotifySign would verify them as `k=`
 * while Alipay's rule leaves them out (alipay.md §7).
 */
export function adaptNotification(recorded: Readonly<Record<string, string>>, mapping: ReadonlyMap<string, string>, live: Call, notifyId: string, now: Date): Record<string, string> {
  const fresh: Record<string, string> = { notify_id: notifyId, notify_time: dashedTime(now) };
  if (live.params.app_id && 'app_id' in recorded) fresh.app_id = live.params.app_id;
  if (live.params.partner && 'partner' in recorded) fresh.partner = live.params.partner;
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(recorded)) {
    if (name === 'sign' || name === 'sign_type' || value === '') continue;
    fields[name] = fresh[name] ?? mapping.get(value) ?? value;
  }
  return { ...fresh, ...fields };
}
