// The dialects in the order they are tried; `http` accepts anything, so it comes last.
import type { Dialect, HttpRequest } from '../core/types.js';
import { httpDialect } from './http.js';

export const DIALECTS: readonly Dialect[] = [httpDialect];

export function dialectFor(request: HttpRequest, dialects: readonly Dialect[] = DIALECTS): Dialect {
  return dialects.find((dialect) => dialect.detect(request)) ?? httpDialect;
}
