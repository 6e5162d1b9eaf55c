// Keeping a relayed notification in the cassette, beside the interaction that caused it: the
// first copy of each notify_id only (the sandbox retries), redacted like everything recorded.
import type { CassetteSession } from '../cassettes/session.js';
import type { Redactor } from '../cassettes/redact.js';
import { makeBody } from '../core/body.js';
import { rawField } from '../core/form.js';
import { endToEnd, withoutHeaders } from '../core/headers.js';
import type { Logger } from '../core/log.js';
import type { Call, HeaderList, Interaction, RecordedNotification } from '../core/types.js';
import { causeOf } from './relay-link.js';

/** How many notify_ids are remembered as recorded (retries come within hours). */
const MAX_SEEN = 10_000;

export interface Received {
  readonly url: string;
  readonly headers: HeaderList;
  readonly bytes: Buffer;
  readonly fields: Readonly<Record<string, string>>;
  readonly receivedAt: string;
}

export interface Place {
  readonly cassette: CassetteSession;
  /** The request whose notify_url was relayed (token routes); none for the app-side `/to/` form. */
  readonly anchor?: Interaction;
}

function notifyIdOf(notification: RecordedNotification): string | undefined {
  return rawField(notification.body.bytes.toString('latin1'), 'notify_id');
}

export class NotificationRecorder {
  readonly #seen = new Set<string>();
  readonly #redact: Redactor;
  readonly #log: Logger;
  readonly #callOf: (interaction: Interaction) => Call;

  constructor(redact: Redactor, log: Logger, callOf: (interaction: Interaction) => Call) {
    this.#redact = redact;
    this.#log = log;
    this.#callOf = callOf;
  }

  /** The interaction the notification belongs to, among these places (the latest cause wins). */
  #cause(places: readonly Place[], received: Received): { cassette: CassetteSession; interaction: Interaction } | undefined {
    let best: { cassette: CassetteSession; interaction: Interaction } | undefined;
    for (const { cassette, anchor } of places) {
      const current = anchor && cassette.current(anchor);
      const interaction = causeOf(cassette.interactions, this.#callOf, received.fields, received.receivedAt, current);
      if (interaction && (!best || interaction.recordedAt > best.interaction.recordedAt)) best = { cassette, interaction };
    }
    return best;
  }

  /** Attach to the causing interaction; false when it is a retry already kept or nothing caused it. */
  record(places: readonly Place[], received: Received): boolean {
    const cause = this.#cause(places, received);
    const id = received.fields.notify_id;
    if (!cause) {
      this.#log.info(`notification ${id ?? ''} relayed, not recorded: no recorded call on trade ${received.fields.out_trade_no ?? '?'}`);
      return false;
    }
    const seenKey = `${cause.cassette.name}\u0000${id}`;
    if (id && (this.#seen.has(seenKey) || cause.interaction.notifications?.some((kept) => notifyIdOf(kept) === id))) return false;
    const headers = withoutHeaders(endToEnd(received.headers), ['host', 'content-length']);
    const shown = this.#redact.request({ method: 'POST', url: received.url, headers, body: makeBody(received.bytes, headers) });
    const attached = cause.cassette.attachNotification(cause.interaction, { receivedAt: received.receivedAt, headers: shown.headers, body: shown.body });
    if (!attached) return false;
    if (id) {
      this.#seen.add(seenKey);
      if (this.#seen.size > MAX_SEEN) this.#seen.delete(this.#seen.values().next().value!);
    }
    this.#log.info(`notification ${id ?? ''} (${received.fields.trade_status ?? 'no trade_status'}) recorded with ${attached.api} in cassette "${cause.cassette.name}"`);
    return true;
  }
}
