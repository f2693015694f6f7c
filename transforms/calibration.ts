import type { CountRow, GraduationDay, GraduationRow } from '../scoring/index.js';
import type { Store } from './store.js';

/**
 * Calibration in ClickHouse: each account-product with an outcome joined to
 * its readiness snapshot at graduation, then counted (accounts, retained) per
 * band, per criterion met or not, per flag open or not, on time or late, and
 * per threshold sweep candidate — one grouped query over one relation.
 */

export interface GraduationParams {
  /** Graduation day without `graduated_at`: onboarding start + this many days. */
  graduationAgeDays: number;
  /** The snapshot used is the latest within this many days up to the graduation day. */
  snapshotToleranceDays: number;
  retainedOutcomes: readonly string[];
}

/** Outcomes with their graduation day (from `graduated_at`, else onboarding start + age). */
const GRADUATIONS = `
  o AS (
    SELECT account_id, product, argMax(outcome, loaded_at) AS outcome, argMax(graduated_at, loaded_at) AS graduated_at
    FROM {db}.outcomes GROUP BY account_id, product),
  a AS (
    SELECT account_id, product, argMax(onboarding_started_at, loaded_at) AS started,
           argMax(target_graduation_date, loaded_at) AS target
    FROM {db}.accounts GROUP BY account_id, product),
  g AS (
    SELECT o.account_id AS account_id, o.product AS product, o.outcome AS outcome,
           a.account_id != '' AS has_account, a.started AS started, a.target AS target,
           if(isNull(o.graduated_at), a.started + toIntervalDay({age:UInt16}), assumeNotNull(o.graduated_at)) AS grad_day,
           isNull(o.graduated_at) AND a.account_id = '' AS no_day
    FROM o LEFT JOIN a ON a.account_id = o.account_id AND a.product = o.product)`;

/**
 * The snapshot at graduation. The latest day is picked on narrow key columns
 * first, so the report JSON is read only for the rows chosen.
 */
const GRADUATION_ROWS = `
WITH ${GRADUATIONS},
  picked AS (
    SELECT s.account_id AS account_id, s.product AS product, max(s.as_of) AS as_of
    FROM {db}.readiness_snapshots AS s
    INNER JOIN (SELECT account_id, product, grad_day FROM g WHERE NOT no_day) AS gd
      ON s.account_id = gd.account_id AND s.product = gd.product
    WHERE s.as_of <= gd.grad_day AND s.as_of > gd.grad_day - toIntervalDay({tolerance:UInt16})
    GROUP BY account_id, product),
  snap AS (
    SELECT account_id, product, as_of,
           argMax(product_type, scored_at) AS product_type, argMax(band, scored_at) AS band,
           argMax(flag_codes, scored_at) AS flags,
           argMax(ratio_daily, scored_at) AS ratio_daily, argMax(ratio_weekly, scored_at) AS ratio_weekly,
           argMax(ratio_monthly, scored_at) AS ratio_monthly, argMax(report, scored_at) AS report
    FROM {db}.readiness_snapshots
    WHERE (account_id, product, as_of) IN (SELECT account_id, product, as_of FROM picked)
    GROUP BY account_id, product, as_of)
SELECT snap.account_id AS account_id, snap.product AS product, toString(snap.product_type) AS product_type,
       toString(g.outcome) AS outcome, toUInt8(g.outcome IN {retained:Array(String)}) AS retained,
       toString(snap.as_of) AS as_of, toString(snap.band) AS band,
       arrayMap(c -> (c.1, toUInt8(c.2)), JSONExtract(snap.report, 'usage', 'criteria', 'Array(Tuple(name String, met Bool))')) AS criteria,
       arrayMap(f -> toString(f), snap.flags) AS flags,
       arrayConcat(
         [('daily_ratio_min', snap.ratio_daily), ('weekly_ratio_min', snap.ratio_weekly), ('monthly_ratio_min', snap.ratio_monthly),
          ('declining_relative_slope', JSONExtractFloat(snap.report, 'trend', 'relative_slope'))],
         arrayMap(r -> ('workflow_success_min', assumeNotNull(r)),
                  arrayFilter(r -> isNotNull(r), [JSONExtract(snap.report, 'workflows', 'success_rate', 'Nullable(Float64)')])),
         if(g.has_account, [('onboarding_days', toFloat64(dateDiff('day', g.started, g.grad_day)))], [])
       ) AS metrics,
       if(g.has_account, toUInt8(g.grad_day <= g.target), NULL) AS on_time
FROM snap INNER JOIN g ON g.account_id = snap.account_id AND g.product = snap.product`;

