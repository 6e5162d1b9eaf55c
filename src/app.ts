// Assembles one paymock: config -> cassette, upstream, pipeline, front door, admin.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createAdminApp } from './admin/api.js';
import { createRedactor, redactedCall } from './cassettes/redact.js';
import { keySignature } from './cassettes/key-signature.js';
import { SessionCassettes } from './cassettes/session-cassettes.js';
import { CassetteSession, type CassetteSummary } from './cassettes/session.js';
import { sessionOf } from './core/session.js';
import { parseOptions, type Config, type Mode, type PaymockOptions } from './config.js';
import { PaymockError } from './core/errors.js';
import { requestUrl } from './core/request-url.js';
import { Journal } from './core/journal.js';
import { createLogger, type Logger } from './core/log.js';
import { andThen } from './core/maybe-async.js';
import { MODE_PLANS } from './core/modes.js';
import { handle, type PipelineParts } from './core/pipeline.js';
import type { HttpRequest, Source } from './core/types.js';
import { createDialects, dialectFor } from './dialects/index.js';
import { createFrontDoor } from './server/front-door.js';
import { createUpstream, type Upstream } from './server/upstream.js';
import { createSigner } from './dialects/alipay-signer.js';
import { loadOrCreateAlipayTestKey } from './keys/alipay-test-key.js';
import type { Trade } from './rules/defaults/sandbox.js';
import { createSimulator } from './rules/defaults/simulator.js';
import { journalAttempts } from './notify/journal-attempt.js';
import { Notifier } from './notify/notifier.js';
import { NotifyRelay } from './notify/relay.js';
import { replayNotifications } from './notify/replay-notifications.js';
import { notifyOnChange } from './notify/trade-watch.js';
import { notifyVerifyResponder } from './notify/verify-responder.js';
import { liveRules } from './rules/live-rules.js';
import type { RuleSet } from './rules/rule-set.js';
import { parseRules } from './rules/schema.js';
import { loadAuthority } from './tls/authority.js';
import { interceptMatcher } from './tls/intercept.js';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface StopSummary {
  readonly counts: Readonly<Record<Source, number>>;
  readonly cassette?: CassetteSummary;
}

export interface RunningPaymock {
  readonly url: string;
  readonly port: number;
  /** The current mode (the admin API can change it). */
  readonly mode: Mode;
  readonly config: Config;
  /** Every exchange and who answered it (bounded). */
  readonly journal: Journal;
  /** Notifications sent (and being retried) to merchants' notify_url. */
  readonly notifier: Notifier;
  /** Write pending cassette appends now. */
  flush(): Promise<void>;
  /** The simulated sandbox's ledger: every trade it holds, and a reset to empty. */
  readonly sandbox: { trades(session?: string): readonly Trade[]; reset(session?: string): void };
  /** The custom rules in force (reloaded from files when they change). */
  readonly rules: RuleSet;
  /** Add or replace a runtime rule, given in the rule files' shape (validated the same way). */
  addRule(rule: unknown): void;
  /** Close the port and every connection, flush the cassette, report what happened. */
  stop(): Promise<StopSummary>;
}

export interface StartDeps {
  readonly log?: Logger;
}

