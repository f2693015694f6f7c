import { LRUCache } from 'lru-cache';
import { heldRead } from './read-cache.js';
import type { PortfolioSort, SortOrder } from '../schemas/portfolio-sort.js';
import type { PortfolioFilter } from './portfolio.js';
import type { SnapshotRecord } from './snapshots.js';
import type { Store } from './store.js';

/**
 * The portfolio index of the embedded store held in the process: the typed
 * columns of every row of `readiness_latest`, read once after each write (the
 * read cache drops it when a pass or an assessment writes snapshots), so list
 * requests filter, sort and page without queueing on the engine, which runs
 * one query at a time. Filters and orders reproduce the SQL of
 * transforms/portfolio.ts exactly (test/integration/portfolio.test.ts compares
 * the two on a scored portfolio): strings compare as UTF-8 bytes, a missing
 * graduation score sorts lowest, ties fall back to the risk order and the ids.
 */

/** The typed columns of a stored snapshot that lists filter and sort on. */
interface IndexRow extends Omit<SnapshotRecord, 'usage_complete' | 'flag_codes' | 'config_hash' | 'report'> {
  flag_codes: readonly string[];
  /** Epoch milliseconds. */
  scored_at: number;
  /** account_id and account_name with ASCII letters lowered, for the search filter. */
  folded_id: string;
  folded_name: string;
}

interface LoadedRow extends Omit<IndexRow, 'ready' | 'red_flags' | 'scored_at' | 'folded_id' | 'folded_name'> {
  ready: number | string;
  red_flags: number | string;
  scored_at: number | string;
}

export interface PortfolioIndex {
  readonly rows: readonly IndexRow[];
  /** Each row's latest day, by account and product (`latestKey`). */
  readonly latestDay: ReadonlyMap<string, string>;
  /** Per sort column, each row's value as a number that orders like the column (computed on first use). */
  readonly sortKeys: Map<PortfolioSort, Float64Array>;
  /** The risk order, the tie-break of every order: row positions in it, and each row's place (computed on first use). */
  risk?: { positions: Int32Array; rank: Int32Array };
  /** Row positions in each requested order, computed on first use. */
  readonly orders: Map<string, Int32Array>;
  /** Matching row positions, in order, of the latest filters and orders asked for: their pages are slices. */
  readonly selections: LRUCache<string, { positions: Int32Array; as_of: string | null }>;
}

export interface IndexSelection {
  total: number;
  as_of: string | null;
  keys: { account_id: string; product: string }[];
}

/**
 * Whether the index answers this search the way `positionCaseInsensitiveUTF8`
 * does: for a needle of ASCII characters the engine matches exactly the
 * characters that equal it or its other ASCII case (checked against every code
 * point below U+30000), which folding ASCII letters reproduces. Other needles
 * are searched in the store.
 */
export const indexSearches = (search: string | undefined): boolean => search === undefined || !/[\u0080-\uffff]/.test(search);

const foldAscii = (text: string) => text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

/** Compares as UTF-8 bytes do (code point order), not as UTF-16 units. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (code points above U+FFFF) sort after U+E000…U+FFFF.
      const rank = (c: number) => (c >= 0xd800 && c <= 0xdfff ? c + 0x2000 : c >= 0xe000 ? c - 0x800 : c);
      return rank(x) - rank(y);
    }
  }
  return a.length - b.length;
}

const BAND_RANK: Record<string, number> = { not_ready: 1, incomplete: 2, close: 3, ready: 4 };
/** `indexOf([...], band)`: 0 for a band outside the list. */
const bandRank = (band: string) => BAND_RANK[band] ?? 0;


type Value = (row: IndexRow) => number | string | null;
const SORT_VALUE: Record<PortfolioSort, Value> = {
  risk: (r) => r.risk,
  band: (r) => bandRank(r.band),
  graduation_score: (r) => r.graduation_score,
  usage_score: (r) => r.usage_score,
  ratio_daily: (r) => r.ratio_daily,
  ratio_weekly: (r) => r.ratio_weekly,
  ratio_monthly: (r) => r.ratio_monthly,
  relative_slope: (r) => r.relative_slope,
  red_flags: (r) => r.red_flags,
  account_id: (r) => r.account_id,
  account_name: (r) => r.account_name,
  csm: (r) => r.csm,
  product: (r) => r.product,
  product_type: (r) => r.product_type,
  as_of: (r) => r.as_of,
  scored_at: (r) => r.scored_at,
};

