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

export interface Notification {
  readonly id: string;
  readonly url: string;
  readonly charset: string;
  readonly fields: Record<string, string>;
  readonly createdAt: string;
  readonly attempts: Attempt[];
  state: 'pending' | 'delivered' | 'gave-up' | 'suppressed' | 'held';
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
    const shape = shaped?.shape ?? {};
    const id = randomBytes(16).toString('hex');
    const { fields, unsigned } = notificationForm(target, event, id, new Date(), this.#keys);
    if (unsigned) warn(this.#log, `notification for ${event.trade.outTradeNo} goes out UNSIGNED: ${unsigned}`);
    const sent = shape.badSignature && fields.sign ? { ...fields, sign: spoil(fields.sign) } : fields;
    const tradeKey = `${event.trade.merchant}\u0000${event.trade.outTradeNo}`;
    const copies = shape.suppress ? 1 : (shape.duplicate ?? 1);
    let first: Notification | undefined;
    for (let copy = 0; copy < copies; copy++) {
      const notification: Notification = {
        id,
        url: target.url,
        charset: target.charset,
        fields: sent,
        createdAt: new Date().toISOString(),
        attempts: [],
        state: shape.suppress ? 'suppressed' : shape.outOfOrder ? 'held' : 'pending',
        ...(shaped ? { ruleId: shaped.ruleId } : {}),
      };
      this.#all.push(notification);
      // Bounded like the journal: the oldest finished notifications are forgotten first.
      if (this.#all.length > MAX_KEPT) {
        const index = this.#all.findIndex((old) => old.state !== 'pending' && old.state !== 'held');
        if (index >= 0) this.#all.splice(index, 1);
      }
      first ??= notification;
      if (notification.state === 'held') this.#held.set(tradeKey, [...(this.#held.get(tradeKey) ?? []), notification]);
      else if (notification.state === 'pending') this.#schedule(notification, shape.delayMs ?? this.#options.delayMs, tradeKey);
    }
    this.#issued.set(id, Date.now());
    // notify_verify only needs ids within their lifetime; older ones are dropped as new ones come.
    for (const [old, at] of this.#issued) {
      if (Date.now() - at <= this.#options.verifyLifetimeMs) break;
      this.#issued.delete(old);
    }
    return first;
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
    const body = encodeForm(notification.fields, notification.charset);
    let attempt: Attempt;
    try {
      const res = await fetch(notification.url, {
        method: 'POST',
        headers: { 'content-type': `application/x-www-form-urlencoded; charset=${notification.charset}` },
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      const answer = (await res.text()).slice(0, 200);
      attempt = { at, status: res.status, answer, success: answer.trim() === 'success' };
    } catch (error) {
      attempt = { at, error: (error as Error).message, success: false };
    }
    notification.attempts.push(attempt);
    this.#onAttempt(notification, attempt, body, performance.now() - started);
    if (attempt.success) {
      notification.state = 'delivered';
      delete notification.nextAt;
      return;
    }
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
