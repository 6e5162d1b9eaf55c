// Cassettes chosen per session (x-paymock-session), opened through the admin API, so parallel CI
// jobs replay or record their own cassettes through one paymock without colliding.
import type { Dialect } from '../core/types.js';
import { CassetteSession } from './session.js';

export interface SessionCassetteOptions {
  readonly dir: string;
  readonly upstream: string | undefined;
  readonly flushIntervalMs: number;
  /** fdatasync each appended batch (--durable). */
  readonly durable?: boolean;
  /** This paymock's key signature (key-signature.ts). */
  readonly keys?: string;
  /** Replay needs the file to exist; record and auto create it. */
  readonly mustExist: () => boolean;
  /** Recording modes take the cassette's write lock. */
  readonly lock: () => boolean;
  readonly onError: (error: Error) => void;
}

export class SessionCassettes {
  readonly #open = new Map<string, CassetteSession>();
  readonly #options: SessionCassetteOptions;
  readonly #dialects: readonly Dialect[];

  constructor(options: SessionCassetteOptions, dialects: readonly Dialect[]) {
    this.#options = options;
    this.#dialects = dialects;
  }

  get(session: string | undefined): CassetteSession | undefined {
    return session === undefined ? undefined : this.#open.get(session);
  }

  /** Open `name` for `session` (replacing what it had, which is flushed first). */
  async open(session: string, name: string): Promise<CassetteSession> {
    const { dir, upstream, flushIntervalMs, durable, keys, onError } = this.#options;
    const cassette = await CassetteSession.open(
      { dir, name, ...(upstream ? { upstream } : {}), flushIntervalMs, durable: durable ?? false, ...(keys ? { keys } : {}), mustExist: this.#options.mustExist(), lock: this.#options.lock(), onError },
      this.#dialects,
    );
    await this.close(session);
    this.#open.set(session, cassette);
    return cassette;
  }

  async close(session: string): Promise<boolean> {
    const cassette = this.#open.get(session);
    if (!cassette) return false;
    this.#open.delete(session);
    await cassette.close();
    return true;
  }

  list(): Array<{ session: string; cassette: string }> {
    return [...this.#open].map(([session, cassette]) => ({ session, cassette: cassette.name }));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#open.values()].map((cassette) => cassette.close()));
  }
}
