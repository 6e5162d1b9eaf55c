// One journal entry as shown: the admin API, `verify` and the dashboard read these. They are made
// when read, from the bytes the journal keeps (core/journal-record.ts), or for the live feed from
// the exchange itself; the decoded call, the key, the bodies as text, the redacted response and
// the ISO time are worked out on first use.
import type { JournalEntry, JournalMessage } from './journal.js';
import type { RecordOutput } from './journal-record.js';
import { makeKey } from './match-key.js';
import type { Body, Call, HeaderList, HttpRequest, HttpResponse, MatchKey, Outcome } from './types.js';

/** A body the journal kept whole, or the first bytes of one that was `cut` bytes long. */
function message(headers: HeaderList, body: Body, cut: number | undefined): JournalMessage {
  if (body.text !== undefined) {
    const text = cut === undefined ? body.text : `${body.text}… (${cut} bytes)`;
    return { headers, body: { text, charset: body.charset ?? 'utf-8' } };
  }
  return { headers, body: { base64: body.bytes.toString('base64') } };
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

/** The decoded call and key of an entry that kept them (a notification), or worked out on read. */
export interface Details {
  readonly call: Call;
  readonly key: MatchKey;
}

/** A class rather than a literal with getters: no closures per entry shown. */
export class Entry implements JournalEntry {
  readonly id: number;
  readonly method: string;
  readonly url: string;
  readonly dialect: Call['dialect'];
  readonly api: string;
  readonly outcome: Outcome;
  readonly fault: string | undefined;
  readonly signature: JournalEntry['signature'];
  readonly #at: number;
  readonly #request: HttpRequest;
  readonly #response: HttpResponse;
  readonly #cut: { readonly request?: number; readonly response?: number };
  readonly #views: JournalViews;
  #details: Details | undefined;
  #time: string | undefined;
  #requestView: JournalMessage | undefined;
  #responseView: (JournalMessage & { readonly status: number }) | undefined;

  constructor(record: RecordOutput, views: JournalViews, details?: Details) {
    this.id = record.id;
    this.method = record.request.method;
    this.url = record.request.url;
    this.dialect = record.dialect as Call['dialect'];
    this.api = record.api;
    this.outcome = record.outcome;
    this.fault = record.fault;
    this.signature = record.signature as JournalEntry['signature'];
    this.#at = record.at;
    this.#request = record.request;
    this.#response = record.response;
    this.#cut = { request: record.requestCut, response: record.responseCut };
    this.#views = views;
    this.#details = details;
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
    const { headers, body } = this.#request;
    return (this.#requestView ??= message(headers, body, this.#cut.request));
  }
  get response(): JournalMessage & { readonly status: number } {
    if (this.#responseView) return this.#responseView;
    const shown = this.#views.showResponse(this.#response);
    return (this.#responseView = { status: shown.status, ...message(shown.headers, shown.body, this.#cut.response) });
  }

  #decoded(): Details {
    return (this.#details ??= this.#views.explain(this.#request));
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
