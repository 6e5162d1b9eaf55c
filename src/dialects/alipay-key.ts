// Payment-aware match keys: an allow-list per API of the api name, the merchant and the
// business fields, minus what changes every run. Pure: no I/O, no clock.
import { canonicalJson } from '../core/canonical-json.js';
import { makeKey, readable } from '../core/match-key.js';
import type { Call, MatchKey } from '../core/types.js';

/** Per API (or `*` for all): fields to ignore on top of the defaults, and defaults to keep. */
export type MatchOverrides = Readonly<Record<string, { readonly ignore?: readonly string[]; readonly keep?: readonly string[] }>>;

/** Changes on every call by construction: signatures, clocks, nonces, SDK versions, credentials. */
export const VOLATILE_FIELDS = [
  'sign',
  'sign_type',
  'timestamp',
  'terminal_timestamp',
  'trans_create_time',
  'notify_id',
  'nonce',
  'alipay_sdk',
  'auth_token',
  'app_auth_token',
  'biz_content',
] as const;

/** The merchant's own generated ids: new every run, so ignored by default (replies are adapted). */
export const MERCHANT_ID_FIELDS = ['partner_trans_id', 'out_trade_no', 'out_request_no', 'partner_refund_id'] as const;

/** Already in the key as `api` and `merchant`. */
const NAMED_ELSEWHERE = ['service', 'method', 'partner', 'app_id'];

/** Overrides are fixed at start, so each API's set is built once. */
const ignoredCache = new WeakMap<MatchOverrides, Map<string, ReadonlySet<string>>>();

export function ignoredFields(api: string, overrides: MatchOverrides): ReadonlySet<string> {
  let perApi = ignoredCache.get(overrides);
  if (!perApi) ignoredCache.set(overrides, (perApi = new Map()));
  const cached = perApi.get(api);
  if (cached) return cached;
  const ignored = new Set<string>([...VOLATILE_FIELDS, ...MERCHANT_ID_FIELDS]);
  for (const scope of ['*', api]) {
    for (const field of overrides[scope]?.ignore ?? []) ignored.add(field);
    for (const field of overrides[scope]?.keep ?? []) ignored.delete(field);
  }
  for (const name of NAMED_ELSEWHERE) ignored.add(name);
  perApi.set(api, ignored);
  return ignored;
}

function flatValue(value: unknown): string {
  return typeof value === 'string' ? value : canonicalJson(value);
}

/**
 * `dialect`, `api`, `merchant`, every kept parameter by its name, and every kept top-level
 * business field as `biz.<name>` (nested values as canonical JSON).
 */
export function alipayKey(call: Call, merchant: string, overrides: MatchOverrides, extra: Record<string, string> = {}): MatchKey {
  const ignored = ignoredFields(call.api, overrides);
  const fields: Record<string, string> = { dialect: call.dialect, api: call.api, merchant, ...extra };
  // for-in, not Object.entries: no array of pairs per request (both are plain objects of own fields).
  const { params } = call;
  for (const name in params) {
    if (!ignored.has(name) && !(name in fields)) fields[name] = readable(params[name]!);
  }
  if (call.biz && typeof call.biz === 'object' && !Array.isArray(call.biz)) {
    const biz = call.biz as Record<string, unknown>;
    for (const name in biz) {
      if (!ignored.has(name) && !ignored.has(`biz.${name}`)) fields[`biz.${name}`] = readable(flatValue(biz[name]));
    }
  }
  return makeKey(fields);
}

/** One merchant id field of a request (a top-level param, else a business field), when it is set. */
export function merchantId(call: Call, field: string): string | undefined {
  const value = call.params[field] ?? (call.biz && typeof call.biz === 'object' ? (call.biz as Record<string, unknown>)[field] : undefined);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The merchant ids a request carries (top-level params and business fields), by field name. */
export function merchantIds(call: Call): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const field of MERCHANT_ID_FIELDS) {
    const value = merchantId(call, field);
    if (value !== undefined) ids[field] = value;
  }
  return ids;
}
