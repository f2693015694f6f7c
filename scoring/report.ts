import type { AccountRecord } from '../schemas/accounts.js';
import { addDays, daysBetween } from '../schemas/day.js';
import { FLAG_CODES, type FlagCode, type FlagTransition} from '../schemas/flags.js';
import { DIMENSIONS, type Dimension, type Profile, type ProductSettings, type Thresholds, type Weights } from '../schemas/products.js';
import { isDeclining, usageCompletion, type Criterion } from './completion.js';
import { forecast, type ForecastItem } from './forecast.js';
import type { FlagStateRecord, LatestAssessment, ReadinessInputs } from './inputs.js';
import { applyLifecycle, type OpenFlag } from './flag-lifecycle.js';
import { evaluateOverdue, evaluateUsageFlags } from './flag-rules.js';
import { computeMetrics, type ActiveUsers, type CoreFeatures, type PeopleActivity, type Ratios, type Workflows } from './metrics.js';
import { riskOf, type Risk } from './risk.js';
import { graduation, type DimensionScore, type Graduation } from './scorecard.js';
import { usageScore } from './usage-score.js';
import { FLAG_TITLES, openFor } from './wording.js';

/** The readiness report of one (account, product) on one day, and the pure function that builds it. */

/** A flag as it appears in a report: the open flag with its lifecycle fields and how long it has been open. */
export interface ReportFlag extends OpenFlag {
  /** Whole days since it opened (0 on the day it opened). */
  open_days: number;
  /** "new today", "open 12 days". */
  age: string;
  /** Chip text: its title and its number ("Low engagement 16%"). */
  label: string;
}

function reportFlag(f: OpenFlag, asOf: string): ReportFlag {
  const openDays = Math.max(0, daysBetween(f.opened_on, asOf));
  return { ...f, open_days: openDays, age: openFor(openDays), label: f.short ? `${FLAG_TITLES[f.code]} ${f.short}` : FLAG_TITLES[f.code] };
}

export interface ReadinessReport {
  account_id: string;
  account_name: string | null;
  csm: string | null;
  product: string;
  /** The product's usage profile (daily, weekly, periodic). */
  product_type: Profile;
  as_of: string;
  licensed_seats: number;
  active_users: ActiveUsers;
  ratios: Ratios;
  trend: { weekly_active: number[]; slope: number; relative_slope: number };
  core_features: Pick<CoreFeatures, 'activated' | 'regular' | 'total' | 'unused' | 'irregular'>;
  champions: PeopleActivity;
  key_users: PeopleActivity;
  workflows: Workflows;
  usage: { complete: boolean; score: number; criteria: Criterion[] };
  flags: ReportFlag[];
  graduation: Graduation;
  onboarding: { started_at: string; target_graduation_date: string; days_past_target: number };
  thresholds: Thresholds;
  config_hash: string;
  /** When usage would complete at the current pace (empty when usage is complete). */
  forecast: ForecastItem[];
  freshness: Freshness;
  /** How urgently it needs attention, with the parts that make the number ("why this rank"). */
  risk: Risk;
}

/** Whether the data behind the report is current: a broken integration looks like churn otherwise. */
export interface Freshness {
  /** When the pass that wrote this report ran (ISO-8601 UTC). */
  scored_at: string;
  /** The last day with any event of this account-product, up to the scored day (null: none in the last year). */
  last_event_on: string | null;
  /** Whole days from that day to the scored day (null without events). */
  days_without_events: number | null;
  /** No events for NO_EVENTS_WARNING_DAYS days or more. */
  stale: boolean;
}

function lastActiveDay(dailyUsers: readonly number[], asOf: string): string | null {
  const age = dailyUsers.findIndex((n) => n > 0);
  return age < 0 ? null : addDays(asOf, -age);
}

/** Days without any event after which a report warns that the data may be missing. */
export const NO_EVENTS_WARNING_DAYS = 7;

function freshness(scoredAt: string, lastEventOn: string | null, asOf: string): Freshness {
  const gap = lastEventOn === null ? null : Math.max(0, daysBetween(lastEventOn, asOf));
  return { scored_at: scoredAt, last_event_on: lastEventOn, days_without_events: gap, stale: gap === null || gap >= NO_EVENTS_WARNING_DAYS };
}

export interface ScoreInput {
  account: AccountRecord;
  product: ProductSettings;
  weights: Weights;
  configHash: string;
  inputs: ReadinessInputs;
  /** Latest assessment per dimension for this account-product (as of the day). */
  assessments: readonly LatestAssessment[];
  /**
   * The last day with an event of this account-product on or before the day (null: none).
   * Omitted: taken from the last 7 days of the inputs, which is enough to decide `stale`.
   */
  lastEventOn?: string | null;
  /** Flag states after the latest transition on or before the day. */
  previousFlags: ReadonlyMap<FlagCode, FlagStateRecord>;
  asOf: string;
  /** ISO-8601 time of the pass. */
  occurredAt: string;
}

