import type { FlagTransition } from '../schemas/flags.js';
import { addDays } from '../schemas/day.js';
import {
  previousSnapshot,
  readFlagStates,
  readSnapshots,
  readTransitions,
  snapshotHistory,
  type FlagStateFilter,
  type FlagStateRecord,
  type Store,
} from '../transforms/index.js';
import { explainChange, type Explanation } from './explain.js';
import type { ReadinessReport } from './report.js';
import { compareByRisk, matchesFilters, type ReportFilters } from './risk.js';
import { rollupByProductType, type ProductTypeRollup } from './rollup.js';
import type { Band } from './scorecard.js';

/** Read side over stored snapshots and flags: what a dashboard or API shows. */

export interface LatestReportsQuery extends ReportFilters {
  /** Reports of exactly this day; omitted: each account-product's latest snapshot. */
  asOf?: string;
}

/** Latest (or given-day) reports, filtered and sorted by risk (most at risk first). */
export async function latestReports(store: Store, query: LatestReportsQuery = {}): Promise<ReadinessReport[]> {
  const snapshots = await readSnapshots(store, {
    asOf: query.asOf,
    accountId: query.accountId,
    product: query.product,
    productType: query.productType,
  });
  return snapshots
    .map((s) => s.report as ReadinessReport)
    .filter((r) => matchesFilters(r, query))
    .sort(compareByRisk);
}

export interface HistoryPoint {
  as_of: string;
  band: Band;
  ready: boolean;
  graduation_score: number | null;
  usage_score: number;
  usage_complete: boolean;
  ratios: ReadinessReport['ratios'];
  weekly_active: number;
  flags: string[];
  config_hash: string;
}

export interface AccountReportView {
  report: ReadinessReport;
  /** Snapshots in the requested range, oldest first. */
  history: HistoryPoint[];
  /** What changed since the snapshot before `report`. */
  explanation: Explanation;
  /** Flag transitions in the range, oldest first. */
  transitions: FlagTransition[];
}

export interface AccountReportQuery {
  accountId: string;
  product: string;
  /** The report of this day; omitted: the latest. */
  asOf?: string;
  /** History range; defaults: the 90 days ending at the report's day. */
  from?: string;
  to?: string;
}

function historyPoint(r: ReadinessReport, configHash: string): HistoryPoint {
  return {
    as_of: r.as_of,
    band: r.graduation.band,
    ready: r.graduation.ready,
    graduation_score: r.graduation.score,
    usage_score: r.usage.score,
    usage_complete: r.usage.complete,
    ratios: r.ratios,
    weekly_active: r.active_users.weekly,
    flags: r.flags.map((f) => f.code),
    config_hash: configHash,
  };
}

/** One account-product: its report, snapshot history and the explanation of its last change; undefined if never scored. */
export async function accountReport(store: Store, query: AccountReportQuery): Promise<AccountReportView | undefined> {
  const [current] = await readSnapshots(store, { accountId: query.accountId, product: query.product, asOf: query.asOf });
  if (!current) return undefined;
  const report = current.report as ReadinessReport;
  const to = query.to ?? report.as_of;
  const from = query.from ?? addDays(to, -89);
  const [history, previous, transitions] = await Promise.all([
    snapshotHistory(store, query.accountId, query.product, { from, to }),
    previousSnapshot(store, query.accountId, query.product, report.as_of),
    readTransitions(store, { accountId: query.accountId, product: query.product, from, to }),
  ]);
  return {
    report,
    history: history.map((s) => historyPoint(s.report as ReadinessReport, s.config_hash)),
    explanation: explainChange(previous?.report as ReadinessReport | undefined, report),
    transitions,
  };
}

/** Flags by state (current state of each flag id). */
export function listFlags(store: Store, filter: FlagStateFilter = {}): Promise<FlagStateRecord[]> {
  return readFlagStates(store, filter);
}

/** The per-product-type rollup of the latest (or given-day) reports. */
export async function productTypeRollup(store: Store, query: { asOf?: string } = {}): Promise<ProductTypeRollup[]> {
  return rollupByProductType(await latestReports(store, { asOf: query.asOf }));
}
