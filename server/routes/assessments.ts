import { latestReports, recordAssessment } from '../../scoring/index.js';
import { assessmentSchemaWithin } from '../../schemas/assessment.js';
import { InputError } from '../../schemas/errors.js';
import { errorBodySchema } from '../http-errors.js';
import { accountParamsSchema, assessmentBodySchema, assessmentResultSchema } from '../api-schemas.js';
import { BEARER, type Api, type RouteContext } from './context.js';

/** Recording a CSM assessment re-scores the account-product at once. */
export function registerAssessmentRoutes(app: Api, ctx: RouteContext): void {
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
        response: { 201: assessmentResultSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 413: errorBodySchema },
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
      const [before] = await latestReports(ctx.scoring.store, { accountId: account, product });
      const result = await recordAssessment(ctx.scoring, parsed.data);
      return reply.status(201).send({
        assessment: result.stored,
        previous: before ? { score: before.graduation.score, band: before.graduation.band } : null,
        report: result.report ?? null,
        transitions: result.transitions,
      });
    },
  );
}
