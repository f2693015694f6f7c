import { FLAG_CODES, type FlagCode } from '../schemas/flags.js';
import { PROFILES, type Profile, type ProductsConfig } from '../schemas/products.js';
import { round } from './rounding.js';
import type { Band } from './scorecard.js';

/**
 * Per product type: accounts per band, how many are ready and how many need
 * attention, the median of each ratio, the share of accounts with each flag
 * open, and the weekly usage trend (per type and per product) the store computes.
 */

/** One week of a usage trend (computed in the store: transforms/usage-trends.ts). */
export interface TrendWeek {
  week_end: string;
  accounts: number;
  /** Weekly-active ratio across the accounts: median and interquartile range. */
  weekly_ratio: { p25: number; median: number; p75: number };
  /** Median relative slope of the six weekly windows ending that week. */
  median_relative_slope: number;
  /** Share (0…1) of the accounts whose usage is declining by the `declining_usage` rule. */
  share_declining: number;
}

export interface ProductTypeRollup {
  product_type: Profile;
  accounts: number;
  /** Ready to graduate (`graduation.ready`). */
  ready: number;
  /** With any red flag open. */
  needs_attention: number;
  bands: Record<Band, number>;
  median_ratios: { daily: number | null; weekly: number | null; monthly: number | null };
  /** Share (0…1) of this type's accounts with each flag open. */
  flag_share: Record<FlagCode, number>;
  /** The last weeks, oldest first (empty until trends are attached). */
  trend: TrendWeek[];
  /** The same trend per product of this type. */
  products: Array<{ product: string; trend: TrendWeek[] }>;
}

/** What the store counts per product type over the latest snapshots (transforms/product-type-counts.ts). */
export interface ProductTypeCountsRow {
  product_type: string;
  /** Latest scored day among this type's snapshots. */
  as_of: string;
  accounts: number;
  ready: number;
  needs_attention: number;
  bands: Record<Band, number>;
  /** Account-products with each flag open. */
  flag_counts: Record<FlagCode, number>;
  /** The middle element(s) of each ratio column sorted ascending: the same element twice when `accounts` is odd. */
  middle_ratios: Record<'daily' | 'weekly' | 'monthly', readonly [number, number]>;
}

/** The median from the middle element(s) of a sorted column of `n` values, rounded to 4 decimals. */
export function medianOfMiddle([low, high]: readonly [number, number], n: number): number | null {
  if (n === 0) return null;
  const m = n % 2 === 1 ? low : (low + high) / 2;
  return Math.round(m * 10_000) / 10_000;
}

const share = (count: number, of: number) => Math.round((count / of) * 10_000) / 10_000;

/** The rollup of each product type that has account-products, in the profiles' order. */
export function rollupByProductType(rows: readonly ProductTypeCountsRow[]): ProductTypeRollup[] {
  const out: ProductTypeRollup[] = [];
  for (const type of PROFILES) {
    const row = rows.find((r) => r.product_type === type);
    if (!row || row.accounts === 0) continue;
    const n = row.accounts;
    out.push({
      product_type: type,
      accounts: n,
      ready: row.ready,
      needs_attention: row.needs_attention,
      bands: { ...row.bands },
      median_ratios: {
        daily: medianOfMiddle(row.middle_ratios.daily, n),
        weekly: medianOfMiddle(row.middle_ratios.weekly, n),
        monthly: medianOfMiddle(row.middle_ratios.monthly, n),
      },
      flag_share: Object.fromEntries(FLAG_CODES.map((code) => [code, share(row.flag_counts[code], n)])) as Record<FlagCode, number>,
      trend: [],
      products: [],
    });
  }
  return out;
}

/** A row of the store's trend query (transforms/usage-trends.ts). */
export interface TrendInputRow {
  level: 'product_type' | 'product';
  key: string;
  week_end: string;
  accounts: number;
  ratio_p25: number;
  ratio_median: number;
  ratio_p75: number;
  median_relative_slope: number;
  share_declining: number;
}

const week = (r: TrendInputRow): TrendWeek => ({
  week_end: r.week_end,
  accounts: r.accounts,
  weekly_ratio: { p25: round(r.ratio_p25, 4), median: round(r.ratio_median, 4), p75: round(r.ratio_p75, 4) },
  median_relative_slope: round(r.median_relative_slope, 4),
  share_declining: round(r.share_declining, 4),
});

/** Puts each type's and each product's weekly series (oldest first) into the rollups. */
export function withTrends(rollups: readonly ProductTypeRollup[], rows: readonly TrendInputRow[], products: ProductsConfig): ProductTypeRollup[] {
  const series = (level: TrendInputRow['level'], key: string) =>
    rows
      .filter((r) => r.level === level && r.key === key)
      .map(week)
      .sort((a, b) => (a.week_end < b.week_end ? -1 : 1));
  return rollups.map((r) => ({
    ...r,
    trend: series('product_type', r.product_type),
    products: Object.values(products.products)
      .filter((p) => p.profile === r.product_type)
      .map((p) => ({ product: p.name, trend: series('product', p.name) }))
      .filter((p) => p.trend.length > 0),
  }));
}

/** The products file's `declining_usage` rule per product, for the store's trend query. */
export function trendRules(products: ProductsConfig): Array<{ product: string; profile: string; decliningRelativeSlope: number | null; decliningMinNonzeroWindows: number }> {
  return Object.values(products.products).map((p) => ({
    product: p.name,
    profile: p.profile,
    decliningRelativeSlope: p.thresholds.declining_relative_slope,
    decliningMinNonzeroWindows: p.thresholds.declining_min_nonzero_windows,
  }));
}
