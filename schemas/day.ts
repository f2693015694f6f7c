import { z } from 'zod';

/** A UTC calendar day as `YYYY-MM-DD`, checked to be a real date (no 2026-02-30). */
export const daySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD')
  .refine((s) => {
    const t = Date.parse(`${s}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
  }, 'is not a real calendar day');

export type Day = z.output<typeof daySchema>;

/** ISO-8601 instant with an explicit zone, or a bare day (read as its UTC midnight). */
export const instantSchema = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/,
    'must be ISO-8601 with a zone (e.g. 2026-03-01T09:30:00Z) or a day YYYY-MM-DD',
  )
  .refine((s) => Number.isFinite(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s.replace(' ', 'T'))), 'is not a valid date');

/** Epoch milliseconds of an accepted instant. */
export function instantMs(s: string): number {
  return Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s.replace(' ', 'T'));
}

/** Today's UTC day. */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** `day` shifted by `n` days (negative: earlier). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** 0 = Sunday … 6 = Saturday, in UTC. */
export function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}
