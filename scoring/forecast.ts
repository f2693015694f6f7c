import type { Criterion } from './completion.js';
import type { ActiveUsers, Ratios, Trend } from './metrics.js';
import { round } from './rounding.js';
import { percent } from './wording.js';

/**
 * The forecast: for an account-product whose usage is not complete, when each
 * unmet usage criterion would be met if usage kept its current pace (the
 * six-week trend), or why it is not on track. Method in docs/scoring.md.
 */

export type ForecastStatus = 'met' | 'on_track' | 'not_on_track' | 'no_projection';

export interface ForecastItem {
  criterion: Criterion['name'];
  status: ForecastStatus;
  /** Whole weeks until it is met at the current pace (on_track only). */
  weeks: number | null;
  /** Why not on track: declining, flat, no_usage, too_slow. */
  reason: 'declining' | 'flat' | 'no_usage' | 'too_slow' | null;
  text: string;
}

/** Beyond a year at the current pace counts as not on track. */
export const FORECAST_HORIZON_WEEKS = 52;

const RATIO_WINDOW = { daily_ratio: 'daily', weekly_ratio: 'weekly', monthly_ratio: 'monthly' } as const;
const LABEL = { daily: 'Daily active', weekly: 'Weekly active', monthly: 'Monthly active' } as const;

export interface ForecastInput {
  criteria: readonly Criterion[];
  complete: boolean;
  ratios: Ratios;
  active_users: ActiveUsers;
  trend: Pick<Trend, 'slope' | 'relative_slope'>;
  licensed_seats: number;
  declining: boolean;
}

/**
 * A ratio moves at the trend's pace: the weekly ratio by the OLS slope of weekly
 * actives over seats, the daily and monthly ratios by the same relative slope
 * applied to their own current value.
 */
function ratioForecast(c: Criterion, input: ForecastInput): ForecastItem {
  const window = RATIO_WINDOW[c.name as keyof typeof RATIO_WINDOW];
  const label = LABEL[window];
  const value = c.value ?? 0;
  const target = c.threshold ?? 0;
  const base = { criterion: c.name, weeks: null };
  if (c.met) return { ...base, status: 'met', reason: null, text: `${label} ${percent(value)} already meets ${percent(target)}` };
  const perWeek = window === 'weekly' && input.licensed_seats > 0 ? input.trend.slope / input.licensed_seats : value * input.trend.relative_slope;
  const notOnTrack = (reason: NonNullable<ForecastItem['reason']>, why: string): ForecastItem => ({ ...base, status: 'not_on_track', reason, text: `${label} reaching ${percent(target)}: not on track (${why})` });
  if (input.active_users[window === 'daily' ? 'daily_avg' : window] === 0) return notOnTrack('no_usage', 'no active users');
  if (input.declining || perWeek < 0) return notOnTrack('declining', 'declining');
  if (perWeek === 0) return notOnTrack('flat', 'flat');
  const weeks = Math.ceil(round((target - value) / perWeek, 6));
  if (weeks > FORECAST_HORIZON_WEEKS) return notOnTrack('too_slow', `more than ${FORECAST_HORIZON_WEEKS} weeks at this pace`);
  return { ...base, status: 'on_track', weeks, reason: null, text: `${label} reaches ${percent(target)} in about ${weeks} week${weeks === 1 ? '' : 's'}` };
}

export function forecast(input: ForecastInput): ForecastItem[] {
  if (input.complete) return [];
  return input.criteria.map((c): ForecastItem => {
    if (c.name in RATIO_WINDOW) return ratioForecast(c, input);
    if (c.met) return { criterion: c.name, status: 'met', weeks: null, reason: null, text: 'met' };
    if (c.name === 'not_declining') return { criterion: c.name, status: 'not_on_track', weeks: null, reason: 'declining', text: 'Usage trend: not on track: declining' };
    return { criterion: c.name, status: 'no_projection', weeks: null, reason: null, text: 'not met; no usage trend to project it from' };
  });
}
