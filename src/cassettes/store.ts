// Cassette files on disk. Changes are batched: one write per flush window, never one per
// request. Appends go in with one positional write over the file's closing bytes (append.ts);
// removals, replacements and header changes rewrite the whole file atomically through lowdb
// (steno: a temp file renamed over the old one). A file that fails to parse or validate is
// refused and never written to.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { PaymockError } from '../core/errors.js';
import { appendAt, appendBytes, cassetteText, tailedSize } from './append.js';
import { loadCassetteFile } from './load.js';
import { lockCassette, type CassetteLock } from './lock.js';
import { emptyCassette, type CassetteFile, type StoredInteraction } from './format.js';

const NAME = /^[\w.-]+(\/[\w.-]+)*$/;

export interface CassetteStore {
  readonly name: string;
  readonly file: string;
  readonly upstream: string | undefined;
  /** How the stored keys were computed (the header's `keys`), when the file says. */
  readonly keys: string | undefined;
  /**
   * Stored keys recomputed under the `keys` signature: taken in memory, written with the next
   * write (a whole rewrite), so the file's keys and its header stay in step.
   */
  rekey(keys: string, storedKeys: ReadonlyArray<StoredInteraction['key']>): void;
  readonly interactions: readonly StoredInteraction[];
  /** Interactions appended since the store was opened. */
  readonly appended: number;
  /** Writes done since the store was opened (one per flush window, not per append). */
  readonly writes: number;
  append(interaction: StoredInteraction): void;
  /** Take one interaction out (written with the next flush); undefined when there is none. */
  remove(index: number): StoredInteraction | undefined;
  /** Replace one interaction (written with the next flush); false when there is none. */
  update(index: number, interaction: StoredInteraction): boolean;
  /** Write everything appended so far; resolves when it is on disk. */
  flush(): Promise<void>;
  /** Flush, then let another process write this cassette; later appends throw CASSETTE_CLOSED. */
  close(): Promise<void>;
}

export function cassettePath(dir: string, name: string): string {
  if (!NAME.test(name) || name.split('/').includes('..')) {
    throw new PaymockError(
      'CONFIG_INVALID',
      `cassette name "${name}" is not accepted: use letters, digits, ".", "_", "-" and "/" (e.g. "alipay/pay-flow")`,
    );
  }
  return path.resolve(dir, `${name}.json`);
}

/** Read a cassette file, or undefined when it does not exist. */
export async function readCassette(file: string): Promise<CassetteFile | undefined> {
  return (await loadCassetteFile(file))?.data;
}

