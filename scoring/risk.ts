import type { FlagCode } from '../schemas/flags.js';
import type { Profile } from '../schemas/products.js';
import type { ReadinessReport } from './report.js';
import type { Band } from './scorecard.js';

/** Filtering and risk ordering of reports: the accounts needing attention first. */

export interface ReportFilters {
  accountId?: string;
  product?: string;
  productType?: Profile;
  band?: Band;
  /** Only reports with this flag open. */
  flag?: FlagCode;
  ready?: boolean;
}

export function matchesFilters(r: ReadinessReport, f: ReportFilters): boolean {
  return (
    (f.accountId === undefined || r.account_id === f.accountId) &&
    (f.product === undefined || r.product === f.product) &&
    (f.productType === undefined || r.product_type === f.productType) &&
    (f.band === undefined || r.graduation.band === f.band) &&
    (f.flag === undefined || r.flags.some((x) => x.code === f.flag)) &&
    (f.ready === undefined || r.graduation.ready === f.ready)
  );
}

const BAND_RISK: Record<Band, number> = { not_ready: 0, incomplete: 1, close: 2, ready: 3 };

/**
 * Risk order: more open red flags first, then worse band, then lower
 * graduation score (missing first), lower usage score, then by id for stability.
 */
export function compareByRisk(a: ReadinessReport, b: ReadinessReport): number {
  const reds = (r: ReadinessReport) => r.flags.filter((f) => f.severity === 'red').length;
  return (
    reds(b) - reds(a) ||
    Number(a.graduation.ready) - Number(b.graduation.ready) ||
    BAND_RISK[a.graduation.band] - BAND_RISK[b.graduation.band] ||
    (a.graduation.score ?? -1) - (b.graduation.score ?? -1) ||
    a.usage.score - b.usage.score ||
    a.flags.length - b.flags.length ||
    (a.account_id < b.account_id ? -1 : a.account_id > b.account_id ? 1 : 0) ||
    (a.product < b.product ? -1 : a.product > b.product ? 1 : 0)
  );
}
