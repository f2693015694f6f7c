import type { FastifyError, FastifyInstance } from 'fastify';
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
    void reply.status(404).send(errorBody(ERROR_CODES.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
