// How a cassette's stored keys were computed, in one short string in its header (`keys`). When
// it equals this paymock's, a loading cassette builds each key from its stored fields (cheap);
// otherwise every key is recomputed from the recorded request (decode + fingerprint), so old
// cassettes and changed match settings still replay correctly.
import { canonicalJson } from '../core/canonical-json.js';
import { digest } from '../core/match-key.js';
import type { MatchOverrides } from '../dialects/alipay-key.js';

/**
 * Bump whenever any dialect's fingerprint changes what it puts in a key (fields, normalisation,
 * what is ignored by default, `readable`): cassettes written before then get their keys recomputed.
 */
export const KEY_ALGORITHM_VERSION = 1;

/** The signature for keys computed with these match overrides (config `match`). */
export function keySignature(match: MatchOverrides): string {
  return `v${KEY_ALGORITHM_VERSION}:${digest(canonicalJson(match)).slice(0, 16)}`;
}
