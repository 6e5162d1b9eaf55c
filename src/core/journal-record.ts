// One journal entry as bytes: what the journal keeps of an exchange, written into one of its slabs
// (core/journal.ts) and read back into plain objects when the entry is shown. Its numbers, then its
// strings packed into one, then each header list and body: strings UTF-8 with a length in front,
// bodies their bytes (the first MAX_BODY of them) and how to see them as text again: from the
// headers, as a request body is, or in the charset the answer was made in.
import { decodeText, isLazy, makeBody, prefixBody } from './body.js';
import { fromRaw } from './headers.js';
import type { Body, HeaderList, HttpRequest, HttpResponse, Outcome } from './types.js';

/** The longest body kept; a longer one keeps its first MAX_BODY bytes and its length. */
const MAX_BODY = 64 * 1024;
/** The longest string field kept, in UTF-16 units (a URL, a reason, a header block). */
const MAX_TEXT = 64 * 1024;

/** What a journal entry is made from (see Journal.add). */
export interface RecordInput {
  readonly request: HttpRequest;
  readonly response: HttpResponse;
  readonly dialect: string;
  readonly api: string;
  readonly outcome: Outcome;
  readonly fault?: string;
  readonly signature?: string;
}

/** An entry read back: fresh objects, nothing shared with the slab it came from. */
export interface RecordOutput extends RecordInput {
  readonly id: number;
  readonly at: number;
  /** The body's full length when only its first MAX_BODY bytes were kept. */
  readonly requestCut?: number;
  readonly responseCut?: number;
}

const enum BodyKind {
  /** Charset and text follow from the bytes and headers, as when the request arrived. */
  FromHeaders = 0,
  /** Text in the charset that follows. */
  Charset = 1,
  /** Bytes only. */
  Binary = 2,
}

/** Header names cannot hold CR or LF, and Node refuses values that do: `name\nvalue\n` for each. */
function packHeaders(headers: HeaderList): string {
  let packed = '';
  for (const [name, value] of headers) packed += `${name}\n${value}\n`;
  return packed;
}

/** One string field: `-` when absent, else its length in UTF-16 units, `:` and itself. */
const field = (value: string | undefined): string => (value === undefined ? '-' : `${value.length}:${value}`);

/** The fields `field` wrote, in order. */
function unpackFields(packed: string): Array<string | undefined> {
  const fields: Array<string | undefined> = [];
  let at = 0;
  while (at < packed.length) {
    if (packed[at] === '-') {
      fields.push(undefined);
      at += 1;
      continue;
    }
    const colon = packed.indexOf(':', at);
    const end = colon + 1 + Number(packed.slice(at, colon));
    fields.push(packed.slice(colon + 1, end));
    at = end;
  }
  return fields;
}

/** The body's charset when it says one; a body read from the socket is not asked (it would decode itself). */
const charsetOf = (body: Body): string | undefined => (isLazy(body) ? undefined : body.charset);

const cut = (text: string): string => (text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);
const cutField = (text: string | undefined): string => field(text === undefined ? undefined : cut(text));

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Writes records into slabs; one per journal, reused for every entry. `prepare` turns an exchange's
 * strings into three (its fields packed into one, and each header list) and says how many bytes
 * the record can take; `write` then puts it where the journal has room.
 */
export class RecordWriter {
  #slab: Buffer = EMPTY;
  #at = 0;
  #input: RecordInput | undefined;
  #fields = '';
  #requestHead = '';
  #responseHead = '';
  #lastHeaders: HeaderList | undefined;
  #lastPacked = '';

  /** Get `input` ready; returns the most bytes it can take once written (UTF-8: at most 3 per UTF-16 unit). */
  prepare(input: RecordInput): number {
    const { request, response, outcome } = input;
    this.#input = input;
    // Concatenated, not JSON: a third of the time for what every exchange writes.
    this.#fields =
      cutField(request.method) +
      cutField(request.url) +
      cutField(input.dialect) +
      cutField(input.api) +
      cutField(outcome.source) +
      cutField(outcome.ruleId) +
      cutField(outcome.cassette?.name) +
      cutField(outcome.reason) +
      field(outcome.warnings ? JSON.stringify(outcome.warnings.map(cut)) : undefined) +
      cutField(input.fault) +
      cutField(input.signature) +
      cutField(response.statusText) +
      cutField(charsetOf(request.body)) +
      cutField(charsetOf(response.body));
    this.#requestHead = cut(packHeaders(request.headers));
    // A replayed answer is the same object each time: its headers are packed once.
    if (response.headers !== this.#lastHeaders) {
      this.#lastHeaders = response.headers;
      this.#lastPacked = cut(packHeaders(response.headers));
    }
    this.#responseHead = this.#lastPacked;
    const text = this.#fields.length + this.#requestHead.length + this.#responseHead.length;
    return 3 * text + 80 + Math.min(request.body.bytes.length, MAX_BODY) + Math.min(response.body.bytes.length, MAX_BODY);
  }

