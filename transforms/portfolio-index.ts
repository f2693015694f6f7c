import { heldRead } from './read-cache.js';
import type { PortfolioFilter, PortfolioSort, SortOrder } from './portfolio.js';
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

interface IndexRow {
  account_id: string;
  product: string;
  as_of: string;
  product_type: string;
  band: string;
  ready: boolean;
  graduation_score: number | null;
  usage_score: number;
  ratio_daily: number;
  ratio_weekly: number;
  ratio_monthly: number;
  relative_slope: number;
  red_flags: number;
  flag_codes: readonly string[];
  csm: string;
  account_name: string;
  risk: number;
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
  /** Row positions in each requested order, computed on first use. */
  readonly orders: Map<string, Int32Array>;
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

const compareNumbers = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);
/** ASC NULLS FIRST. */
const compareNullable = (a: number | null, b: number | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : compareNumbers(a, b));

/** RISK_ORDER: risk DESC, band rank ASC, graduation score ASC NULLS FIRST, account id, product. */
function compareByRisk(a: IndexRow, b: IndexRow): number {
  return (
    compareNumbers(b.risk, a.risk) ||
    bandRank(a.band) - bandRank(b.band) ||
    compareNullable(a.graduation_score, b.graduation_score) ||
    compareUtf8(a.account_id, b.account_id) ||
    compareUtf8(a.product, b.product)
  );
}

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

/** Ascending, NULLS FIRST (only the graduation score can be null). */
function compareValues(a: number | string | null, b: number | string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return typeof a === 'string' && typeof b === 'string' ? compareUtf8(a, b) : compareNumbers(a as number, b as number);
}

/** `ORDER BY value ASC NULLS FIRST | DESC NULLS LAST, RISK_ORDER`, or RISK_ORDER alone for risk descending. */
function comparator(sort: PortfolioSort, order: SortOrder): (a: IndexRow, b: IndexRow) => number {
  if (sort === 'risk' && order === 'desc') return compareByRisk;
  const value = SORT_VALUE[sort];
  const sign = order === 'asc' ? 1 : -1;
  return (a, b) => sign * compareValues(value(a), value(b)) || compareByRisk(a, b);
}

function orderOf(index: PortfolioIndex, sort: PortfolioSort, order: SortOrder): Int32Array {
  const key = `${sort} ${order}`;
  let positions = index.orders.get(key);
  if (!positions) {
    const compare = comparator(sort, order);
    const { rows } = index;
    positions = Int32Array.from(rows.keys()).sort((a, b) => compare(rows[a]!, rows[b]!));
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
  return (row) => tests.every((test) => test(row));
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
    orders: new Map(),
  };
}

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
  const positions = orderOf(index, sort, query.order ?? (sort === 'risk' ? 'desc' : 'asc'));
  const matches = predicate(query);
  const first = query.offset ?? 0;
  const end = query.limit === undefined ? Infinity : first + query.limit;
  const keys: IndexSelection['keys'] = [];
  let total = 0;
  let latest: string | null = null;
  for (const position of positions) {
    const row = index.rows[position]!;
    if (!matches(row)) continue;
    if (total >= first && total < end) keys.push({ account_id: row.account_id, product: row.product });
    total++;
    if (latest === null || row.as_of > latest) latest = row.as_of;
  }
  return { total, as_of: latest, keys };
}
