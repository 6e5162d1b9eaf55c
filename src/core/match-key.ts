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
  if (value.length * 3 <= MAX_READABLE) return value; // short enough whatever its characters
  const bytes = Buffer.byteLength(value);
  return bytes <= MAX_READABLE ? value : `sha256:${digest(value)} (${bytes} bytes)`;
}

/**
 * The field names in code-unit order, as `Array#sort` gives them, by insertion: a key has a few
 * dozen fields at most, and V8's sort set up about 0.9 KB of working state for each key made,
 * that is for every request.
 */
function sortedNames(fields: Record<string, string>): string[] {
  const names = Object.keys(fields);
  for (let i = 1; i < names.length; i++) {
    const name = names[i]!;
    let j = i - 1;
    while (j >= 0 && names[j]! > name) {
      names[j + 1] = names[j]!;
      j--;
    }
    names[j + 1] = name;
  }
  return names;
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
    const names = sortedNames(fields);
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
