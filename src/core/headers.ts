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

export function headerValue(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of headers) if (key.toLowerCase() === lower) return value;
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
  const drop = new Set(names.map((name) => name.toLowerCase()));
  return headers.filter(([name]) => !drop.has(name.toLowerCase()));
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