/** Characters whose UTF-16 order differs from their UTF-8 order (surrogates against U+E000…U+FFFF). */
const SURROGATE_OR_HIGH = /[\ud800-\uffff]/;

/**
 * Each row's rank among the column's distinct values (0 lowest), in the column's order:
 * numbers as numbers (a missing graduation score lowest: NULLS FIRST ascending, NULLS LAST
 * descending), strings in UTF-8 byte order.
 */
function sortKey(index: PortfolioIndex, sort: PortfolioSort): Float64Array {
  let keys = index.sortKeys.get(sort);
  if (keys) return keys;
  const values = index.rows.map(SORT_VALUE[sort]);
  let rank: Map<unknown, number>;
  if (values.some((v) => typeof v === 'string')) {
    const distinct = [...new Set(values as string[])];
    // Without those characters UTF-16 order is code point order, which the engine's byte order is.
    if (distinct.some((v) => SURROGATE_OR_HIGH.test(v))) distinct.sort(compareUtf8);
    else distinct.sort();
    rank = new Map(distinct.map((v, i) => [v, i]));
  } else {
    const distinct = Float64Array.from(new Set(values as (number | null)[]), (v) => v ?? -Infinity).sort();
    rank = new Map(Array.from(distinct, (v, i) => [v, i]));
    rank.set(null, 0);
  }
  keys = Float64Array.from(values, (v) => rank.get(v)!);
  index.sortKeys.set(sort, keys);
  return keys;
}

/** RISK_ORDER: risk DESC, band rank ASC, graduation score ASC NULLS FIRST, account id, product. */
function riskOrderOf(index: PortfolioIndex): { positions: Int32Array; rank: Int32Array } {
  if (index.risk) return index.risk;
  const [risk, band, score, account, product] = (['risk', 'band', 'graduation_score', 'account_id', 'product'] as const).map((s) => sortKey(index, s)) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const positions = Int32Array.from(index.rows.keys()).sort(
    (a, b) => risk[b]! - risk[a]! || band[a]! - band[b]! || score[a]! - score[b]! || account[a]! - account[b]! || product[a]! - product[b]!,
  );
  const rank = new Int32Array(positions.length);
  positions.forEach((position, i) => (rank[position] = i));
  index.orders.set('risk desc', positions);
  index.risk = { positions, rank };
  return index.risk;
}

/**
 * `ORDER BY value ASC NULLS FIRST | DESC NULLS LAST, RISK_ORDER`, or RISK_ORDER alone for
 * risk descending. Sorted as one number per row (the value's rank, then the row's place in
 * the risk order), which the engine's own numeric sort orders without a JavaScript comparator.
 */
function orderOf(index: PortfolioIndex, sort: PortfolioSort, order: SortOrder): Int32Array {
  const risk = riskOrderOf(index);
  const key = `${sort} ${order}`;
  let positions = index.orders.get(key);
  if (!positions) {
    const keys = sortKey(index, sort);
    const n = keys.length;
    const top = keys.reduce((max, k) => Math.max(max, k), 0);
    // Exact while (distinct values) x (rows) stays below 2^53.
    const combined = Float64Array.from(keys, (k, position) => (order === 'asc' ? k : top - k) * n + risk.rank[position]!).sort();
    positions = Int32Array.from(combined, (c) => risk.positions[c % n]!);
    index.orders.set(key, positions);
  }
  return positions;
}

/** The WHERE clause of transforms/portfolio.ts as a predicate (`asOf` is not the index's: it holds the latest rows). */
function predicate(filter: PortfolioFilter): (row: IndexRow) => boolean {
  const tests: ((row: IndexRow) => boolean)[] = [];
  const { accountId, product, productType, band, ready, flag, csm, needsAttention } = filter;
  if (accountId !== undefined) tests.push((r) => r.account_id === accountId);
  if (filter.search !== undefined && filter.search !== '') {
    const needle = foldAscii(filter.search);
    tests.push((r) => r.folded_id.includes(needle) || r.folded_name.includes(needle));
  }
  if (product !== undefined) tests.push((r) => r.product === product);
  if (productType !== undefined) tests.push((r) => r.product_type === productType);
  if (band !== undefined) tests.push((r) => r.band === band);
  if (ready !== undefined) tests.push((r) => r.ready === ready);
  if (flag !== undefined) tests.push((r) => r.flag_codes.includes(flag));
  if (csm !== undefined) tests.push((r) => r.csm === csm);
  if (needsAttention !== undefined) tests.push((r) => r.red_flags > 0 === needsAttention);
  return (row) => {
    for (const test of tests) if (!test(row)) return false;
    return true;
  };
}

