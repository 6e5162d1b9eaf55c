// Options from a config file and flags, validated once at the edge into a frozen object.
// Every error names the field and what is accepted.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PaymockError } from './core/errors.js';
import { parseDataFile } from './core/data-file.js';
import { formatIssues } from './core/schema-error.js';
import { ALIPAY_HOSTS } from './tls/intercept.js';
import { DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS } from './cassettes/redact.js';

export const MODES = ['mock', 'record', 'replay', 'auto', 'passthrough'] as const;
export type Mode = (typeof MODES)[number];

const MiB = 1024 * 1024;

/** Keys for signing replies and checking requests, like the real gateway does. */
const AlipaySchema = z
  .object({
    /** Legacy merchants by partner id: the MD5 key (signs MD5 replies, checks MD5 requests), the RSA public key. */
    partners: z
      .record(
        z.string().regex(/^2088\d{12}$/, 'expected a partner id: 16 digits starting 2088'),
        z.object({ md5Key: z.string().min(1).optional(), publicKey: z.string().min(1).optional(), privateKey: z.string().min(1).optional() }).strict(),
      )
      .default({}),
    /**
     * OpenAPI apps by app_id: the app public key (checks v2 and v3 request signatures) and,
     * optionally, its private key (PEM, base64 or a file path: the notify relay re-signs requests).
     */
    apps: z
      .record(
        z.string(),
        z
          .object({ publicKey: z.string().min(1).optional(), privateKey: z.string().min(1).optional() })
          .strict()
          .refine((app) => app.publicKey || app.privateKey, { message: 'expected publicKey, privateKey or both' }),
      )
      .default({}),
    /** `adapted`: re-sign only replies whose ids were adapted; `always`: every replayed reply. */
    resign: z.enum(['adapted', 'always']).default('adapted'),
    /** Check incoming request signatures when the merchant's key is known. */
    verifyRequests: z.boolean().default(true),
  })
  .strict()
  .default({ partners: {}, apps: {}, resign: 'adapted', verifyRequests: true });

/** Notifications the simulated sandbox sends to notify_url (alipay.md §7). */
const NotifySchema = z
  .object({
    enabled: z.boolean().default(true),
    delayMs: z.number().int().min(0).default(200),
    /** 1 is Alipay's own schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h); 0.001 makes 4 minutes 240 ms. */
    retryScale: z.number().positive().max(1).default(1),
    verifyLifetimeMs: z.number().int().positive().default(60_000),
    timeoutMs: z.number().int().positive().default(5_000),
    /** Where the real sandbox can reach paymock (`--public-url`): the notify relay's address. */
    publicBaseUrl: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL, e.g. https://paymock.example.com' })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /** Rewrite notify_url to the relay while recording (default: on when publicBaseUrl is set). */
    relay: z.boolean().optional(),
  })
  .strict()
  .transform(({ relay, ...notify }) => ({ ...notify, relay: relay ?? notify.publicBaseUrl !== undefined }))
  .refine((notify) => !notify.relay || notify.publicBaseUrl !== undefined, {
    message: 'notify.relay needs notify.publicBaseUrl (--public-url): the address the sandbox posts notifications to',
    path: ['relay'],
  })
  .default({ enabled: true, delayMs: 200, retryScale: 1, verifyLifetimeMs: 60_000, timeoutMs: 5_000, relay: false });

/** `host,*.example.com` from a flag, or a list from a config file. */
const HostList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((host) => host.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^(\*|(\*\.)?[\w.-]+|\[?[0-9a-fA-F:.]+\]?)$/, 'expected host names, *.domain or *')));

const HttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL, e.g. https://openapi.alipay.com' });

