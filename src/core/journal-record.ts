// One journal entry as bytes: what the journal keeps of an exchange, written into one of its slabs
// (core/journal.ts) and read back into plain objects when the entry is shown. Strings are UTF-8
// with a length in front; bodies keep their bytes (the first MAX_BODY of them) and how to see them
// as text again: from the headers, as a request body is, or in the charset the answer was made in.
import { decodeText, isLazy, makeBody, prefixBody } from './body.js';
import type { Body, HeaderList, HttpRequest, HttpResponse, Outcome } from './types.js';

/** The longest body kept; a longer one keeps its first MAX_BODY bytes and its length. */
export const MAX_BODY = 64 * 1024;
/** The longest string field kept, in UTF-16 units (a URL, a reason, a header block). */
const MAX_TEXT = 64 * 1024;
const NONE = 0xffffffff;

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

/** Header names cannot hold CR or LF, and Node refuses values that do: one string per list. */
function packHeaders(headers: HeaderList): string {
  const parts: string[] = [];
  for (const [name, value] of headers) parts.push(name, value);
  return parts.join('\n');
}

function unpackHeaders(packed: string): HeaderList {
  if (packed === '') return [];
  const parts = packed.split('\n');
  const headers: HeaderList = [];
  for (let i = 0; i + 1 < parts.length; i += 2) headers.push([parts[i]!, parts[i + 1]!]);
  return headers;
}

/** Without asking a body read from the socket, which would decode it. */
const charsetLength = (body: Body): number => (isLazy(body) ? 0 : (body.charset?.length ?? 0));

const cut = (text: string): string => (text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);

/** Writes records into a slab; one per journal, reused for every entry. */
export class RecordWriter {
  #slab: Buffer = Buffer.alloc(0);
  #at = 0;

  /** The most bytes `input` can take once written (UTF-8 is at most 3 bytes per UTF-16 unit). */
  static bound(input: RecordInput): number {
    const { request, response, outcome } = input;
    let units = request.method.length + request.url.length + input.dialect.length + input.api.length + outcome.source.length;
    units += (outcome.ruleId?.length ?? 0) + (outcome.cassette?.name.length ?? 0) + (outcome.reason?.length ?? 0);
    units += (input.fault?.length ?? 0) + (input.signature?.length ?? 0) + (response.statusText?.length ?? 0);
    units += charsetLength(request.body) + charsetLength(response.body);
    if (outcome.warnings) units += JSON.stringify(outcome.warnings).length;
    for (const [name, value] of request.headers) units += name.length + value.length + 2;
    for (const [name, value] of response.headers) units += name.length + value.length + 2;
    // Each of the 17 strings is cut at MAX_TEXT units.
    const bytes = Math.min(units, 17 * MAX_TEXT) * 3;
    return bytes + 160 + Math.min(request.body.bytes.length, MAX_BODY) + Math.min(response.body.bytes.length, MAX_BODY);
  }

  /** Write `input` at `at` in `slab`; returns where the record ends. */
  write(slab: Buffer, at: number, id: number, time: number, input: RecordInput): number {
    this.#slab = slab;
    this.#at = at;
    const { request, response, outcome } = input;
    this.#number(id);
    this.#number(time);
    this.#number(outcome.durationMs);
    this.#number(outcome.cassette?.index ?? -1);
    this.#number(response.status);
    this.#byte(outcome.recorded === undefined ? 0 : outcome.recorded ? 1 : 2);
    this.#string(request.method);
    this.#string(request.url);
    this.#string(input.dialect);
    this.#string(input.api);
    this.#string(outcome.source);
    this.#string(outcome.ruleId);
    this.#string(outcome.cassette?.name);
    this.#string(outcome.reason);
    this.#string(outcome.warnings ? JSON.stringify(outcome.warnings) : undefined);
    this.#string(input.fault);
    this.#string(input.signature);
    this.#string(response.statusText);
    this.#string(packHeaders(request.headers));
    this.#body(request.body);
    this.#string(packHeaders(response.headers));
    this.#body(response.body);
    this.#slab = Buffer.alloc(0);
    return this.#at;
  }

  #byte(value: number): void {
    this.#slab[this.#at++] = value;
  }

  #number(value: number): void {
    this.#at = this.#slab.writeDoubleLE(value, this.#at);
  }

  #string(value: string | undefined): void {
    if (value === undefined) {
      this.#at = this.#slab.writeUInt32LE(NONE, this.#at);
      return;
    }
    const length = value.length === 0 ? 0 : this.#slab.write(cut(value), this.#at + 4);
    this.#slab.writeUInt32LE(length, this.#at);
    this.#at += 4 + length;
  }

  #body(body: Body): void {
    const { bytes } = body;
    // A request body read from the socket decodes itself from its headers: nothing is asked of it
    // here, so nothing is decoded. Any other body says its charset.
    const charset = isLazy(body) ? undefined : body.charset;
    this.#byte(isLazy(body) ? BodyKind.FromHeaders : charset === undefined ? BodyKind.Binary : BodyKind.Charset);
    if (charset !== undefined) this.#string(charset);
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
  const string = (): string | undefined => {
    const length = slab.readUInt32LE(at);
    at += 4;
    if (length === NONE) return undefined;
    const value = slab.toString('utf8', at, at + length);
    at += length;
    return value;
  };
  const body = (headers: HeaderList): { body: Body; cut?: number } => {
    const kind = slab[at++] as BodyKind;
    const charset = kind === BodyKind.Charset ? string()! : undefined;
    const full = slab.readUInt32LE(at);
    const kept = slab.readUInt32LE(at + 4);
    at += 8;
    const bytes = Buffer.from(slab.subarray(at, at + kept));
    at += kept;
    const shown: Body =
      kind === BodyKind.FromHeaders
        ? full > kept
          ? prefixBody(bytes, headers)
          : makeBody(bytes, headers)
        : { bytes, charset, text: charset === undefined ? (full === 0 ? '' : undefined) : decodeText(bytes, charset) };
    return full > kept ? { body: shown, cut: full } : { body: shown };
  };

  const id = number();
  const time = number();
  const durationMs = number();
  const cassetteIndex = number();
  const status = number();
  const recorded = slab[at++];
  const method = string()!;
  const url = string()!;
  const dialect = string()!;
  const api = string()!;
  const source = string()! as Outcome['source'];
  const ruleId = string();
  const cassetteName = string();
  const reason = string();
  const warnings = string();
  const fault = string();
  const signature = string();
  const statusText = string();
  const requestHeaders = unpackHeaders(string()!);
  const requestBody = body(requestHeaders);
  const responseHeaders = unpackHeaders(string()!);
  const responseBody = body(responseHeaders);

  const outcome: Outcome = {
    source,
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
    request: { method, url, headers: requestHeaders, body: requestBody.body },
    response: { status, ...(statusText !== undefined ? { statusText } : {}), headers: responseHeaders, body: responseBody.body },
    dialect,
    api,
    outcome,
    ...(fault !== undefined ? { fault } : {}),
    ...(signature !== undefined ? { signature } : {}),
    ...(requestBody.cut !== undefined ? { requestCut: requestBody.cut } : {}),
    ...(responseBody.cut !== undefined ? { responseCut: responseBody.cut } : {}),
  };
}
