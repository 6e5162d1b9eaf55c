// Header lists keep the order and case they arrived in; lookups are case-insensitive.
import type { HeaderList } from './types.js';

/** RFC 9110 section 7.6.1, plus the proxy headers that old clients still send. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Whether two header names are the same in any case, without making lower-case copies: every
 * lookup compares against every header, and each copy was a string to collect.
 */
export function isHeader(name: string, other: string): boolean {
  if (name.length !== other.length) return false;
  for (let i = 0; i < name.length; i++) {
    let a = name.charCodeAt(i);
    let b = other.charCodeAt(i);
    if (a === b) continue;
    if (a > 0x7f || b > 0x7f) return name.toLowerCase() === other.toLowerCase(); // not tokens; as toLowerCase sees them
    if (a >= 0x41 && a <= 0x5a) a += 0x20;
    if (b >= 0x41 && b <= 0x5a) b += 0x20;
    if (a !== b) return false;
  }
  return true;
}

/**
 * Whether `name` is one of `names`, in any case. An array, indexed: iterating a Set made an
 * iterator and a result object per name, for every header of every request (about 1 KB per
 * replayed request, through the redactor).
 */
export function isOneOf(name: string, names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if (isHeader(name, names[i]!)) return true;
  return false;
}

export function headerValue(headers: HeaderList, name: string): string | undefined {
  for (const [key, value] of headers) if (isHeader(key, name)) return value;
  return undefined;
}

/** Node's `rawHeaders` (`[name, value, name, value, ...]`) as a header list. */
export function fromRaw(raw: readonly string[]): HeaderList {
  const list: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) list.push([raw[i]!, raw[i + 1]!]);
  return list;
}

/** Flattened back into the form `res.writeHead` accepts, keeping order and case. */
export function toRaw(headers: HeaderList): string[] {
  return headers.flat();
}

/** Drop hop-by-hop headers, including those a `Connection` header names. */
export function endToEnd(headers: HeaderList): HeaderList {
  const connection = headerValue(headers, 'connection');
  // Usually `keep-alive` or `close`, naming no other header: no set to build.
  const named = connection && /,|[^\s]\s+[^\s]|^(?!keep-alive$|close$)/i.test(connection.trim())
    ? new Set(connection.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean))
    : undefined;
  const kept: HeaderList = [];
  for (const header of headers) {
    const lower = header[0].toLowerCase();
    if (!HOP_BY_HOP.has(lower) && !named?.has(lower)) kept.push(header);
  }
  return kept;
}

export function withoutHeaders(headers: HeaderList, names: readonly string[]): HeaderList {
  return headers.filter(([name]) => !isOneOf(name, names));
}

export function setHeader(headers: HeaderList, name: string, value: string): HeaderList {
  return [...withoutHeaders(headers, [name]), [name, value]];
}

/** Replace a header's value where it stands (keeping order and case), or append it. */
export function replaceHeader(headers: HeaderList, name: string, value: string): HeaderList {
  const lower = name.toLowerCase();
  let found = false;
  const out = headers.map(([key, old]): [string, string] => {
    if (key.toLowerCase() !== lower) return [key, old];
    found = true;
    return [key, value];
  });
  return found ? out : [...out, [name, value]];
}