export interface ScoreResult {
  report: ReadinessReport;
  transitions: FlagTransition[];
  states: FlagStateRecord[];
}

const codeOrder = (code: FlagCode) => FLAG_CODES.indexOf(code);
const bySeverityThenCode = (a: OpenFlag, b: OpenFlag) =>
  (a.severity === b.severity ? 0 : a.severity === 'red' ? -1 : 1) || codeOrder(a.code) - codeOrder(b.code);

function dimensionScores(assessments: readonly LatestAssessment[], telemetryUsage: number): Record<Dimension, Omit<DimensionScore, 'weight'>> {
  const byDimension = new Map(assessments.map((a) => [a.dimension, a]));
  return Object.fromEntries(
    DIMENSIONS.map((d) => {
      const a = byDimension.get(d);
      if (d === 'usage' && !a) return [d, { score: telemetryUsage, source: 'telemetry' }];
      if (!a) return [d, { score: null, source: null }];
      return [
        d,
        {
          score: a.score,
          source: d === 'usage' ? 'override' : 'assessment',
          assessed_by: a.assessed_by,
          assessed_at: a.assessed_at,
          evidence: a.evidence,
          ...(a.reason ? { reason: a.reason } : {}),
        },
      ];
    }),
  ) as Record<Dimension, Omit<DimensionScore, 'weight'>>;
}

export function scoreAccount(input: ScoreInput): ScoreResult {
  const { account, product, asOf } = input;
  const t = product.thresholds;
  const metrics = computeMetrics(account, input.inputs, asOf, t);
  const completion = usageCompletion(metrics, t);
  const ctx = {
    accountId: account.account_id,
    product: account.product,
    asOf,
    occurredAt: input.occurredAt,
    updateMinChange: t.update_min_change,
  };
  const usageLife = applyLifecycle(evaluateUsageFlags(metrics, completion, t, account.licensed_seats), input.previousFlags, ctx);
  const redCodes = (flags: readonly OpenFlag[]) => flags.filter((f) => f.severity === 'red').map((f) => f.code);

  const scoreWith = (openFlags: readonly OpenFlag[]) => {
    const reds = redCodes(openFlags);
    const usage = usageScore(completion, { redFlagOpen: reds.length > 0, redFlagCap: t.red_flag_score_cap });
    return { usage, grad: graduation(dimensionScores(input.assessments, usage), input.weights, reds) };
  };

  // onboarding_overdue depends on readiness, and readiness on open red flags: decide it on everything else first.
  const before = scoreWith(usageLife.open);
  const daysPastTarget = daysBetween(account.target_graduation_date, asOf);
  const overdueLife = applyLifecycle([evaluateOverdue(daysPastTarget, before.grad.ready, t, account.target_graduation_date)], input.previousFlags, ctx);
  const open = [...usageLife.open, ...overdueLife.open].sort(bySeverityThenCode);
  const final = overdueLife.open.length > 0 ? scoreWith(open) : before;

  const report: Omit<ReadinessReport, 'risk'> = {
    account_id: account.account_id,
    account_name: account.account_name ?? null,
    csm: account.csm ?? null,
    product: account.product,
    product_type: product.profile,
    as_of: asOf,
    licensed_seats: account.licensed_seats,
    active_users: metrics.active_users,
    ratios: metrics.ratios,
    trend: { weekly_active: metrics.trend.weekly_active, slope: metrics.trend.slope, relative_slope: metrics.trend.relative_slope },
    core_features: metrics.core_features,
    champions: metrics.champions,
    key_users: metrics.key_users,
    workflows: metrics.workflows,
    usage: { complete: completion.complete, score: final.usage, criteria: completion.criteria },
    flags: open.map((f) => reportFlag(f, asOf)),
    graduation: final.grad,
    onboarding: {
      started_at: account.onboarding_started_at,
      target_graduation_date: account.target_graduation_date,
      days_past_target: daysPastTarget,
    },
    thresholds: t,
    config_hash: input.configHash,
    forecast: forecast({
      criteria: completion.criteria,
      complete: completion.complete,
      ratios: metrics.ratios,
      active_users: metrics.active_users,
      trend: metrics.trend,
      licensed_seats: account.licensed_seats,
      declining: isDeclining(metrics, t),
    }),
    freshness: freshness(input.occurredAt, input.lastEventOn === undefined ? lastActiveDay(input.inputs.daily_users, asOf) : input.lastEventOn, asOf),
  };
  return {
    report: { ...report, risk: riskOf(report) },
    transitions: [...usageLife.transitions, ...overdueLife.transitions],
    states: [...usageLife.states, ...overdueLife.states],
  };
}
