import { createHash } from 'node:crypto';
import { latestReports, recordAssessment } from '../../runtime/index.js';
import { assessmentSchemaWithin, type Assessment } from '../../schemas/assessment.js';
import { ERROR_CODES, InputError, ReadinessError } from '../../schemas/errors.js';
import { readIdempotencyKey, recordIdempotencyKey } from '../../transforms/index.js';
import { errorBodySchema } from '../http-errors.js';
import { accountParamsSchema, assessmentBodySchema, assessmentResultSchema } from '../api-schemas.js';
import { BEARER, type Api, type RouteContext } from './context.js';

/** An Idempotency-Key: 1 to 256 visible ASCII characters (a UUID, a ULID, a hash…). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,256}$/;

/** Runs tasks with the same key one after another (a client's duplicate requests arriving together). */
function keyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

/** Recording a CSM assessment re-scores the account-product at once; an Idempotency-Key makes a retry safe. */
export function registerAssessmentRoutes(app: Api, ctx: RouteContext): void {
  const serialised = keyedQueue();
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
      return serialised(`${scope}\u0000${key}`, async () => {
        const store = ctx.scoring.store;
        const prior = await readIdempotencyKey(store, scope, key);
        if (prior && prior.request_sha256 !== requestSha256) {
          throw new ReadinessError(ERROR_CODES.IDEMPOTENCY_KEY_REUSED, `Idempotency-Key ${key} was used with a different assessment of account ${account}, product ${product}`);
        }
        // Only a 201 is recorded as done; errors are not kept, so a retry after one acts again.
        if (prior?.state === 'done') return reply.status(201).header('idempotent-replayed', 'true').send(JSON.parse(prior.response) as Awaited<ReturnType<typeof record>>);
        // A first attempt that died midway left its resolved assessment (its default assessed_at): act on that one again.
        const assessment = prior ? (JSON.parse(prior.request) as Assessment) : parsed.data;
        if (!prior) await recordIdempotencyKey(store, scope, key, { request_sha256: requestSha256, state: 'started', request: JSON.stringify(assessment), status: 0, response: '' });
        const body = await record(assessment);
        await recordIdempotencyKey(store, scope, key, { request_sha256: requestSha256, state: 'done', request: JSON.stringify(assessment), status: 201, response: JSON.stringify(body) });
        return reply.status(201).send(body);
      });
    },
  );
}
