import type { FlagCode } from '../schemas/flags.js';
import { round } from './rounding.js';

/**
 * Plain-language phrases for numbers a person reads: ratios as whole
 * percentages of seats, trends as a weekly percentage, ages in days. Flag
 * messages, risk reasons and explanations all say a number the same way.
 */

/** 0.1632 → "16%"; 0.005 → "0.5%" (small shares keep a decimal so they do not read as zero). */
export function percent(share: number): string {
  const p = share * 100;
  if (p !== 0 && Math.abs(p) < 1) return `${round(p, 1)}%`;
  return `${Math.round(p)}%`;
}

const RATIO_LABEL = { daily: 'Daily active', weekly: 'Weekly active', monthly: 'Monthly active' } as const;
export type RatioWindow = keyof typeof RATIO_LABEL;

/** "Weekly active 16% of 25 seats, needs 40%". */
export function ratioPhrase(window: RatioWindow, value: number, seats: number, needs: number): string {
  return `${RATIO_LABEL[window]} ${percent(value)} of ${seats} seat${seats === 1 ? '' : 's'}, needs ${percent(needs)}`;
}

/** "down 19% a week over 6 weeks", "up 4% a week over 6 weeks", "flat over 6 weeks". */
export function trendPhrase(relativeSlope: number, weeks: number): string {
  const p = Math.round(Math.abs(relativeSlope) * 100);
  if (p === 0) return `flat over ${weeks} weeks`;
  return `${relativeSlope < 0 ? 'down' : 'up'} ${p}% a week over ${weeks} weeks`;
}

/** "1 day", "12 days". */
export function days(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`;
}

/** How long a flag has been open on `asOf`: "new today", "open 1 day", "open 12 days". */
export function openFor(openDays: number): string {
  return openDays <= 0 ? 'new today' : `open ${days(openDays)}`;
}

/** "a, b and c". */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** What each flag is called where a person reads it. */
export const FLAG_TITLES: Record<FlagCode, string> = {
  low_engagement: 'Low engagement',
  declining_usage: 'Declining usage',
  usage_below_threshold: 'Usage below threshold',
  core_features_unused: 'Core features unused',
  champion_inactive: 'Champion inactive',
  key_users_inactive: 'Key users inactive',
  workflow_failures: 'Workflow failures',
  onboarding_overdue: 'Onboarding overdue',
};
