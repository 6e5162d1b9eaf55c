// DESIGN.md's mode table as data: which sources may answer, and whether forwarded exchanges
// are recorded. Custom rules answer in every mode.
import type { Mode } from '../config.js';

export interface ModePlan {
  readonly cassette: boolean;
  readonly defaults: boolean;
  readonly upstream: boolean;
  readonly record: boolean;
}

export const MODE_PLANS: Readonly<Record<Mode, ModePlan>> = {
  mock: { cassette: false, defaults: true, upstream: false, record: false },
  record: { cassette: false, defaults: false, upstream: true, record: true },
  replay: { cassette: true, defaults: false, upstream: false, record: false },
  auto: { cassette: true, defaults: false, upstream: true, record: true },
  passthrough: { cassette: false, defaults: false, upstream: true, record: false },
};
