// The dialects in the order they are tried; `http` accepts anything, so it comes last.
import type { Dialect, HttpRequest } from '../core/types.js';
import { createMapiDialect } from './alipay-mapi.js';
import { createOpenapiDialect } from './alipay-openapi.js';
import type { AlipayDialectOptions } from './alipay-options.js';
import { createV3Dialect } from './alipay-v3.js';
import { httpDialect } from './http.js';

export function createDialects(options: AlipayDialectOptions): readonly Dialect[] {
  return [createV3Dialect(options), createMapiDialect(options), createOpenapiDialect(options), httpDialect];
}

export function dialectFor(request: HttpRequest, dialects: readonly Dialect[]): Dialect {
  return dialects.find((dialect) => dialect.detect(request)) ?? httpDialect;
}
