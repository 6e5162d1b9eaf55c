// Reading a large cassette without holding it twice: a small byte scanner finds each member of
// the top-level object and each element of `interactions`, and each is parsed on its own (so
// neither a string of the whole file nor a parse tree of it ever exists). It runs while the file
// is still being read: it works up to the bytes read so far and waits for more when it needs
// them, so reading (the thread pool) and parsing (this thread) overlap. It knows only what JSON
// needs to find where a value ends: strings with their escapes, and {} / [] depth. Anything it
// does not expect throws ScanMiss, and the caller parses the whole file the ordinary way instead
// (which also gives the usual error messages).

export class ScanMiss extends Error {}

/** Thrown (never escapes) when a step needs bytes not read yet: it is retried with more. */
const NEED_MORE = Symbol('need more bytes');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
/** How far past its first line an interaction's closing line is looked for: a larger one is walked. */
const CLOSING_SEARCH = 256 << 10;
/** Interactions laid out otherwise before the closing-line search is given up for the file. */
const LAYOUT_MISSES = 16;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * A window on the file as it is read: `bytes` holds `filled` bytes from file offset `base`, of
 * `size` in all. Only the window is in memory, never the whole file.
 */
export interface Filling {
  readonly bytes: Buffer;
  readonly base: number;
  readonly filled: number;
  readonly size: number;
  /**
   * Read on: the window then starts at `keepFrom` (what is before it is dropped) and holds more
   * bytes. Resolves with how far positions moved (`keepFrom`), or -1 at the end of the file.
   */
  more(keepFrom: number): Promise<number>;
}

class Cursor {
  constructor(readonly source: Filling) {}

  /** The byte at `i`; NEED_MORE if not read yet; ScanMiss past the end. */
  at(i: number): number {
    if (i < this.source.filled) return this.source.bytes[i]!;
    if (!this.atEnd(i)) throw NEED_MORE;
    throw new ScanMiss('unexpected end of file');
  }

  atEnd(i: number): boolean {
    return this.source.base + i >= this.source.size;
  }

  skipSpace(i: number): number {
    while (isSpace(this.at(i))) i++;
    return i;
  }

  expect(i: number, byte: number): number {
    if (this.at(i) !== byte) throw new ScanMiss(`expected ${String.fromCharCode(byte)} at byte ${i}`);
    return i + 1;
  }

  /** Just past the string that starts at `i` (an opening quote). */
  skipString(i: number): number {
    const { bytes, filled } = this.source;
    let from = i + 1;
    for (;;) {
      const quote = bytes.indexOf(QUOTE, from);
      if (quote < 0 || quote >= filled) return this.at(filled); // throws: more, or the end
      let backslashes = 0;
      while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return quote + 1;
      from = quote + 1;
    }
  }

  /** Just past the value that starts at `i`. */
  skipValue(i: number): number {
    const first = this.at(i);
    if (first === QUOTE) return this.skipString(i);
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      const { bytes } = this.source;
      let depth = 0;
      for (;;) {
        const byte = i < this.source.filled ? bytes[i]! : this.at(i);
        if (byte === QUOTE) {
          i = this.skipString(i);
          continue;
        }
        if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
        else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth === 0) return i + 1;
        i++;
      }
    }
    // A number, true, false or null: up to the next delimiter.
    let end = i;
    for (;;) {
      const byte = this.atEnd(end) ? COMMA : this.at(end);
      if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isSpace(byte)) break;
      end++;
    }
    if (end === i) throw new ScanMiss(`expected a value at byte ${i}`);
    return end;
  }

  /**
   * Where the object opening at `i` ends, if it is laid out as paymock writes cassettes
   * (JSON.stringify with an indent): its closing brace is the first at the start of a line indented
   * as far as the line it opens on; or it is alone on its line (`{...}` or `{...},`). A raw newline
   * is only ever whitespace in JSON, never inside a string, so one native search finds that line,
   * where skipValue walks every byte in JavaScript. 'not found' when no such line is within reach
   * (the layout is another); undefined when the answer needs bytes not read yet. Either way the
   * caller falls back to skipValue, and it checks a found end by parsing up to it.
   */
  closingLine(i: number): number | 'not found' | undefined {
    const { bytes, filled } = this.source;
    let lineStart = i;
    while (lineStart > 0 && bytes[lineStart - 1] === SPACE) lineStart--;
    if (lineStart === 0) return undefined;
    if (bytes[lineStart - 1] !== NEWLINE) return 'not found';
    const newline = bytes.indexOf(NEWLINE, i);
    if (newline < 0 || newline >= filled) return undefined;
    let end = newline;
    while (end > i && (bytes[end - 1] === SPACE || bytes[end - 1] === RETURN)) end--;
    if (bytes[end - 1] === COMMA) end--;
    if (end > i + 1 && bytes[end - 1] === CLOSE_BRACE) return end;
    const closing = closingOf(i - lineStart);
    const limit = Math.min(filled, newline + CLOSING_SEARCH);
    const found = bytes.subarray(newline, limit).indexOf(closing);
    if (found >= 0) return newline + found + closing.length;
    return limit === filled ? undefined : 'not found';
  }

  /** The value in bytes `start` to `end` (latin1, see parse), or undefined if they are not exactly one. */
  tryParse(start: number, end: number): unknown {
    try {
      return JSON.parse(this.source.bytes.toString('latin1', start, end)) as unknown;
    } catch {
      return undefined;
    }
  }

  /**
   * `latin1`: each byte as one character. The same JSON is valid or not either way (bytes of 0x80
   * and up are only allowed inside strings), it decodes and parses faster, and only the strings
   * with such bytes in them come out garbled: `utf8` mends the ones that are kept.
   */
  parse(start: number, end: number, encoding: 'utf8' | 'latin1' = 'utf8'): unknown {
    try {
      return JSON.parse(this.source.bytes.toString(encoding, start, end)) as unknown;
    } catch (error) {
      throw new ScanMiss((error as Error).message);
    }
  }
}

