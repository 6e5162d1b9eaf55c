// Delivering notifications like Alipay: a POSTed form to notify_url, retried on Alipay's
// schedule (compressed by `retryScale` for tests) until the merchant answers exactly `success`.
// Every attempt and the merchant's answer are kept for the admin API.
import { randomBytes } from 'node:crypto';
import { encodeText } from '../core/body.js';
import type { Logger } from '../core/log.js';
import { warn } from '../core/warnings.js';
import { notificationForm, type NotifyKeys, type NotifyTarget, type TradeEvent } from './notification.js';

/** How many notifications the admin API can list. */
const MAX_KEPT = 1000;

/** After the first try: 4m, 10m, 10m, 1h, 2h, 6h, 15h (alipay.md §7), scaled. */
export const ALIPAY_RETRY_MS = [4, 10, 10, 60, 120, 360, 900].map((minutes) => minutes * 60_000);

export interface NotifyOptions {
  readonly enabled: boolean;
  /** Wait before the first try. */
  readonly delayMs: number;
  /** Multiplies Alipay's retry schedule: 1 is real time, 0.001 turns 4 minutes into 240 ms. */
  readonly retryScale: number;
  /** How long a legacy notify_id answers `true` to notify_verify. */
  readonly verifyLifetimeMs: number;
  readonly timeoutMs: number;
}

export interface Attempt {
  readonly at: string;
  readonly status?: number;
  readonly answer?: string;
  readonly error?: string;
  readonly success: boolean;
}

/** Made up by the simulated sandbox, relayed from the real one, or re-sent from a cassette. */
export type NotificationOrigin = 'simulated' | 'relayed' | 'replayed';

export interface Notification {
  readonly id: string;
  readonly origin: NotificationOrigin;
  readonly url: string;
  readonly charset: string;
  readonly fields: Record<string, string>;
  readonly createdAt: string;
  readonly attempts: Attempt[];
  /** `relayed`: the real sandbox delivers (and retries) through the relay; the merchant did not say success yet. */
  state: 'pending' | 'delivered' | 'gave-up' | 'suppressed' | 'held' | 'relayed';
  nextAt?: string;
  /** The rule that shaped it, if any. */
  readonly ruleId?: string;
}

/** Sees every delivery attempt: the notification, what happened, the form body sent. */
export type AttemptObserver = (notification: Notification, attempt: Attempt, body: string, durationMs: number) => void;

/** How a rule shapes a notification (see NotifyShapeSchema). */
export interface Shape {
  readonly suppress?: boolean;
  readonly delayMs?: number;
  readonly duplicate?: number;
  readonly outOfOrder?: boolean;
  readonly badSignature?: boolean;
}

/** A fresh notify_id: 32 hex characters, like Alipay's. */
export function newNotifyId(): string {
  return randomBytes(16).toString('hex');
}

/** A notification whose fields are final and signed, ready to be scheduled. */
export interface Prepared {
  readonly id: string;
  readonly url: string;
  readonly charset: string;
  readonly fields: Record<string, string>;
  /** Notifications of one trade: what `outOfOrder` holds back until the next one. */
  readonly tradeKey: string;
  readonly origin: NotificationOrigin;
}

/** The bytes of a relayed notification, re-sent as they came by a manual send. */
export interface RawNotification {
  readonly bytes: Buffer;
  readonly contentType: string;
}

/** Same length and alphabet as the real signature, but not it. */
function spoil(sign: string): string {
  return [...sign].reverse().join('');
}

const UNRESERVED = /^[A-Za-z0-9*\-._]$/;

