// What a large cassette keeps made. An interaction left in its file (raw-interaction.ts) is read,
// parsed and made (bodies encoded, recorded call decoded) the first time it is replayed, and kept
// made while it is replayed again. Kept without a bound, a 100,000-interaction cassette replayed
// with random keys grew past 1 GB of RSS. Here what is kept is bounded by the interactions' size
// in the file, and the one made longest ago is let go first (read again if it is needed again).

export interface Releasable {
  /** Drop what was made; the next use makes it again. */
  release(): void;
}

/** Made interactions of one cassette, oldest first, within a budget of their bytes in the file. */
export class WorkingSet {
  readonly #budget: number;
  readonly #kept = new Map<Releasable, number>();
  #bytes = 0;

  constructor(budgetBytes: number) {
    this.#budget = budgetBytes;
  }

  /** `item` was just made from `bytes` bytes of the file; older items go when over budget. */
  keep(item: Releasable, bytes: number): void {
    if (this.#kept.has(item)) return;
    this.#kept.set(item, bytes);
    this.#bytes += bytes;
    // The newest one stays, even alone over budget: it is about to be replayed.
    while (this.#bytes > this.#budget && this.#kept.size > 1) {
      const [oldest, size] = this.#kept.entries().next().value!;
      this.#kept.delete(oldest);
      this.#bytes -= size;
      oldest.release();
    }
  }

  /** Interactions kept made, and their bytes in the file. */
  get size(): { interactions: number; bytes: number } {
    return { interactions: this.#kept.size, bytes: this.#bytes };
  }
}
