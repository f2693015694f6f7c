import type { TrendInputRow } from '../scoring/rollup.js';
import type { Store } from './store.js';

/**
 * Usage trends per product type and per product, computed in ClickHouse from
 * the daily aggregates: for each of the last `weeks` week ends (D, D-7, …),
 * over the account-products onboarding by then, the median and interquartile
 * range of the weekly-active ratio (distinct users in the 7 days ending there
 * / licensed seats), the median relative slope of the six weekly windows ending
 * there (the report's trend definition) and the share of them declining by the
 * product's `declining_usage` rule.
 */

export const TREND_WEEKS = 12;
/** Weekly windows needed: the last week's six trend windows reach 12 + 5 weeks back. */
const WINDOWS = TREND_WEEKS + 5;

/** The `declining_usage` rule of one product, as the scoring reads it from the products file. */
export interface ProductTrendRule {
  product: string;
  profile: string;
  /** Relative slope at or below which usage is declining; null: the rule is off. */
  decliningRelativeSlope: number | null;
  decliningMinNonzeroWindows: number;
}

const TRENDS_SQL = `
SELECT g.1 AS level, g.2 AS key, toString({as_of:Date} - 7 * k) AS week_end,
       count() AS accounts,
       quantilesExactInclusive(0.25, 0.5, 0.75)(ratio) AS ratio_q,
       quantileExactInclusive(0.5)(rel) AS median_rel,
       avg(declining) AS share_declining
FROM (
  SELECT c.product AS product,
         transform(c.product, {products:Array(String)}, {profiles:Array(String)}, '') AS profile,
         arrayResize(w.windows, ${WINDOWS}, 0) AS wins,
         arrayJoin(range(${TREND_WEEKS})) AS k,
         wins[k + 1] / c.licensed_seats AS ratio,
         -- The six windows ending at week k, oldest first, as the report's trend reads them.
         arrayReverse(arraySlice(wins, k + 1, 6)) AS ys,
         arraySum(ys) / 6 AS mean_users,
         arraySum(arrayMap((y, x) -> (x - 2.5) * (y - mean_users), ys, [0, 1, 2, 3, 4, 5])) / 17.5 AS slope,
         if(mean_users = 0, 0, slope / mean_users) AS rel,
         transform(c.product, {products:Array(String)}, {declining_on:Array(UInt8)}, 0) = 1
           AND arrayCount(y -> y > 0, ys) >= transform(c.product, {products:Array(String)}, {min_nonzero:Array(UInt8)}, 0)
           AND rel <= transform(c.product, {products:Array(String)}, {declining_at:Array(Float64)}, 0) AS declining
  FROM (SELECT account_id, product, licensed_seats, onboarding_started_at FROM {db}.accounts FINAL) AS c
  LEFT JOIN (
    SELECT a.account_id AS account_id, a.product AS product,
           uniqExactMergeResample(0, ${WINDOWS * 7}, 7)(a.users, toUInt32(dateDiff('day', a.day, {as_of:Date}))) AS windows
    FROM {db}.daily_activity AS a
    WHERE a.day BETWEEN {as_of:Date} - ${WINDOWS * 7 - 1} AND {as_of:Date}
    GROUP BY a.account_id, a.product
  ) AS w ON w.account_id = c.account_id AND w.product = c.product
  WHERE has({products:Array(String)}, c.product) AND c.licensed_seats > 0
    AND c.onboarding_started_at <= {as_of:Date} - 7 * k
)
ARRAY JOIN [('product_type', profile), ('product', product)] AS g
GROUP BY level, key, k
ORDER BY level, key, k DESC`;

type Num = number | string;

export async function readUsageTrends(store: Store, asOf: string, rules: readonly ProductTrendRule[]): Promise<TrendInputRow[]> {
  if (rules.length === 0) return [];
  const rows = await store.query<{ level: TrendInputRow['level']; key: string; week_end: string; accounts: Num; ratio_q: Num[]; median_rel: Num; share_declining: Num }>(
    TRENDS_SQL,
    {
      as_of: asOf,
      products: rules.map((r) => r.product),
      profiles: rules.map((r) => r.profile),
      declining_on: rules.map((r) => (r.decliningRelativeSlope === null ? 0 : 1)),
      declining_at: rules.map((r) => r.decliningRelativeSlope ?? 0),
      min_nonzero: rules.map((r) => r.decliningMinNonzeroWindows),
    },
  );
  return rows.map((r) => ({
    level: r.level,
    key: r.key,
    week_end: r.week_end,
    accounts: Number(r.accounts),
    ratio_p25: Number(r.ratio_q[0]),
    ratio_median: Number(r.ratio_q[1]),
    ratio_p75: Number(r.ratio_q[2]),
    median_relative_slope: Number(r.median_rel),
    share_declining: Number(r.share_declining),
  }));
}
