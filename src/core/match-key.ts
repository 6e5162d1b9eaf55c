// A match key is an allow-list of readable fields plus their hash. The fields are stored in
// the cassette and printed on a miss; the hash is what the replay index is keyed on.
import { createHash } from 'node:crypto';
import type { MatchKey } from './types.js';

/** Long values are kept out of the readable fields; their digest stands in for them. */
export const MAX_READABLE = 512;

export function digest(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function readable(value: string): string {
  const bytes = Buffer.byteLength(value);
  return bytes <= MAX_READABLE ? value : `sha256:${digest(value)} (${bytes} bytes)`;
}

export function makeKey(fields: Record<string, string>): MatchKey {
  const names = Object.keys(fields).sort();
  const preimage = names.map((name) => `${name}\u0000${fields[name]}`).join('\u0001');
  return { hash: digest(preimage).slice(0, 24), fields: Object.freeze({ ...fields }) };
}
