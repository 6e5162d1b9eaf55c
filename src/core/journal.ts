// A bounded in-memory log of every exchange and who answered it, for the admin API, `verify`
// and the dashboard. Observers (the dashboard's live feed) subscribe; they never steer anything.
import { EventEmitter } from 'node:events';
import type { Call, HeaderList, HttpResponse, MatchKey, Outcome } from './types.js';
import { Entry, UNDECODED, type Details, type Explain, type JournalInput, type JournalViews } from './journal-entry.js';
import { readRecord, RecordWriter } from './journal-record.js';

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

/** A slab of journal bytes, and the newest entry written into it. */
interface Slab {
  readonly bytes: Buffer;
  last: number;
}

const SLAB_BYTES = 1 << 20;
/** The memory the journal may use, per entry it keeps (32 MB for the default 1,000). */
const BYTES_PER_ENTRY = 32 * 1024;

/**
 * Entries are kept as bytes in a few large off-heap slabs, written in turn and reused once nothing
 * in them is kept, and decoded only when read. A journal of objects (each exchange's strings,
 * header lists, body buffers and responses) had the garbage collector copy and promote all of
 * them: in-process, 1,000 entries kept that way cost 3-4 µs per replayed request and 10-20 µs per
 * simulated-sandbox reply, against keeping one. It keeps the last `capacity` entries, in at most
 * `capacity` x 32 KB (fewer entries when they are larger than that on average).
 */
export class Journal {
  readonly #capacity: number;
  readonly #budget: number;
  readonly #views: JournalViews;
  readonly #writer = new RecordWriter();
  readonly #events = new EventEmitter();
  /** Oldest first; the last one is being written. */
  #slabs: Slab[] = [];
  #allocated = 0;
  #offset = 0;
  /** Where entry `id` starts, at slot `id % capacity`. */
  readonly #slabOf: Array<Slab | undefined>;
  readonly #startOf: Int32Array;
  /** The call and key of the entries that came with them (notifications), by slot. */
  readonly #details: Array<Details | undefined>;
  #next = 1;
  /** The oldest entry still kept. */
  #first = 1;

  /** `showResponse` redacts a response when an entry is read (kept as answered until then). */
  constructor(capacity = 1000, explain: Explain = UNDECODED, showResponse: (response: HttpResponse) => HttpResponse = (response) => response) {
    this.#capacity = capacity;
    this.#budget = Math.max(2 * SLAB_BYTES, capacity * BYTES_PER_ENTRY);
    this.#views = { explain, showResponse };
    this.#slabOf = new Array<Slab | undefined>(capacity).fill(undefined);
    this.#startOf = new Int32Array(capacity);
    this.#details = new Array<Details | undefined>(capacity).fill(undefined);
    this.#events.setMaxListeners(100);
  }

  /** Keep an exchange; returns its id. */
  add(exchange: JournalInput): number {
    const id = this.#next++;
    const at = Date.now();
    const need = this.#writer.prepare(exchange);
    let slab = this.#slabs.at(-1);
    if (!slab || this.#offset + need > slab.bytes.length) slab = this.#advance(need);
    const slot = id % this.#capacity;
    this.#slabOf[slot] = slab;
    this.#startOf[slot] = this.#offset;
    this.#offset = this.#writer.write(slab.bytes, this.#offset, id, at);
    slab.last = id;
    const details = exchange.call && exchange.key ? { call: exchange.call, key: exchange.key } : undefined;
    this.#details[slot] = details;
    if (id - this.#first >= this.#capacity) this.#first = id - this.#capacity + 1;
    if (this.#events.listenerCount('entry') > 0) this.#events.emit('entry', new Entry({ id, at, ...exchange }, this.#views, details));
    return id;
  }

  /** The next slab to write: the oldest one again when it holds nothing kept (or memory is full). */
  #advance(need: number): Slab {
    const oldest = this.#slabs[0];
    const size = Math.max(SLAB_BYTES, need);
    const full = this.#allocated + size > this.#budget;
    let slab: Slab;
    if (oldest && this.#slabs.length > 1 && oldest.bytes.length >= need && (oldest.last < this.#first || full)) {
      this.#slabs.shift();
      this.#forget(oldest);
      slab = oldest;
    } else {
      while (this.#slabs.length > 0 && this.#allocated + size > this.#budget) {
        const freed = this.#slabs.shift()!;
        this.#forget(freed);
        this.#allocated -= freed.bytes.length;
      }
      slab = { bytes: Buffer.allocUnsafeSlow(size), last: 0 };
      this.#allocated += size;
    }
    this.#slabs.push(slab);
    this.#offset = 0;
    return slab;
  }

  /** The entries in `slab` are gone (it is being reused or freed). */
  #forget(slab: Slab): void {
    if (slab.last >= this.#first) this.#first = slab.last + 1;
  }

  #read(id: number): Entry {
    const slot = id % this.#capacity;
    return new Entry(readRecord(this.#slabOf[slot]!.bytes, this.#startOf[slot]!), this.#views, this.#details[slot]);
  }

  list(filter: JournalFilter = {}): JournalEntry[] {
    const sinceId = filter.since && /^\d+$/.test(filter.since) ? Number(filter.since) : undefined;
    const sinceTime = filter.since && sinceId === undefined ? Date.parse(filter.since) : undefined;
    const found: JournalEntry[] = [];
    for (let id = Math.max(this.#first, (sinceId ?? 0) + 1); id < this.#next; id++) {
      const entry = this.#read(id);
      if (filter.api && entry.api !== filter.api) continue;
      if (filter.source && entry.outcome.source !== filter.source) continue;
      if (sinceTime !== undefined && Date.parse(entry.time) < sinceTime) continue;
      found.push(entry);
    }
    return filter.limit ? found.slice(-filter.limit) : found;
  }

  /** Forget every entry, and the memory they took. */
  clear(): void {
    this.#first = this.#next;
    this.#slabs = [];
    this.#allocated = 0;
    this.#slabOf.fill(undefined);
    this.#details.fill(undefined);
  }

  get size(): number {
    return this.#next - this.#first;
  }

  /** The bytes the journal holds now (its slabs), for the health report and tests. */
  get bytes(): number {
    return this.#allocated;
  }

  /** Subscribe to new entries; returns the unsubscribe function. */
  subscribe(listener: (entry: JournalEntry) => void): () => void {
    this.#events.on('entry', listener);
    return () => this.#events.off('entry', listener);
  }
}
