// Canonical JSON (core/canonical-json.ts) straight from the text, for the JSON most bodies are:
// strings without escapes, integers, no repeated key. `canonicalJsonText(text)` is then exactly
// `canonicalJson(JSON.parse(text))`, made without building the value; for anything else it says
// undefined and the caller parses (test/unit/canonical-json.test.ts compares the two).

/** The deepest nesting read from the text; deeper goes through JSON.parse. */
const MAX_DEPTH = 32;
/** Integers of up to 15 digits print back as written; longer ones may not. */
const MAX_DIGITS = 15;

class TextCanonicaliser {
  at = 0;
  constructor(readonly text: string) {}

  /** Past JSON's whitespace: space, tab, LF, CR. */
  #skip(): number {
    const { text } = this;
    let code = text.charCodeAt(this.at);
    while (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) code = text.charCodeAt(++this.at);
    return code;
  }

  /** Whether only whitespace is left. */
  atEnd(): boolean {
    this.#skip();
    return this.at >= this.text.length;
  }

  /** The value at `at`, canonical, or undefined when this path does not handle it. */
  value(depth: number): string | undefined {
    const code = this.#skip();
    if (code === 0x22) return this.#string();
    if (code === 0x7b) return depth < MAX_DEPTH ? this.#object(depth + 1) : undefined;
    if (code === 0x5b) return depth < MAX_DEPTH ? this.#array(depth + 1) : undefined;
    if (code === 0x2d || (code >= 0x30 && code <= 0x39)) return this.#integer();
    for (const literal of LITERALS) {
      if (this.text.startsWith(literal, this.at)) {
        this.at += literal.length;
        return literal;
      }
    }
    return undefined;
  }

  /** A string with nothing JSON.stringify would write differently: no escape, control or surrogate. */
  #string(): string | undefined {
    const { text } = this;
    const start = this.at;
    for (let at = start + 1; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (code === 0x22) {
        this.at = at + 1;
        return text.slice(start, at + 1);
      }
      if (code < 0x20 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    }
    return undefined;
  }

  /** `-?(0|[1-9][0-9]*)`, not `-0`, not followed by a fraction or exponent. */
  #integer(): string | undefined {
    const { text } = this;
    const start = this.at;
    let at = text.charCodeAt(start) === 0x2d ? start + 1 : start;
    const first = at;
    while (text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x39) at++;
    const digits = at - first;
    if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && text.charCodeAt(first) === 0x30)) return undefined;
    const next = text.charCodeAt(at);
    if (next === 0x2e || next === 0x65 || next === 0x45) return undefined;
    const number = text.slice(start, at);
    if (number === '-0') return undefined;
    this.at = at;
    return number;
  }

  #array(depth: number): string | undefined {
    this.at++;
    if (this.#skip() === 0x5d) {
      this.at++;
      return '[]';
    }
    let out = '[';
    for (;;) {
      const item = this.value(depth);
      if (item === undefined) return undefined;
      out += item;
      const code = this.#skip();
      this.at++;
      if (code === 0x5d) return `${out}]`;
      if (code !== 0x2c) return undefined;
      out += ',';
    }
  }

  #object(depth: number): string | undefined {
    this.at++;
    if (this.#skip() === 0x7d) {
      this.at++;
      return '{}';
    }
    const names: string[] = [];
    const members: string[] = [];
    for (;;) {
      if (this.#skip() !== 0x22) return undefined;
      const quoted = this.#string();
      if (quoted === undefined || this.#skip() !== 0x3a) return undefined;
      this.at++;
      const value = this.value(depth);
      if (value === undefined) return undefined;
      // Kept sorted as they come (insertion), as sortedKeys orders Object.keys; a repeated name
      // (JSON.parse keeps the last value, at the first one's place) goes the long way.
      const name = quoted.slice(1, -1);
      const member = `${quoted}:${value}`;
      let i = names.length;
      names.push(name);
      members.push(member);
      for (; i > 0 && names[i - 1]! >= name; i--) {
        if (names[i - 1] === name) return undefined;
        names[i] = names[i - 1]!;
        members[i] = members[i - 1]!;
      }
      names[i] = name;
      members[i] = member;
      const code = this.#skip();
      this.at++;
      if (code === 0x7d) {
        let out = '{';
        for (let m = 0; m < members.length; m++) out += m === 0 ? members[m] : `,${members[m]}`;
        return `${out}}`;
      }
      if (code !== 0x2c) return undefined;
    }
  }
}

const LITERALS = ['true', 'false', 'null'] as const;

/** `canonicalJson(JSON.parse(text))` for plain JSON, without parsing it into values; else undefined. */
export function canonicalJsonText(text: string): string | undefined {
  const reader = new TextCanonicaliser(text);
  const value = reader.value(0);
  return value !== undefined && reader.atEnd() ? value : undefined;
}
