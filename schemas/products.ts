import { z } from 'zod';
import { InputError } from './errors.js';
import { describeIssues } from './issues.js';

/**
 * The products file: each product's usage profile and optional overrides of
 * that profile's thresholds, plus the scorecard weights. Window shapes (7-day
 * week, 30-day month, six trend weeks, four feature weeks) are part of the
 * definitions; every threshold and count applied to them is configurable here.
 */

export const PROFILES = ['daily', 'weekly', 'periodic'] as const;
export type Profile = (typeof PROFILES)[number];

export const DIMENSIONS = ['technical', 'knowledge', 'usage', 'value', 'stakeholder'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

const ratio = z.number().min(0).max(10);
const share = z.number().min(0).max(1);
const days = z.number().int().min(1).max(366);

/** Every number the usage definitions use; `null` switches a criterion or flag off. */
export const thresholdsSchema = z
  .object({
    /** daily_avg averages Mon–Fri only (true) or all 7 days (false). */
    business_days_only: z.boolean(),
    /** Which ratio `low_engagement` reads. */
    primary_ratio: z.enum(['daily', 'weekly', 'monthly']),
    /** Completion: minimum daily / weekly / monthly ratio (null: not a criterion). */
    daily_ratio_min: ratio.nullable(),
    weekly_ratio_min: ratio.nullable(),
    monthly_ratio_min: ratio.nullable(),
    /** Completion: every core feature must be regular. */
    core_features_regular_required: z.boolean(),
    /** A core feature is regular when used in at least this many of the last 4 weekly windows. */
    regular_min_windows: z.number().int().min(1).max(4),
    /** Completion (periodic): every key user active within `key_user_window_days`. */
    key_users_active_required: z.boolean(),
    key_user_window_days: days,
    /** Completion (periodic): critical-workflow success rate floor (null: not a criterion). */
    workflow_success_min: share.nullable(),
    workflow_min_runs: z.number().int().min(1),
    workflow_window_days: days,
    /** `low_engagement` fires below this primary ratio. */
    low_engagement_ratio: ratio.nullable(),
    /** `declining_usage` fires at or below this relative slope … */
    declining_relative_slope: z.number().max(0).nullable(),
    /** … when at least this many of the 6 weekly windows are non-zero. */
    declining_min_nonzero_windows: z.number().int().min(1).max(6),
    /** `core_features_unused`: a core feature unused for this many days. */
    core_feature_unused_days: days.nullable(),
    /** `champion_inactive`: no champion activity within this many days. */
    champion_inactive_days: days.nullable(),
    /** `onboarding_overdue`: more than this many days past the target graduation date. */
    overdue_days: z.number().int().min(0).nullable(),
    /** Hysteresis: an open ratio flag resolves only at threshold + this margin. */
    hysteresis_ratio_margin: z.number().min(0).max(1),
    /** Hysteresis: an open `declining_usage` resolves only above threshold + this margin. */
    hysteresis_slope_margin: z.number().min(0).max(1),
    /** Hysteresis: an open `workflow_failures` resolves only at success floor + this margin. */
    hysteresis_rate_margin: z.number().min(0).max(1),
    /** An open flag's `updated` transition needs its number to move at least this far. */
    update_min_change: z.number().min(0),
    /** usage.score ceiling while any red flag is open (must be below 8). */
    red_flag_score_cap: z.number().min(0).lt(8),
  })
  .strict();

export type Thresholds = z.output<typeof thresholdsSchema>;

const COMMON: Omit<
  Thresholds,
  | 'primary_ratio'
  | 'daily_ratio_min'
  | 'weekly_ratio_min'
  | 'monthly_ratio_min'
  | 'core_features_regular_required'
  | 'key_users_active_required'
  | 'workflow_success_min'
> = {
  business_days_only: true,
  regular_min_windows: 3,
  key_user_window_days: 30,
  workflow_min_runs: 1,
  workflow_window_days: 30,
  low_engagement_ratio: 0.5,
  declining_relative_slope: -0.05,
  declining_min_nonzero_windows: 3,
  core_feature_unused_days: 28,
  champion_inactive_days: 14,
  overdue_days: 30,
  hysteresis_ratio_margin: 0.05,
  hysteresis_slope_margin: 0.025,
  hysteresis_rate_margin: 0.02,
  update_min_change: 0.1,
  red_flag_score_cap: 7.9,
};

/** Seed thresholds of each profile (the issue's defaults). */
export const PROFILE_DEFAULTS: Record<Profile, Thresholds> = {
  daily: {
    ...COMMON,
    primary_ratio: 'weekly',
    daily_ratio_min: 0.5,
    weekly_ratio_min: 0.8,
    monthly_ratio_min: null,
    core_features_regular_required: true,
    key_users_active_required: false,
    workflow_success_min: null,
  },
  weekly: {
    ...COMMON,
    primary_ratio: 'monthly',
    daily_ratio_min: null,
    weekly_ratio_min: 0.4,
    monthly_ratio_min: 0.7,
    core_features_regular_required: true,
    key_users_active_required: false,
    workflow_success_min: null,
  },
  periodic: {
    ...COMMON,
    primary_ratio: 'monthly',
    daily_ratio_min: null,
    weekly_ratio_min: null,
    monthly_ratio_min: null,
    core_features_regular_required: false,
    key_users_active_required: true,
    workflow_success_min: 0.95,
  },
};

const productName = z.string().trim().min(1).max(256);

export const productEntrySchema = z
  .object({
    profile: z.enum(PROFILES, { error: `profile must be one of ${PROFILES.join(', ')}` }),
    thresholds: thresholdsSchema.partial().strict().optional(),
  })
  .strict();

/** Percentages per dimension; they must add up to 100. */
export const weightsSchema = z
  .object({
    technical: z.number().min(0).max(100),
    knowledge: z.number().min(0).max(100),
    usage: z.number().min(0).max(100),
    value: z.number().min(0).max(100),
    stakeholder: z.number().min(0).max(100),
  })
  .strict()
  .refine((w) => Math.abs(DIMENSIONS.reduce((s, d) => s + w[d], 0) - 100) < 1e-9, {
    message: 'scorecard weights must sum to 100',
  });
export type Weights = z.output<typeof weightsSchema>;

export const DEFAULT_WEIGHTS: Weights = { technical: 20, knowledge: 20, usage: 20, value: 30, stakeholder: 10 };

export const productsFileSchema = z
  .object({
    products: z
      .record(productName, productEntrySchema)
      .refine((p) => Object.keys(p).length > 0, 'at least one product is required'),
    default_product: productName.optional(),
    scorecard_weights: weightsSchema.optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    if (file.default_product !== undefined && !(file.default_product in file.products)) {
      ctx.addIssue({ code: 'custom', path: ['default_product'], message: `"${file.default_product}" is not a listed product` });
    }
  });
export type ProductsFile = z.input<typeof productsFileSchema>;

/** A product with its profile's thresholds merged with its overrides. */
export interface ProductSettings {
  name: string;
  profile: Profile;
  thresholds: Thresholds;
}

export interface ProductsConfig {
  /** Where the configuration came from (a path, or `(inline)`). */
  source: string;
  products: Record<string, ProductSettings>;
  defaultProduct: string | undefined;
  weights: Weights;
}

/** Parses the products file text (JSON); errors name the file, the JSON path and the reason. */
export function parseProducts(text: string, source: string): ProductsConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`products file ${source}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return productsFromValue(value, source);
}

export function productsFromValue(value: unknown, source: string): ProductsConfig {
  const parsed = productsFileSchema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(`products file ${source}: ${describeIssues(parsed.error)}`, { details: parsed.error.issues });
  }
  const products: Record<string, ProductSettings> = {};
  for (const [name, entry] of Object.entries(parsed.data.products)) {
    const thresholds = { ...PROFILE_DEFAULTS[entry.profile], ...stripUndefined(entry.thresholds ?? {}) };
    products[name] = { name, profile: entry.profile, thresholds };
  }
  return {
    source,
    products,
    defaultProduct: parsed.data.default_product,
    weights: parsed.data.scorecard_weights ?? DEFAULT_WEIGHTS,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
