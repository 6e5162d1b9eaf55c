// DESIGN.md's mode table as data: which sources may answer, and whether forwarded exchanges
// are recorded. Custom rules answer in every mode.
import type { Mode } from '../config.js';

export interface ModePlan {
  readonly cassette: boolean;
  readonly defaults: boolean;
  readonly upstream: boolean;
  readonly record: boolean;
  /** Check request signatures as the gateway would (when paymock answers, not the upstream). */
  readonly verify: boolean;
}

export const MODE_PLANS: Readonly<Record<Mode, ModePlan>> = {
  mock: { cassette: false, defaults: true, upstream: false, record: false, verify: true },
  record: { cassette: false, defaults: false, upstream: true, record: true, verify: false },
  replay: { cassette: true, defaults: false, upstream: false, record: false, verify: true },
  auto: { cassette: true, defaults: false, upstream: true, record: true, verify: true },
  passthrough: { cassette: false, defaults: false, upstream: true, record: false, verify: false },
};