/** A newline, `indent` spaces and a closing brace, per indent. */
const closings = new Map<number, Buffer>();
function closingOf(indent: number): Buffer {
  let closing = closings.get(indent);
  if (!closing) closings.set(indent, (closing = Buffer.from(`\n${' '.repeat(indent)}}`)));
  return closing;
}

const NOT_ASCII = /[^\x00-\x7f]/;

/** A string parsed from latin1 (see Cursor.parse) as it reads in UTF-8. */
export function utf8(text: string): string {
  return NOT_ASCII.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
}

export interface Scanned {
  /** Every top-level member but `interactions`, parsed. */
  readonly header: Record<string, unknown>;
  /** Whether `interactions` is the last member and holds any (so appends over the file's end go into it). */
  readonly interactionsLast: boolean;
}

type State = 'start' | 'member' | 'first-element' | 'element' | 'after-element' | 'after-member' | 'end';

/**
 * Scan a JSON object whose `interactions` member is an array of objects: each element is parsed
 * (from latin1: see Cursor.parse and `utf8`) and handed to `element` with its index and where
 * its bytes are, in order. Throws ScanMiss on
 * anything unexpected. Each step below either completes or changes nothing (then runs again
 * once more bytes are in), so nothing is handed over twice.
 */
export async function scanCassette(source: Filling, element: (value: unknown, index: number, start: number, end: number) => void): Promise<Scanned> {
  const cursor = new Cursor(source);
  const header: Record<string, unknown> = {};
  let count = -1;
  let interactionsLast = false;
  let layoutMisses = 0;
  let state: State = 'start';
  let at = 0;
  const step = (): void => {
    switch (state) {
      case 'start': {
        let i = source.size >= 3 && cursor.at(0) === 0xef && cursor.at(1) === 0xbb && cursor.at(2) === 0xbf ? 3 : 0;
        i = cursor.skipSpace(cursor.expect(cursor.skipSpace(i), OPEN_BRACE));
        if (cursor.at(i) === CLOSE_BRACE) throw new ScanMiss('empty object');
        [at, state] = [i, 'member'];
        return;
      }
      case 'member': {
        const nameEnd = cursor.skipString(cursor.expect(at, QUOTE) - 1);
        const name = cursor.parse(at, nameEnd) as string;
        const i = cursor.skipSpace(cursor.expect(cursor.skipSpace(nameEnd), COLON));
        if (name === 'interactions') {
          if (count >= 0) throw new ScanMiss('interactions twice');
          const first = cursor.expect(i, OPEN_BRACKET);
          [count, at, state, interactionsLast] = [0, first, 'first-element', true];
          return;
        }
        if (name === '__proto__') throw new ScanMiss('__proto__');
        const end = cursor.skipValue(i);
        header[name] = cursor.parse(i, end);
        [at, state, interactionsLast] = [end, 'after-member', false];
        return;
      }
      case 'first-element': {
        const i = cursor.skipSpace(at);
        [at, state] = cursor.at(i) === CLOSE_BRACKET ? [i + 1, 'after-member'] : [i, 'element'];
        return;
      }
      case 'element': {
        if (cursor.at(at) !== OPEN_BRACE) throw new ScanMiss(`interaction ${count} is not an object`);
        const closing = layoutMisses < LAYOUT_MISSES ? cursor.closingLine(at) : undefined;
        const whole = typeof closing === 'number' ? cursor.tryParse(at, closing) : undefined;
        if (closing !== undefined && whole === undefined) layoutMisses++;
        const end = whole === undefined ? cursor.skipValue(at) : (closing as number);
        element(whole ?? cursor.parse(at, end, 'latin1'), count++, source.base + at, source.base + end);
        [at, state] = [end, 'after-element'];
        return;
      }
      case 'after-element': {
        const i = cursor.skipSpace(at);
        [at, state] = cursor.at(i) === CLOSE_BRACKET ? [i + 1, 'after-member'] : [cursor.skipSpace(cursor.expect(i, COMMA)), 'element'];
        return;
      }
      case 'after-member': {
        const i = cursor.skipSpace(at);
        [at, state] = cursor.at(i) === CLOSE_BRACE ? [i + 1, 'end'] : [cursor.skipSpace(cursor.expect(i, COMMA)), 'member'];
        return;
      }
      case 'end':
        return;
    }
  };
  const more = async (keepFrom: number) => {
    const moved = await source.more(keepFrom);
    if (moved < 0) throw new ScanMiss('unexpected end of file');
    at -= moved;
  };
  while ((state as State) !== 'end') {
    try {
      step();
    } catch (error) {
      if (error !== NEED_MORE) throw error;
      await more(at);
    }
  }
  for (;;) {
    for (; at < source.filled; at++) if (!isSpace(source.bytes[at]!)) throw new ScanMiss('content after the object');
    if (cursor.atEnd(at)) break;
    await more(at);
  }
  if (count < 0) throw new ScanMiss('no interactions');
  return { header, interactionsLast: interactionsLast && count > 0 };
}
