// The relay's routes: each rewritten notify_url gets a random token standing for the merchant's
// real URL, and learns where its exchange was recorded once that exchange has been answered (the
// sandbox may notify before it is). In memory, bounded: a restarted paymock forgets its tokens.
import { randomBytes } from 'node:crypto';
import type { CassetteSession } from '../cassettes/session.js';
import type { HttpRequest, Interaction } from '../core/types.js';

/** Alipay retries for about 25 hours; this many routes cover a long recording session. */
const MAX_ROUTES = 10_000;

export interface RecordedAt {
  readonly cassette: CassetteSession;
  readonly interaction: Interaction;
}

export interface RelayRoute {
  /** The merchant's own notify_url, where notifications are forwarded. */
  readonly url: string;
  /** The request's charset: the notification's when it does not say. */
  readonly charset: string | undefined;
  /** Where the exchange that set notify_url was recorded; undefined when it was not. */
  readonly recorded: Promise<RecordedAt | undefined>;
}

export class RelayTokens {
  readonly #routes = new Map<string, RelayRoute>();
  readonly #pending = new WeakMap<HttpRequest, (at: RecordedAt | undefined) => void>();
  /** Routes opened and not yet settled: when none are, settling has nothing to look up. */
  #unsettled = 0;

  /** A new route for `request`'s notify_url; its token goes into the rewritten URL. */
  open(request: HttpRequest, url: string, charset: string | undefined): string {
    const token = randomBytes(16).toString('hex');
    let settle!: (at: RecordedAt | undefined) => void;
    const recorded = new Promise<RecordedAt | undefined>((resolve) => (settle = resolve));
    this.#routes.set(token, { url, charset, recorded });
    this.#pending.set(request, settle);
    this.#unsettled++;
    if (this.#routes.size > MAX_ROUTES) this.#routes.delete(this.#routes.keys().next().value!);
    return token;
  }

  get(token: string): RelayRoute | undefined {
    return this.#routes.get(token);
  }

  /** The route could not be used after all (the request went out unchanged). */
  drop(token: string, request: HttpRequest): void {
    this.#routes.delete(token);
    this.settle(request, undefined);
  }

  /** The exchange of `request` was answered: recorded here, or (undefined) not recorded. */
  settle(request: HttpRequest, at: RecordedAt | undefined): void {
    if (this.#unsettled === 0) return; // the usual exchange: no notify_url was relayed
    const settle = this.#pending.get(request);
    if (!settle) return;
    this.#pending.delete(request);
    this.#unsettled--;
    settle(at);
  }
}
