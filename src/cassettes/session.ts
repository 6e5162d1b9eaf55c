// One open cassette: the file (store), the replay index over it, and recording into it.
import { forgetDerived } from '../core/request-url.js';
import { dialectFor } from '../dialects/index.js';
import { formatKey, formatNearMisses, nearestMisses } from '../core/near-miss.js';
import type { Answer, Call, Dialect, HttpRequest, Interaction, MatchKey, RecordedNotification } from '../core/types.js';
import { fromStoredInteraction, toStoredInteraction, type StoredInteraction } from './format.js';
import { RawStoredInteraction } from './raw-interaction.js';
import { ReplayIndex } from './replay-index.js';
import { WorkingSet } from './working-set.js';
import { openCassette, type CassetteStore } from './store.js';

export interface CassetteSummary {
  readonly name: string;
  readonly file: string;
  readonly loaded: number;
  readonly recorded: number;
  readonly unused: number[];
  /** Interactions read back from the file and kept made, and their bytes in it (working-set.ts). */
  readonly workingSet: { interactions: number; bytes: number };
}

/**
 * How much of a large cassette is kept made while it is replayed, in bytes of the file. A legacy
 * Alipay interaction takes about 2 KB in the file and, once replayed, about 2.5 KB of heap (its
 * bodies as bytes, off the heap): this keeps some 128,000 of them. A smaller cassette is kept whole.
 */
export const WORKING_SET_BYTES = 256 << 20;

export class CassetteSession {
  readonly #store: CassetteStore;
  readonly #workingSet: WorkingSet;
  /** An interaction a notification replaced, and what replaced it. */
  readonly #replaced = new WeakMap<Interaction, Interaction>();
  #live: Interaction[] = [];
  #index = new ReplayIndex();
  #loaded: number;

  private constructor(store: CassetteStore, dialects: readonly Dialect[], keys: string | undefined, workingSetBytes: number) {
    this.#store = store;
    this.#workingSet = new WorkingSet(workingSetBytes);
    // The stored keys are used as they are when the file says they were computed the way this
    // paymock computes them (key-signature.ts); otherwise each is recomputed from the recorded
    // request, so a change in what matching ignores applies to old cassettes too.
    const reuse = keys !== undefined && store.keys === keys;
    const recomputed: Array<StoredInteraction['key']> = [];
    for (const stored of store.interactions) {
      const interaction = stored instanceof RawStoredInteraction ? fromStoredInteraction(stored, this.#workingSet) : fromStoredInteraction(stored);
      if (!reuse) {
        // Worked out on a throwaway copy, so an interaction left in the file stays there.
        const { request } = fromStoredInteraction(stored);
        const dialect = dialectFor(request, dialects);
        interaction.key = dialect.fingerprint(dialect.decode(request), request);
        if (stored instanceof RawStoredInteraction) stored.forget();
        recomputed.push({ hash: interaction.key.hash, fields: { ...interaction.key.fields } });
      }
      this.#index.add(this.#live.length, interaction.key);
      this.#live.push(interaction);
    }
    // The file then says how its keys are computed (written with its next write, if any).
    if (!reuse && keys !== undefined && recomputed.length > 0) store.rekey(keys, recomputed);
    this.#loaded = this.#live.length;
  }

  /** Delete one interaction (from the file too); replay counters start over. */
  remove(index: number): boolean {
    if (!this.#store.remove(index)) return false;
    this.#live.splice(index, 1);
    if (index < this.#loaded) this.#loaded--;
    this.#index = new ReplayIndex();
    this.#live.forEach((interaction, i) => this.#index.add(i, interaction.key));
    return true;
  }

  static async open(
    options: {
      dir: string;
      name: string;
      upstream?: string;
      flushIntervalMs: number;
      mustExist: boolean;
      onError: (error: Error) => void;
      lock?: boolean;
      durable?: boolean;
      /** This paymock's key signature (keySignature(config.match)); without it keys are always recomputed. */
      keys?: string;
      /** What is kept made of interactions read back from the file (default WORKING_SET_BYTES). */
      workingSetBytes?: number;
    },
    dialects: readonly Dialect[],
  ): Promise<CassetteSession> {
    return new CassetteSession(await openCassette(options.dir, options.name, options), dialects, options.keys, options.workingSetBytes ?? WORKING_SET_BYTES);
  }

  get name(): string {
    return this.#store.name;
  }

  /** Where origin-form requests were sent when this cassette was recorded. */
  get upstream(): string | undefined {
    return this.#store.upstream;
  }

  answer(key: MatchKey, call: Call, request: HttpRequest, dialect: Dialect): Answer | undefined {
    const index = this.#index.take(key);
    if (index === undefined) return undefined;
    const recorded = this.#live[index]!;
    return {
      response: dialect.adapt(recorded, call, request),
      outcome: { source: 'cassette', cassette: { name: this.name, index } },
    };
  }

  explainMiss(key: MatchKey): string {
    const nearest = nearestMisses(key, this.#index.candidates());
    return [
      `no interaction in cassette "${this.name}" (${this.#live.length} recorded) matches this request.`,
      `request key ${key.hash.slice(0, 12)}:`,
      formatKey(key),
      'nearest recorded:',
      formatNearMisses(nearest),
    ].join('\n');
  }

  /** Append to the file (batched) and make it replayable in this run. Returns its index. */
  record(interaction: Interaction): number {
    this.#store.append(toStoredInteraction(interaction));
    const index = this.#live.length;
    this.#live.push(interaction);
    this.#index.add(index, interaction.key);
    // What was just recorded was already served once, live.
    this.#index.take(interaction.key);
    return index;
  }

  /** Every interaction, recorded order (read-only: the notify relay looks for a notification's cause). */
  get interactions(): readonly Interaction[] {
    return this.#live;
  }

  /** Where an interaction is now (a deletion shifts indexes; a notification replaces the object). */
  #indexOf(interaction: Interaction): number {
    let current: Interaction | undefined = interaction;
    while (this.#replaced.has(current)) current = this.#replaced.get(current)!;
    return this.#live.indexOf(current);
  }

  /** The interaction as it is now: notifications attached since, or undefined once deleted. */
  current(interaction: Interaction): Interaction | undefined {
    return this.#live[this.#indexOf(interaction)];
  }

  /**
   * Add a notification to an interaction (found by identity, so a deletion in between cannot
   * misplace it); written with the next flush. Returns the interaction as it now is, or undefined if gone.
   */
  attachNotification(interaction: Interaction, notification: RecordedNotification): Interaction | undefined {
    const index = this.#indexOf(interaction);
    if (index < 0) return undefined;
    interaction = this.#live[index]!;
    // Spelled out: an interaction loaded from a file reads its fields through getters, which a spread would miss.
    const { recordedAt, latencyMs, dialect, api, key, merchantIds, request, response } = interaction;
    const updated: Interaction = { recordedAt, latencyMs, dialect, api, key, ...(merchantIds ? { merchantIds } : {}), request, response, notifications: [...(interaction.notifications ?? []), notification] };
    this.#live[index] = updated;
    this.#replaced.set(interaction, updated);
    this.#store.update(index, toStoredInteraction(updated));
    return updated;
  }

  flush(): Promise<void> {
    return this.#store.flush();
  }

  /** Flush and release the cassette's write lock. */
  close(): Promise<void> {
    return this.#store.close();
  }

  summary(): CassetteSummary {
    return {
      name: this.name,
      file: this.#store.file,
      loaded: this.#loaded,
      recorded: this.#store.appended,
      unused: this.#index.unused(this.#loaded),
      workingSet: this.#workingSet.size,
    };
  }
}
