import type { ReadinessReport } from '../scoring/report.js';
import type { Store } from './store.js';
import { toDateTime64 } from './datetime.js';
import { writing } from './read-cache.js';

/** Readiness snapshots: one per (account, product, day), holding the full report JSON and the config hash used. */

export interface SnapshotRecord {
  account_id: string;
  product: string;
  as_of: string;
  product_type: string;
  band: string;
  ready: boolean;
  graduation_score: number | null;
  usage_score: number;
  usage_complete: boolean;
  ratio_daily: number;
  ratio_weekly: number;
  ratio_monthly: number;
  red_flags: number;
  flag_codes: string[];
  /** Weekly relative slope of weekly active users. */
  relative_slope: number;
  csm: string;
  account_name: string;
  /** How urgently it needs attention; the portfolio's default sort. */
  risk: number;
  config_hash: string;
  /** The full report object (stored as JSON text). */
  report: unknown;
}

export interface StoredSnapshot {
  account_id: string;
  product: string;
  as_of: string;
  config_hash: string;
  scored_at: string;
  report: unknown;
}

/** The stored row of a report: its typed columns beside the report itself. */
export function snapshotOf(report: ReadinessReport): SnapshotRecord {
  return {
    account_id: report.account_id,
    product: report.product,
    as_of: report.as_of,
    product_type: report.product_type,
    band: report.graduation.band,
    ready: report.graduation.ready,
    graduation_score: report.graduation.score,
    usage_score: report.usage.score,
    usage_complete: report.usage.complete,
    ratio_daily: report.ratios.daily,
    ratio_weekly: report.ratios.weekly,
    ratio_monthly: report.ratios.monthly,
    red_flags: report.flags.filter((f) => f.severity === 'red').length,
    flag_codes: report.flags.map((f) => f.code),
    relative_slope: report.trend.relative_slope,
    csm: report.csm ?? '',
    account_name: report.account_name ?? '',
    risk: report.risk.score,
    config_hash: report.config_hash,
    report,
  };
}

/**
 * The report travels as a JSON object inside its row: the engine reads an object into the String
 * column as its text (`input_format_json_read_objects_as_strings`, on by default), which is the
 * report's JSON exactly, so a report is serialised once instead of serialised and then escaped.
 */
export async function insertSnapshots(store: Store, snapshots: readonly SnapshotRecord[], scoredAtMs = Date.now()): Promise<void> {
  const scoredAt = toDateTime64(scoredAtMs);
  await writing(store, () =>
    store.insert(
      'readiness_snapshots',
      snapshots.map((s) => ({
        ...s,
        ready: s.ready ? 1 : 0,
        usage_complete: s.usage_complete ? 1 : 0,
        scored_at: scoredAt,
      })),
    ),
  );
}

interface SnapshotRow {
  account_id: string;
  product: string;
  as_of: string;
  config_hash: string;
  scored_at: string;
  report: string;
}

const toStored = (r: SnapshotRow): StoredSnapshot => ({ ...r, report: JSON.parse(r.report) as unknown });

/**
 * The snapshot of one account-product on `asOf` (omitted: its latest) and the
 * one before it, by primary key (FINAL: of each day, the pass stored last).
 */
export async function snapshotAndPrevious(
  store: Store,
  accountId: string,
  product: string,
  asOf?: string,
): Promise<{ current: StoredSnapshot; previous: StoredSnapshot | undefined } | undefined> {
  const rows = await store.query<SnapshotRow>(
    `SELECT s.account_id AS account_id, s.product AS product, toString(s.as_of) AS as_of, s.config_hash AS config_hash,
            formatDateTime(s.scored_at, '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS scored_at, s.report AS report
     FROM {db}.readiness_snapshots AS s FINAL
     WHERE s.account_id = {account:String} AND s.product = {product:String}
       ${asOf === undefined ? '' : 'AND s.as_of <= {as_of:Date}'}
     ORDER BY s.as_of DESC
     LIMIT 2`,
    { account: accountId, product, ...(asOf === undefined ? {} : { as_of: asOf }) },
  );
  const [current, previous] = rows;
  if (!current || (asOf !== undefined && current.as_of !== asOf)) return undefined;
  return { current: toStored(current), previous: previous ? toStored(previous) : undefined };
}

/** One day of an account-product's snapshot history: the typed columns, no report. */
export interface SnapshotPoint {
  as_of: string;
  band: string;
  ready: boolean;
  graduation_score: number | null;
  usage_score: number;
  usage_complete: boolean;
  ratios: { daily: number; weekly: number; monthly: number };
  weekly_active: number;
  risk: number;
  flags: string[];
  /** Dimensions without a score that day. */
  missing: string[];
  config_hash: string;
}

export interface PointRow {
  as_of: string;
  band: string;
  ready: number | string;
  graduation_score: number | null;
  usage_score: number;
  usage_complete: number | string;
  ratio_daily: number;
  ratio_weekly: number;
  ratio_monthly: number;
  weekly_active: number | string;
  risk: number;
  flag_codes: string[];
  missing: string[];
  config_hash: string;
}

/** The typed columns of one history point (`weekly_active` and `missing` are stored beside the report: migration 8). */
export const POINT_COLUMNS = `toString(s.as_of) AS as_of, s.band AS band, s.ready AS ready, s.graduation_score AS graduation_score,
            s.usage_score AS usage_score, s.usage_complete AS usage_complete,
            s.ratio_daily AS ratio_daily, s.ratio_weekly AS ratio_weekly, s.ratio_monthly AS ratio_monthly,
            s.weekly_active AS weekly_active, s.risk AS risk,
            s.flag_codes AS flag_codes, s.missing AS missing, s.config_hash AS config_hash`;

export const toPoint = (r: PointRow): SnapshotPoint => ({
  as_of: r.as_of,
  band: r.band,
  ready: Number(r.ready) === 1,
  graduation_score: r.graduation_score,
  usage_score: r.usage_score,
  usage_complete: Number(r.usage_complete) === 1,
  ratios: { daily: r.ratio_daily, weekly: r.ratio_weekly, monthly: r.ratio_monthly },
  weekly_active: Number(r.weekly_active),
  risk: r.risk,
  flags: r.flag_codes,
  missing: r.missing,
  config_hash: r.config_hash,
});

/** Snapshot history of one account-product in [from, to], oldest first, by primary key range. */
export async function snapshotHistory(store: Store, accountId: string, product: string, range: { from: string; to: string }): Promise<SnapshotPoint[]> {
  const rows = await store.query<PointRow>(
    `SELECT ${POINT_COLUMNS}
     FROM {db}.readiness_snapshots AS s FINAL
     WHERE s.account_id = {account:String} AND s.product = {product:String}
       AND s.as_of BETWEEN {from:Date} AND {to:Date}
     ORDER BY s.as_of`,
    { account: accountId, product, from: range.from, to: range.to },
  );
  return rows.map(toPoint);
}

/** The latest day any snapshot exists for (optionally of one account-product). */
export async function latestSnapshotDay(store: Store, filter: { accountId?: string; product?: string } = {}): Promise<string | undefined> {
  const rows = await store.query<{ day: string; n: number | string }>(
    `SELECT toString(max(s.as_of)) AS day, count() AS n
     FROM {db}.readiness_snapshots AS s
     WHERE ({account:String} = '' OR s.account_id = {account:String})
       AND ({product:String} = '' OR s.product = {product:String})`,
    { account: filter.accountId ?? '', product: filter.product ?? '' },
  );
  return rows[0] && Number(rows[0].n) > 0 ? rows[0].day : undefined;
}
