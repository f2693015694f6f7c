import { DIMENSIONS, type Dimension, type Weights } from '../schemas/products.js';
import { round } from './rounding.js';

/**
 * The graduation scorecard: Σ weight × dimension score (weights in percent),
 * rounded to 2 decimals; bands on that rounded value: ready ≥ 8.0, close ≥ 6.0,
 * not_ready below; `incomplete` (score null) while any dimension has no score.
 * Ready only when the band is ready, every dimension is ≥ 7 and no red flag is open.
 */

export type Band = 'ready' | 'close' | 'not_ready' | 'incomplete';

export const READY_BAND_MIN = 8;
export const CLOSE_BAND_MIN = 6;
export const GREEN_DIMENSION_MIN = 7;

export type DimensionSource = 'assessment' | 'telemetry' | 'override';

export interface DimensionScore {
  score: number | null;
  weight: number;
  source: DimensionSource | null;
  assessed_by?: string;
  assessed_at?: string;
  evidence?: string;
  reason?: string;
}

export interface Graduation {
  score: number | null;
  band: Band;
  ready: boolean;
  dimensions: Record<Dimension, DimensionScore>;
  missing: Dimension[];
  /** Why `ready` is false, in words (empty when ready). */
  blockers: string[];
}

export function bandOf(score: number | null): Band {
  if (score === null) return 'incomplete';
  if (score >= READY_BAND_MIN) return 'ready';
  if (score >= CLOSE_BAND_MIN) return 'close';
  return 'not_ready';
}

/** Weighted score, or null when a dimension is missing. */
export function weightedScore(scores: Readonly<Record<Dimension, number | null>>, weights: Weights): number | null {
  let sum = 0;
  for (const d of DIMENSIONS) {
    const s = scores[d];
    if (s === null) return null;
    sum += weights[d] * s;
  }
  return round(sum / 100, 2);
}

export function graduation(
  dimensions: Readonly<Record<Dimension, Omit<DimensionScore, 'weight'>>>,
  weights: Weights,
  openRedFlags: readonly string[],
): Graduation {
  const full = Object.fromEntries(DIMENSIONS.map((d) => [d, { ...dimensions[d], weight: weights[d] }])) as Record<Dimension, DimensionScore>;
  const scores = Object.fromEntries(DIMENSIONS.map((d) => [d, full[d].score])) as Record<Dimension, number | null>;
  const missing = DIMENSIONS.filter((d) => scores[d] === null);
  const score = weightedScore(scores, weights);
  const band = bandOf(score);
  const blockers: string[] = [];
  if (missing.length > 0) blockers.push(`no score yet for ${missing.join(', ')}`);
  else if (band !== 'ready') blockers.push(`score ${score} is below ${READY_BAND_MIN.toFixed(1)}`);
  const notGreen = DIMENSIONS.filter((d) => scores[d] !== null && (scores[d] as number) < GREEN_DIMENSION_MIN);
  if (notGreen.length > 0) blockers.push(`below ${GREEN_DIMENSION_MIN}: ${notGreen.map((d) => `${d} ${scores[d]}`).join(', ')}`);
  if (openRedFlags.length > 0) blockers.push(`red flags open: ${openRedFlags.join(', ')}`);
  return { score, band, ready: blockers.length === 0, dimensions: full, missing, blockers };
}
