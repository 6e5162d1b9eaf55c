// The cassette file format: one JSON object per cassette, validated on load with the field named.
import { z } from 'zod';
import { fromStored, toStored } from '../core/body.js';
import { makeKey } from '../core/match-key.js';
import type { Body, DialectName, HeaderList, Interaction, RecordedNotification } from '../core/types.js';

/** Bumped when the file format changes incompatibly; newer files are refused, never rewritten. */
export const FORMAT_VERSION = 1;

// Headers are stored one line each, `Name: value`, in the order and case they were sent.
const HeaderListSchema = z.array(z.string().regex(/^[!#$%&'*+.^\w`|~-]+: /, 'expected a header line "Name: value"'));

function headerLines(headers: HeaderList): string[] {
  return headers.map(([name, value]) => `${name}: ${value}`);
}

function headerList(lines: readonly string[]): HeaderList {
  return lines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 2)];
  });
}
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

export const CassetteFileSchema = z.object({
  paymock: z.number().int().positive().max(FORMAT_VERSION, {
    message: `written by a newer paymock (this one reads format ${FORMAT_VERSION}); upgrade paymock`,
  }),
  name: z.string(),
  upstream: z.string().optional(),
  interactions: z.array(StoredInteractionSchema),
});

export type StoredInteraction = z.infer<typeof StoredInteractionSchema>;
export type StoredNotification = z.infer<typeof StoredNotificationSchema>;
export type CassetteFile = z.infer<typeof CassetteFileSchema>;

export function emptyCassette(name: string, upstream?: string): CassetteFile {
  return { paymock: FORMAT_VERSION, name, ...(upstream ? { upstream } : {}), interactions: [] };
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

function fromStoredNotification(stored: StoredNotification): RecordedNotification {
  return { receivedAt: stored.receivedAt, headers: headerList(stored.headers), body: fromStored(stored.body) };
}

export function fromStoredInteraction(stored: StoredInteraction): Interaction {
  const { request, response } = stored;
  return {
    recordedAt: stored.recordedAt,
    latencyMs: stored.latencyMs,
    dialect: stored.dialect as DialectName,
    api: stored.api,
    key: makeKey({ ...stored.key.fields }),
    request: { method: request.method, url: request.url, headers: headerList(request.headers), body: fromStored(request.body) },
    response: {
      status: response.status,
      ...(response.statusText !== undefined ? { statusText: response.statusText } : {}),
      headers: headerList(response.headers),
      body: fromStored(response.body),
    },
    ...(stored.notifications?.length ? { notifications: stored.notifications.map(fromStoredNotification) } : {}),
  };
}
