// Warnings that belong to one exchange (a reply adapted but not re-signed, a notification sent
// unsigned): logged, and attached to that exchange's Outcome for the journal and the dashboard.
// AsyncLocalStorage carries the exchange through the dialects without threading a parameter.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './log.js';

const current = new AsyncLocalStorage<string[]>();

/** Run one exchange, collecting the warnings raised while it runs. */
export async function collectWarnings<T>(run: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const value = await current.run(warnings, run);
  return { value, warnings };
}

/** Log a warning and attach it to the exchange being handled, if any. */
export function warn(log: Logger, message: string): void {
  log.warn(message);
  current.getStore()?.push(message);
}
