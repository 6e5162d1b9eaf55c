// The cassette file format: one JSON object per cassette, validated on load with the field named.
import { z } from 'zod';
import { fromStored, toStored } from '../core/body.js';
import { interner } from '../core/interner.js';
import { makeKey } from '../core/match-key.js';
import type { Releasable, WorkingSet } from './working-set.js';
import type { Body, DialectName, HeaderList, HttpRequest, HttpResponse, Interaction, MatchKey, RecordedNotification } from '../core/types.js';

/** Bumped when the file format changes incompatibly; newer files are refused, never rewritten. */
export const FORMAT_VERSION = 1;

// Headers are stored one line each, `Name: value`, in the order and case they were sent.
const HeaderListSchema = z.array(z.string().regex(/^[!#$%&'*+.^\w`|~-]+: /, 'expected a header line "Name: value"'));

function headerLines(headers: HeaderList): string[] {
  return headers.map(([name, value]) => `${name}: ${value}`);
}

function headerList(lines: readonly string[], once: (text: string) => string = (text) => text): HeaderList {
  return lines.map((line) => {
    const colon = line.indexOf(':');
    return [once(line.slice(0, colon)), once(line.slice(colon + 2))];
  });
}

/**
 * Made replies are kept (in a working set, up to 100,000 and more), and most of their header names
 * and values, charsets and status texts are the same from one to the next: one copy of each.
 */
const shared = interner();
const StoredBodySchema = z.union([
  z.object({ charset: z.string().min(1), text: z.string() }).strict(),
  z.object({ base64: z.string() }).strict(),
]);

// Added in format 1 without a bump: optional, so older files load and older readers ignore it.
const StoredNotificationSchema = z
  .object({
    receivedAt: z.iso.datetime({ error: 'expected an ISO time, e.g. 2024-01-01T12:00:00.000Z' }),
    headers: HeaderListSchema,
    body: StoredBodySchema,
  })
  .strict();

const StoredInteractionSchema = z.object({
  recordedAt: z.string(),
  latencyMs: z.number().nonnegative(),
  dialect: z.enum(['alipay-mapi', 'alipay-openapi', 'alipay-v3', 'http']),
  api: z.string(),
  key: z.object({ hash: z.string(), fields: z.record(z.string(), z.string()) }),
  // Added in format 1 without a bump: the recorded call's merchant ids (Interaction.merchantIds).
  merchantIds: z.record(z.string(), z.string()).optional(),
  request: z.object({
    method: z.string().min(1),
    url: z.url(),
    headers: HeaderListSchema,
    body: StoredBodySchema,
  }),
  response: z.object({
    status: z.number().int().min(100).max(999),
    statusText: z.string().optional(),
    headers: HeaderListSchema,
    body: StoredBodySchema,
  }),
  notifications: z.array(StoredNotificationSchema).optional(),
});

const StoredNotificationsSchema = z.array(StoredNotificationSchema);

export const CassetteFileSchema = z.object({
  paymock: z.number().int().positive().max(FORMAT_VERSION, {
    message: `written by a newer paymock (this one reads format ${FORMAT_VERSION}); upgrade paymock`,
  }),
  name: z.string(),
  upstream: z.string().optional(),
  // Added in format 1 without a bump: how the stored keys were computed (key-signature.ts).
  keys: z.string().optional(),
  interactions: z.array(StoredInteractionSchema),
});

export type StoredInteraction = z.infer<typeof StoredInteractionSchema>;
export type StoredNotification = z.infer<typeof StoredNotificationSchema>;
export type CassetteFile = z.infer<typeof CassetteFileSchema>;

export function emptyCassette(name: string, upstream?: string, keys?: string): CassetteFile {
  return { paymock: FORMAT_VERSION, name, ...(upstream ? { upstream } : {}), ...(keys ? { keys } : {}), interactions: [] };
}

// The cheap check: what the schema above accepts, written out by hand for the common case, so a
// 100,000-interaction cassette does not go through zod. Whatever it refuses goes through the
// schema, which names the field; it refuses anything the schema would strip or doubt.
const HEADER_LINE = /^[!#$%&'*+.^\w`|~-]+: /;
const DIALECTS = new Set(['alipay-mapi', 'alipay-openapi', 'alipay-v3', 'http']);
const INTERACTION_FIELDS = new Set(['recordedAt', 'latencyMs', 'dialect', 'api', 'key', 'merchantIds', 'request', 'response', 'notifications']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';

function fieldsWithin(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const name in value) if (!allowed.has(name)) return false;
  return true;
}

function isHeaderList(value: unknown): boolean {
  return Array.isArray(value) && value.every((line) => isString(line) && HEADER_LINE.test(line));
}

function isStringRecord(value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const name in value) if (!isString(value[name])) return false;
  return true;
}

function isStoredBody(value: unknown): boolean {
  if (!isObject(value)) return false;
  const names = Object.keys(value);
  if (names.length === 1) return isString(value.base64);
  return names.length === 2 && isString(value.charset) && value.charset !== '' && isString(value.text);
}

const REQUEST_FIELDS = new Set(['method', 'url', 'headers', 'body']);
const RESPONSE_FIELDS = new Set(['status', 'statusText', 'headers', 'body']);

export function looksStoredInteraction(value: unknown): value is StoredInteraction {
  if (!isObject(value) || !fieldsWithin(value, INTERACTION_FIELDS)) return false;
  const { key, request, response } = value;
  if (!isString(value.recordedAt) || typeof value.latencyMs !== 'number' || !(value.latencyMs >= 0)) return false;
  if (!isString(value.dialect) || !DIALECTS.has(value.dialect) || !isString(value.api)) return false;
  if (!isObject(key) || Object.keys(key).length !== 2 || !isString(key.hash) || !isStringRecord(key.fields)) return false;
  if (value.merchantIds !== undefined && !isStringRecord(value.merchantIds)) return false;
  if (!isObject(request) || !fieldsWithin(request, REQUEST_FIELDS) || !isString(request.method) || request.method === '') return false;
  if (!isString(request.url) || !URL.canParse(request.url) || !isHeaderList(request.headers) || !isStoredBody(request.body)) return false;
  if (!isObject(response) || !fieldsWithin(response, RESPONSE_FIELDS) || !Number.isInteger(response.status)) return false;
  if ((response.status as number) < 100 || (response.status as number) > 999) return false;
  if (response.statusText !== undefined && !isString(response.statusText)) return false;
  if (!isHeaderList(response.headers) || !isStoredBody(response.body)) return false;
  // Rare: the schema checks them.
  return value.notifications === undefined || StoredNotificationsSchema.safeParse(value.notifications).success;
}

function storeMessage(message: { readonly headers: HeaderList; readonly body: Body }) {
  return { headers: headerLines(message.headers), body: toStored(message.body) };
}

export function toStoredInteraction(interaction: Interaction): StoredInteraction {
  const { request, response } = interaction;
  return {
    recordedAt: interaction.recordedAt,
    latencyMs: interaction.latencyMs,
    dialect: interaction.dialect,
    api: interaction.api,
    key: { hash: interaction.key.hash, fields: { ...interaction.key.fields } },
    ...(interaction.merchantIds ? { merchantIds: { ...interaction.merchantIds } } : {}),
    request: { method: request.method, url: request.url, ...storeMessage(request) },
    response: {
      status: response.status,
      ...(response.statusText !== undefined ? { statusText: response.statusText } : {}),
      ...storeMessage(response),
    },
    ...(interaction.notifications?.length ? { notifications: interaction.notifications.map(toStoredNotification) } : {}),
  };
}

export function toStoredNotification(notification: RecordedNotification): StoredNotification {
  return { receivedAt: notification.receivedAt, ...storeMessage(notification) };
}

function fromStoredRequest(stored: StoredInteraction['request'], textOnce: boolean): HttpRequest {
  return { method: stored.method, url: stored.url, headers: headerList(stored.headers), body: fromStored(stored.body, textOnce) };
}

function fromStoredResponse(stored: StoredInteraction['response'], textOnce: boolean): HttpResponse {
  const { status, statusText, headers, body } = stored;
  return { status, ...(statusText !== undefined ? { statusText: shared(statusText) } : {}), headers: headerList(headers, shared), body: fromStored(body, textOnce, shared) };
}

function fromStoredNotification(stored: StoredNotification): RecordedNotification {
  return { receivedAt: stored.receivedAt, headers: headerList(stored.headers), body: fromStored(stored.body) };
}

/** A stored interaction read back from its cassette file whenever it is made (raw-interaction.ts). */
export interface RereadInteraction extends StoredInteraction {
  /** Its size in the file: what a working set budgets. */
  readonly size: number;
  /** Drop the parse that was read (it is read again when needed). */
  forget(): void;
}

/** What an interaction is made of once it is used. */
interface Made {
  readonly recordedAt: string;
  readonly latencyMs: number;
  readonly merchantIds: Readonly<Record<string, string>> | undefined;
  /**
   * Made when first read. Held weakly when kept in a working set: replay reads it at most once,
   * for the merchant ids of a recording that did not store them.
   */
  request: HttpRequest | WeakRef<HttpRequest> | undefined;
  readonly response: HttpResponse;
  readonly notifications: readonly RecordedNotification[] | undefined;
}

/**
 * An interaction over its stored form, made when it is first used: loading a large cassette makes
 * only the keys, and the response and notifications are made together (and the stored form
 * parsed, see raw-interaction.ts) the first time something reads one of them; the request when
 * something reads it. What is made is kept, so each has one identity while kept (the dialects
 * cache per response object). One read back from its file is kept in the cassette's working set,
 * which may let it go again; its request is kept only while something else holds it.
 */
class StoredBackedInteraction implements Interaction, Releasable {
  readonly #stored: StoredInteraction;
  readonly #workingSet: WorkingSet | undefined;
  #made: Made | undefined;
  readonly dialect: DialectName;
  readonly api: string;
  key: MatchKey;

  constructor(stored: StoredInteraction, workingSet: WorkingSet | undefined) {
    this.#stored = stored;
    this.#workingSet = workingSet;
    this.dialect = stored.dialect as DialectName;
    this.api = stored.api;
    // Shared, not copied (makeKey freezes it): one object fewer per interaction of a large cassette.
    this.key = makeKey(stored.key.fields);
  }

  #make(): Made {
    if (this.#made) return this.#made;
    const { recordedAt, latencyMs, merchantIds, request, response, notifications } = this.#stored;
    // Kept in a working set, many are kept: bodies then keep their bytes, not their text as well.
    const textOnce = this.#workingSet !== undefined;
    this.#made = {
      recordedAt,
      latencyMs,
      merchantIds,
      // An Alipay recording without its merchant ids has them read from its request next: made
      // now, while the parse is at hand, rather than read back from the file again.
      request: merchantIds === undefined && this.dialect !== 'http' ? this.#hold(fromStoredRequest(request, textOnce)) : undefined,
      response: fromStoredResponse(response, textOnce),
      notifications: notifications?.length ? notifications.map(fromStoredNotification) : undefined,
    };
    if (this.#workingSet) {
      const reread = this.#stored as RereadInteraction;
      // What was made holds what it needs of the parse.
      reread.forget();
      this.#workingSet.keep(this, reread.size);
    }
    return this.#made;
  }

  /**
   * Kept in a working set, a request is held weakly: half the heap of a kept interaction, and young
   * objects that every scavenge would copy until they were promoted, for a read or two.
   */
  #hold(request: HttpRequest): HttpRequest | WeakRef<HttpRequest> {
    return this.#workingSet ? new WeakRef(request) : request;
  }

  release(): void {
    this.#made = undefined;
  }

  get recordedAt(): string {
    return this.#make().recordedAt;
  }

  get latencyMs(): number {
    return this.#make().latencyMs;
  }

  get merchantIds(): Readonly<Record<string, string>> | undefined {
    return this.#make().merchantIds;
  }

  get request(): HttpRequest {
    const made = this.#make();
    const held = made.request instanceof WeakRef ? made.request.deref() : made.request;
    if (held) return held;
    // Not made yet, or collected: made from the stored form (read back from the file, whose parse
    // is then dropped again, when kept in a working set).
    const request = fromStoredRequest(this.#stored.request, this.#workingSet !== undefined);
    if (this.#workingSet) (this.#stored as RereadInteraction).forget();
    made.request = this.#hold(request);
    return request;
  }

  get response(): HttpResponse {
    return this.#make().response;
  }

  get notifications(): readonly RecordedNotification[] | undefined {
    return this.#make().notifications;
  }
}

/** The interaction a stored one describes; its key from the stored fields (replace it to recompute). */
export function fromStoredInteraction(stored: StoredInteraction): Interaction & { key: MatchKey };
/** One read back from its file, kept made in `workingSet` while it is used. */
export function fromStoredInteraction(stored: RereadInteraction, workingSet: WorkingSet): Interaction & { key: MatchKey };
export function fromStoredInteraction(stored: StoredInteraction, workingSet?: WorkingSet): Interaction & { key: MatchKey } {
  return new StoredBackedInteraction(stored, workingSet);
}
