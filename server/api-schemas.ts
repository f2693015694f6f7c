import { z } from 'zod';
import { assessmentSchema } from '../schemas/assessment.js';
import { boundedDaySchema, DEFAULT_MIN_INSTANT_MS } from '../schemas/day.js';
import { idSchema, wellFormedString } from '../schemas/text.js';
import { FLAG_CODES, SEVERITIES, flagTransitionSchema } from '../schemas/flags.js';
import { DIMENSIONS, PROFILES } from '../schemas/products.js';
import { PORTFOLIO_SORTS } from '../schemas/portfolio-sort.js';

/**
 * Request and response schemas of the HTTP API. Requests are validated by
 * these schemas and /openapi.json is generated from them. Response schemas
 * list the fields clients rely on and type-check the handlers; responses are
 * serialized as plain JSON, so fields a report gains later are not dropped.
 */

export const BANDS = ['ready', 'close', 'not_ready', 'incomplete'] as const;

/**
 * Days in queries: real calendar days from 2000-01-01 to tomorrow (nothing is scored later), so
 * no bound value falls outside what the store's Date columns hold.
 */
const queryDay = boundedDaySchema({ minMs: DEFAULT_MIN_INSTANT_MS, maxFutureSkewMs: 86_400_000 });

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

export const readinessQuerySchema = z
  .object({
    product_type: z.enum(PROFILES).optional().meta({ description: 'Usage profile of the product: daily, weekly or periodic' }),
    band: z.enum(BANDS).optional(),
    flag: z.enum(FLAG_CODES).optional().meta({ description: 'Only account-products with this flag open' }),
    ready: boolParam.optional().meta({ description: 'true: only ready to graduate; false: only not ready' }),
    account: idSchema('account').optional().meta({ description: 'Exactly this account id' }),
    q: wellFormedString('q').min(1).max(256).optional().meta({ description: 'Search: part of the account id or account name, any case' }),
    product: idSchema('product').optional(),
    csm: wellFormedString('csm').min(1).max(256).optional().meta({ description: 'Exactly this CSM owner' }),
    needs_attention: boolParam.optional().meta({ description: 'true: only account-products with a red flag open; false: only those without' }),
    as_of: queryDay.optional().meta({ description: 'Reports of this day; default: each account-product’s latest' }),
    sort: z.enum(PORTFOLIO_SORTS).default('risk').meta({ description: 'Column to sort on; ties follow the risk order' }),
    order: z.enum(['asc', 'desc']).optional().meta({ description: 'Default: desc for risk, asc for every other column' }),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const accountParamsSchema = z.object({
  account: idSchema('account'),
  product: idSchema('product'),
});

export const accountQuerySchema = z
  .object({
    as_of: queryDay.optional().meta({ description: 'Report of this day; default: the latest' }),
    from: queryDay.optional().meta({ description: 'History start; default: 89 days before `to`' }),
    to: queryDay.optional().meta({ description: 'History end; default: the report’s day' }),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

const fields = assessmentSchema.shape;
/** The assessment body: the CLI's assessment record without the ids the path already names. */
export const assessmentBodySchema = z
  .object({
    dimension: fields.dimension,
    score: fields.score,
    evidence: fields.evidence,
    assessed_by: fields.assessed_by,
    assessed_at: fields.assessed_at.optional().meta({ description: 'Default: now' }),
    reason: fields.reason.meta({ description: 'Required when dimension is usage (a telemetry override)' }),
  })
  .strict();

export const flagsQuerySchema = z
  .object({
    state: z.enum(['open', 'resolved']).optional(),
    account: idSchema('account').optional(),
    product: idSchema('product').optional(),
    code: z.enum(FLAG_CODES).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

const csvOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

export const streamQuerySchema = z
  .object({
    code: csvOf(FLAG_CODES).optional().meta({ description: 'Comma-separated flag codes to receive; default all' }),
    severity: csvOf(SEVERITIES).optional().meta({ description: 'Comma-separated severities (red, warning); default all' }),
  })
  .strict();

export const summaryQuerySchema = z.object({ as_of: queryDay.optional() }).strict();

// ---------- responses ----------

const ratios = z.object({ daily: z.number(), weekly: z.number(), monthly: z.number() });

export const reportFlagSchema = z.object({
  id: z.string(),
  code: z.enum(FLAG_CODES),
  severity: z.enum(SEVERITIES),
  message: z.string(),
  value: z.number(),
  subjects: z.array(z.string()),
  opened_on: z.string(),
  open_days: z.number().int().meta({ description: 'Whole days since it opened (0: opened on this day)' }),
  age: z.string().meta({ description: '"new today", "open 12 days"' }),
  label: z.string().meta({ description: 'Title with its number, e.g. "Low engagement 16%"' }),
});

const dimensionScore = z.object({
  score: z.number().nullable(),
  weight: z.number(),
  source: z.string().nullable(),
});

const riskSchema = z
  .object({
    score: z.number().meta({ description: 'Sum of the parts; the default sort, highest first' }),
    parts: z.array(z.object({ factor: z.string(), points: z.number(), text: z.string() })).meta({ description: 'Why this rank: largest part first' }),
  })
  .meta({ description: 'How urgently the account-product needs attention (docs/scoring.md, Risk)' });

export const reportSchema = z
  .object({
    account_id: z.string(),
    account_name: z.string().nullable(),
    product: z.string(),
    product_type: z.enum(PROFILES),
    as_of: z.string(),
    licensed_seats: z.number(),
    active_users: z.object({ daily_avg: z.number(), weekly: z.number(), monthly: z.number() }),
    ratios,
    trend: z.object({ weekly_active: z.array(z.number()), slope: z.number(), relative_slope: z.number() }),
    core_features: z.object({ activated: z.number(), regular: z.number(), total: z.number() }),
    usage: z.object({
      complete: z.boolean(),
      score: z.number(),
      criteria: z.array(z.object({ name: z.string(), value: z.number().nullable(), threshold: z.number().nullable(), met: z.boolean() })),
    }),
    flags: z.array(reportFlagSchema),
    graduation: z.object({
      score: z.number().nullable(),
      band: z.enum(BANDS),
      ready: z.boolean(),
      dimensions: z.record(z.enum(DIMENSIONS), dimensionScore),
      missing: z.array(z.enum(DIMENSIONS)),
    }),
    risk: riskSchema,
    forecast: z
      .array(
        z.object({
          criterion: z.string(),
          status: z.enum(['met', 'on_track', 'not_on_track', 'no_projection']),
          weeks: z.number().int().nullable(),
          reason: z.enum(['declining', 'flat', 'no_usage', 'too_slow']).nullable(),
          text: z.string(),
        }),
      )
      .meta({ description: 'When each usage criterion would be met at the current pace (empty when usage is complete)' }),
    freshness: z.object({
      scored_at: z.string(),
      last_event_on: z.string().nullable(),
      days_without_events: z.number().int().nullable(),
      stale: z.boolean().meta({ description: 'No events for 7 days or more: the data may be missing' }),
    }),
  })
  .meta({ id: 'ReadinessReport', description: 'Readiness of one account-product on one day' });

export const readinessListSchema = z.object({
  as_of: z.string().nullable().meta({ description: 'Latest scored day among the items (null when nothing is scored)' }),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  items: z.array(reportSchema),
});

// The message schema itself (schemas/flags.ts), so the API documents exactly what is published.
export const transitionSchema = flagTransitionSchema
  .meta({ id: 'FlagTransition', description: 'One flag transition; the same JSON is sent to Kafka, webhooks and SSE' });

const historyPointSchema = z.object({
  as_of: z.string(),
  band: z.enum(BANDS),
  ready: z.boolean(),
  graduation_score: z.number().nullable(),
  usage_score: z.number(),
  ratios,
  weekly_active: z.number(),
  risk: z.number(),
  flags: z.array(z.string()),
  missing: z.array(z.string()).meta({ description: 'Dimensions without a score that day (why graduation_score is null)' }),
});

const changeSchema = z.object({
  field: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  source: z.enum(['telemetry', 'assessment', 'account', 'configuration', 'result']),
  text: z.string().meta({ description: 'The change in words' }),
});

export const accountReadinessSchema = z.object({
  report: reportSchema,
  history: z.array(historyPointSchema),
  explanation: z.object({
    from: z.string().nullable(),
    to: z.string(),
    cause: z.string(),
    causes: z.array(z.enum(['telemetry', 'assessment', 'account', 'configuration'])).meta({ description: 'Where the change came from' }),
    inputs: z.array(changeSchema),
    results: z.array(changeSchema),
    flags_opened: z.array(z.string()),
    flags_resolved: z.array(z.string()),
    summary: z.string(),
  }),
  transitions: z.array(transitionSchema),
});

export const assessmentResultSchema = z.object({
  assessment: z.object({ account_id: z.string(), product: z.string(), dimension: z.enum(DIMENSIONS), score: z.number() }),
  previous: z.object({ score: z.number().nullable(), band: z.enum(BANDS) }).nullable(),
  report: reportSchema.nullable(),
  transitions: z.array(transitionSchema),
});

export const flagStateSchema = z.object({
  flag_id: z.string(),
  account_id: z.string(),
  product: z.string(),
  code: z.enum(FLAG_CODES),
  state: z.enum(['open', 'resolved']),
  severity: z.enum(SEVERITIES),
  message: z.string(),
  value: z.number(),
  opened_on: z.string(),
  last_changed_on: z.string(),
});

export const flagListSchema = z.object({ total: z.number().int(), items: z.array(flagStateSchema) });

const trendWeekSchema = z.object({
  week_end: z.string(),
  accounts: z.number().int(),
  weekly_ratio: z.object({ p25: z.number(), median: z.number(), p75: z.number() }).meta({ description: 'Weekly-active ratio: median and interquartile range across the accounts' }),
  median_relative_slope: z.number(),
  share_declining: z.number().meta({ description: 'Share (0…1) of the accounts declining by the declining_usage rule' }),
});

export const summarySchema = z.object({
  as_of: z.string().nullable(),
  items: z.array(
    z.object({
      product_type: z.enum(PROFILES),
      accounts: z.number().int(),
      ready: z.number().int().meta({ description: 'Account-products ready to graduate' }),
      bands: z.record(z.enum(BANDS), z.number()),
      median_ratios: z.object({ daily: z.number().nullable(), weekly: z.number().nullable(), monthly: z.number().nullable() }),
      flag_share: z.record(z.string(), z.number()),
      needs_attention: z.number().int().meta({ description: 'Account-products with a red flag open' }),
      trend: z.array(trendWeekSchema).meta({ description: 'The last 12 weeks, oldest first' }),
      products: z.array(z.object({ product: z.string(), trend: z.array(trendWeekSchema) })),
    }),
  ),
});

export const healthSchema = z.object({ status: z.literal('ok') });
export const readySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
  /** This replica's role: the leader runs the scoring schedule and delivers webhooks. */
  role: z.enum(['leader', 'follower']),
});
