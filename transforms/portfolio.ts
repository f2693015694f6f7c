import { indexSearches, latestKey, portfolioIndex, selectFromIndex } from './portfolio-index.js';
import { engineLoader } from './engine-batch.js';
import { cachedReadMany } from './read-cache.js';
import type { QueryParams, Store } from './store.js';
import type { PortfolioSort, SortOrder } from '../schemas/portfolio-sort.js';

/**
 * The portfolio: the latest snapshot of every account-product (or every
 * snapshot of one day), filtered, sorted and paged in ClickHouse on the typed
 * columns of `readiness_latest` / `readiness_snapshots`. The report JSON is
 * read only for the rows of the page. On the embedded store, pages of the
 * latest snapshots are selected from the same columns held in the process
 * (transforms/portfolio-index.ts), and their reports are kept until the next write.
 */


export interface PortfolioFilter {
  /** Snapshots of exactly this day; omitted: each account-product's latest. */
  asOf?: string;
  /** Exactly this account id. */
  accountId?: string;
  /** Case-insensitive part of the account id or the account name. */
  search?: string;
  product?: string;
  productType?: string;
  band?: string;
  ready?: boolean;
  /** Only account-products with this flag open. */
  flag?: string;
  /** Exactly this CSM owner. */
  csm?: string;
  /** true: only account-products with a red flag open; false: only those without. */
  needsAttention?: boolean;
}

export interface PortfolioQuery extends PortfolioFilter {
  /** Default `risk`. */
  sort?: PortfolioSort;
  /** Default: `desc` for `risk`, otherwise `asc`. */
  order?: SortOrder;
  /** Omitted: every matching row. */
  limit?: number;
  /** Rows skipped before the page (with `limit`). */
  offset?: number;
}

export interface PortfolioPage {
  /** Matching account-products, before paging. */
  total: number;
  /** Latest day among the matching snapshots (null when none match). */
  as_of: string | null;
  /** Report JSON of the page's rows, in order. */
  reports: unknown[];
}

const BAND_RANK = "indexOf(['not_ready', 'incomplete', 'close', 'ready'], s.band)";

const SORT_SQL: Record<PortfolioSort, string> = {
  risk: 's.risk',
  band: BAND_RANK,
  graduation_score: 's.graduation_score',
  usage_score: 's.usage_score',
  ratio_daily: 's.ratio_daily',
  ratio_weekly: 's.ratio_weekly',
  ratio_monthly: 's.ratio_monthly',
  relative_slope: 's.relative_slope',
  red_flags: 's.red_flags',
  account_id: 's.account_id',
  account_name: 's.account_name',
  csm: 's.csm',
  product: 's.product',
  product_type: 's.product_type',
  as_of: 's.as_of',
  scored_at: 's.scored_at',
};

/** Most at risk first, then worse band, lower graduation score (missing first); ids make the order total. */
const RISK_ORDER = `s.risk DESC, ${BAND_RANK} ASC, s.graduation_score ASC NULLS FIRST, s.account_id ASC, s.product ASC`;

function orderBy(sort: PortfolioSort, order: SortOrder | undefined): string {
  const direction = order ?? (sort === 'risk' ? 'desc' : 'asc');
  if (sort === 'risk' && direction === 'desc') return RISK_ORDER;
  // A missing graduation score sorts as the lowest.
  return `${SORT_SQL[sort]} ${direction === 'asc' ? 'ASC NULLS FIRST' : 'DESC NULLS LAST'}, ${RISK_ORDER}`;
}

