// JSON with object keys sorted at every level, so two bodies that mean the same match.
import { sortedKeys } from './sorted-keys.js';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of sortedKeys(value)) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/** The same text as JSON.stringify of the key-sorted value, written directly (no sorted copy). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(sortKeys(value));
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      text += `${i ? ',' : ''}${item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : canonicalJson(item)}`;
    }
    return `${text}]`;
  }
  let text = '{';
  let first = true;
  for (const key of sortedKeys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    if (inner === undefined || typeof inner === 'function' || typeof inner === 'symbol') continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(inner)}`;
    first = false;
  }
  return `${text}}`;
}

/** Parsed JSON, or undefined when the text is not JSON. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
