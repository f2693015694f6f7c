import { stringify } from 'csv-stringify/sync';
import type { ReadinessReport } from './report.js';
import { reportRisk } from './risk.js';

/**
 * The CSV export of readiness reports: one row per account-product in the
 * order given, the same columns from `report --format csv`, `GET /v1/readiness`
 * with `Accept: text/csv` and the dashboard's download.
 */

const COLUMNS: Array<[string, (r: ReadinessReport) => string | number | boolean | null]> = [
  ['account_id', (r) => r.account_id],
  ['account_name', (r) => r.account_name],
  ['csm', (r) => r.csm],
  ['product', (r) => r.product],
  ['product_type', (r) => r.product_type],
  ['as_of', (r) => r.as_of],
  ['risk', (r) => reportRisk(r).score],
  ['band', (r) => r.graduation.band],
  ['graduation_score', (r) => r.graduation.score],
  ['ready', (r) => r.graduation.ready],
  ['usage_score', (r) => r.usage.score],
  ['usage_complete', (r) => r.usage.complete],
  ['licensed_seats', (r) => r.licensed_seats],
  ['ratio_daily', (r) => r.ratios.daily],
  ['ratio_weekly', (r) => r.ratios.weekly],
  ['ratio_monthly', (r) => r.ratios.monthly],
  ['weekly_active', (r) => r.active_users.weekly],
  ['trend_relative_slope', (r) => r.trend.relative_slope],
  ['open_flags', (r) => r.flags.map((f) => f.code).join(' ')],
  ['red_flags', (r) => r.flags.filter((f) => f.severity === 'red').length],
  ['why', (r) => reportRisk(r).parts.map((p) => p.text).join('; ')],
  ['last_event_on', (r) => (r.freshness as ReadinessReport['freshness'] | undefined)?.last_event_on ?? null],
];

export const CSV_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

export function reportsCsv(reports: readonly ReadinessReport[]): string {
  return stringify(
    reports.map((r) => COLUMNS.map(([, value]) => value(r))),
    {
      header: true,
      columns: [...CSV_COLUMNS],
      cast: { boolean: (b) => (b ? 'true' : 'false') },
    },
  );
}
