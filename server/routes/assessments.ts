import { createHash } from 'node:crypto';
import { createIdempotency, latestReports, recordAssessment } from '../../runtime/index.js';
import { assessmentSchemaWithin, type Assessment } from '../../schemas/assessment.js';
import { InputError } from '../../schemas/errors.js';
import { errorBodySchema } from '../http-errors.js';
import { accountParamsSchema, assessmentBodySchema, assessmentResultSchema } from '../api-schemas.js';
import { BEARER, type Api, type RouteContext } from './context.js';

/** An Idempotency-Key: 1 to 256 visible ASCII characters (a UUID, a ULID, a hash…). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,256}$/;

/** Recording a CSM assessment re-scores the account-product at once; an Idempotency-Key makes a retry safe. */
export function registerAssessmentRoutes(app: Api, ctx: RouteContext): void {
  const once = createIdempotency(ctx.scoring.store);
  const now = () => ctx.scoring.now?.() ?? new Date();
  const assessmentSchema = assessmentSchemaWithin({ minMs: ctx.config.minInstantMs, maxFutureSkewMs: ctx.config.maxFutureSkewMs, now: () => now().getTime() });
  app.post(
    '/v1/accounts/:account/products/:product/assessments',
    {
      onRequest: async (request) => ctx.auth.require(request, 'write'),
      schema: {
        summary: 'Record a CSM assessment of one scorecard dimension and re-score',
        description:
          'Scores are 0–10. A `usage` assessment overrides the telemetry score and needs a `reason`. Answers 201 with the stored assessment, the score before, the fresh report and any flag transitions.',
        tags: ['assessments'],
        security: BEARER,
        params: accountParamsSchema,
        body: assessmentBodySchema,
        response: { 201: assessmentResultSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 413: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { account, product } = request.params;
      // The full record is checked by the domain schema, so rules that span fields (a usage override needs a reason) live in one place.
      const parsed = assessmentSchema.safeParse({ ...request.body, account_id: account, product, assessed_at: request.body.assessed_at ?? now().toISOString() });
      if (!parsed.success) {
        const details = parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message }));
        throw new InputError(`invalid assessment: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, { details });
      }
      const record = async (assessment: Assessment) => {
        const [before] = await latestReports(ctx.scoring.store, { accountId: account, product });
        const result = await recordAssessment(ctx.scoring, assessment);
        return {
          assessment: result.stored,
          previous: before ? { score: before.graduation.score, band: before.graduation.band } : null,
          report: result.report ?? null,
          transitions: result.transitions,
        };
      };
      const key = request.headers['idempotency-key'];
      if (key === undefined) return reply.status(201).send(await record(parsed.data));
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
        throw new InputError('invalid request: header.idempotency-key: must be 1 to 256 visible ASCII characters', {
          details: [{ field: 'header.idempotency-key', message: 'must be 1 to 256 visible ASCII characters' }],
        });
      }
      // Keys are per account-product; the same key with another request is a client bug, not a retry.
      const scope = `assessments\u0000${account}\u0000${product}`;
      const requestSha256 = createHash('sha256').update(JSON.stringify(request.body)).digest('hex');
      const { body, replayed } = await once(
        {
          scope,
          key,
          sha256: requestSha256,
          value: parsed.data,
          status: 201,
          reusedMessage: `Idempotency-Key ${key} was used with a different assessment of account ${account}, product ${product}`,
        },
        record,
      );
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(body);
    },
  );
}
