// zod issues turned into one readable line per field: `interactions[3].response.status: ...`.
import type { z } from 'zod';

export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(root)';
}

/** zod reports a bad record key as "Invalid key in record"; the reason is one level down. */
function messageOf(issue: z.core.$ZodIssue): string {
  const inner = issue.code === 'invalid_key' ? issue.issues[0] : undefined;
  return inner ? `${inner.message} (in a key)` : issue.message;
}

export function formatIssues(error: z.ZodError, limit = 5): string {
  const lines = error.issues.slice(0, limit).map((issue) => `  ${fieldPath(issue.path)}: ${messageOf(issue)}`);
  if (error.issues.length > limit) lines.push(`  ... and ${error.issues.length - limit} more`);
  return lines.join('\n');
}

/** `position 123` in a JSON.parse message as `line 4 column 7` of `text`. */
export function jsonErrorWhere(error: unknown, text: string): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (position === undefined) return '';
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return ` at line ${line} column ${column}`;
}
