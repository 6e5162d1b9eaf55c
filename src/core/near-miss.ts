// Why a request matched nothing: its key fields beside the closest known keys, with the
// fields that differ. Pure: used for cassette misses now and for rules later.
import type { MatchKey } from './types.js';

/** Fields that decide what a request is weigh more than its details. */
const WEIGHT: Record<string, number> = { method: 4, host: 2, path: 4, api: 6, dialect: 8 };

export interface Difference {
  readonly field: string;
  readonly expected: string | undefined;
  readonly actual: string | undefined;
}

export interface NearMiss {
  readonly key: MatchKey;
  readonly label: string;
  readonly differences: readonly Difference[];
  readonly score: number;
}

export function compareKeys(actual: MatchKey, candidate: MatchKey): Difference[] {
  const fields = new Set([...Object.keys(candidate.fields), ...Object.keys(actual.fields)]);
  const differences: Difference[] = [];
  for (const field of [...fields].sort()) {
    const expected = candidate.fields[field];
    const got = actual.fields[field];
    if (expected !== got) differences.push({ field, expected, actual: got });
  }
  return differences;
}

export function nearestMisses(
  actual: MatchKey,
  candidates: ReadonlyArray<{ key: MatchKey; label: string }>,
  limit = 3,
): NearMiss[] {
  return candidates
    .map(({ key, label }) => {
      const differences = compareKeys(actual, key);
      const score = differences.reduce((sum, d) => sum + (WEIGHT[d.field] ?? 1), 0);
      return { key, label, differences, score };
    })
    .sort((a, b) => a.score - b.score)
    .slice(0, limit);
}

function shorten(value: string | undefined, max = 160): string {
  if (value === undefined) return '(absent)';
  const json = JSON.stringify(value);
  return json.length <= max ? json : `${json.slice(0, max - 4)}..."`;
}

export function formatKey(key: MatchKey, indent = '  '): string {
  return Object.entries(key.fields)
    .map(([field, value]) => `${indent}${field}: ${shorten(value)}`)
    .join('\n');
}

export function formatNearMisses(misses: readonly NearMiss[]): string {
  if (misses.length === 0) return '  (nothing to compare with: no candidates)';
  return misses
    .map((miss, i) => {
      const lines = miss.differences.map(
        (d) => `       ${d.field}: expected ${shorten(d.expected)}, got ${shorten(d.actual)}`,
      );
      const api = miss.key.fields.api;
      const same = api !== undefined && !miss.differences.some((d) => d.field === 'api') ? `same ${api}; ` : '';
      return `  ${i + 1}. ${miss.label}: ${same}differs in ${miss.differences.length} field(s):\n${lines.join('\n')}`;
    })
    .join('\n');
}
