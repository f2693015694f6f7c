import { z } from 'zod';

/**
 * Days and instants, checked field by field against the calendar. `Date.parse` alone is not
 * enough: V8 rolls `2026-02-30` over to March 2nd and `2026-04-31` to May 1st, so a typo
 * would silently become another day.
 */

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The earliest instant accepted unless a caller sets another bound: older values are almost always epoch seconds sent as milliseconds. */
export const DEFAULT_MIN_INSTANT = '2000-01-01';
export const DEFAULT_MIN_INSTANT_MS = Date.UTC(2000, 0, 1);

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Epoch ms of a real UTC calendar day `YYYY-MM-DD`, or undefined (2026-02-30, 2026-13-01). */
function calendarDayMs(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear keeps the year as written.
  return year < 100 ? new Date(ms).setUTCFullYear(year) : ms;
}

/** The outcome of reading an instant: its epoch milliseconds, or why it is not one. */
export type InstantReading = { ok: true; ms: number } | { ok: false; problem: string };

/**
 * Reads ISO-8601 text (`2026-03-01T09:30:00Z`, `2026-03-01 09:30:00+01:00`, `2026-03-01`) checking
 * every field against the calendar and the clock. A bare day is its UTC midnight; a date-time
 * without a zone is UTC unless `zoneRequired`.
 */
export function readInstant(text: string, zoneRequired = false): InstantReading {
  const m = INSTANT_PATTERN.exec(text);
  if (!m) return { ok: false, problem: 'must be ISO-8601 (e.g. 2026-03-01T09:30:00Z) or a day YYYY-MM-DD' };
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const dayMs = calendarDayMs(Number(y), Number(mo), Number(d));
  if (dayMs === undefined) return { ok: false, problem: `${y}-${mo}-${d} is not a real calendar day` };
  if (h === undefined) return { ok: true, ms: dayMs };
  if (zone === undefined && zoneRequired) {
    return { ok: false, problem: 'must carry a zone (e.g. 2026-03-01T09:30:00Z or +01:00)' };
  }
  const hours = Number(h);
  const minutes = Number(mi);
  const seconds = s === undefined ? 0 : Number(s);
  if (hours > 23 || minutes > 59 || seconds > 59) return { ok: false, problem: `${h}:${mi}${s === undefined ? '' : `:${s}`} is not a time of day` };
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return { ok: false, problem: `${zone} is not a UTC offset` };
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const millis = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  return { ok: true, ms: dayMs + ((hours * 60 + minutes - offsetMinutes) * 60 + seconds) * 1000 + millis };
}

/** Where an instant may lie: not before `minMs`, not later than now + `maxFutureSkewMs` (no upper bound when omitted). */
export interface InstantBounds {
  minMs: number;
  maxFutureSkewMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** Why `ms` lies outside `bounds`, or undefined when it lies inside. */
export function instantOutOfBounds(ms: number, bounds: InstantBounds): { code: 'too_early' | 'too_late'; problem: string } | undefined {
  if (ms < bounds.minMs) {
    return { code: 'too_early', problem: `is before ${new Date(bounds.minMs).toISOString().slice(0, 10)} (epoch seconds sent as milliseconds?)` };
  }
  if (bounds.maxFutureSkewMs !== undefined) {
    const now = (bounds.now ?? Date.now)();
    if (ms > now + bounds.maxFutureSkewMs) {
      return { code: 'too_late', problem: `${new Date(ms).toISOString()} is more than ${bounds.maxFutureSkewMs} ms in the future` };
    }
  }
  return undefined;
}

/**
 * An instant as text, zone required, real calendar date-time, within `bounds`. Output stays the
 * text as given; `instantMs` reads it.
 */
export function boundedInstantSchema(bounds: InstantBounds) {
  return z.string().superRefine((s, ctx) => {
    const read = readInstant(s, true);
    if (!read.ok) {
      ctx.addIssue({ code: 'custom', message: read.problem });
      return;
    }
    const out = instantOutOfBounds(read.ms, bounds);
    if (out) ctx.addIssue({ code: 'custom', message: out.problem });
  });
}

/** ISO-8601 instant with an explicit zone, or a bare day (its UTC midnight); not before 2000-01-01. */
export const instantSchema = boundedInstantSchema({ minMs: DEFAULT_MIN_INSTANT_MS });

/**
 * Epoch milliseconds of an instant accepted by one of the schemas above; NaN for anything else, so
 * a refinement chained after a failed check (zod runs them all) fails instead of throwing.
 */
export function instantMs(s: string): number {
  const read = readInstant(s);
  return read.ok ? read.ms : Number.NaN;
}

/** A UTC calendar day as `YYYY-MM-DD`, checked to be a real date (no 2026-02-30, no 2026-02-29). */
export const daySchema = z.string().superRefine((s, ctx) => {
  const m = DAY_PATTERN.exec(s);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: 'must be a day as YYYY-MM-DD' });
    return;
  }
  if (calendarDayMs(Number(m[1]), Number(m[2]), Number(m[3])) === undefined) {
    ctx.addIssue({ code: 'custom', message: 'is not a real calendar day' });
  }
});

export type Day = z.output<typeof daySchema>;

/** A calendar day whose UTC midnight lies within `bounds` (a day past the range the store holds would wrap around). */
export function boundedDaySchema(bounds: InstantBounds) {
  return daySchema.superRefine((s, ctx) => {
    const ms = instantMs(s);
    // Not a day at all: daySchema said so.
    if (Number.isNaN(ms)) return;
    const out = instantOutOfBounds(ms, bounds);
    if (out) ctx.addIssue({ code: 'custom', message: out.problem });
  });
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
