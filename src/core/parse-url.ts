// A request's URL, parsed once per request. Most are plain (`http://127.0.0.1:8080/gateway.do?a=1`):
// for those, one scan over what WHATWG URL keeps as it is gives the same parts without a URL
// object (150-180 ns against 270-300 ns for `new URL`, in-process, pinned). Anything else (upper
// case, escapes WHATWG rewrites, dot segments, IDN, user info, a fragment, IPv4 in a short form)
// goes to `new URL`, so both give the same answer (test/unit/parse-url.test.ts compares them field
// by field).
import type { RequestUrl } from './request-url.js';

/** What each ASCII character may be, unchanged by URL, in the host (as written), path and query. */
const HOST = 1;
const PATH = 2;
const QUERY = 4;
const KEPT = new Uint8Array(128);
const mark = (chars: string, kind: number) => {
  for (const char of chars) KEPT[char.charCodeAt(0)]! |= kind;
};
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
mark('abcdefghijklmnopqrstuvwxyz0123456789-.', HOST);
mark(`${ALNUM}-._~!$&'()*+,;=:@/%`, PATH);
mark(`${ALNUM}-._~!$&()*+,;=:@/?%[]{}|^\``, QUERY);

/** A `.` or `..` segment, which URL resolves, also spelled with `%2e`. */
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:\/|$)/i;

/** Where the run of `kind` characters from `at` ends. */
function runOf(text: string, at: number, kind: number): number {
  for (; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code > 0x7f || (KEPT[code]! & kind) === 0) break;
  }
  return at;
}

/**
 * Whether URL keeps `text[from, to)` (made of HOST characters) as the host it is: labels none
 * empty or an IDN (`xn--`), the last one a name (starting with a letter), or else IPv4 as URL
 * writes it: four decimal parts of 0-255 without leading zeros.
 */
function plainHost(text: string, from: number, to: number): boolean {
  let parts = 0;
  let numeric = true;
  let start = from;
  let value = 0;
  for (let at = from; at <= to; at++) {
    const code = at < to ? text.charCodeAt(at) : 0x2e;
    if (code !== 0x2e) {
      value = code >= 0x30 && code <= 0x39 ? value * 10 + code - 0x30 : Infinity;
      continue;
    }
    const first = text.charCodeAt(start);
    if (at === start || (first === 0x78 && text.startsWith('xn--', start))) return false;
    if (at === to && first >= 0x61) return true; // the last label is a name
    numeric &&= value <= 255 && (first !== 0x30 || at - start === 1);
    parts++;
    value = 0;
    start = at + 1;
  }
  return numeric && parts === 4;
}

class PlainUrl implements RequestUrl {
  constructor(
    readonly protocol: string,
    readonly hostname: string,
    readonly port: string,
    readonly host: string,
    readonly pathname: string,
    readonly search: string,
  ) {}

  get origin(): string {
    return `${this.protocol}//${this.host}`;
  }
}

export function parseUrl(text: string): RequestUrl {
  const secure = text.startsWith('https://');
  if (!secure && !text.startsWith('http://')) return new URL(text);
  const hostStart = secure ? 8 : 7;
  const hostEnd = runOf(text, hostStart, HOST);
  let at = hostEnd;
  let port = 0;
  if (text.charCodeAt(at) === 0x3a) {
    // Digits without a leading zero, at most 65535 (`:` alone, or `:080`, URL rewrites); a sixth
    // digit is read only to be refused.
    for (at++; at < text.length && at - hostEnd <= 6; at++) {
      const code = text.charCodeAt(at);
      if (code < 0x30 || code > 0x39 || (code === 0x30 && port === 0)) break;
      port = port * 10 + code - 0x30;
    }
    if (port === 0 || port > 65535) return new URL(text);
  }
  if (text.charCodeAt(at) !== 0x2f || !plainHost(text, hostStart, hostEnd)) return new URL(text);
  const pathEnd = runOf(text, at, PATH);
  const queryEnd = text.charCodeAt(pathEnd) === 0x3f ? runOf(text, pathEnd + 1, QUERY) : pathEnd;
  if (queryEnd !== text.length) return new URL(text);
  const pathname = text.slice(at, pathEnd);
  if ((pathname.includes('/.') || pathname.includes('%')) && DOT_SEGMENT.test(pathname)) return new URL(text);
  const hostname = text.slice(hostStart, hostEnd);
  const shown = port === 0 || port === (secure ? 443 : 80) ? '' : String(port);
  return new PlainUrl(secure ? 'https:' : 'http:', hostname, shown, shown ? text.slice(hostStart, at) : hostname, pathname, queryEnd - pathEnd > 1 ? text.slice(pathEnd, queryEnd) : '');
}
