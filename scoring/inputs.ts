import type { FlagCode, Severity } from '../schemas/flags.js';
import type { Dimension } from '../schemas/products.js';

/**
 * What scoring takes as input, per account-product: the aggregate usage of one
 * day, the latest assessments and the current flag states. The store
 * (transforms/) maps its rows to these types; scoring never reads it.
 */

/** Usage aggregates of one account-product for day D. Ages are whole days before D (0 = D itself). */
export interface ReadinessInputs {
  account_id: string;
  product: string;
  /** Distinct active users per day; index i is day D-i, i = 0…6. */
  daily_users: number[];
  /** Distinct active users per 7-day window [D-7k-6, D-7k]; index k = 0…5 (newest first). */
  weekly_windows: number[];
  /** Distinct active users in D-29…D. */
  monthly_users: number;
  /** Per core feature, the ages of the days it was used within the lookback. */
  core_feature_ages: Record<string, number[]>;
  /** Per champion or key user, age of their last active day within the lookback. */
  person_last_active_age: Record<string, number>;
  /** Runs and successes of critical workflows per day within the lookback (only days with runs). */
  workflow_days: Array<{ age: number; runs: number; successes: number }>;
}

/** The latest CSM assessment of one dimension of an account-product. */
export interface LatestAssessment {
  account_id: string;
  product: string;
  dimension: Dimension;
  score: number;
  evidence: string;
  reason: string;
  assessed_by: string;
  /** ISO-8601 UTC. */
  assessed_at: string;
}

/** A flag's state after its latest transition. */
export interface FlagStateRecord {
  flag_id: string;
  account_id: string;
  product: string;
  code: FlagCode;
  state: 'open' | 'resolved';
  severity: Severity;
  message: string;
  value: number;
  subjects: string[];
  sequence: number;
  opened_on: string;
  last_changed_on: string;
}

/** Inputs of an account-product with no activity at all. */
export function emptyInputs(account: string, product: string): ReadinessInputs {
  return {
    account_id: account,
    product,
    daily_users: [0, 0, 0, 0, 0, 0, 0],
    weekly_windows: [0, 0, 0, 0, 0, 0],
    monthly_users: 0,
    core_feature_ages: {},
    person_last_active_age: {},
    workflow_days: [],
  };
}

/** Map key of an account-product. */
export function inputsKey(account: string, product: string): string {
  return `${account}\u0000${product}`;
}
