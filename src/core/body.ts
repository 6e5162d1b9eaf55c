// Bodies: the bytes are the truth, charset and text are views. The only module that imports
// iconv-lite, so GBK, GB18030 and friends are handled in one place.
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import type { Body, HeaderList } from './types.js';
import { headerValue } from './headers.js';

/** How a body is kept in a cassette: readable text only when it round-trips byte for byte. */
export type StoredBody = { readonly charset: string; readonly text: string } | { readonly base64: string };

const TEXTUAL = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript|[\w.+-]*\+(json|xml)))/i;
const XML_DECLARATION = /^\s*<\?xml[^>]*\sencoding\s*=\s*["']([\w.:-]+)["']/i;

export function contentTypeCharset(contentType: string | undefined): string | undefined {
  const match = contentType && /;\s*charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType);
  return match ? match[1] : undefined;
}

/** How far into a body an XML declaration is looked for. */
const DECLARATION_WINDOW = 200;

/** Whether the first byte after leading whitespace (what `\s` matches in latin1) is `<`. */
function startsWithTag(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length && i < DECLARATION_WINDOW; i++) {
    const byte = bytes[i]!;
    if (byte === 0x3c) return true;
    if (byte !== 0x20 && (byte < 0x09 || byte > 0x0d) && byte !== 0xa0) return false;
  }
  return false;
}

/** The charset declared for these bytes: Content-Type first, then an XML declaration. */
export function declaredCharset(headers: HeaderList, bytes: Buffer): string | undefined {
  const fromHeader = contentTypeCharset(headerValue(headers, 'content-type'));
  if (fromHeader && isKnownCharset(fromHeader)) return fromHeader;
  // The declaration is ASCII in every charset Alipay uses, so a latin1 view of the start is enough;
  // a body that does not start with `<` (a form, JSON) has none, and no view is made of it.
  if (!startsWithTag(bytes)) return undefined;
  const declared = XML_DECLARATION.exec(bytes.subarray(0, DECLARATION_WINDOW).toString('latin1'))?.[1];
  return declared && isKnownCharset(declared) ? declared : undefined;
}

function looksTextual(headers: HeaderList, bytes: Buffer): boolean {
  const type = headerValue(headers, 'content-type');
  if (type) return TEXTUAL.test(type);
  return bytes.length > 0 && !bytes.includes(0);
}

const UTF8 = /^utf-?8$/i;

// UTF-8 goes through Node's native codec (same bytes as iconv's, without a JS pass per char).
export function decodeText(bytes: Buffer, charset: string): string {
  return UTF8.test(charset) ? bytes.toString('utf8') : iconv.decode(bytes, charset, { stripBOM: false });
}

/** Charsets whose bytes 0x00-0x7F are ASCII, one byte per char: only the rest needs iconv. */
const ASCII_SUPERSET = /^(gbk|gb2312|gb18030|cp936|euc-?cn|big5|big5-hkscs|euc-?kr|iso-?8859-\d+|latin1|us-ascii|ascii)$/i;
/** Non-ASCII runs already encoded, per charset (an Alipay reply repeats the same few Chinese texts). */
const encodedRuns = new Map<string, Map<string, Buffer>>();
const ENCODED_RUNS_KEPT = 4096;

function encodeRun(run: string, charset: string): Buffer {
  let cache = encodedRuns.get(charset);
  if (!cache) encodedRuns.set(charset, (cache = new Map()));
  let bytes = cache.get(run);
  if (bytes) return bytes;
  bytes = iconv.encode(run, charset, { addBOM: false });
  cache.set(run, bytes);
  if (cache.size > ENCODED_RUNS_KEPT) cache.delete(cache.keys().next().value!);
  return bytes;
}

const NON_ASCII = /[^\x00-\x7f]+/g;

/** ASCII copied natively, the other runs through iconv (cached): the same bytes, a fraction of the work. */
function encodeAsciiSuperset(text: string, charset: string): Buffer {
  if (isAscii(text)) return Buffer.from(text, 'latin1');
  // First pass: encode the non-ASCII runs and size the result; second: one buffer, filled in place.
  const runs: Array<{ at: number; end: number; bytes: Buffer }> = [];
  let size = text.length;
  NON_ASCII.lastIndex = 0;
  for (let match = NON_ASCII.exec(text); match; match = NON_ASCII.exec(text)) {
    const bytes = encodeRun(match[0], charset);
    runs.push({ at: match.index, end: match.index + match[0].length, bytes });
    size += bytes.length - match[0].length;
  }
  if (runs.length === 0) return Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  let from = 0;
  for (const run of runs) {
    if (run.at > from) offset += out.write(text.slice(from, run.at), offset, 'latin1');
    offset += run.bytes.copy(out, offset);
    from = run.end;
  }
  if (from < text.length) out.write(text.slice(from), offset, 'latin1');
  return out;
}

/**
 * Every character below 0x80: only then is the UTF-8 length the string's length (a lone surrogate
 * counts 3). Native, and about 3x faster than a regex scan over a 1 KB reply.
 */
function isAscii(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') === text.length;
}

/** True when `text` is plain ASCII and `charset` (a known one) writes ASCII as itself: its bytes are the string's UTF-8. */
export function isAsciiIn(text: string, charset: string): boolean {
  return (UTF8.test(charset) || ASCII_SUPERSET.test(charset)) && isAscii(text) && isKnownCharset(charset);
}

