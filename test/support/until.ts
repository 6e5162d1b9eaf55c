// Polls a condition on the event loop until it holds, failing with `what` after `ms`.
import { setTimeout as sleep } from 'node:timers/promises';

export async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); await sleep(20)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}