export async function openCassette(
  dir: string,
  name: string,
  options: OpenOptions & { lock?: boolean },
): Promise<CassetteStore> {
  const file = cassettePath(dir, name);
  if (options.lock) await mkdir(path.dirname(file), { recursive: true });
  const lock = options.lock ? await lockCassette(file) : undefined;
  try {
    return await openLocked(file, name, options, lock);
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

/** The header in the format's field order, `interactions` last (where appends go). */
function inOrder(data: CassetteFile): CassetteFile {
  const { paymock, name, upstream, keys, interactions } = data;
  return { paymock, name, ...(upstream !== undefined ? { upstream } : {}), ...(keys !== undefined ? { keys } : {}), interactions };
}

interface OpenOptions {
  upstream?: string;
  flushIntervalMs: number;
  mustExist: boolean;
  onError: (error: Error) => void;
  /** fdatasync each appended batch before its flush resolves (--durable). */
  durable?: boolean;
  /** How this paymock computes keys (key-signature.ts); written in a new cassette's header. */
  keys?: string;
}

async function openLocked(file: string, name: string, options: OpenOptions, lock: CassetteLock | undefined): Promise<CassetteStore> {
  // What the last whole-file write put on disk; read by appends to know where they go.
  let rewritten: { count: number; size: number } | undefined;
  // Set by what an append cannot express: a removal, a replacement, a header change.
  let rewrite = false;
  const adapter = new DataFile<CassetteFile>(file, {
    // Reading is loadCassetteFile's job; lowdb creates and rewrites the file.
    parse: () => {
      throw new Error('cassettes are read by loadCassetteFile');
    },
    stringify: (data) => {
      const text = cassetteText(data);
      // Called as the write starts: everything changed until now is in this text.
      rewrite = false;
      rewritten = { count: data.interactions.length, size: Buffer.byteLength(text) };
      return text;
    },
  });
  const loaded = await loadCassetteFile(file);
  const existing = loaded?.data;
  const db = new Low<CassetteFile>(adapter, existing ?? emptyCassette(name, options.upstream, options.keys));
  if (options.mustExist && !existing) {
    throw new PaymockError('CASSETTE_NOT_FOUND', `cassette ${file} does not exist: record it first (paymock record ${name} --upstream URL)`);
  }
  // Where appends go: the file as paymock left it (its size, how many interactions it holds), or
  // undefined when the next write must be a whole-file rewrite (new file, empty array, a foreign
  // or torn ending, a failed append).
  let disk: { count: number; size: number } | undefined;
  if (existing && loaded.appendable) {
    const size = await tailedSize(file);
    if (size !== undefined) disk = { count: existing.interactions.length, size };
  }
  if (options.upstream && !db.data.upstream) {
    db.data = inOrder({ ...db.data, upstream: options.upstream });
    rewrite = true;
  }
  if (existing && options.keys && existing.keys !== options.keys && existing.interactions.length === 0) {
    db.data = inOrder({ ...db.data, keys: options.keys });
    rewrite = true;
  }

  let appended = 0;
  let writes = 0;
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  // After close the lock may belong to another process: a late append must not reach the file.
  const open = (what: string) => {
    if (closed) throw new PaymockError('CASSETTE_CLOSED', `cassette ${file} is closed (paymock is stopping, or its session moved to another cassette): ${what}`);
  };
  let queued: Promise<void> | undefined;

  /** Appends only: one positional write of what was added. False when a rewrite is needed instead. */
  const tryAppend = async (): Promise<boolean> => {
    const interactions = db.data.interactions;
    if (rewrite || !disk || disk.count < 1 || disk.count > interactions.length) return false;
    const from = disk;
    const count = interactions.length;
    if (count === from.count) return true;
    const bytes = appendBytes(interactions.slice(from.count));
    try {
      const size = await appendAt(file, from.size, bytes, options.durable ?? false);
      disk = size === undefined ? undefined : { count, size };
    } catch (error) {
      disk = undefined; // the file may hold part of the batch: only a whole rewrite repairs it
      throw error;
    }
    return disk !== undefined;
  };

  const writeOnce = async (): Promise<void> => {
    if (await tryAppend()) return;
    await mkdir(path.dirname(file), { recursive: true });
    try {
      await db.write();
    } catch (error) {
      rewrite = true;
      throw error;
    }
    disk = rewritten && rewritten.count > 0 ? rewritten : undefined;
  };

  // Writes never overlap: each one is chained after the last, and takes everything changed
  // before it starts. A flush asked for while one is still waiting to start joins that one.
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending === 0) return writing;
    if (queued) return queued;
    const write = async (): Promise<void> => {
      queued = undefined;
      const batch = pending;
      if (batch === 0) return;
      pending = 0;
      try {
        await writeOnce();
        writes++;
      } catch (error) {
        pending += batch; // still in memory: the next flush tries again
        throw new PaymockError('CASSETTE_WRITE', `could not write cassette ${file}: ${(error as Error).message}`, { cause: error });
      }
    };
    // An earlier failed write was reported to its caller; this one runs regardless.
    queued = writing = writing.then(write, write);
    return queued;
  };
  const later = () => {
    pending++;
    timer ??= setTimeout(() => flush().catch(options.onError), options.flushIntervalMs);
  };

  return {
    name,
    file,
    get upstream() {
      return db.data.upstream;
    },
    get keys() {
      return db.data.keys;
    },
    rekey(keys, storedKeys) {
      db.data.interactions.forEach((interaction, i) => (interaction.key = storedKeys[i]!));
      db.data = inOrder({ ...db.data, keys });
      // Written with whatever is written next; nothing to write for it alone.
      rewrite = true;
    },
    get interactions() {
      return db.data.interactions;
    },
    get appended() {
      return appended;
    },
    get writes() {
      return writes;
    },
    append(interaction) {
      open('this exchange is not recorded');
      db.data.interactions.push(interaction);
      appended++;
      later();
    },
    remove(index) {
      open('nothing is removed');
      const [removed] = db.data.interactions.splice(index, 1);
      if (removed) {
        rewrite = true;
        later();
      }
      return removed;
    },
    update(index, interaction) {
      if (index < 0 || index >= db.data.interactions.length) return false;
      db.data.interactions[index] = interaction;
      rewrite = true;
      later();
      return true;
    },
    flush,
    async close() {
      closed = true;
      await flush();
      await lock?.release();
    },
  };
}