const ROW_STRUCTURE =
  'account_id String, product String, product_type String, outcome String, retained UInt8, as_of String, band String, ' +
  'criteria Array(Tuple(String, UInt8)), flags Array(String), metrics Array(Tuple(String, Float64)), on_time Nullable(UInt8)';

/** Given rows (a what-if re-scoring), read through the same counting query. */
const GIVEN_ROWS = `SELECT * FROM format(JSONEachRow, {structure:String}, {rows:String})`;

/** A group key: (dimension, name, profile, candidate, side), one type so the arrays concatenate. */
const key = (dimension: string, name: string, profile: string, candidate: string, side: string) =>
  `CAST((${dimension}, ${name}, ${profile}, toFloat64(${candidate}), toUInt8(${side})), 'Tuple(String, String, String, Float64, UInt8)')`;

/**
 * Every count in one pass: each row emits the groups it belongs to
 * (dimension, name, profile, candidate, side) and the engine counts them.
 */
const countsSql = (source: string) => `
SELECT k.1 AS dimension, k.2 AS name, k.3 AS profile, k.4 AS candidate, k.5 AS side,
       count() AS accounts, sum(retained) AS retained
FROM (${source}) AS r
ARRAY JOIN arrayConcat(
  [${key("'all'", "''", "''", '0', '1')}, ${key("'profile'", "''", 'product_type', '0', '1')}, ${key("'band'", 'band', "''", '0', '1')}],
  arrayMap(c -> ${key("'criterion'", 'c.1', "''", '0', 'c.2')}, criteria),
  arrayMap(code -> ${key("'flag'", 'code', "''", '0', 'has(flags, code)')}, {flag_codes:Array(String)}),
  if(isNull(on_time), [], [${key("'on_time'", "''", "''", '0', 'assumeNotNull(on_time)')}]),
  arrayFlatten(arrayMap(m -> arrayMap(x -> ${key("'sweep'", 'm.1', 'product_type', 'x', 'm.2 >= x')},
                                     arrayElement({grids:Array(Array(Float64))}, indexOf({grid_names:Array(String)}, m.1))), metrics))
) AS k
GROUP BY dimension, name, profile, candidate, side
ORDER BY dimension, name, profile, candidate, side`;

export interface CountParams {
  flagCodes: readonly string[];
  /** Candidate values per swept threshold name. */
  grids: Record<string, readonly number[]>;
}

interface RawCountRow extends Omit<CountRow, 'accounts' | 'retained' | 'side'> {
  accounts: number | string;
  retained: number | string;
  side: number | string;
}

const countParams = (p: CountParams) => ({
  flag_codes: p.flagCodes,
  grid_names: Object.keys(p.grids),
  grids: Object.values(p.grids),
});

const toCount = (r: RawCountRow): CountRow => ({ ...r, candidate: Number(r.candidate), side: Number(r.side), accounts: Number(r.accounts), retained: Number(r.retained) });

/** Counts over the stored snapshots at graduation. */
export async function calibrationCounts(store: Store, graduation: GraduationParams, counts: CountParams): Promise<CountRow[]> {
  const rows = await store.query<RawCountRow>(countsSql(GRADUATION_ROWS), {
    ...graduationParams(graduation),
    ...countParams(counts),
  });
  return rows.map(toCount);
}

