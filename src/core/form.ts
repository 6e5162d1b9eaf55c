// application/x-www-form-urlencoded, decoded in the request's own charset. URLSearchParams
// always decodes percent-escapes as UTF-8, which turns a GBK form into mojibake.
import { decodeText } from './body.js';

export type FormFields = Array<[string, string]>;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** `+` as space and `%XX` as its byte; anything else as itself (one byte per char of the latin1 view). */
function unescapeBytes(part: string): Buffer {
  const bytes = Buffer.allocUnsafe(part.length * 3);
  let length = 0;
  for (let i = 0; i < part.length; i++) {
    const ch = part.charCodeAt(i);
    if (ch === 0x2b /* + */) {
      bytes[length++] = 0x20;
      continue;
    }
    if (ch === 0x25 /* % */ && i + 2 < part.length) {
      const high = hexValue(part.charCodeAt(i + 1));
      const low = hexValue(part.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        bytes[length++] = (high << 4) | low;
        i += 2;
        continue;
      }
    }
    // Forms are parsed from a latin1 view of the raw bytes, so every char here is one byte; a
    // string from elsewhere may hold more, written as UTF-8.
    if (ch < 0x100) bytes[length++] = ch;
    else length += bytes.write(part[i]!, length, 'utf8');
  }
  return bytes.subarray(0, length);
}

const PLAIN = /^[\x21-\x24\x26-\x2a\x2c-\x7e]*$/; // printable ASCII without % and +: nothing to decode

/**
 * Escaped parts already decoded, per charset: a merchant's forms repeat the same escaped values
 * (a GBK subject, a timestamp's `+`) and decoding GBK goes through iconv-lite.
 */
const decodedParts = new Map<string, Map<string, string>>();
const DECODED_PARTS_KEPT = 4096;

/** One escaped name or value of a form, decoded in `charset`. */
export function decodeFormPart(part: string, charset: string): string {
  if (PLAIN.test(part)) return part;
  let cache = decodedParts.get(charset);
  if (!cache) decodedParts.set(charset, (cache = new Map()));
  let text = cache.get(part);
  if (text !== undefined) return text;
  text = decodeText(unescapeBytes(part), charset);
  if (part.length <= 1024) {
    if (cache.size >= DECODED_PARTS_KEPT) cache.delete(cache.keys().next().value!);
    cache.set(part, text);
  }
  return text;
}

/** The raw bytes of a form body as a string of one char per byte, ready for parseForm. */
export function rawFormText(bytes: Buffer): string {
  return bytes.toString('latin1');
}

/** The value of `name` in a urlencoded string, for ASCII-valued fields such as a charset. */
export function rawField(form: string, name: string): string | undefined {
  for (const pair of form.split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === name) return decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
  }
  return undefined;
}

/** Parse `a=1&b=%D6%D0` with `+` as space, percent-escapes decoded as `charset`. */
export function parseForm(text: string, charset = 'utf-8'): FormFields {
  const fields: FormFields = [];
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    fields.push([decodeFormPart(name, charset), decodeFormPart(value, charset)]);
  }
  return fields;
}

/** Sorted by name (then value) and joined raw: a stable, readable form for match keys. */
export function sortedForm(fields: FormFields): string {
  return [...fields]
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}
