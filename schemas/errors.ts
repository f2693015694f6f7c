/**
 * One base error with a stable `code` from a closed list, an optional `cause`,
 * and `canRetry`, so callers decide retry vs dead-letter vs exit from the
 * error itself rather than from message text.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  USAGE: 'USAGE',
  INPUT_INVALID: 'INPUT_INVALID',
  INPUT_NOT_FOUND: 'INPUT_NOT_FOUND',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  STORE_QUERY_FAILED: 'STORE_QUERY_FAILED',
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  KAFKA_UNAVAILABLE: 'KAFKA_UNAVAILABLE',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** The HTTP server could not bind its address (port in use, no permission). */
  LISTEN_FAILED: 'LISTEN_FAILED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** HTTP: the route exists but not with this method (405). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** HTTP: the URL or the request headers are longer than the server reads (414, 431). */
  REQUEST_TOO_LARGE: 'REQUEST_TOO_LARGE',
  /** HTTP: the client did not send its whole request in time (408). */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** HTTP: more requests than the token's rate limit allows (429). */
  RATE_LIMITED: 'RATE_LIMITED',
  /** HTTP: the cap on concurrent Server-Sent Events streams is reached (503). */
  TOO_MANY_STREAMS: 'TOO_MANY_STREAMS',
  /** HTTP: an Idempotency-Key was used before with a different request (422). */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  WEBHOOK_DELIVERY_FAILED: 'WEBHOOK_DELIVERY_FAILED',
  /** Anything not classified above (a bug); the CLI prints the same word. */
  UNEXPECTED: 'UNEXPECTED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export interface ReadinessErrorOptions {
  cause?: unknown;
  canRetry?: boolean;
  /** Structured detail safe to show a user (e.g. field-level issues). */
  details?: unknown;
}

export class ReadinessError extends Error {
  readonly code: ErrorCode;
  readonly canRetry: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: ReadinessErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ReadinessError';
    this.code = code;
    this.canRetry = options.canRetry ?? false;
    this.details = options.details;
  }
}

/** Configuration could not be parsed; the message names the variable. */
export class ConfigError extends ReadinessError {
  constructor(message: string, options: ReadinessErrorOptions = {}) {
    super(ERROR_CODES.CONFIG_INVALID, message, options);
    this.name = 'ConfigError';
  }
}

/** A command line was malformed (exit code 2). */
export class UsageError extends ReadinessError {
  constructor(message: string, options: ReadinessErrorOptions = {}) {
    super(ERROR_CODES.USAGE, message, options);
    this.name = 'UsageError';
  }
}

/** An input (file, record, request body) was rejected; the message names it and says why. */
export class InputError extends ReadinessError {
  constructor(message: string, options: ReadinessErrorOptions = {}) {
    super(ERROR_CODES.INPUT_INVALID, message, options);
    this.name = 'InputError';
  }
}

/** The store could not be reached (or is overloaded). Transient by default. */
export class StoreError extends ReadinessError {
  constructor(message: string, options: ReadinessErrorOptions = {}) {
    super(ERROR_CODES.STORE_UNAVAILABLE, message, { canRetry: true, ...options });
    this.name = 'StoreError';
  }
}

/**
 * The store answered and refused a statement (bad SQL, data it cannot parse or
 * store): retrying the same statement will not help. Its message carries the
 * engine's text, for the log, not for API clients.
 */
export class StoreQueryError extends ReadinessError {
  constructor(message: string, options: ReadinessErrorOptions = {}) {
    super(ERROR_CODES.STORE_QUERY_FAILED, message, { canRetry: false, ...options });
    this.name = 'StoreQueryError';
  }
}

/** A request carried no valid bearer token (HTTP 401). */
export class UnauthorizedError extends ReadinessError {
  constructor(message: string, options: ReadinessErrorOptions = {}) {
    super(ERROR_CODES.UNAUTHORIZED, message, options);
    this.name = 'UnauthorizedError';
  }
}

/** A request's token lacks the scope the route needs (HTTP 403). */
export class ForbiddenError extends ReadinessError {
  constructor(message: string, options: ReadinessErrorOptions = {}) {
    super(ERROR_CODES.FORBIDDEN, message, options);
    this.name = 'ForbiddenError';
  }
}

/** A named resource (account-product, route) does not exist (HTTP 404). */
export class NotFoundError extends ReadinessError {
  constructor(message: string, options: ReadinessErrorOptions = {}) {
    super(ERROR_CODES.NOT_FOUND, message, options);
    this.name = 'NotFoundError';
  }
}

export function isReadinessError(error: unknown): error is ReadinessError {
  return error instanceof ReadinessError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
