// A stored interaction left in the cassette file until something reads it: a 100,000-interaction
// cassette then costs its keys in memory, not its file's size nor a tree of a million objects.
// Each was parsed and checked once as the cassette loaded; on first use its bytes are read again
// (one pread from the file descriptor held since the load: the same file even after a rewrite
// renamed another over its path; appends never touch bytes before the old end) and parsed.
import { closeSync, readSync } from 'node:fs';
import type { RereadInteraction, StoredInteraction } from './format.js';

type Key = StoredInteraction['key'];

/** What is kept in memory of an interaction left in the file. */
export interface KeptFields {
  readonly key: Key;
  readonly dialect: StoredInteraction['dialect'];
  readonly api: string;
}

const closeWhenGone = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
});

/** The loaded file, kept open for the interactions that are read later. */
export class CassetteSource {
  readonly #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
    // Closed when no interaction needs it any more.
    closeWhenGone.register(this, fd, this);
  }

  /** Not needed after all: the caller closes the descriptor (never twice: its number is reused). */
  release(): void {
    closeWhenGone.unregister(this);
  }

  /** Bytes `start` to `end` as UTF-8 text, read into one buffer reused by every read. */
  text(start: number, end: number): string {
    const length = end - start;
    if (scratch.length < length) scratch = Buffer.allocUnsafeSlow(Math.max(length, scratch.length * 2));
    let filled = 0;
    while (filled < length) {
      const read = readSync(this.#fd, scratch, filled, length - filled, start + filled);
      if (read === 0) throw new Error(`cassette file ended before byte ${end}: was it changed while paymock had it open?`);
      filled += read;
    }
    return scratch.toString('utf8', 0, length);
  }
}

/** Where reads land before they become text: one buffer, grown to the largest interaction read. */
let scratch = Buffer.allocUnsafeSlow(64 << 10);

export class RawStoredInteraction implements RereadInteraction {
  readonly #source: CassetteSource;
  readonly #start: number;
  readonly #end: number;
  #parsed: StoredInteraction | undefined;
  #key: Key;
  readonly dialect: StoredInteraction['dialect'];
  readonly api: string;

  /** Bytes `start` to `end` of `source`, already checked; `checked`: what is kept of them. */
  constructor(source: CassetteSource, start: number, end: number, checked: KeptFields) {
    this.#source = source;
    this.#start = start;
    this.#end = end;
    this.#key = checked.key;
    this.dialect = checked.dialect;
    this.api = checked.api;
  }

  #read(): StoredInteraction {
    return JSON.parse(this.#source.text(this.#start, this.#end)) as StoredInteraction;
  }

  #value(): StoredInteraction {
    return (this.#parsed ??= this.#read());
  }

  /** Drop what reading it made (it is read again when needed). */
  forget(): void {
    this.#parsed = undefined;
  }

  get size(): number {
    return this.#end - this.#start;
  }

  get key(): Key {
    return this.#key;
  }

  set key(key: Key) {
    this.#key = key;
  }

  get recordedAt(): string {
    return this.#value().recordedAt;
  }

  get latencyMs(): number {
    return this.#value().latencyMs;
  }

  get merchantIds(): StoredInteraction['merchantIds'] {
    return this.#value().merchantIds;
  }

  get request(): StoredInteraction['request'] {
    return this.#value().request;
  }

  get response(): StoredInteraction['response'] {
    return this.#value().response;
  }

  get notifications(): StoredInteraction['notifications'] {
    return this.#value().notifications;
  }

  /** The object as the file has it, fields in the same order (the key as it now is). Not kept: a rewrite reads them all. */
  toJSON(): StoredInteraction {
    return { ...(this.#parsed ?? this.#read()), key: this.#key };
  }
}