async function readPemFile(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new PaymockError('CONFIG_INVALID', `cannot read --upstream-ca ${file}: ${error.message}`, { cause: error });
  });
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new PaymockError('CONFIG_INVALID', `--upstream-ca ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return text;
}

/**
 * Refuse to forward an origin-form request to paymock itself when no upstream is set, and, with
 * --forward-hosts, anywhere not on the list (so an exposed paymock is never an open proxy).
 */
function guardSelf(upstream: Upstream, isSelf: (host: string) => boolean, allowed: ((host: string) => boolean) | undefined): Upstream {
  return {
    forward(request) {
      const url = requestUrl(request);
      if (isSelf(url.host)) {
        return Promise.reject(
          new PaymockError('NO_UPSTREAM', 'this request has no upstream: start paymock with --upstream URL (gateway mode) or send it through paymock as a proxy'),
        );
      }
      if (allowed && !allowed(url.hostname)) {
        return Promise.reject(new PaymockError('FORWARD_DENIED', `forwarding to ${url.hostname} is not allowed: it is not in --forward-hosts`));
      }
      return upstream.forward(request);
    },
    close: () => upstream.close(),
  };
}

export async function startPaymock(options: PaymockOptions | Config = {}, deps: StartDeps = {}): Promise<RunningPaymock> {
  const config = Object.isFrozen(options) ? (options as Config) : parseOptions(options);
  const log = deps.log ?? createLogger(config.log);
  const plan = MODE_PLANS[config.mode];
  const testKey = await loadOrCreateAlipayTestKey(config.caDir);
  const signer = createSigner(config.alipay, testKey.privateKey);
  const dialects = createDialects({ match: config.match, signer, log });


  // Created (once per install) or loaded in the background; the first interception waits for it.
  const authority = loadAuthority({
    dir: config.caDir,
    ...(config.caCert && config.caKey ? { certFile: config.caCert, keyFile: config.caKey } : {}),
    log,
  });
  let caFile: string | null = null;
  authority.then(
    (ca) => (caFile = ca.certFile),
    (error: Error) => log.warn(`HTTPS interception is unavailable: ${error.message}`),
  );
  const upstreamCa = config.upstreamCa ? [await readPemFile(config.upstreamCa)] : undefined;
  if (config.insecureUpstream) log.warn('upstream TLS certificates are NOT verified (--insecure-upstream)');

  let port = config.port;
  // paymock's own addresses, once the port is known (it may be 0 until listening).
  let selfHosts: { port: number; hosts: ReadonlySet<string> } | undefined;
  const isSelf = (host: string) => {
    if (selfHosts?.port !== port) selfHosts = { port, hosts: new Set([`${config.host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) };
    return selfHosts.hosts.has(host);
  };
  const upstream = guardSelf(
    createUpstream({
      timeoutMs: config.upstreamTimeoutMs,
      maxResponseBytes: config.maxResponseBytes,
      verifyTls: !config.insecureUpstream,
      ...(upstreamCa ? { ca: upstreamCa } : {}),
    }),
    isSelf,
    config.forwardHosts ? interceptMatcher(config.forwardHosts) : undefined,
  );
  // Entries keep the (redacted) request and the response as answered; the call and key are decoded
  // again, and the response redacted, when an entry is read.
  const journal = new Journal(config.journalSize, (request) => {
    const dialect = dialectFor(request, dialects);
    const call = dialect.decode(request);
    return { call: redactedCall(call, redact), key: dialect.fingerprint(call, request) };
  }, (response) => redact.response(response));
  const notifier = new Notifier(config.notify, signer, log, journalAttempts(journal));
  // Rules shape notifications; they are loaded after the simulator they drive, hence the late lookup.
  let ruleSet: RuleSet | undefined;
  const simulator = createSimulator(signer, { observe: notifyOnChange(notifier, (call, request) => ruleSet?.notifyShape(call, request)) });
  const { rules, watcher } = await liveRules(config.rulesDir, config.watchRules, simulator, log);
  ruleSet = rules;

  // Opened last before listening, so a broken rule file cannot leave the cassette's lock held.
  const cassette =
    config.cassette && (plan.cassette || plan.record)
      ? await CassetteSession.open(
          {
            dir: config.cassettesDir,
            name: config.cassette,
            ...(config.upstream ? { upstream: config.upstream } : {}),
            flushIntervalMs: config.flushIntervalMs,
            durable: config.durable,
            keys: keySignature(config.match),
            mustExist: config.mode === 'replay',
            // Only a writer takes the lock: many replaying paymocks may share one cassette.
            lock: plan.record,
            onError: (error) => log.warn(error.message),
          },
          dialects,
        ).catch((error: unknown) => {
          watcher?.close();
          notifier.close();
          throw error;
        })
      : undefined;
  const redact = createRedactor(config.redact.fields, config.redact.headers, config.redact.responseFields);
  const sessions = new SessionCassettes(
    {
      dir: config.cassettesDir,
      upstream: config.upstream,
      flushIntervalMs: config.flushIntervalMs,
      durable: config.durable,
      keys: keySignature(config.match),
      mustExist: () => parts.mode === 'replay',
      lock: () => MODE_PLANS[parts.mode].record,
      onError: (error) => log.warn(error.message),
    },
    dialects,
  );
  const cassetteFor = (request: HttpRequest) => sessions.get(sessionOf(request)) ?? cassette;
  // The notify relay (record, auto) and the re-sending of what it recorded (replay, auto).
  const relay = new NotifyRelay({
    notify: config.notify,
    signer,
    dialects,
    notifier,
    redact,
    log,
    recording: () => MODE_PLANS[parts.mode].record,
    cassetteFor,
    cassettes: () => [...(cassette ? [cassette] : []), ...sessions.list().flatMap(({ session }) => sessions.get(session) ?? [])],
    mayForward: config.forwardHosts ? interceptMatcher(config.forwardHosts) : undefined,
  });
  const resendRecorded = replayNotifications({
    notifier,
    keys: signer,
    dialects,
    delayMs: config.notify.delayMs,
    log,
    cassetteFor,
    shapeFor: (call, request) => ruleSet?.notifyShape(call, request),
  });
  const parts: PipelineParts = {
    mode: config.mode,
    dialects,
    // A notify_id paymock issued (a re-sent recorded notification too) verifies in every mode.
    rules: [rules, notifyVerifyResponder(notifier, true)],
    defaults: [notifyVerifyResponder(notifier), simulator],
    cassetteFor,
    upstream: relay.wrap(upstream),
    redact,
    recordErrors: config.recordErrors,
    durable: config.durable,
    log,
  };
  const counts: Record<Source, number> = { rule: 0, cassette: 0, default: 0, upstream: 0, miss: 0 };
  const setMode = (mode: Mode) => {
    const wants = MODE_PLANS[mode];
    if ((wants.cassette || wants.record) && !cassette) {
      throw new PaymockError('BAD_REQUEST', `mode ${mode} needs a cassette, and this paymock was started without one: restart it with --cassette NAME`);
    }
    parts.mode = mode;
    log.info(`mode is now ${mode}`);
  };

  const frontDoor = createFrontDoor({
    maxBodyBytes: config.maxBodyBytes,
    gatewayOrigin: () => config.upstream ?? cassette?.upstream,
    handle: (request) =>
      andThen(handle(request, parts), (handled) => {
        counts[handled.outcome.source]++;
        relay.observe(request, handled.outcome);
        resendRecorded(request, handled.call, handled.outcome);
        const { shown, call, response, outcome, fault, signature } = handled;
        journal.add({ request: shown, dialect: call.dialect, api: call.api, response, outcome, signature, ...(fault ? { fault: fault.kind } : {}) });
        return handled;
      }),
    admin: createAdminApp({
      version: VERSION,
      startedAt: new Date().toISOString(),
      mode: () => parts.mode,
      setMode,
      counts: () => ({ ...counts }),
      cassette,
      cassettesDir: config.cassettesDir,
      journal,
      rules,
      rulesDir: config.rulesDir,
      sandbox: {
        trades: (session) => simulator.sandbox(session).trades(),
        reset: (session) => simulator.sandbox(session).reset(),
        sessions: () => simulator.sessions(),
      },
      sessions,
      notifier,
      relay,
      tls: () => ({ caFile, intercept: config.intercept }),
      adminToken: config.adminToken,
    }),
    connect: {
      intercept: interceptMatcher(config.intercept),
      authority: () => authority,
      ...(config.forwardHosts ? { mayForward: interceptMatcher(config.forwardHosts) } : {}),
    },
    log,
  });

  try {
    await new Promise<void>((resolve, reject) => {
      frontDoor.server.once('error', reject);
      frontDoor.server.listen(config.port, config.host, () => {
        frontDoor.server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Nothing may stay held by a start that failed: the cassette's write lock, the watcher.
    watcher?.close();
    notifier.close();
    await cassette?.close();
    throw new PaymockError('CONFIG_INVALID', `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, { cause: error });
  }
  port = (frontDoor.server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let stopped: Promise<StopSummary> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    get mode() {
      return parts.mode;
    },
    config,
    journal,
    notifier,
    flush: async () => cassette?.flush(),
    sandbox: { trades: (session) => simulator.sandbox(session).trades(), reset: (session) => simulator.sandbox(session).reset() },
    rules,
    addRule(raw) {
      for (const rule of parseRules(raw, 'startPaymock().addRule')) {
        if (!rules.upsert(rule)) throw new PaymockError('CONFLICT', `rule "${rule.id}" is defined in a file in ${config.rulesDir}`);
      }
    },
    stop: () =>
      (stopped ??= (async () => {
        watcher?.close();
        notifier.close();
        await frontDoor.close();
        await relay.close();
        upstream.close();
        await cassette?.close();
        await sessions.closeAll();
        // A CA still being created in the background, and leaves still being cached, must be on
        // disk before the caller moves on.
        await authority.then((ca) => ca.settled(), () => undefined);
        return { counts: { ...counts }, ...(cassette ? { cassette: cassette.summary() } : {}) };
      })()),
  };
}
