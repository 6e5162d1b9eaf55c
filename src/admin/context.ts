// What the admin API can see and steer in a running paymock.
import type { SessionCassettes } from '../cassettes/session-cassettes.js';
import type { CassetteSession } from '../cassettes/session.js';
import type { Mode } from '../config.js';
import type { Journal } from '../core/journal.js';
import type { Notifier } from '../notify/notifier.js';
import type { NotifyRelay } from '../notify/relay.js';
import type { Source } from '../core/types.js';
import type { Trade } from '../rules/defaults/sandbox.js';
import type { RuleSet } from '../rules/rule-set.js';

export interface AdminContext {
  readonly version: string;
  readonly startedAt: string;
  mode(): Mode;
  /** Switch mode at runtime; throws a PaymockError when the mode cannot work (no cassette). */
  setMode(mode: Mode): void;
  counts(): Record<Source, number>;
  readonly cassette: CassetteSession | undefined;
  readonly cassettesDir: string;
  readonly journal: Journal;
  readonly rules: RuleSet;
  readonly rulesDir: string;
  /** The simulated sandbox's ledgers: the default one, or a session's. */
  readonly sandbox: { trades(session?: string): readonly Trade[]; reset(session?: string): void; sessions(): string[] };
  readonly sessions: SessionCassettes;
  readonly notifier: Notifier;
  /** Forwards (and records) the sandbox's notifications; its endpoints skip the guard. */
  readonly relay: NotifyRelay;
  tls(): { caFile: string | null; intercept: readonly string[] };
  /** When set, every admin request must present it (`Authorization: Bearer <token>`). */
  readonly adminToken: string | undefined;
}
