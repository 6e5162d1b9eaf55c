// One journal entry, kept compact: the GC copies long-lived objects, so an entry holds few of
// them, and everything shown (the decoded call, the key, the bodies as text, the redacted
// response, the ISO time) is worked out on first read.
import type { Body, Call, HeaderList, HttpRequest, HttpResponse, MatchKey, Outcome } from './types.js';
import type { JournalEntry, JournalMessage } from './journal.js';
import { makeKey } from './match-key.js';
import { makeBody } from './body.js';

/** The longest body kept in the journal; longer ones are cut (the cassette keeps them whole). */
const MAX_BODY = 64 * 1024;

function message(headers: HeaderList, body: Body): JournalMessage {
  if (body.text !== undefined) {
    const text = body.text.length > MAX_BODY ? `${body.text.slice(0, MAX_BODY)}… (${body.bytes.length} bytes)` : body.text;
    return { headers, body: { text, charset: body.charset ?? 'utf-8' } };
  }
  return { headers, body: { base64: body.bytes.subarray(0, MAX_BODY).toString('base64') } };
}

export interface JournalInput {
  readonly request: HttpRequest;
  readonly response: HttpResponse;
  readonly dialect: Call['dialect'];
  readonly api: string;
  /** The decoded call and its key, when they are cheap to keep; else worked out on first read. */
  readonly call?: Call;
  readonly key?: MatchKey;
  readonly outcome: Outcome;
  readonly fault?: string;
  readonly signature?: JournalEntry['signature'];
}

/** Decodes a journalled request again (its call and key), for entries that did not keep them. */
export type Explain = (request: HttpRequest) => { readonly call: Call; readonly key: MatchKey };

/**
 * Most entries are never read, so the views (a GBK body decoded, an ISO time) are made on first
 * read and kept. A class rather than a literal with getters: no closures per exchange.
 */
/** Header names cannot hold CR or LF, and Node refuses values that do. */
function packHeaders(headers: HeaderList): string {
  const parts: string[] = [];
  for (const [name, value] of headers) parts.push(name, value);
  return `${parts.join('\n')}\n`; // joined: one flat string, not a rope of concatenations
}

function unpackHeaders(head: string): HeaderList {
  const parts = head.split('\n');
  const headers: HeaderList = [];
  for (let i = 0; i + 1 < parts.length; i += 2) headers.push([parts[i]!, parts[i + 1]!]);
  return headers;
}

export class Entry implements JournalEntry {
  readonly id: number;
  readonly method: string;
  readonly url: string;
  readonly dialect: Call['dialect'];
  readonly api: string;
  readonly outcome: Outcome;
  readonly fault: string | undefined;
  readonly signature: JournalEntry['signature'];
  readonly #at = Date.now();
  // The request's parts, not the request: caches keyed on the request object (its parsed URL and
  // forms) must not live as long as the journal does. Long-lived objects are what GC pays for,
  // which is also why the decoded call and key are worked out again when read, not kept.
  // The head as one string and the body as its bytes: a handful of objects per entry, where the
  // header list alone would be one array per header.
  readonly #head: string;
  readonly #bytes: Buffer;
  readonly #response: HttpResponse;
  readonly #journal: JournalViews;
  #details: { readonly call: Call; readonly key: MatchKey } | undefined;
  #time: string | undefined;
  #requestView: JournalMessage | undefined;
  #responseView: (JournalMessage & { readonly status: number }) | undefined;

  constructor(id: number, input: JournalInput, journal: JournalViews) {
    this.id = id;
    this.method = input.request.method;
    this.url = input.request.url;
    this.dialect = input.dialect;
    this.api = input.api;
    this.outcome = input.outcome;
    this.fault = input.fault;
    this.signature = input.signature;
    this.#head = packHeaders(input.request.headers);
    this.#bytes = input.request.body.bytes;
    this.#response = input.response;
    this.#journal = journal;
    if (input.call && input.key) this.#details = { call: input.call, key: input.key };
  }

  get time(): string {
    return (this.#time ??= new Date(this.#at).toISOString());
  }
  get call(): Call {
    return this.#decoded().call;
  }
  get key(): MatchKey {
    return this.#decoded().key;
  }
  get request(): JournalMessage {
    if (this.#requestView) return this.#requestView;
    const headers = unpackHeaders(this.#head);
    return (this.#requestView = message(headers, makeBody(this.#bytes, headers)));
  }
  get response(): JournalMessage & { readonly status: number } {
    const response = this.#response;
    if (this.#responseView) return this.#responseView;
    const shown = this.#journal.showResponse(response);
    return (this.#responseView = { status: shown.status, ...message(shown.headers, shown.body) });
  }

  #decoded() {
    if (this.#details) return this.#details;
    const headers = unpackHeaders(this.#head);
    return (this.#details = this.#journal.explain({ method: this.method, url: this.url, headers, body: makeBody(this.#bytes, headers) }));
  }

  /** What the admin API and the dashboard's feed send. */
  toJSON() {
    const { id, time, method, url, dialect, api, call, key, request, response, outcome, fault, signature } = this;
    return { id, time, method, url, dialect, api, call, key, request, response, outcome, ...(fault ? { fault } : {}), ...(signature ? { signature } : {}) };
  }
}

/** How entries are shown: their call decoded again, their response with its secrets redacted. */
export interface JournalViews {
  readonly explain: Explain;
  readonly showResponse: (response: HttpResponse) => HttpResponse;
}

/** Without a decoder, an entry that kept no call shows its api and no parameters. */
export const UNDECODED: Explain = (request) => ({ call: { dialect: 'http', api: `${request.method} ${request.url}`, params: {} }, key: makeKey({}) });
