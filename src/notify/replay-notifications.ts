// Replaying what the relay recorded: when a cassette answers an exchange whose interaction caused
// notifications, they are re-sent through the Notifier (retries, rule shapes, journal, admin list)
// to the live notify_url, adapted to the live ids and signed again with paymock's keys. The wait
// after the answer is the recorded one, capped at notify.delayMs so a replay never idles.
import type { CassetteSession } from '../cassettes/session.js';
import { contentTypeCharset, isKnownCharset } from '../core/body.js';
import { parseForm, rawField } from '../core/form.js';
import { headerValue } from '../core/headers.js';
import type { Logger } from '../core/log.js';
import type { Call, Dialect, HttpRequest, Interaction, Outcome, RecordedNotification } from '../core/types.js';
import { warn } from '../core/warnings.js';
import { merchantIds } from '../dialects/alipay-key.js';
import { idMapping } from '../dialects/alipay-resign.js';
import { v3AppId } from '../dialects/alipay-v3.js';
import { dialectFor } from '../dialects/index.js';
import { adaptNotification } from './notify-adapt.js';
import { signNotification, type NotifyKeys } from './notification.js';
import { newNotifyId, type Notifier, type Shape } from './notifier.js';
import { tradeIds } from './relay-link.js';
import { unwrapRelayUrl } from './relay.js';
import { notifyUrlOf } from './relay-rewrite.js';

/** Trades whose notify_url is remembered (a refund's notification goes to the payment's URL). */
const MAX_TARGETS = 10_000;

export interface ReplayNotifyDeps {
  readonly notifier: Notifier;
  readonly keys: NotifyKeys;
  readonly dialects: readonly Dialect[];
  /** The cap on the recorded wait between the answer and a notification. */
  readonly delayMs: number;
  readonly log: Logger;
  readonly cassetteFor: (request: HttpRequest) => CassetteSession | undefined;
  readonly shapeFor: (call: Call, request: HttpRequest) => { ruleId: string; shape: Shape } | undefined;
}

function merchantOf(call: Call, request: HttpRequest): string {
  return call.params.app_id ?? call.params.partner ?? (call.dialect === 'alipay-v3' ? v3AppId(request) : '');
}

function charsetOf(notification: RecordedNotification, form: string, recorded: Call): string {
  const declared = contentTypeCharset(headerValue(notification.headers, 'content-type')) ?? rawField(form, 'charset') ?? recorded.charset;
  return declared && isKnownCharset(declared) ? declared : 'utf-8';
}

/** Observes every answered exchange; those served from a cassette re-send their notifications. */
export function replayNotifications(deps: ReplayNotifyDeps): (request: HttpRequest, call: Call, outcome: Outcome) => void {
  const targets = new Map<string, string>();

  const remember = (merchant: string, call: Call, url: string) => {
    for (const id of tradeIds(call)) targets.set(`${merchant}\u0000${id}`, url);
    while (targets.size > MAX_TARGETS) targets.delete(targets.keys().next().value!);
  };
  const targetFor = (merchant: string, call: Call) => [...tradeIds(call)].map((id) => targets.get(`${merchant}\u0000${id}`)).find(Boolean);

  const resend = (interaction: Interaction, url: string, live: Call, request: HttpRequest) => {
    const recorded = dialectFor(interaction.request, deps.dialects).decode(interaction.request);
    // The ids the reply was adapted with (stored with the recording; read from older ones).
    const mapping = idMapping(interaction.merchantIds ?? merchantIds(recorded), live);
    const merchant = merchantOf(live, request);
    const legacy = interaction.dialect === 'alipay-mapi';
    const answeredAt = Date.parse(interaction.recordedAt);
    for (const notification of [...(interaction.notifications ?? [])].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))) {
      const form = notification.body.bytes.toString('latin1');
      const charset = charsetOf(notification, form, recorded);
      const fields = Object.fromEntries(parseForm(form, charset));
      const id = newNotifyId();
      const adapted = adaptNotification(fields, mapping, live, id, new Date());
      const signType = fields.sign_type ?? recorded.params.sign_type ?? (legacy ? 'MD5' : 'RSA2');
      const signed = signNotification(adapted, { surface: legacy ? 'legacy' : 'openapi', charset, merchant, signType }, deps.keys);
      if (signed.unsigned) warn(deps.log, `recorded notification for ${adapted.out_trade_no ?? live.api} re-sent UNSIGNED: ${signed.unsigned}`);
      const waited = Math.max(0, Date.parse(notification.receivedAt) - answeredAt);
      deps.notifier.send(
        { id, url, charset, fields: signed.fields, tradeKey: `${merchant}\u0000${adapted.out_trade_no ?? ''}`, origin: 'replayed' },
        deps.shapeFor(live, request),
        Math.min(Number.isFinite(waited) ? waited : 0, deps.delayMs),
      );
    }
  };

  return (request, call, outcome) => {
    if (outcome.source !== 'cassette' || !outcome.cassette || call.dialect === 'http') return;
    const merchant = merchantOf(call, request);
    const own = notifyUrlOf(call);
    // An app-side relay URL is not called back through the public address: paymock posts directly.
    const ownUrl = own ? (unwrapRelayUrl(own) ?? own) : undefined;
    if (ownUrl) remember(merchant, call, ownUrl);
    const interaction = deps.cassetteFor(request)?.interactions[outcome.cassette.index];
    if (!interaction?.notifications?.length) return; // the usual case: nothing more to look up
    const url = ownUrl ?? targetFor(merchant, call);
    if (!url) {
      deps.log.info(`${call.api}: ${interaction.notifications.length} recorded notification(s) not re-sent: the request carries no notify_url, and none is known for its trade`);
      return;
    }
    resend(interaction, url, call, request);
  };
}
