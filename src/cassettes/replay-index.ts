// The replay lookup: key hash -> the interactions recorded under it, in recorded order.
// Repeated identical requests take them in turn, and the last one repeats (like undici's
// snapshot recorder). Pure and synchronous: no I/O, no clock.
import type { MatchKey } from '../core/types.js';

interface Slot {
  readonly key: MatchKey;
  readonly indexes: number[];
  served: number;
}

export class ReplayIndex {
  readonly #slots = new Map<string, Slot>();
  readonly #used = new Set<number>();

  add(index: number, key: MatchKey): void {
    const slot = this.#slots.get(key.id);
    if (slot) slot.indexes.push(index);
    else this.#slots.set(key.id, { key, indexes: [index], served: 0 });
  }

  /** The interaction index to serve for this key, or undefined on a miss. */
  take(id: string): number | undefined {
    const slot = this.#slots.get(id);
    if (!slot) return undefined;
    const index = slot.indexes[Math.min(slot.served, slot.indexes.length - 1)]!;
    slot.served++;
    this.#used.add(index);
    return index;
  }

  /** Every distinct key, with a label naming its interactions (for near-miss reports). */
  candidates(): Array<{ key: MatchKey; label: string }> {
    return [...this.#slots.values()].map(({ key, indexes }) => ({
      key,
      label: `recorded #${indexes.slice(0, 5).join(', #')}${indexes.length > 5 ? ', ...' : ''} (key ${key.hash.slice(0, 12)})`,
    }));
  }

  get size(): number {
    return this.#slots.size;
  }

  /** Interaction indexes never served since the index was built. */
  unused(total: number): number[] {
    const unused: number[] = [];
    for (let i = 0; i < total; i++) if (!this.#used.has(i)) unused.push(i);
    return unused;
  }
}