async function loadIndex(store: Store): Promise<PortfolioIndex> {
  const rows = await store.query<LoadedRow>(
    `SELECT s.account_id AS account_id, s.product AS product, toString(s.as_of) AS as_of, s.product_type AS product_type,
            s.band AS band, s.ready AS ready, s.graduation_score AS graduation_score, s.usage_score AS usage_score,
            s.ratio_daily AS ratio_daily, s.ratio_weekly AS ratio_weekly, s.ratio_monthly AS ratio_monthly,
            s.relative_slope AS relative_slope, s.red_flags AS red_flags, s.flag_codes AS flag_codes, s.csm AS csm,
            s.account_name AS account_name, s.risk AS risk, toUnixTimestamp64Milli(s.scored_at) AS scored_at
     FROM {db}.readiness_latest AS s FINAL`,
  );
  return {
    latestDay: new Map(rows.map((r) => [latestKey(r.account_id, r.product), r.as_of])),
    rows: rows.map((r) => ({
      ...r,
      ready: Number(r.ready) === 1,
      red_flags: Number(r.red_flags),
      scored_at: Number(r.scored_at),
      folded_id: foldAscii(r.account_id),
      folded_name: foldAscii(r.account_name),
    })),
    sortKeys: new Map(),
    orders: new Map(),
    selections: new LRUCache({ max: 256 }),
  };
}

/** Every field of a filter, in a fixed order; listing them here is checked, so a new filter field cannot be left out of cache keys. */
const FILTER_FIELDS = {
  asOf: true,
  accountId: true,
  search: true,
  product: true,
  productType: true,
  band: true,
  ready: true,
  flag: true,
  csm: true,
  needsAttention: true,
} as const satisfies Record<keyof PortfolioFilter, true>;

/** A key equal for two filters exactly when they select the same rows. */
export const filterKey = (filter: PortfolioFilter): string =>
  JSON.stringify((Object.keys(FILTER_FIELDS) as Array<keyof PortfolioFilter>).map((field) => filter[field] ?? null));

export const latestKey = (accountId: string, product: string) => `${accountId}\u0000${product}`;

/** The index of the embedded store, loaded on first use after each write. */
export const portfolioIndex = (store: Store): Promise<PortfolioIndex> => heldRead(store, 'portfolio-index', () => loadIndex(store));

/**
 * One page of the latest rows (every match without `limit`): their keys in
 * order, the number of matches and the latest day among them.
 */
export function selectFromIndex(
  index: PortfolioIndex,
  query: PortfolioFilter & { sort?: PortfolioSort; order?: SortOrder; limit?: number; offset?: number },
): IndexSelection {
  const sort = query.sort ?? 'risk';
  const order = query.order ?? (sort === 'risk' ? 'desc' : 'asc');
  const selectionKey = JSON.stringify([sort, order, filterKey(query)]);
  let selection = index.selections.get(selectionKey);
  if (!selection) {
    const matches = predicate(query);
    const positions: number[] = [];
    let latest: string | null = null;
    for (const position of orderOf(index, sort, order)) {
      const row = index.rows[position]!;
      if (!matches(row)) continue;
      positions.push(position);
      if (latest === null || row.as_of > latest) latest = row.as_of;
    }
    selection = { positions: Int32Array.from(positions), as_of: latest };
    index.selections.set(selectionKey, selection);
  }
  const first = query.offset ?? 0;
  const page = query.limit === undefined ? selection.positions.subarray(first) : selection.positions.subarray(first, first + query.limit);
  return {
    total: selection.positions.length,
    as_of: selection.as_of,
    keys: Array.from(page, (position) => ({ account_id: index.rows[position]!.account_id, product: index.rows[position]!.product })),
  };
}