  /** Write the prepared record at `at` in `slab`; returns where it ends. */
  write(slab: Buffer, at: number, id: number, time: number): number {
    const { request, response, outcome } = this.#input!;
    this.#slab = slab;
    this.#at = at;
    this.#number(id);
    this.#number(time);
    this.#number(outcome.durationMs);
    this.#number(outcome.cassette?.index ?? -1);
    this.#number(response.status);
    this.#byte(outcome.recorded === undefined ? 0 : outcome.recorded ? 1 : 2);
    this.#string(this.#fields);
    this.#string(this.#requestHead);
    this.#body(request.body);
    this.#string(this.#responseHead);
    this.#body(response.body);
    const end = this.#at;
    this.#slab = EMPTY;
    this.#input = undefined;
    return end;
  }

  #byte(value: number): void {
    this.#slab[this.#at++] = value;
  }

  #number(value: number): void {
    this.#at = this.#slab.writeDoubleLE(value, this.#at);
  }

  #string(value: string): void {
    const length = value.length === 0 ? 0 : this.#slab.write(value, this.#at + 4);
    this.#slab.writeUInt32LE(length, this.#at);
    this.#at += 4 + length;
  }

  #body(body: Body): void {
    const { bytes } = body;
    this.#byte(isLazy(body) ? BodyKind.FromHeaders : body.charset === undefined ? BodyKind.Binary : BodyKind.Charset);
    this.#at = this.#slab.writeUInt32LE(bytes.length, this.#at);
    const kept = Math.min(bytes.length, MAX_BODY);
    this.#at = this.#slab.writeUInt32LE(kept, this.#at);
    this.#at += bytes.copy(this.#slab, this.#at, 0, kept);
  }
}

/** Reads one record back; every value it returns is a copy. */
export function readRecord(slab: Buffer, start: number): RecordOutput {
  let at = start;
  const number = () => {
    const value = slab.readDoubleLE(at);
    at += 8;
    return value;
  };
  const string = (): string => {
    const length = slab.readUInt32LE(at);
    at += 4;
    const value = slab.toString('utf8', at, at + length);
    at += length;
    return value;
  };
  const body = (headers: HeaderList, charset: string | undefined): { body: Body; cut?: number } => {
    const kind = slab[at++] as BodyKind;
    const full = slab.readUInt32LE(at);
    const kept = slab.readUInt32LE(at + 4);
    at += 8;
    const bytes = Buffer.from(slab.subarray(at, at + kept));
    at += kept;
    let shown: Body;
    if (kind === BodyKind.FromHeaders) shown = full > kept ? prefixBody(bytes, headers) : makeBody(bytes, headers);
    else if (kind === BodyKind.Charset && charset !== undefined) shown = { bytes, charset, text: decodeText(bytes, charset) };
    else shown = { bytes, charset: undefined, text: full === 0 ? '' : undefined };
    return full > kept ? { body: shown, cut: full } : { body: shown };
  };

  const id = number();
  const time = number();
  const durationMs = number();
  const cassetteIndex = number();
  const status = number();
  const recorded = slab[at++];
  const [method, url, dialect, api, source, ruleId, cassetteName, reason, warnings, fault, signature, statusText, requestCharset, responseCharset] = unpackFields(string());
  const requestHeaders = fromRaw(string().split('\n'));
  const requestBody = body(requestHeaders, requestCharset);
  const responseHeaders = fromRaw(string().split('\n'));
  const responseBody = body(responseHeaders, responseCharset);

  const outcome: Outcome = {
    source: source as Outcome['source'],
    ...(ruleId !== undefined ? { ruleId } : {}),
    ...(cassetteName !== undefined ? { cassette: { name: cassetteName, index: cassetteIndex } } : {}),
    ...(recorded !== 0 ? { recorded: recorded === 1 } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(warnings !== undefined ? { warnings: JSON.parse(warnings) as string[] } : {}),
    durationMs,
  };
  return {
    id,
    at: time,
    request: { method: method!, url: url!, headers: requestHeaders, body: requestBody.body },
    response: { status, ...(statusText !== undefined ? { statusText } : {}), headers: responseHeaders, body: responseBody.body },
    dialect: dialect!,
    api: api!,
    outcome,
    ...(fault !== undefined ? { fault } : {}),
    ...(signature !== undefined ? { signature } : {}),
    ...(requestBody.cut !== undefined ? { requestCut: requestBody.cut } : {}),
    ...(responseBody.cut !== undefined ? { responseCut: responseBody.cut } : {}),
  };
}
