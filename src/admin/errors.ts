// Admin API errors as JSON with a stable code; schema failures are 400 with the field named.
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { describe, PaymockError, statusFor } from '../core/errors.js';
import { formatIssues } from '../core/schema-error.js';

export function badRequest(error: z.ZodError, what: string): PaymockError {
  return new PaymockError('BAD_REQUEST', `invalid ${what}:\n${formatIssues(error)}`);
}

/** Parse with a schema or throw a 400 naming the fields. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw badRequest(parsed.error, what);
  return parsed.data;
}

export function errorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const paymock = error instanceof PaymockError;
  // Rule validation errors come from the same parser as rule files: bad input, so 400.
  const status = paymock && (error.code === 'RULES_INVALID' || error.code === 'BAD_REQUEST') ? 400 : paymock && error.code === 'CASSETTE_NOT_FOUND' ? 404 : statusFor(error);
  const body = (error as { type?: string }).type === 'entity.parse.failed' ? 'request body is not valid JSON' : describe(error);
  res.status((error as { status?: number }).status ?? status).json({ error: body, code: paymock ? error.code : 'ERROR' });
}
