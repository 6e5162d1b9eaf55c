// The replay lookup: key -> the interactions recorded under it, in recorded order. Repeated
// identical requests take them in turn, and the last one repeats (like undici's snapshot
// recorder). Keys are found by their bucket, then compared field by field (match-key.ts).
// Pure and synchronous: no I/O, no clock.
import { sameKey } from '../core/match-key.js';
import type { MatchKey } from '../core/types.js';

interface Slot {
  readonly key: MatchKey;
  readonly indexes: number[];
  served: number;
  /** Another key in the same bucket. */
  readonly next: Slot | undefined;
}

export class ReplayIndex {
  readonly #slots = new Map<number, Slot>();
  readonly #used = new Set<number>();
  #size = 0;

  #find(key: MatchKey): Slot | undefined {
    for (let slot = this.#slots.get(key.bucket); slot; slot = slot.next) if (sameKey(slot.key, key)) return slot;
    return undefined;
  }

  add(index: number, key: MatchKey): void {
    const slot = this.#find(key);
    if (slot) {
      slot.indexes.push(index);
      return;
    }
    this.#slots.set(key.bucket, { key, indexes: [index], served: 0, next: this.#slots.get(key.bucket) });
    this.#size++;
  }

  /** The interaction index to serve for this key, or undefined on a miss. */
  take(key: MatchKey): number | undefined {
    const slot = this.#find(key);
    if (!slot) return undefined;
    const index = slot.indexes[Math.min(slot.served, slot.indexes.length - 1)]!;
    slot.served++;
    this.#used.add(index);
    return index;
  }

  /** Every distinct key, with a label naming its interactions (for near-miss reports). */
  candidates(): Array<{ key: MatchKey; label: string }> {
    const all: Array<{ key: MatchKey; label: string }> = [];
    for (const first of this.#slots.values()) {
      for (let slot: Slot | undefined = first; slot; slot = slot.next) {
        const { key, indexes } = slot;
        all.push({ key, label: `recorded #${indexes.slice(0, 5).join(', #')}${indexes.length > 5 ? ', ...' : ''} (key ${key.hash.slice(0, 12)})` });
      }
    }
    return all;
  }

  get size(): number {
    return this.#size;
  }

  /** Interaction indexes never served since the index was built. */
  unused(total: number): number[] {
    const unused: number[] = [];
    for (let i = 0; i < total; i++) if (!this.#used.has(i)) unused.push(i);
    return unused;
  }
}