/** A form body in the notification's charset: every byte outside the unreserved set escaped. */
function encodeForm(fields: Record<string, string>, charset: string): string {
  const escape = (text: string) =>
    [...encodeText(text, charset)].map((byte) => (UNRESERVED.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  return Object.entries(fields).map(([name, value]) => `${escape(name)}=${escape(value)}`).join('&');
}

export class Notifier {
  readonly #options: NotifyOptions;
  readonly #keys: NotifyKeys;
  readonly #log: Logger;
  readonly #all: Notification[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #issued = new Map<string, number>();
  /** Notifications held back (out of order) until their trade's next one goes out. */
  readonly #held = new Map<string, Notification[]>();
  readonly #onAttempt: AttemptObserver;
  readonly #raw = new WeakMap<Notification, RawNotification>();

  /** `onAttempt` observes every delivery (the journal records it). */
  constructor(options: NotifyOptions, keys: NotifyKeys, log: Logger, onAttempt: AttemptObserver = () => undefined) {
    this.#options = options;
    this.#keys = keys;
    this.#log = log;
    this.#onAttempt = onAttempt;
  }


  list(): readonly Notification[] {
    return this.#all;
  }

  /** Issue and schedule a notification for a trade change, shaped by a rule if one matched. */
  notify(target: NotifyTarget, event: TradeEvent, shaped?: { ruleId: string; shape: Shape }): Notification | undefined {
    if (!this.#options.enabled) return undefined;
    const id = newNotifyId();
    const { fields, unsigned } = notificationForm(target, event, id, new Date(), this.#keys);
    if (unsigned) warn(this.#log, `notification for ${event.trade.outTradeNo} goes out UNSIGNED: ${unsigned}`);
    const tradeKey = `${event.trade.merchant}\u0000${event.trade.outTradeNo}`;
    return this.send({ id, url: target.url, charset: target.charset, fields, tradeKey, origin: 'simulated' }, shaped);
  }

  /** Schedule a prepared notification (signed fields, e.g. a recorded one re-sent) after `delayMs`. */
  send(prepared: Prepared, shaped?: { ruleId: string; shape: Shape }, delayMs = this.#options.delayMs): Notification | undefined {
    if (!this.#options.enabled) return undefined;
    const shape = shaped?.shape ?? {};
    const { id, fields, tradeKey } = prepared;
    const sent = shape.badSignature && fields.sign ? { ...fields, sign: spoil(fields.sign) } : fields;
    const copies = shape.suppress ? 1 : (shape.duplicate ?? 1);
    let first: Notification | undefined;
    for (let copy = 0; copy < copies; copy++) {
      const notification: Notification = {
        id,
        origin: prepared.origin,
        url: prepared.url,
        charset: prepared.charset,
        fields: sent,
        createdAt: new Date().toISOString(),
        attempts: [],
        state: shape.suppress ? 'suppressed' : shape.outOfOrder ? 'held' : 'pending',
        ...(shaped ? { ruleId: shaped.ruleId } : {}),
      };
      this.#keep(notification);
      first ??= notification;
      if (notification.state === 'held') this.#held.set(tradeKey, [...(this.#held.get(tradeKey) ?? []), notification]);
      else if (notification.state === 'pending') this.#schedule(notification, shape.delayMs ?? delayMs, tradeKey);
    }
    this.#issued.set(id, Date.now());
    // notify_verify only needs ids within their lifetime; older ones are dropped as new ones come.
    for (const [old, at] of this.#issued) {
      if (Date.now() - at <= this.#options.verifyLifetimeMs) break;
      this.#issued.delete(old);
    }
    return first;
  }

  /**
   * A delivery the real sandbox made through the relay, and the merchant's answer. Its retries
   * (same notify_id, same URL) add attempts to one entry; the sandbox, not paymock, retries.
   */
  relayed(url: string, charset: string, fields: Record<string, string>, raw: RawNotification, attempt: Attempt, durationMs: number): Notification {
    const id = fields.notify_id ?? newNotifyId();
    let notification = this.#all.filter((old) => old.origin === 'relayed' && old.id === id && old.url === url).at(-1);
    if (!notification) {
      notification = { id, origin: 'relayed', url, charset, fields, createdAt: new Date().toISOString(), attempts: [], state: 'relayed' };
      this.#keep(notification);
      this.#raw.set(notification, raw);
    }
    this.#record(notification, attempt, raw.bytes.toString('latin1'), durationMs);
    return notification;
  }

  #keep(notification: Notification): void {
    this.#all.push(notification);
    // Bounded like the journal: the oldest finished notifications are forgotten first.
    if (this.#all.length > MAX_KEPT) {
      const index = this.#all.findIndex((old) => old.state !== 'pending' && old.state !== 'held');
      if (index >= 0) this.#all.splice(index, 1);
    }
  }

  #record(notification: Notification, attempt: Attempt, body: string, durationMs: number): void {
    notification.attempts.push(attempt);
    this.#onAttempt(notification, attempt, body, durationMs);
    if (attempt.success) {
      notification.state = 'delivered';
      delete notification.nextAt;
    }
  }

  /** Legacy notify_verify: true for an id paymock issued, within its lifetime. */
  verify(notifyId: string): boolean {
    const issued = this.#issued.get(notifyId);
    return issued !== undefined && Date.now() - issued <= this.#options.verifyLifetimeMs;
  }

  /** Send one now, whatever its state (the admin API's manual trigger). */
  async sendNow(id: string): Promise<Notification | undefined> {
    const notification = this.#all.find((n) => n.id === id);
    if (notification) await this.#attempt(notification, false);
    return notification;
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(notification: Notification, delayMs: number, tradeKey?: string): void {
    notification.nextAt = new Date(Date.now() + delayMs).toISOString();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(notification, true).then(() => tradeKey && this.#release(tradeKey));
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  /** The trade's next notification went out: what was held back for it follows now. */
  #release(tradeKey: string): void {
    const held = this.#held.get(tradeKey);
    if (!held) return;
    this.#held.delete(tradeKey);
    for (const notification of held) {
      notification.state = 'pending';
      this.#schedule(notification, 0);
    }
  }

  async #attempt(notification: Notification, retry: boolean): Promise<void> {
    const at = new Date().toISOString();
    const started = performance.now();
    const raw = this.#raw.get(notification);
    const body = raw ? raw.bytes.toString('latin1') : encodeForm(notification.fields, notification.charset);
    let attempt: Attempt;
    try {
      const res = await fetch(notification.url, {
        method: 'POST',
        headers: { 'content-type': raw?.contentType ?? `application/x-www-form-urlencoded; charset=${notification.charset}` },
        body: raw ? new Uint8Array(raw.bytes) : body,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      const answer = (await res.text()).slice(0, 200);
      attempt = { at, status: res.status, answer, success: answer.trim() === 'success' };
    } catch (error) {
      attempt = { at, error: (error as Error).message, success: false };
    }
    this.#record(notification, attempt, body, performance.now() - started);
    if (attempt.success) return;
    this.#log.info(`notification ${notification.id} to ${notification.url}: ${attempt.error ?? `answered ${JSON.stringify(attempt.answer)}`}, not "success"`);
    if (!retry || notification.state !== 'pending') return;
    const retries = notification.attempts.length - 1;
    const wait = ALIPAY_RETRY_MS[retries];
    if (wait === undefined) {
      notification.state = 'gave-up';
      delete notification.nextAt;
      return;
    }
    this.#schedule(notification, Math.round(wait * this.#options.retryScale));
  }
}
