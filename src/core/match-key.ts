// A match key is an allow-list of readable fields plus their hash. The fields are stored in
// the cassette and printed on a miss; the hash is what the replay index is keyed on.
import { createHash } from 'node:crypto';
import { sortedKeys } from './sorted-keys.js';
import type { MatchKey } from './types.js';

/** Long values are kept out of the readable fields; their digest stands in for them. */
export const MAX_READABLE = 512;

export function digest(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function readable(value: string): string {
  if (value.length * 3 <= MAX_READABLE) return value; // short enough whatever its characters
  const bytes = Buffer.byteLength(value);
  return bytes <= MAX_READABLE ? value : `sha256:${digest(value)} (${bytes} bytes)`;
}

/**
 * The replay index is keyed on `id`, the canonical text of the fields: a Map hashes a string
 * faster than SHA-256 does. The short SHA-256 `hash` is for people (cassettes, miss reports) and
 * is only worked out when something shows it.
 */
class Key implements MatchKey {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
  #hash: string | undefined;

  constructor(fields: Record<string, string>) {
    const names = sortedKeys(fields);
    const parts: string[] = [];
    for (const name of names) parts.push(`${name}\u0000${fields[name]}`);
    this.id = parts.join('\u0001'); // one flat string, not a rope of concatenations
    this.fields = Object.freeze(fields);
  }

  get hash(): string {
    return (this.#hash ??= digest(this.id).slice(0, 24));
  }

  toJSON(): { hash: string; fields: Readonly<Record<string, string>> } {
    return { hash: this.hash, fields: this.fields };
  }
}

/** A key over these fields; the object is kept (frozen), so pass a fresh one. */
export function makeKey(fields: Record<string, string>): MatchKey {
  return new Key(fields);
}