/** The WHERE clause (constant fragments only) and its bound values. */
function where(filter: PortfolioFilter): { sql: string; params: QueryParams } {
  const conditions: string[] = [];
  const params: QueryParams = {};
  const add = (sql: string, name: string, value: unknown) => {
    conditions.push(sql);
    params[name] = value;
  };
  if (filter.asOf !== undefined) add('s.as_of = {as_of:Date}', 'as_of', filter.asOf);
  if (filter.accountId !== undefined) add('s.account_id = {account:String}', 'account', filter.accountId);
  if (filter.search !== undefined && filter.search !== '') {
    add('(positionCaseInsensitiveUTF8(s.account_id, {search:String}) > 0 OR positionCaseInsensitiveUTF8(s.account_name, {search:String}) > 0)', 'search', filter.search);
  }
  if (filter.product !== undefined) add('s.product = {product:String}', 'product', filter.product);
  if (filter.productType !== undefined) add('s.product_type = {product_type:String}', 'product_type', filter.productType);
  if (filter.band !== undefined) add('s.band = {band:String}', 'band', filter.band);
  if (filter.ready !== undefined) add('s.ready = {ready:UInt8}', 'ready', filter.ready ? 1 : 0);
  if (filter.flag !== undefined) add('has(s.flag_codes, {flag:String})', 'flag', filter.flag);
  if (filter.csm !== undefined) add('s.csm = {csm:String}', 'csm', filter.csm);
  if (filter.needsAttention !== undefined) add('(s.red_flags > 0) = {attention:UInt8}', 'attention', filter.needsAttention ? 1 : 0);
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/** The latest snapshot per account-product, or the snapshots of one day. */
const source = (filter: PortfolioFilter) =>
  filter.asOf === undefined ? '{db}.readiness_latest AS s FINAL' : '{db}.readiness_snapshots AS s FINAL';

interface KeyRow {
  account_id: string;
  product: string;
  total: string | number;
  latest: string;
}

/** One page of the portfolio (every matching row when `limit` is omitted), with the total before paging. */
export async function queryPortfolio(store: Store, query: PortfolioQuery = {}): Promise<PortfolioPage> {
  // The embedded engine runs one query at a time: a page of the latest snapshots is selected in the process.
  if (store.kind === 'chdb' && query.asOf === undefined && query.limit !== undefined && indexSearches(query.search)) {
    const selection = selectFromIndex(await portfolioIndex(store), query);
    const reports = await latestReportTexts(store, selection.keys);
    return { total: selection.total, as_of: selection.as_of, reports: selection.keys.map((k) => JSON.parse(reportOf(reports, k)) as unknown) };
  }
  return queryPortfolioInStore(store, query);
}

/** The same page selected by the engine (a server store; days other than the latest; the whole export). */
export async function queryPortfolioInStore(store: Store, query: PortfolioQuery = {}): Promise<PortfolioPage> {
  const { sql: whereSql, params } = where(query);
  const order = orderBy(query.sort ?? 'risk', query.order);
  if (query.limit === undefined) {
    const rows = await store.query<{ report: string; latest: string }>(
      `SELECT s.report AS report, toString(max(s.as_of) OVER ()) AS latest
       FROM ${source(query)} ${whereSql}
       ORDER BY ${order}`,
      params,
    );
    return { total: rows.length, as_of: rows[0]?.latest ?? null, reports: rows.map((r) => JSON.parse(r.report) as unknown) };
  }
  const offset = query.offset ?? 0;
  const keys = await store.query<KeyRow>(
    `SELECT s.account_id AS account_id, s.product AS product,
            count() OVER () AS total, toString(max(s.as_of) OVER ()) AS latest
     FROM ${source(query)} ${whereSql}
     ORDER BY ${order}
     LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { ...params, limit: query.limit, offset },
  );
  const first = keys[0];
  if (!first) {
    if (offset === 0) return { total: 0, as_of: null, reports: [] };
    // Past the last page: the window above saw no rows, so count separately.
    const [counted] = await store.query<{ total: string | number; latest: string }>(
      `SELECT count() AS total, toString(max(s.as_of)) AS latest FROM ${source(query)} ${whereSql}`,
      params,
    );
    const total = Number(counted?.total ?? 0);
    return { total, as_of: total > 0 ? (counted?.latest ?? null) : null, reports: [] };
  }
  const reports = await reportsOf(store, keys, query.asOf);
  return { total: Number(first.total), as_of: first.latest, reports: keys.map((k) => JSON.parse(reportOf(reports, k)) as unknown) };
}

function reportOf(reports: Map<string, string>, k: { account_id: string; product: string }): string {
  const report = reports.get(latestKey(k.account_id, k.product));
  if (report === undefined) throw new Error(`report of account ${k.account_id}, product ${k.product} vanished between two reads`);
  return report;
}

/**
 * Report JSON of the latest snapshot of each account-product, kept (embedded
 * store) until the next write; the missing ones of pages and views asked for
 * together are read by one query (transforms/engine-batch.ts).
 */
export function latestReportTexts(store: Store, keys: readonly { account_id: string; product: string }[]): Promise<Map<string, string>> {
  const byKey = new Map(keys.map((k) => [latestKey(k.account_id, k.product), k]));
  return cachedReadMany(store, 'latest-report', [...byKey.keys()], async (missing) => {
    const loader = engineLoader(store, 'latest-report', async (wanted: readonly { account_id: string; product: string }[]) => {
      const read = await reportsOf(store, wanted, undefined);
      return wanted.map((k) => read.get(latestKey(k.account_id, k.product)));
    });
    const texts = await loader.loadMany(missing.map((m) => byKey.get(m)!));
    const found = new Map<string, string>();
    texts.forEach((text, i) => {
      if (text instanceof Error) throw text;
      if (text !== undefined) found.set(missing[i]!, text);
    });
    return found;
  });
}

/**
 * Report JSON of the given account-products (latest, or of day `asOf`), read
 * by primary key. FINAL, not "latest version first": two passes can share a
 * scoring time, and then the one inserted last wins.
 */
async function reportsOf(store: Store, keys: readonly { account_id: string; product: string }[], asOf: string | undefined): Promise<Map<string, string>> {
  const rows = await store.query<{ account_id: string; product: string; report: string }>(
    asOf === undefined
      ? `SELECT account_id, product, report FROM {db}.readiness_latest FINAL
         WHERE (account_id, product) IN arrayZip({accounts:Array(String)}, {products:Array(String)})`
      : `SELECT account_id, product, report FROM {db}.readiness_snapshots FINAL
         WHERE (account_id, product) IN arrayZip({accounts:Array(String)}, {products:Array(String)}) AND as_of = {as_of:Date}`,
    { accounts: keys.map((k) => k.account_id), products: keys.map((k) => k.product), ...(asOf === undefined ? {} : { as_of: asOf }) },
  );
  return new Map(rows.map((r) => [latestKey(r.account_id, r.product), r.report]));
}
