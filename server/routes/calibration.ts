import { z } from 'zod';
import { InputError } from '../../schemas/errors.js';
import { FLAG_CODES } from '../../schemas/flags.js';
import { OUTCOMES, outcomeRecordSchema } from '../../schemas/outcome.js';
import { calibrate, recordOutcome } from '../../runtime/index.js';
import { SWEPT_THRESHOLDS } from '../../scoring/index.js';
import { accountParamsSchema } from '../api-schemas.js';
import { errorBodySchema } from '../http-errors.js';
import { BEARER, type Api, type RouteContext } from './context.js';

/** Outcomes in, and retention by readiness at graduation out. */

const outcomeBodySchema = z
  .object({
    outcome: z.enum(OUTCOMES),
    outcome_at: z.string().meta({ description: 'ISO-8601 instant with a zone, or a day YYYY-MM-DD; not before 2000-01-01, not in the future' }),
    graduated_at: z.string().optional().meta({ description: 'Day the CSM team graduated the account-product; default: onboarding start + CALIBRATION_GRADUATION_AGE_DAYS' }),
  })
  .strict();

const storedOutcomeSchema = z.object({
  account_id: z.string(),
  product: z.string(),
  outcome: z.string(),
  outcome_at: z.string(),
  graduated_at: z.string().nullable(),
  source: z.string(),
});

const retention = {
  accounts: z.number().int(),
  retained: z.number().int(),
  retention: z.number().nullable(),
  ci_low: z.number().nullable(),
  ci_high: z.number().nullable(),
  lift: z.number().nullable(),
  sufficient: z.boolean(),
};
const retentionSchema = z.object(retention);
const candidateSchema = z.object({ value: z.number(), at_or_above: retentionSchema, below: retentionSchema, difference: z.number().nullable() });

const calibrationSchema = z
  .object({
    graduation: z.object({ age_days: z.number(), snapshot_tolerance_days: z.number() }),
    coverage: z.object({ outcomes: z.number(), calibrated: z.number(), no_graduation_day: z.number(), no_snapshot: z.number() }),
    overall: retentionSchema,
    by_band: z.array(z.object({ band: z.string(), ...retention })),
    by_criterion: z.array(z.object({ criterion: z.string(), met: z.boolean(), ...retention })),
    by_flag: z.array(z.object({ flag: z.enum(FLAG_CODES), open: z.boolean(), ...retention })),
    by_on_time: z.array(z.object({ on_time: z.boolean(), ...retention })),
    readiness_vs_time: z.object({ ready_at_graduation: retentionSchema, graduated_on_time: retentionSchema }),
    threshold_sweeps: z.array(
      z.object({
        product_type: z.string(),
        threshold: z.enum(SWEPT_THRESHOLDS),
        current: z.array(z.number()),
        status: z.enum(['suggested', 'insufficient']),
        reason: z.string(),
        suggestion: candidateSchema.extend({ intervals_overlap: z.boolean() }).nullable(),
        candidates: z.array(candidateSchema),
      }),
    ),
    minimums: z.record(z.string(), z.number()),
  })
  .meta({ id: 'Calibration' });

export function registerCalibrationRoutes(app: Api, ctx: RouteContext): void {
  app.post(
    '/v1/accounts/:account/products/:product/outcome',
    {
      onRequest: async (request) => ctx.auth.require(request, 'write'),
      schema: {
        summary: 'Record the outcome of an account-product (renewed, expanded, churned, downgraded)',
        description: 'One outcome per account-product: a later one replaces it. Answers 201 with the stored outcome.',
        tags: ['calibration'],
        security: BEARER,
        params: accountParamsSchema,
        body: outcomeBodySchema,
        response: { 201: storedOutcomeSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 413: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { account, product } = request.params;
      const schema = outcomeRecordSchema({ now: ctx.scoring.now ?? (() => new Date()), maxFutureSkewMs: ctx.calibration.maxFutureSkewMs });
      // Ids, calendar dates and bounds are checked by the same schema as `outcomes load`.
      const parsed = schema.safeParse({ ...request.body, account_id: account, product });
      if (!parsed.success) {
        const details = parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message }));
        throw new InputError(`invalid outcome: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, { details });
      }
      return reply.status(201).send(await recordOutcome(ctx.scoring.store, parsed.data, 'api'));
    },
  );

  app.get(
    '/v1/calibration',
    {
      onRequest: async (request) => ctx.auth.require(request, 'read'),
      schema: {
        summary: 'Retention by readiness at graduation: per band, criterion, flag and on-time graduation, with 95% Wilson intervals, and threshold sweeps',
        description: 'Definitions, the interval method and the minimum sample rule: docs/calibration.md.',
        tags: ['calibration'],
        security: BEARER,
        response: { 200: calibrationSchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async () => calibrate({ store: ctx.scoring.store, products: ctx.scoring.products, graduationAgeDays: ctx.calibration.graduationAgeDays }),
  );
}
