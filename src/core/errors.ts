// One error hierarchy: every thrown value is a PaymockError with a stable `code`.
// `statusFor` is the one place that maps codes to HTTP statuses.

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CASSETTE_INVALID'
  | 'CASSETTE_NOT_FOUND'
  | 'CASSETTE_WRITE'
  | 'CASSETTE_LOCKED'
  | 'CASSETTE_CLOSED'
  | 'RULES_INVALID'
  | 'BODY_TOO_LARGE'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'NO_UPSTREAM'
  | 'FORWARD_DENIED'
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_TLS'
  | 'UPSTREAM_BAD_RESPONSE';

export class PaymockError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PaymockError';
    this.code = code;
  }
}

const STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  CASSETTE_INVALID: 500,
  CASSETTE_NOT_FOUND: 500,
  CASSETTE_WRITE: 500,
  CASSETTE_LOCKED: 409,
  CASSETTE_CLOSED: 503,
  RULES_INVALID: 500,
  BODY_TOO_LARGE: 413,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NO_UPSTREAM: 502,
  FORWARD_DENIED: 403,
  UPSTREAM_UNREACHABLE: 502,
  UPSTREAM_TIMEOUT: 504,
  UPSTREAM_TLS: 502,
  UPSTREAM_BAD_RESPONSE: 502,
};

export function statusFor(error: unknown): number {
  return error instanceof PaymockError ? STATUS[error.code] : 500;
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
