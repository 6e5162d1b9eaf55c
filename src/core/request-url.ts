// What several steps read from one request, worked out once: its parsed URL, its gateway forms.
// Kept on the request itself under a symbol, which is cheaper than a WeakMap on the hot path (a
// WeakMap entry per request grows its table until the next GC), and set by plain assignment:
// Object.defineProperty went through the runtime on every request. A spread copy (the redacted
// request) carries the symbol along, so a memo names the request it belongs to, and a copy starts
// afresh. Read-only: never change what is returned. The same memo serves any long-lived object
// with something derived from it once: a recorded response keeps its request's merchant ids there
// (dialects/alipay-options.ts).
import type { HttpRequest } from './types.js';
import { parseUrl } from './parse-url.js';

const MEMO = Symbol('paymock.request-memo');

interface Memo {
  readonly owner: object;
  url?: RequestUrl;
  [slot: symbol]: unknown;
}

const fallback = new WeakMap<object, Memo>();

function memoOf(owner: object): Memo {
  const own = (owner as { [MEMO]?: Memo })[MEMO];
  if (own !== undefined && own.owner === owner) return own;
  const memo: Memo = { owner };
  if (Object.isExtensible(owner)) (owner as { [MEMO]?: Memo })[MEMO] = memo;
  else if (fallback.has(owner)) return fallback.get(owner)!;
  else fallback.set(owner, memo);
  return memo;
}

/** The parts of a request's URL that paymock reads, as WHATWG `URL` gives them. */
export type RequestUrl = Readonly<Pick<URL, 'protocol' | 'host' | 'hostname' | 'port' | 'pathname' | 'search' | 'origin'>>;

export function requestUrl(request: HttpRequest): RequestUrl {
  const memo = memoOf(request);
  return (memo.url ??= parseUrl(request.url));
}

/** A value derived once from `owner` (a request, or a recorded response), under `slot` (a module's own symbol). */
export function memoised<T>(owner: object, slot: symbol, make: () => T): T {
  const memo = memoOf(owner);
  if (slot in memo) return memo[slot] as T;
  const value = make();
  memo[slot] = value;
  return value;
}

/** Drop what was worked out from a long-lived request (a recorded one), keeping only what comes next. */
export function forgetDerived(request: HttpRequest): void {
  const memo = (request as { [MEMO]?: Memo })[MEMO] ?? fallback.get(request);
  if (memo) for (const key of Reflect.ownKeys(memo)) if (key !== 'owner') delete memo[key as symbol];
}