export function encodeText(text: string, charset: string): Buffer {
  if (UTF8.test(charset)) return Buffer.from(text, 'utf8');
  if (ASCII_SUPERSET.test(charset)) return encodeAsciiSuperset(text, charset);
  return iconv.encode(text, charset, { addBOM: false });
}

/** iconv-lite normalises the name and searches its tables on every lookup: remember the answers. */
const knownCharsets = new Map<string, boolean>();

export function isKnownCharset(charset: string): boolean {
  let known = knownCharsets.get(charset);
  if (known === undefined) {
    known = iconv.encodingExists(charset);
    if (knownCharsets.size < 1000) knownCharsets.set(charset, known);
  }
  return known;
}

/** Decode `bytes` only if the text encodes back to exactly the same bytes. */
function roundTrip(bytes: Buffer, charset: string): string | undefined {
  // Valid UTF-8 always round-trips: Node checks and decodes it natively, no iconv pass needed.
  if (UTF8.test(charset)) return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
  const text = decodeText(bytes, charset);
  return encodeText(text, charset).equals(bytes) ? text : undefined;
}

/**
 * The text view is worked out on first use: most requests are matched from their raw form bytes
 * and never need it, and decoding (then re-encoding, to prove the round trip) is not free.
 */
class LazyBody implements Body {
  readonly bytes: Buffer;
  readonly #headers: HeaderList;
  #view: { charset: string | undefined; text: string | undefined } | undefined;

  constructor(bytes: Buffer, headers: HeaderList) {
    this.bytes = bytes;
    this.#headers = headers;
  }

  get charset(): string | undefined {
    return this.#decoded().charset;
  }

  get text(): string | undefined {
    return this.#decoded().text;
  }

  #decoded() {
    if (this.#view) return this.#view;
    const declared = declaredCharset(this.#headers, this.bytes);
    const charset = declared ?? (looksTextual(this.#headers, this.bytes) ? 'utf-8' : undefined);
    const text = charset === undefined ? undefined : roundTrip(this.bytes, charset);
    return (this.#view = { charset: text === undefined ? undefined : charset, text });
  }

  toJSON(): Body {
    return { bytes: this.bytes, charset: this.charset, text: this.text };
  }
}

export function makeBody(bytes: Buffer, headers: HeaderList): Body {
  if (bytes.length === 0) return { bytes, charset: undefined, text: '' };
  return new LazyBody(bytes, headers);
}

/**
 * The first bytes of a longer body, as the journal keeps it: decoded without the round-trip proof,
 * since the cut may split a character.
 */
export function prefixBody(bytes: Buffer, headers: HeaderList): Body {
  const charset = declaredCharset(headers, bytes) ?? (looksTextual(headers, bytes) ? 'utf-8' : undefined);
  return { bytes, charset, text: charset === undefined ? undefined : decodeText(bytes, charset) };
}

/** True for a body that works out its charset and text from its bytes and headers (makeBody). */
export function isLazy(body: Body): boolean {
  return body instanceof LazyBody;
}

export function textBody(text: string, charset = 'utf-8'): Body {
  return { bytes: encodeText(text, charset), charset, text };
}

export function toStored(body: Body): StoredBody {
  if (body.text !== undefined && body.charset !== undefined) return { charset: body.charset, text: body.text };
  if (body.bytes.length === 0) return { charset: 'utf-8', text: '' };
  return { base64: body.bytes.toString('base64') };
}

/**
 * A body from a cassette: its bytes are encoded on first use. Loading a large cassette encodes
 * nothing, and only what is replayed ever holds its bytes. With `textOnce` (an interaction kept in
 * a large cassette's working set, cassettes/working-set.ts) the text is let go once the bytes are
 * made, and decoded from them again if something asks: replay sends bytes, so a kept reply holds
 * its bytes (off the V8 heap) and not also a copy as text. Stored text round-trips byte for byte
 * (StoredBody), so the text decoded again is the same.
 */
class StoredTextBody implements Body {
  readonly charset: string;
  readonly #textOnce: boolean;
  #text: string | undefined;
  #bytes: Buffer | undefined;

  constructor(text: string, charset: string, textOnce: boolean) {
    this.#text = text;
    this.charset = charset;
    this.#textOnce = textOnce;
  }

  get bytes(): Buffer {
    if (this.#bytes) return this.#bytes;
    this.#bytes = encodeText(this.#text!, this.charset);
    if (this.#textOnce) this.#text = undefined;
    return this.#bytes;
  }

  get text(): string {
    return this.#text ?? decodeText(this.#bytes!, this.charset);
  }

  toJSON(): Body {
    return { bytes: this.bytes, charset: this.charset, text: this.text };
  }
}

/**
 * `textOnce`: the text is let go once the bytes are made (StoredTextBody). `once` gives the
 * charset name to keep (a shared copy, cassettes/format.ts).
 */
export function fromStored(stored: StoredBody, textOnce = false, once: (text: string) => string = (text) => text): Body {
  if ('base64' in stored) return { bytes: Buffer.from(stored.base64, 'base64'), charset: undefined, text: undefined };
  const charset = once(stored.charset);
  const known = isKnownCharset(charset);
  // An unknown charset fails here, as the cassette loads, not at the first replay.
  if (!known || stored.text === '') return { bytes: encodeText(stored.text, charset), charset, text: stored.text };
  return new StoredTextBody(stored.text, charset, textOnce);
}
