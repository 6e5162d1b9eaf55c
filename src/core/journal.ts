// A bounded in-memory log of every exchange and who answered it, for the admin API, `verify`
// and the dashboard. Observers (the dashboard's live feed) subscribe; they never steer anything.
import { EventEmitter } from 'node:events';
import type { Call, HeaderList, HttpResponse, MatchKey, Outcome } from './types.js';
import { Entry, UNDECODED, type Explain, type JournalInput, type JournalViews } from './journal-entry.js';

export type { Explain, JournalInput } from './journal-entry.js';

export interface JournalMessage {
  readonly headers: HeaderList;
  /** The body as text in its charset (GBK decoded), or base64 when it is not text. */
  readonly body: { readonly text: string; readonly charset: string } | { readonly base64: string };
}

export interface JournalEntry {
  readonly id: number;
  readonly time: string;
  readonly method: string;
  readonly url: string;
  readonly dialect: Call['dialect'];
  readonly api: string;
  readonly call: Call;
  readonly key: MatchKey;
  readonly request: JournalMessage;
  readonly response: JournalMessage & { readonly status: number };
  readonly outcome: Outcome;
  readonly fault?: string;
  readonly signature?: 'valid' | 'invalid' | 'unchecked';
}

export interface JournalFilter {
  readonly api?: string;
  readonly source?: string;
  /** Entries after this id, or at/after this ISO time. */
  readonly since?: string;
  readonly limit?: number;
}

export class Journal {
  /** Entries before #first are forgotten; they are cut off in bulk, not one shift per add. */
  #entries: JournalEntry[] = [];
  #first = 0;
  readonly #events = new EventEmitter();
  readonly #capacity: number;
  #next = 1;

  readonly #views: JournalViews;

  /** `showResponse` redacts a response when an entry is read (kept as answered until then). */
  constructor(capacity = 1000, explain: Explain = UNDECODED, showResponse: (response: HttpResponse) => HttpResponse = (response) => response) {
    this.#capacity = capacity;
    this.#views = { explain, showResponse };
    this.#events.setMaxListeners(100);
  }

  add(exchange: JournalInput): JournalEntry {
    const entry = new Entry(this.#next++, exchange, this.#views);
    this.#entries.push(entry);
    if (this.#entries.length - this.#first > this.#capacity) this.#first++;
    if (this.#first >= this.#capacity) {
      this.#entries = this.#entries.slice(this.#first);
      this.#first = 0;
    }
    if (this.#events.listenerCount('entry') > 0) this.#events.emit('entry', entry);
    return entry;
  }

  list(filter: JournalFilter = {}): JournalEntry[] {
    const sinceId = filter.since && /^\d+$/.test(filter.since) ? Number(filter.since) : undefined;
    const sinceTime = filter.since && sinceId === undefined ? Date.parse(filter.since) : undefined;
    const found = this.#kept().filter(
      (entry) =>
        (!filter.api || entry.api === filter.api) &&
        (!filter.source || entry.outcome.source === filter.source) &&
        (sinceId === undefined || entry.id > sinceId) &&
        (sinceTime === undefined || Date.parse(entry.time) >= sinceTime),
    );
    return filter.limit ? found.slice(-filter.limit) : found;
  }

  #kept(): JournalEntry[] {
    return this.#first === 0 ? this.#entries : this.#entries.slice(this.#first);
  }

  clear(): void {
    this.#entries = [];
    this.#first = 0;
  }

  get size(): number {
    return this.#entries.length - this.#first;
  }

  /** Subscribe to new entries; returns the unsubscribe function. */
  subscribe(listener: (entry: JournalEntry) => void): () => void {
    this.#events.on('entry', listener);
    return () => this.#events.off('entry', listener);
  }
}
