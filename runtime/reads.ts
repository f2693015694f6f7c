import type { FlagTransition } from '../schemas/flags.js';
import {
  cachedRead,
  cachedValue,
  countOpenFlags,
  filterKey,
  pageFlagStates,
  queryPortfolio,
  readAccountView,
  type FlagStateFilter,
  type PortfolioFilter,
  type PortfolioQuery,
  type SnapshotPoint,
  type Store,
} from '../transforms/index.js';
import { explainChange, type Band, type Explanation, type FlagStateRecord, type ReadinessReport } from '../scoring/index.js';

/** Flag transitions after a given one, for a stream subscriber resuming with Last-Event-ID: read as stored. */
export { transitionsSince } from '../transforms/index.js';

/**
 * Read side over stored snapshots and flags: what a dashboard or API shows.
 * Filtering, sorting and paging happen in the store; results are cached
 * exactly where the store allows it (transforms/read-cache.ts).
 */

export interface PortfolioReports {
  /** Latest scored day among the matching reports (null when none match). */
  as_of: string | null;
  /** Matching account-products before paging. */
  total: number;
  reports: ReadinessReport[];
}

const portfolioKey = (q: PortfolioQuery) => JSON.stringify(['portfolio', filterKey(q), q.sort, q.order, q.limit, q.offset]);

/** One page of the portfolio (every match when `limit` is omitted): latest (or given-day) reports, most at risk first by default. */
export async function portfolio(store: Store, query: PortfolioQuery = {}): Promise<PortfolioReports> {
  return cachedRead(store, portfolioKey(query), async () => {
    const page = await queryPortfolio(store, query);
    return { as_of: page.as_of, total: page.total, reports: page.reports as ReadinessReport[] };
  });
}

/** Every matching latest (or given-day) report, most at risk first. */
export async function latestReports(store: Store, filter: PortfolioFilter = {}): Promise<ReadinessReport[]> {
  return (await portfolio(store, filter)).reports;
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
  risk: number;
  flags: string[];
  /** Dimensions without a score that day (why `graduation_score` is null). */
  missing: string[];
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

const historyPoint = (p: SnapshotPoint): HistoryPoint => ({ ...p, band: p.band as Band });

const accountKey = (query: AccountReportQuery) => JSON.stringify(['account', query.accountId, query.product, query.asOf, query.from, query.to]);

/** One account-product: its report, snapshot history and the explanation of its last change; undefined if never scored. */
export async function accountReport(store: Store, query: AccountReportQuery): Promise<AccountReportView | undefined> {
  return cachedRead(store, accountKey(query), async () => {
    const rows = await readAccountView(store, { ...query, historyDays: 90 });
    if (!rows) return undefined;
    const report = rows.report as ReadinessReport;
    return {
      report,
      history: rows.history.map(historyPoint),
      explanation: explainChange(rows.previous as ReadinessReport | undefined, report),
      transitions: rows.transitions,
    };
  });
}

/** What `accountReport` would answer from the read cache without reading the store; undefined when it is not cached. */
export function cachedAccountReport(store: Store, query: AccountReportQuery): { value: AccountReportView | undefined } | undefined {
  return cachedValue(store, accountKey(query)) as { value: AccountReportView | undefined } | undefined;
}

/** Flags by state (current state of each flag id), most recently changed first, one page. */
export function listFlags(store: Store, filter: FlagStateFilter & { limit: number; offset: number }): Promise<{ total: number; items: FlagStateRecord[] }> {
  return cachedRead(store, JSON.stringify(['flags', filter.state, filter.accountId, filter.product, filter.code, filter.limit, filter.offset]), () =>
    pageFlagStates(store, filter),
  );
}

/** Open flags counted by code and severity. */
export function openFlagCounts(store: Store): Promise<{ code: string; severity: string; count: number }[]> {
  return countOpenFlags(store);
}
