// Sessions let one paymock serve parallel CI jobs: a request names its session in a header, and
// gets that session's cassette and its own namespace of the simulated sandbox's ledger.
import { headerValue } from './headers.js';
import type { HttpRequest } from './types.js';

export const SESSION_HEADER = 'x-paymock-session';
export const SESSION_ID = /^[\w.-]{1,64}$/;

/** The request's session id, if it names a valid one. */
export function sessionOf(request: HttpRequest): string | undefined {
  const id = headerValue(request.headers, SESSION_HEADER);
  return id !== undefined && SESSION_ID.test(id) ? id : undefined;
}
