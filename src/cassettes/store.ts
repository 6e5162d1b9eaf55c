// Cassette files on disk, through lowdb. Appends are batched: one atomic whole-file write per
// flush window (lowdb writes through steno: a temp file renamed over the old one), never one
// per request. A file that fails to parse or validate is refused and never written to.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { PaymockError } from '../core/errors.js';
import { formatIssues, jsonErrorWhere } from '../core/schema-error.js';
import { lockCassette, type CassetteLock } from './lock.js';
import { CassetteFileSchema, emptyCassette, type CassetteFile, type StoredInteraction } from './format.js';

const NAME = /^[\w.-]+(\/[\w.-]+)*$/;

export interface CassetteStore {
  readonly name: string;
  readonly file: string;
  readonly upstream: string | undefined;
  readonly interactions: readonly StoredInteraction[];
  /** Interactions appended since the store was opened. */
  readonly appended: number;
  /** Whole-file writes done since the store was opened (one per flush window, not per append). */
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

function parser(file: string) {
  return (text: string): CassetteFile => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new PaymockError('CASSETTE_INVALID', `cassette ${file} is not valid JSON${jsonErrorWhere(error, text)}: ${(error as Error).message}`, { cause: error });
    }
    const parsed = CassetteFileSchema.safeParse(json);
    if (!parsed.success) {
      throw new PaymockError('CASSETTE_INVALID', `cassette ${file} is not a valid paymock cassette:\n${formatIssues(parsed.error)}`);
    }
    return parsed.data;
  };
}

/** Read a cassette file, or undefined when it does not exist. */
export async function readCassette(file: string): Promise<CassetteFile | undefined> {
  const adapter = new DataFile<CassetteFile>(file, { parse: parser(file), stringify: () => '' });
  return (await adapter.read()) ?? undefined;
}

export async function openCassette(
  dir: string,
  name: string,
  options: { upstream?: string; flushIntervalMs: number; mustExist: boolean; onError: (error: Error) => void; lock?: boolean },
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

async function openLocked(
  file: string,
  name: string,
  options: { upstream?: string; flushIntervalMs: number; mustExist: boolean; onError: (error: Error) => void },
  lock: CassetteLock | undefined,
): Promise<CassetteStore> {
  const adapter = new DataFile<CassetteFile>(file, {
    parse: parser(file),
    stringify: (data) => `${JSON.stringify(data, null, 2)}\n`,
  });
  const existing = await adapter.read();
  const db = new Low<CassetteFile>(adapter, existing ?? emptyCassette(name, options.upstream));
  if (options.mustExist && !existing) {
    throw new PaymockError('CASSETTE_NOT_FOUND', `cassette ${file} does not exist: record it first (paymock record ${name} --upstream URL)`);
  }
  if (options.upstream && !db.data.upstream) db.data.upstream = options.upstream;

  let appended = 0;
  let writes = 0;
  let pending = 0;
  // Each flush rewrites the whole file, which grows: keep writing to at most a fifth of the time
  // by waiting at least four times as long as the last write took.
  let lastWriteMs = 0;
  const windowMs = () => Math.max(options.flushIntervalMs, 4 * lastWriteMs);
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  // After close the lock may belong to another process: a late append must not reach the file.
  const open = (what: string) => {
    if (closed) throw new PaymockError('CASSETTE_CLOSED', `cassette ${file} is closed (paymock is stopping, or its session moved to another cassette): ${what}`);
  };

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending === 0) return writing;
    const batch = pending;
    pending = 0;
    // Chained so writes never overlap; each one writes everything appended before it started.
    const write = async (): Promise<void> => {
      try {
        const started = performance.now();
        await mkdir(path.dirname(file), { recursive: true });
        await db.write();
        lastWriteMs = performance.now() - started;
        writes++;
      } catch (error) {
        pending += batch; // still in memory: the next flush tries again
        throw new PaymockError('CASSETTE_WRITE', `could not write cassette ${file}: ${(error as Error).message}`, { cause: error });
      }
    };
    // An earlier failed write was reported to its caller; this one runs regardless.
    writing = writing.then(write, write);
    return writing;
  };

  return {
    name,
    file,
    get upstream() {
      return db.data.upstream;
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
      pending++;
      timer ??= setTimeout(() => flush().catch(options.onError), windowMs());
    },
    remove(index) {
      open('nothing is removed');
      const [removed] = db.data.interactions.splice(index, 1);
      if (removed) {
        pending++;
        timer ??= setTimeout(() => flush().catch(options.onError), windowMs());
      }
      return removed;
    },
    update(index, interaction) {
      if (index < 0 || index >= db.data.interactions.length) return false;
      db.data.interactions[index] = interaction;
      pending++;
      timer ??= setTimeout(() => flush().catch(options.onError), windowMs());
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
