// The notify relay, while recording against the real sandbox: notify_url is pointed at paymock's
// public address (re-signed with the merchant's key), and what the sandbox then POSTs there is
// forwarded byte for byte to the merchant's own URL, answered with the merchant's answer (so the
// sandbox's retries work), listed, journalled and recorded beside the call that caused it.
// The app may also point notify_url at `<public>/__paymock/notify/to/<its URL, encoded>` itself.
import type { CassetteSession } from '../cassettes/session.js';
import type { Config } from '../config.js';
import { contentTypeCharset, isKnownCharset } from '../core/body.js';
import { PaymockError } from '../core/errors.js';
import { parseForm, rawField } from '../core/form.js';
import { headerValue } from '../core/headers.js';
import type { Logger } from '../core/log.js';
import { warn } from '../core/warnings.js';
import type { Call, Dialect, HeaderList, HttpRequest, HttpResponse, Interaction, Outcome } from '../core/types.js';
import type { AlipaySigner } from '../dialects/alipay-signer.js';
import { dialectFor } from '../dialects/index.js';
import type { Redactor } from '../cassettes/redact.js';
import type { Upstream } from '../server/upstream.js';
import type { Attempt, Notifier } from './notifier.js';
import { NotificationRecorder, type Place } from './relay-record.js';
import { notifyUrlOf, rewriteNotifyUrl } from './relay-rewrite.js';
import { RelayTokens, type RelayRoute } from './relay-tokens.js';

export const RELAY_PATH = '/__paymock/notify/';

/** How long a notification waits for its exchange to be answered before it is kept unrecorded. */
const LINK_WAIT_MS = 60_000;
/** How long a stop waits for notifications still being linked to their cause. */
const CLOSE_WAIT_MS = 3_000;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

export interface RelayDeps {
  readonly notify: Config['notify'];
  readonly signer: AlipaySigner;
  readonly dialects: readonly Dialect[];
  readonly notifier: Notifier;
  readonly redact: Redactor;
  readonly log: Logger;
  /** The mode records (record, auto): only then is notify_url rewritten and notifications kept. */
  readonly recording: () => boolean;
  readonly cassetteFor: (request: HttpRequest) => CassetteSession | undefined;
  /** Every open cassette: where an app-side (`/to/`) notification may belong. */
  readonly cassettes: () => readonly CassetteSession[];
  /** Hosts the `/to/` form may forward to besides loopback (`--forward-hosts`). */
  readonly mayForward: ((host: string) => boolean) | undefined;
}

export interface Incoming {
  readonly headers: HeaderList;
  readonly bytes: Buffer;
}