export const OptionsSchema = z
  .object({
    mode: z.enum(MODES, { error: `expected one of ${MODES.join(', ')}` }).default('mock'),
    cassette: z.string().min(1).optional(),
    upstream: HttpUrl.transform((url) => url.replace(/\/+$/, '')).optional(),
    port: z.coerce.number({ error: 'expected a port number 0-65535 (0 picks a free port)' }).int().min(0).max(65535).default(8080),
    host: z.string().min(1).default('127.0.0.1'),
    cassettesDir: z.string().min(1).default('cassettes'),
    rulesDir: z.string().min(1).default('rules'),
    /** Reload rule files when they change (a broken file keeps the last good set). */
    watchRules: z.boolean().default(true),
    recordErrors: z.boolean().default(false),
    durable: z.boolean().default(false),
    /** Hosts paymock may forward to; required with a non-loopback --host (never an open proxy). */
    forwardHosts: HostList.optional(),
    /** Open the admin API to other hosts, for holders of this token only. */
    adminToken: z.string().min(16, 'expected at least 16 characters').optional(),
    /** How many exchanges the journal keeps. */
    journalSize: z.coerce.number().int().positive().default(1000),
    maxBodyBytes: z.coerce.number().int().positive().default(10 * MiB),
    maxResponseBytes: z.coerce.number().int().positive().default(64 * MiB),
    upstreamTimeoutMs: z.coerce.number().int().positive().default(30_000),
    flushIntervalMs: z.coerce.number().int().min(0).default(100),
    log: z.enum(['silent', 'info', 'debug'], { error: 'expected silent, info or debug' }).default('info'),
    intercept: HostList.default([...ALIPAY_HOSTS]),
    caDir: z.string().min(1).default('.paymock'),
    caCert: z.string().min(1).optional(),
    caKey: z.string().min(1).optional(),
    upstreamCa: z.string().min(1).optional(),
    insecureUpstream: z.boolean().default(false),
    alipay: AlipaySchema,
    notify: NotifySchema,
    /** What never reaches a cassette, the journal or the log (params, JSON fields, headers). */
    redact: z
      .object({
        fields: z.array(z.string().min(1)).default([...DEFAULT_REDACT_FIELDS]),
        headers: z.array(z.string().min(1)).default([...DEFAULT_REDACT_HEADERS]),
        /** Response body fields (JSON, XML, form) to redact in cassettes; replay then serves REDACTED. */
        responseFields: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ fields: [...DEFAULT_REDACT_FIELDS], headers: [...DEFAULT_REDACT_HEADERS], responseFields: [] }),
    /** Per API name (or `*`): match-key fields to ignore beyond the defaults, or defaults to keep. */
    match: z
      .record(z.string(), z.object({ ignore: z.array(z.string()).optional(), keep: z.array(z.string()).optional() }).strict())
      .default({}),
  })
  .strict()
  .superRefine((options, ctx) => {
    if (Boolean(options.caCert) !== Boolean(options.caKey)) {
      ctx.addIssue({ code: 'custom', path: [options.caCert ? 'caKey' : 'caCert'], message: 'give both --ca-cert and --ca-key, or neither' });
    }
    if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(options.host)) {
      if (!options.adminToken) {
        ctx.addIssue({ code: 'custom', path: ['adminToken'], message: `listening on ${options.host} (not loopback) needs --admin-token, so other hosts cannot steer paymock` });
      }
      if (!options.forwardHosts?.length) {
        ctx.addIssue({ code: 'custom', path: ['forwardHosts'], message: `listening on ${options.host} (not loopback) needs --forward-hosts host,*.example.com: paymock must not be an open proxy` });
      }
    }
    if (['record', 'replay', 'auto'].includes(options.mode) && !options.cassette) {
      ctx.addIssue({ code: 'custom', path: ['cassette'], message: `mode ${options.mode} needs a cassette name (--cassette NAME)` });
    }
  });

export type PaymockOptions = z.input<typeof OptionsSchema>;
export type Config = Readonly<z.output<typeof OptionsSchema>>;

export function parseOptions(input: unknown, source = 'options'): Config {
  const parsed = OptionsSchema.safeParse(input);
  if (!parsed.success) throw new PaymockError('CONFIG_INVALID', `invalid ${source}:\n${formatIssues(parsed.error)}`);
  return Object.freeze(parsed.data);
}

/** Looked for in the working directory when no --config is given. */
export const DEFAULT_CONFIG_FILES = ['paymock.config.json', 'paymock.config.yaml', 'paymock.config.yml'];

/** A config file's options (JSON or YAML), with flags (already camelCased) taking precedence. */
export async function loadConfig(file: string | undefined, flags: Record<string, unknown>): Promise<Config> {
  const defined = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  const chosen = file ?? DEFAULT_CONFIG_FILES.find((name) => existsSync(name));
  if (!chosen) return parseOptions(defined);
  let text: string;
  try {
    text = await readFile(chosen, 'utf8');
  } catch (error) {
    throw new PaymockError('CONFIG_INVALID', `cannot read config file ${chosen}: ${(error as Error).message}`, { cause: error });
  }
  const fromFile = parseDataFile(text, `config file ${chosen}`);
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new PaymockError('CONFIG_INVALID', `config file ${chosen} must hold an object of options`);
  }
  return parseOptions(mergeFlags(fromFile as Record<string, unknown>, defined), `config (file ${chosen} and flags)`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Flags win; a flag for a nested option (`--public-url` is `notify.publicBaseUrl`) keeps the file's siblings. */
function mergeFlags(fromFile: Record<string, unknown>, flags: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...fromFile };
  for (const [name, value] of Object.entries(flags)) {
    const base = merged[name];
    merged[name] = isObject(base) && isObject(value) ? { ...base, ...value } : value;
  }
  return merged;
}
