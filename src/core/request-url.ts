// A request's URL, parsed once: the dialects' detect, decode and fingerprint all read it, and a
// WHATWG URL parse is not free on the hot path. Read-only: never change the URL returned.
import type { HttpRequest } from './types.js';

const parsed = new WeakMap<HttpRequest, URL>();

export function requestUrl(request: HttpRequest): Readonly<URL> {
  let url = parsed.get(request);
  if (!url) parsed.set(request, (url = new URL(request.url)));
  return url;
}
