// Appending to a cassette file in place. paymock writes a cassette as
// `JSON.stringify(data, null, 2) + "\n"` with `interactions` as its last field, so the file ends
// with TAIL. New interactions go in with one positional write(2) over that tail: `,\n`, each
// interaction pretty-printed and indented to its depth, then the tail again. The bytes are
// exactly what a whole-file rewrite would give, at a cost that grows with what was appended,
// not with the file.
import { open } from 'node:fs/promises';
import type { StoredInteraction } from './format.js';

/** How a paymock cassette with at least one interaction ends: the array and the object closing. */
export const TAIL = '\n  ]\n}\n';
const TAIL_BYTES = Buffer.from(TAIL);

/** The whole file, as paymock writes it. */
export function cassetteText(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** One interaction as a whole-file write prints it in `interactions` (at depth 2, indented by 4). */
function interactionText(interaction: StoredInteraction): string {
  // Printed inside two arrays, it comes out with exactly that indentation in one native call.
  const nested = JSON.stringify([[interaction]], null, 2);
  return nested.slice(NESTED_OPEN.length, nested.length - NESTED_CLOSE.length);
}
const NESTED_OPEN = '[\n  [\n';
const NESTED_CLOSE = '\n  ]\n]';
const SEPARATOR = ',\n';
const SEPARATOR_BYTES = Buffer.from(SEPARATOR);

/**
 * What replaces TAIL to append `added` (at least one): `,\n`, the interactions as a whole-file
 * write would print them, one after another with `,\n`, then TAIL.
 */
export function appendText(added: readonly StoredInteraction[]): string {
  return `${SEPARATOR}${added.map(interactionText).join(SEPARATOR)}${TAIL}`;
}

/**
 * appendText's bytes, encoded an interaction at a time. Recording at 3,500 a second, a 100 ms
 * flush window holds some 350 interactions; printed as one string and then encoded, such a batch
 * cost 22 µs per interaction, of which printing was 4 (the rest went to encoding one large string
 * with Chinese text in it); printed and encoded one at a time, 9 (in-process, pinned).
 */
export function appendBytes(added: readonly StoredInteraction[]): Buffer {
  const parts: Buffer[] = [];
  for (const interaction of added) parts.push(SEPARATOR_BYTES, Buffer.from(interactionText(interaction)));
  parts.push(TAIL_BYTES);
  return Buffer.concat(parts);
}

/** The file's size when it ends with TAIL, otherwise undefined (missing, foreign, torn). */
export async function tailedSize(file: string): Promise<number | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    return await checkTail(handle);
  } finally {
    await handle.close();
  }
}

async function checkTail(handle: Awaited<ReturnType<typeof open>>, expectedSize?: number): Promise<number | undefined> {
  const { size } = await handle.stat();
  if (size < TAIL_BYTES.length || (expectedSize !== undefined && size !== expectedSize)) return undefined;
  const end = Buffer.alloc(TAIL_BYTES.length);
  await handle.read(end, 0, end.length, size - end.length);
  return end.equals(TAIL_BYTES) ? size : undefined;
}

/**
 * Write `bytes` (from appendBytes) over the tail of a file of `size` bytes, in one write(2).
 * Returns the new size, or undefined without writing anything when the file is no longer what
 * paymock last left there (another size, another ending): the caller rewrites it whole.
 * `sync`: fdatasync before resolving (--durable).
 */
export async function appendAt(file: string, size: number, bytes: Buffer, sync: boolean): Promise<number | undefined> {
  const handle = await open(file, 'r+');
  try {
    if ((await checkTail(handle, size)) === undefined) return undefined;
    const at = size - TAIL_BYTES.length;
    const { bytesWritten } = await handle.write(bytes, 0, bytes.length, at);
    if (bytesWritten !== bytes.length) throw new Error(`short write: ${bytesWritten} of ${bytes.length} bytes`);
    if (sync) await handle.datasync();
    return at + bytes.length;
  } finally {
    await handle.close();
  }
}
