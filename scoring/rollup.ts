import { FLAG_CODES, type FlagCode } from '../schemas/flags.js';
import { PROFILES, type Profile } from '../schemas/products.js';
import type { ReadinessReport } from './report.js';
import type { Band } from './scorecard.js';

/** Per product type: accounts per band, the median of each ratio, the share of accounts with each flag open. */

export interface ProductTypeRollup {
  product_type: Profile;
  accounts: number;
  ready: number;
  bands: Record<Band, number>;
  median_ratios: { daily: number | null; weekly: number | null; monthly: number | null };
  /** Share (0…1) of this type's accounts with each flag open. */
  flag_share: Record<FlagCode, number>;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const m = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return Math.round(m * 10_000) / 10_000;
}

export function rollupByProductType(reports: readonly ReadinessReport[]): ProductTypeRollup[] {
  const out: ProductTypeRollup[] = [];
  for (const type of PROFILES) {
    const rs = reports.filter((r) => r.product_type === type);
    if (rs.length === 0) continue;
    const bands: Record<Band, number> = { ready: 0, close: 0, not_ready: 0, incomplete: 0 };
    for (const r of rs) bands[r.graduation.band]++;
    const flagShare = Object.fromEntries(
      FLAG_CODES.map((code) => [code, Math.round((rs.filter((r) => r.flags.some((f) => f.code === code)).length / rs.length) * 10_000) / 10_000]),
    ) as Record<FlagCode, number>;
    out.push({
      product_type: type,
      accounts: rs.length,
      ready: rs.filter((r) => r.graduation.ready).length,
      bands,
      median_ratios: {
        daily: median(rs.map((r) => r.ratios.daily)),
        weekly: median(rs.map((r) => r.ratios.weekly)),
        monthly: median(rs.map((r) => r.ratios.monthly)),
      },
      flag_share: flagShare,
    });
  }
  return out;
}
