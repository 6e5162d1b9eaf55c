// A match key is an allow-list of readable fields plus their hash. The fields are stored in
// the cassette and printed on a miss; a cheap hash of them is what the replay index looks up.
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
 * A loaded cassette keeps a key per interaction, so a key keeps only its fields and a 30-bit hash
 * of their canonical text (`bucket`, FNV-1a over the same code units as `id`), which the replay
 * index looks keys up by: a Map hashes a number faster than SHA-256 hashes text, and keeping the
 * text as well held each key's fields twice (about 280 bytes of a legacy Alipay key). `id` is
 * made when asked; the short SHA-256 `hash` is for people (cassettes, miss reports) and is only
 * worked out when something shows it.
 */
class Key implements MatchKey {
  readonly fields: Readonly<Record<string, string>>;
  readonly bucket: number;
  #hash: string | undefined;

  constructor(fields: Record<string, string>) {
    let bucket = FNV_OFFSET;
    let first = true;
    for (const name of sortedKeys(fields)) {
      // As if hashing `id`: the separator before each field after the first, name, NUL, value.
      if (!first) bucket = fnv(bucket, '\u0001');
      first = false;
      bucket = fnv(fnv(fnv(bucket, name), '\u0000'), fields[name]!);
    }
    this.bucket = bucket & 0x3fffffff; // a small integer: no boxed number per key
    this.fields = Object.freeze(fields);
  }

  get id(): string {
    const parts: string[] = [];
    for (const name of sortedKeys(this.fields)) parts.push(`${name}\u0000${this.fields[name]}`);
    return parts.join('\u0001');
  }

  get hash(): string {
    return (this.#hash ??= digest(this.id).slice(0, 24));
  }

  toJSON(): { hash: string; fields: Readonly<Record<string, string>> } {
    return { hash: this.hash, fields: this.fields };
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function fnv(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash;
}

/** Whether two keys have the same fields (`bucket` is equal for equal keys, and rarely for others). */
export function sameKey(a: MatchKey, b: MatchKey): boolean {
  if (a === b) return true;
  if (a.bucket !== b.bucket) return false;
  let count = 0;
  for (const name in a.fields) {
    if (b.fields[name] !== a.fields[name]) return false;
    count++;
  }
  for (const _ in b.fields) count--;
  return count === 0;
}

/** A key over these fields; the object is kept (frozen), so pass a fresh one. */
export function makeKey(fields: Record<string, string>): MatchKey {
  return new Key(fields);
}