/** The same counts over rows computed elsewhere (a what-if re-scoring); nothing is stored. */
export async function calibrationCountsOf(store: Store, rows: readonly GraduationRow[], counts: CountParams): Promise<CountRow[]> {
  if (rows.length === 0) return [];
  const result = await store.query<RawCountRow>(countsSql(GIVEN_ROWS), {
    structure: ROW_STRUCTURE,
    rows: rows.map((r) => JSON.stringify(r)).join('\n'),
    ...countParams(counts),
  });
  return result.map(toCount);
}

const graduationParams = (g: GraduationParams) => ({ age: g.graduationAgeDays, tolerance: g.snapshotToleranceDays, retained: g.retainedOutcomes });

/** The rows themselves (for inspection and tests), ordered by account and product. */
export async function graduationRows(store: Store, graduation: GraduationParams): Promise<GraduationRow[]> {
  const rows = await store.query<GraduationRow & { retained: number | string; on_time: number | string | null }>(
    `${GRADUATION_ROWS} ORDER BY account_id, product`,
    graduationParams(graduation),
  );
  return rows.map((r) => ({
    ...r,
    retained: Number(r.retained),
    on_time: r.on_time === null ? null : Number(r.on_time),
    criteria: r.criteria.map(([n, m]) => [n, Number(m)] as [string, number]),
    metrics: r.metrics.map(([n, v]) => [n, Number(v)] as [string, number]),
  }));
}

export interface CalibrationCoverage {
  outcomes: number;
  /** Outcomes without `graduated_at` and without an account record: no graduation day. */
  no_graduation_day: number;
  /** Outcomes whose graduation day has no snapshot within the tolerance. */
  no_snapshot: number;
}

/** How many outcomes could be placed at graduation, and why the others could not. */
export async function calibrationCoverage(store: Store, graduation: GraduationParams): Promise<CalibrationCoverage> {
  const [row] = await store.query<{ outcomes: string | number; no_day: string | number; with_snapshot: string | number }>(
    `WITH ${GRADUATIONS},
       picked AS (
         SELECT DISTINCT s.account_id AS account_id, s.product AS product
         FROM {db}.readiness_snapshots AS s
         INNER JOIN (SELECT account_id, product, grad_day FROM g WHERE NOT no_day) AS gd
           ON s.account_id = gd.account_id AND s.product = gd.product
         WHERE s.as_of <= gd.grad_day AND s.as_of > gd.grad_day - toIntervalDay({tolerance:UInt16}))
     SELECT count() AS outcomes, countIf(no_day) AS no_day,
            (SELECT count() FROM picked) AS with_snapshot
     FROM g`,
    graduationParams(graduation),
  );
  const outcomes = Number(row?.outcomes ?? 0);
  const noDay = Number(row?.no_day ?? 0);
  return { outcomes, no_graduation_day: noDay, no_snapshot: outcomes - noDay - Number(row?.with_snapshot ?? 0) };
}

/** Account-products with an outcome and their graduation day, for re-scoring (what-if). */
export async function graduationDays(store: Store, graduation: GraduationParams): Promise<GraduationDay[]> {
  const rows = await store.query<{ account_id: string; product: string; outcome_kind: string; day: string; on_time: number | string | null; onboarding_days: number | string | null }>(
    `WITH ${GRADUATIONS}
     SELECT account_id, product, toString(outcome) AS outcome_kind, toString(grad_day) AS day,
            if(has_account, toUInt8(grad_day <= target), NULL) AS on_time,
            if(has_account, dateDiff('day', started, grad_day), NULL) AS onboarding_days
     FROM g WHERE NOT no_day
     ORDER BY grad_day, account_id, product`,
    graduationParams(graduation),
  );
  return rows.map((r) => ({
    account_id: r.account_id,
    product: r.product,
    outcome: r.outcome_kind,
    grad_day: r.day,
    on_time: r.on_time === null ? null : Number(r.on_time),
    onboarding_days: r.onboarding_days === null ? null : Number(r.onboarding_days),
  }));
}
