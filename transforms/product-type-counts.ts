import { FLAG_CODES } from '../schemas/flags.js';
import type { ProductTypeCountsRow } from '../scoring/rollup.js';
import type { Store } from './store.js';

/**
 * Per product type, the counts and middle ratios the product-type rollup
 * needs, computed in ClickHouse from the typed columns of the latest snapshot
 * per account-product (or of one day's snapshots), so no report JSON is read
 * and nothing grows with the portfolio in the process. The medians come back
 * as the middle element(s) of each sorted ratio column, and scoring/ averages
 * them exactly as it always has.
 */

const SQL = (source: string, where: string) => `
SELECT s.product_type AS product_type,
       count() AS accounts,
       countIf(s.ready = 1) AS ready,
       countIf(s.red_flags > 0) AS needs_attention,
       countIf(s.band = 'ready') AS band_ready,
       countIf(s.band = 'close') AS band_close,
       countIf(s.band = 'not_ready') AS band_not_ready,
       countIf(s.band = 'incomplete') AS band_incomplete,
       sumForEach(arrayMap(code -> toUInt64(has(s.flag_codes, code)), {flag_codes:Array(String)})) AS flag_counts,
       arraySort(groupArray(s.ratio_daily)) AS daily,
       arraySort(groupArray(s.ratio_weekly)) AS weekly,
       arraySort(groupArray(s.ratio_monthly)) AS monthly,
       [daily[intDiv(accounts + 1, 2)], daily[intDiv(accounts, 2) + 1]] AS daily_middle,
       [weekly[intDiv(accounts + 1, 2)], weekly[intDiv(accounts, 2) + 1]] AS weekly_middle,
       [monthly[intDiv(accounts + 1, 2)], monthly[intDiv(accounts, 2) + 1]] AS monthly_middle,
       toString(max(s.as_of)) AS as_of
FROM ${source} ${where}
GROUP BY s.product_type`;

interface Row {
  product_type: string;
  accounts: string | number;
  ready: string | number;
  needs_attention: string | number;
  band_ready: string | number;
  band_close: string | number;
  band_not_ready: string | number;
  band_incomplete: string | number;
  flag_counts: Array<string | number>;
  daily_middle: [number, number];
  weekly_middle: [number, number];
  monthly_middle: [number, number];
  as_of: string;
}

/** Counts per product type of the latest snapshots, or of the snapshots of day `asOf`. */
export async function readProductTypeCounts(store: Store, asOf?: string): Promise<ProductTypeCountsRow[]> {
  const rows = await store.query<Row>(
    asOf === undefined
      ? SQL('{db}.readiness_latest AS s FINAL', '')
      : SQL('{db}.readiness_snapshots AS s FINAL', 'WHERE s.as_of = {as_of:Date}'),
    { flag_codes: [...FLAG_CODES], ...(asOf === undefined ? {} : { as_of: asOf }) },
  );
  return rows.map((r) => ({
    product_type: r.product_type,
    as_of: r.as_of,
    accounts: Number(r.accounts),
    ready: Number(r.ready),
    needs_attention: Number(r.needs_attention),
    bands: { ready: Number(r.band_ready), close: Number(r.band_close), not_ready: Number(r.band_not_ready), incomplete: Number(r.band_incomplete) },
    flag_counts: Object.fromEntries(FLAG_CODES.map((code, i) => [code, Number(r.flag_counts[i] ?? 0)])) as ProductTypeCountsRow['flag_counts'],
    middle_ratios: { daily: r.daily_middle, weekly: r.weekly_middle, monthly: r.monthly_middle },
  }));
}
