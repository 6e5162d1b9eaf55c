// Reading a cassette file: quickly for large paymock cassettes (scan.ts, each interaction parsed
// and checked on its own), and the ordinary way (one JSON.parse, the zod schema) for anything
// else, which is also where every error message comes from: the file and the field named.
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { PaymockError } from '../core/errors.js';
import { interner } from '../core/interner.js';
import { formatIssues, jsonErrorWhere } from '../core/schema-error.js';
import { CassetteFileSchema, looksStoredInteraction, type CassetteFile, type StoredInteraction } from './format.js';
import { CassetteSource, RawStoredInteraction, type KeptFields } from './raw-interaction.js';
import { scanCassette, ScanMiss, utf8, type Filling } from './scan.js';

export interface LoadedCassette {
  readonly data: CassetteFile;
  /** `interactions` is the file's last field and holds at least one: appends may go over its end. */
  readonly appendable: boolean;
}

/** The whole text the ordinary way; throws the cassette's error naming the file and the field. */
export function parseCassetteText(text: string, file: string): LoadedCassette {
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
  const lastField = Object.keys(json as object).at(-1);
  return { data: parsed.data, appendable: lastField === 'interactions' && parsed.data.interactions.length > 0 };
}

/** What an interaction left in the file keeps in memory: what its key needs (mended to UTF-8). */
function kept(value: StoredInteraction, once: (text: string) => string): KeptFields {
  const fields: Record<string, string> = {};
  for (const name in value.key.fields) fields[once(utf8(name))] = once(utf8(value.key.fields[name]!));
  return { dialect: once(value.dialect) as StoredInteraction['dialect'], api: once(utf8(value.api)), key: { hash: value.key.hash, fields } };
}

async function scanned(filling: Filling, source: CassetteSource): Promise<LoadedCassette> {
  const interactions: StoredInteraction[] = [];
  // Strings a kept key holds (field names, api, dialect, most values) repeat across interactions.
  const once = interner();
  const { header, interactionsLast } = await scanCassette(filling, (value, index, start, end) => {
    if (!looksStoredInteraction(value)) throw new ScanMiss(`interaction ${index}`);
    // Left in the file, read and parsed again when something reads it.
    interactions.push(new RawStoredInteraction(source, start, end, kept(value, once)));
  });
  const parsed = CassetteFileSchema.safeParse({ ...header, interactions: [] });
  if (!parsed.success) throw new ScanMiss('header');
  return { data: { ...parsed.data, interactions }, appendable: interactionsLast };
}

const CHUNK = 4 << 20;
const RESERVE = 256 << 10;
const openFd = promisify(fs.open);
const readFd = promisify(fs.read);
const closeFd = promisify(fs.close);

/**
 * The file in a window of about CHUNK bytes (scan.ts), read in large reads (fs.readFile reads in
 * 512 KiB steps), the next one always under way while the scanner parses the window. Two buffers
 * take turns: the window lies in one while the next read fills the other.
 */
async function reading(fd: number): Promise<Filling> {
  const { size } = await promisify(fs.fstat)(fd);
  let readAt = 0;
  /** A buffer no window lies in any more, for the next read. */
  let spare: Buffer | undefined;
  const fetch = (): Promise<{ chunk: Buffer; length: number }> | undefined => {
    if (readAt >= size) return undefined;
    const length = Math.min(CHUNK, size - readAt);
    // Room in front for the unfinished end of the window before it, so it need not be copied again.
    const chunk = spare ?? Buffer.allocUnsafeSlow(RESERVE + CHUNK);
    spare = undefined;
    const from = readAt;
    readAt += length;
    const read = readFd(fd, chunk, RESERVE, length, from).then(({ bytesRead }) => {
      if (bytesRead < length) throw new ScanMiss('the file changed while it was read');
      return { chunk, length };
    });
    // A scan that stops early (a layout it does not know) leaves the read ahead unawaited: its
    // failure must not surface as an unhandled rejection. Awaited, it still throws.
    read.catch(() => undefined);
    return read;
  };
  let next = fetch();
  /** The buffer the window lies in (none while it is a copy). */
  let current: Buffer | undefined;
  const window = {
    bytes: Buffer.alloc(0) as Buffer,
    base: 0,
    filled: 0,
    size,
    async more(keepFrom: number): Promise<number> {
      if (!next) return -1;
      const { chunk, length } = await next;
      const kept = window.bytes.subarray(keepFrom, window.filled);
      const fits = kept.length <= RESERVE;
      if (fits) {
        kept.copy(chunk, RESERVE - kept.length);
        window.bytes = chunk.subarray(RESERVE - kept.length, RESERVE + length);
      } else {
        window.bytes = Buffer.concat([kept, chunk.subarray(RESERVE, RESERVE + length)]);
      }
      // Nothing the scanner returned points into the old window (it parses copies out of it), so
      // its buffer takes the next read. A fresh 4 MB buffer per window had a fresh process load
      // 100,000 interactions in 1.8-1.9 s instead of 1.3 (pinned to one core).
      spare = current ?? (fits ? undefined : chunk);
      current = fits ? chunk : undefined;
      next = fetch();
      window.base += keepFrom;
      window.filled = window.bytes.length;
      return keepFrom;
    },
  };
  return window;
}

/** A cassette file, or undefined when there is none. */
export async function loadCassetteFile(file: string): Promise<LoadedCassette | undefined> {
  let fd: number;
  try {
    fd = await openFd(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let kept = false;
  const source = new CassetteSource(fd);
  try {
    try {
      const loaded = await scanned(await reading(fd), source);
      kept = loaded.data.interactions.length > 0;
      return loaded;
    } catch (error) {
      if (!(error instanceof ScanMiss)) throw error;
    }
    return parseCassetteText(await readFile(file, 'utf8'), file);
  } finally {
    // Otherwise the interactions read the rest from it later (raw-interaction.ts closes it).
    if (!kept) {
      source.release();
      await closeFd(fd);
    }
  }
}
