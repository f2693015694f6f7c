import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ERROR_CODES, isReadinessError, type ErrorCode } from '../schemas/errors.js';

/**
 * Every error leaves the API as `{"error": {"code", "message", "details"?}}`
 * with a stable `code` from schemas/errors.ts; validation failures list each
 * bad field in `details` as `{field, message}`.
 */

export const fieldIssueSchema = z.object({ field: z.string(), message: z.string() });
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable machine-readable code, e.g. INPUT_INVALID, UNAUTHORIZED, FORBIDDEN, NOT_FOUND' }),
      message: z.string(),
      details: z.array(fieldIssueSchema).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.output<typeof errorBodySchema>;
export type FieldIssue = z.output<typeof fieldIssueSchema>;

const STATUS: Partial<Record<ErrorCode, number>> = {
  INPUT_INVALID: 400,
  USAGE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INPUT_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  REQUEST_TOO_LARGE: 431,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  TOO_MANY_STREAMS: 503,
  STORE_UNAVAILABLE: 503,
  STORE_QUERY_FAILED: 500,
  KAFKA_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
};

/** Errors whose own message is for the service log; clients get this text instead. */
const PUBLIC_MESSAGES: Partial<Record<ErrorCode, string>> = {
  STORE_QUERY_FAILED: 'the store could not run a query for this request; the service log has the details',
  STORE_UNAVAILABLE: 'the store is not reachable; retry later',
};

export function errorBody(code: string, message: string, details?: FieldIssue[]): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

function fieldName(context: string | undefined, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  // Body fields are named bare (`score`); query and path parameters keep their origin (`query.band`).
  const prefix = context === 'querystring' ? 'query' : context === 'params' ? 'path' : context === 'headers' ? 'header' : '';
  return [prefix, path].filter(Boolean).join('.') || (prefix || 'body');
}

/**
 * Longest raw path parameter the router accepts: an id of up to 256 characters
 * percent-encoded (at most 9 characters per UTF-16 unit); the decoded value is
 * then held to 256 by the route's schema. Longer: 414 REQUEST_TOO_LARGE.
 */
export const MAX_RAW_PARAM_LENGTH = 256 * 9;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Errors the router raises before any route runs (malformed URL encoding, an over-long parameter). */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (error, _request: FastifyRequest, reply: FastifyReply) => {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return reply.status(414).send(errorBody(ERROR_CODES.REQUEST_TOO_LARGE, 'a path parameter is longer than the 256 characters an id may have'));
  }
  return reply.status(400).send(errorBody(ERROR_CODES.INPUT_INVALID, 'the URL is not valid (malformed percent-encoding)'));
};

/**
 * Errors on a connection before a request exists (headers too large, the
 * request not received in time, a malformed request line): answered in the
 * API's format on the raw socket, then the connection is closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, ERROR_CODES.REQUEST_TIMEOUT, 'the request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, ERROR_CODES.REQUEST_TOO_LARGE, 'the URL and headers are larger than the server reads']
        : [400, ERROR_CODES.INPUT_INVALID, 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

export function installErrorHandlers(app: FastifyInstance, onUnexpected: (error: unknown) => void): void {
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((v) => ({ field: fieldName(error.validationContext, v.instancePath), message: v.message ?? 'invalid' }));
      return reply.status(400).send(errorBody(ERROR_CODES.INPUT_INVALID, `invalid request: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details));
    }
    if (isReadinessError(error)) {
      const status = STATUS[error.code] ?? 500;
      if (status >= 500) onUnexpected(error);
      // The engine's text (statement, values, internals) goes to the log only.
      const public_ = PUBLIC_MESSAGES[error.code];
      if (public_) return reply.status(status).send(errorBody(error.code, public_));
      const details = Array.isArray(error.details) ? (error.details as FieldIssue[]) : undefined;
      return reply.status(status).send(errorBody(error.code, error.message, details));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(errorBody(ERROR_CODES.PAYLOAD_TOO_LARGE, error.message));
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      // Framework-level input errors: malformed JSON, wrong content type, empty body.
      return reply.status(status).send(errorBody(ERROR_CODES.INPUT_INVALID, error.message));
    }
    onUnexpected(error);
    return reply.status(500).send(errorBody(ERROR_CODES.UNEXPECTED, 'internal error; see the service log'));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // The router does not match a parameter longer than it reads; say so rather than "no route".
    if (path.split('/').some((segment) => segment.length > MAX_RAW_PARAM_LENGTH)) {
      void reply.status(414).send(errorBody(ERROR_CODES.REQUEST_TOO_LARGE, 'a path segment is longer than the 256 characters an id may have'));
      return;
    }
    // The path exists with other methods: 405 with the ones it has (the dashboard's catch-all file route does not count).
    const allowed = METHODS.filter((method) => {
      if (method === request.method) return false;
      const route = app.findRoute({ method, url: path });
      return route !== null && !('*' in (route.params as object));
    });
    if (allowed.length > 0) {
      void reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send(errorBody(ERROR_CODES.METHOD_NOT_ALLOWED, `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}`));
      return;
    }
    void reply.status(404).send(errorBody(ERROR_CODES.NOT_FOUND, `no route ${request.method} ${path}`));
  });
}
