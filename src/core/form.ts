// application/x-www-form-urlencoded, decoded in the request's own charset. URLSearchParams
// always decodes percent-escapes as UTF-8, which turns a GBK form into mojibake.
import { decodeText } from './body.js';

export type FormFields = Array<[string, string]>;

function unescapeBytes(part: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    const ch = part.charCodeAt(i);
    if (ch === 0x2b /* + */) {
      bytes.push(0x20);
    } else if (ch === 0x25 /* % */ && /^[0-9a-fA-F]{2}$/.test(part.slice(i + 1, i + 3))) {
      bytes.push(parseInt(part.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch < 0x100) {
      // Forms are parsed from a latin1 view of the raw bytes, so every char here is one byte.
      bytes.push(ch);
    } else {
      bytes.push(...Buffer.from(part[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

const PLAIN = /^[\x21-\x24\x26-\x2a\x2c-\x7e]*$/; // printable ASCII without % and +: nothing to decode

/** One escaped name or value of a form, decoded in `charset`. */
export function decodeFormPart(part: string, charset: string): string {
  return PLAIN.test(part) ? part : decodeText(unescapeBytes(part), charset);
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
