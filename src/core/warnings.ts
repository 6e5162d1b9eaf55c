// Warnings that belong to one exchange (a reply adapted but not re-signed, a notification sent
// unsigned): logged, and attached to that exchange's Outcome for the journal and the dashboard.
// Every step that can raise one (decode, adapt, encode, sign) runs synchronously inside
// `collecting`, so a plain "current list" carries the exchange through the dialects without
// threading a parameter, and without AsyncLocalStorage (whose promise hooks tax every await).
import type { Logger } from './log.js';

let current: string[] | undefined;

/** Run one synchronous step of an exchange, attaching the warnings it raises to `into`. */
export function collecting<T>(into: string[], run: () => T): T {
  const previous = current;
  current = into;
  try {
    return run();
  } finally {
    current = previous;
  }
}

/** Log a warning and attach it to the exchange being handled, if any. */
export function warn(log: Logger, message: string): void {
  log.warn(message);
  current?.push(message);
}