/** What the sandbox hears back: the merchant's answer. */
export interface RelayAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/** The merchant URL inside an app-side relay URL (`.../__paymock/notify/to/<encoded>`), if it is one. */
export function unwrapRelayUrl(url: string): string | undefined {
  const at = url.indexOf(`${RELAY_PATH}to/`);
  if (at < 0) return undefined;
  try {
    return decodeURIComponent(url.slice(at + RELAY_PATH.length + 3).split(/[?#]/)[0]!);
  } catch {
    return undefined;
  }
}

export class NotifyRelay {
  readonly #deps: RelayDeps;
  readonly #tokens = new RelayTokens();
  readonly #recorder: NotificationRecorder;
  /**
   * Each recorded interaction's decoded call, by its response: what replay keeps of an interaction
   * of a large cassette while it is made (its request is made again when read, cassettes/format.ts).
   */
  readonly #calls = new WeakMap<HttpResponse, Call>();
  #closed = false;
  readonly #keeping = new Set<Promise<void>>();

  constructor(deps: RelayDeps) {
    this.#deps = deps;
    this.#recorder = new NotificationRecorder(deps.redact, deps.log, (interaction) => this.#callOf(interaction));
  }

  #callOf(interaction: Interaction): Call {
    let call = this.#calls.get(interaction.response);
    if (!call) {
      const { request } = interaction;
      this.#calls.set(interaction.response, (call = dialectFor(request, this.#deps.dialects).decode(request)));
    }
    return call;
  }

  /** The upstream, with notify_url relayed on the way out. */
  wrap(upstream: Upstream): Upstream {
    return { forward: (request) => upstream.forward(this.#outgoing(request)), close: () => upstream.close() };
  }

  #outgoing(request: HttpRequest): HttpRequest {
    const { notify, log } = this.#deps;
    if (!notify.relay || !notify.publicBaseUrl || !this.#deps.recording()) return request;
    // Cheap first: most requests never mention notify_url.
    if (!request.url.includes('notify_url') && !request.body.bytes.includes('notify_url')) return request;
    const call = dialectFor(request, this.#deps.dialects).decode(request);
    const url = call.dialect === 'http' ? undefined : notifyUrlOf(call);
    if (!url || url.includes(RELAY_PATH)) return request;
    const token = this.#tokens.open(request, url, call.charset);
    const rewrite = rewriteNotifyUrl(request, call, `${notify.publicBaseUrl}${RELAY_PATH}${token}`, this.#deps.signer);
    if ('request' in rewrite) {
      log.debug(`${call.api}: notify_url ${url} relayed through token ${token}`);
      return rewrite.request;
    }
    this.#tokens.drop(token, request);
    warn(
      log,
      `notify relay: ${call.api} goes out with its own notify_url (${url}), so its notifications are not recorded: ` +
        `paymock cannot re-sign it, ${rewrite.missing}. Or point the app's notify_url at ` +
        `${notify.publicBaseUrl}${RELAY_PATH}to/${encodeURIComponent(url)}`,
    );
    return request;
  }

  /** An exchange was answered: a relayed one learns where it was recorded. */
  observe(request: HttpRequest, outcome: Outcome): void {
    const index = outcome.recorded ? outcome.cassette?.index : undefined;
    const cassette = index === undefined ? undefined : this.#deps.cassetteFor(request);
    const interaction = cassette?.interactions[index!];
    this.#tokens.settle(request, cassette && interaction ? { cassette, interaction } : undefined);
  }

  /** `POST /__paymock/notify/<token>`: to the notify_url paymock replaced. */
  byToken(token: string, incoming: Incoming): Promise<RelayAnswer> {
    const route = this.#tokens.get(token);
    if (!route) throw new PaymockError('NOT_FOUND', `no notify relay route ${token}: paymock did not issue it, or was restarted since`);
    return this.#relay(route.url, incoming, route);
  }

  /** `POST /__paymock/notify/to/<encoded URL>`: only to loopback or `--forward-hosts`, never an open relay. */
  byUrl(target: string, incoming: Incoming): Promise<RelayAnswer> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new PaymockError('BAD_REQUEST', `notify relay: "${target}" is not a URL; the form is ${RELAY_PATH}to/<encodeURIComponent(http://host/path)>`);
    }
    if (!/^https?:$/.test(url.protocol)) throw new PaymockError('BAD_REQUEST', `notify relay: ${target} is not an http(s) URL`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!LOOPBACK.test(host) && !this.#deps.mayForward?.(host)) {
      throw new PaymockError('FORWARD_DENIED', `notify relay: forwarding to ${url.hostname} is not allowed: only loopback hosts and --forward-hosts`);
    }
    return this.#relay(target, incoming, undefined);
  }

  /**
   * Stop recording (the cassettes are closing): notifications on their way into a cassette get
   * there first (each waits at most for its cause to be recorded); forwarding goes on until the
   * port closes.
   */
  async close(): Promise<void> {
    // Bounded: a notification whose cause is never recorded would otherwise hold the stop.
    const bounded = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref());
    await Promise.race([Promise.all([...this.#keeping]), bounded]);
    this.#closed = true;
  }

  async #relay(url: string, incoming: Incoming, route: RelayRoute | undefined): Promise<RelayAnswer> {
    const receivedAt = new Date().toISOString();
    const contentType = headerValue(incoming.headers, 'content-type') ?? 'application/x-www-form-urlencoded';
    const form = incoming.bytes.toString('latin1');
    const declared = contentTypeCharset(contentType) ?? rawField(form, 'charset') ?? rawField(form, '_input_charset') ?? route?.charset;
    const charset = declared && isKnownCharset(declared) ? declared : 'utf-8';
    const fields = Object.fromEntries(parseForm(form, charset));
    // Recorded before it is forwarded: once the merchant has it, a stop must find it on its way
    // into the cassette (close() waits for it).
    const kept = this.#keep(route, { url, headers: incoming.headers, bytes: incoming.bytes, fields, receivedAt }).catch((error: Error) =>
      this.#deps.log.warn(`notify relay: notification not recorded: ${error.message}`),
    );
    this.#keeping.add(kept);
    void kept.finally(() => this.#keeping.delete(kept));
    const started = performance.now();
    let answer: RelayAnswer;
    let attempt: Attempt;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: new Uint8Array(incoming.bytes),
        signal: AbortSignal.timeout(this.#deps.notify.timeoutMs),
      });
      const body = Buffer.from(await res.arrayBuffer());
      const text = body.toString('utf8');
      answer = { status: res.status, contentType: res.headers.get('content-type') ?? 'text/plain; charset=utf-8', body };
      attempt = { at: receivedAt, status: res.status, answer: text.slice(0, 200), success: text.trim() === 'success' };
    } catch (error) {
      const reason = (error as Error).message;
      // Not `success`: the sandbox will try again later, as it would with the merchant down.
      answer = { status: 502, contentType: 'text/plain; charset=utf-8', body: Buffer.from(`paymock notify relay: ${url} did not answer: ${reason}\n`) };
      attempt = { at: receivedAt, error: reason, success: false };
    }
    this.#deps.notifier.relayed(url, charset, fields, { bytes: incoming.bytes, contentType }, attempt, performance.now() - started);
    return answer;
  }

  async #keep(route: RelayRoute | undefined, received: Parameters<NotificationRecorder['record']>[1]): Promise<void> {
    let places: Place[];
    if (route) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), LINK_WAIT_MS);
        timer.unref();
      });
      const at = await Promise.race([route.recorded, timeout]);
      clearTimeout(timer);
      places = at ? [{ cassette: at.cassette, anchor: at.interaction }] : [];
    } else {
      places = this.#deps.recording() ? this.#deps.cassettes().map((cassette) => ({ cassette })) : [];
    }
    if (!this.#closed && places.length) this.#recorder.record(places, received);
  }
}
