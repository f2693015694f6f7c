import type { Completion } from './completion.js';
import { round } from './rounding.js';

/**
 * usage.score (0…10), monotone in every criterion:
 *
 *   base  = 8 × mean(attainment)                     (8 exactly when every criterion is met)
 *   bonus = 2 × mean(headroom)   if every criterion is met, else 0
 *   score = base + bonus, capped at `redFlagCap` (< 8) while a red flag is open, rounded to 2 decimals.
 *
 * Attainment and headroom are non-decreasing in each metric, so the score never
 * drops when a metric improves; meeting every criterion gives at least 8.
 */
export function usageScore(completion: Completion, options: { redFlagOpen: boolean; redFlagCap: number }): number {
  const n = completion.criteria.length;
  if (n === 0) return options.redFlagOpen ? options.redFlagCap : 10;
  const meanAttainment = completion.criteria.reduce((s, c) => s + c.attainment, 0) / n;
  const meanHeadroom = completion.criteria.reduce((s, c) => s + c.headroom, 0) / n;
  const allMet = completion.criteria.every((c) => c.met);
  let score = 8 * meanAttainment + (allMet ? 2 * meanHeadroom : 0);
  if (options.redFlagOpen) score = Math.min(score, options.redFlagCap);
  return round(Math.min(10, Math.max(0, score)), 2);
}
