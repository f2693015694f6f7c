import type { FlagTransition } from '../schemas/flags.js';
import { addDays } from '../schemas/day.js';
import { readTransitions, TRANSITION_COLUMNS, toTransition, type StoredTransitionRow } from './flag-store.js';
import { engineLoader } from './engine-batch.js';
import { latestKey, portfolioIndex } from './portfolio-index.js';
import { latestReportTexts } from './portfolio.js';
import { POINT_COLUMNS, snapshotAndPrevious, snapshotHistory, toPoint, type PointRow, type SnapshotPoint } from './snapshots.js';
import type { Store } from './store.js';

/**
 * What an account view shows of one account-product: its snapshot (of a day,
 * or the latest) and the one before it, the snapshot history and the flag
 * transitions of a range of days, by primary key.
 *
 * The embedded engine runs one query at a time, and a view costs three: under
 * load, views queue behind each other. There, the latest views asked for while
 * the engine is busy are read together as one batch, a few queries by key for all of
 * them (each by its keys), once the engine is free; their current day comes
 * from the portfolio index, their current report from the reports list pages
 * read. A server store, and a view of an earlier day or of a range that ends
 * before the current day, are read one query at a time.
 */

export interface AccountViewQuery {
  accountId: string;
  product: string;
  /** The snapshot of this day; omitted: the latest. */
  asOf?: string;
  /** History range; defaults: the `historyDays` days ending at the snapshot's day. */
  from?: string;
  to?: string;
  historyDays: number;
}

export interface AccountViewRows {
  /** The report of the snapshot shown. */
  report: unknown;
  /** The report of the snapshot before it. */
  previous: unknown;
  /** Snapshots in the range, oldest first. */
  history: SnapshotPoint[];
  /** Flag transitions in the range, oldest first. */
  transitions: FlagTransition[];
}

const rangeOf = (q: AccountViewQuery, day: string) => {
  const to = q.to ?? day;
  return { from: q.from ?? addDays(to, -(q.historyDays - 1)), to };
};

/** The view read by itself: snapshot and previous, then history and transitions of its range. */
async function readOne(store: Store, q: AccountViewQuery): Promise<AccountViewRows | undefined> {
  const snapshots = await snapshotAndPrevious(store, q.accountId, q.product, q.asOf);
  if (!snapshots) return undefined;
  const range = rangeOf(q, snapshots.current.as_of);
  const [history, transitions] = await Promise.all([
    snapshotHistory(store, q.accountId, q.product, range),
    readTransitions(store, { accountId: q.accountId, product: q.product, ...range }),
  ]);
  return { report: snapshots.current.report, previous: snapshots.previous?.report, history, transitions };
}

interface Planned {
  query: AccountViewQuery;
  current: string;
  range: { from: string; to: string };
}

/** Latest views of many account-products: a few queries by key for the whole batch. */
async function readBatch(store: Store, queries: readonly AccountViewQuery[]): Promise<(AccountViewRows | undefined)[]> {
  const { latestDay } = await portfolioIndex(store);
  const planned = queries.map((query): Planned | undefined => {
    const current = latestDay.get(latestKey(query.accountId, query.product));
    return current === undefined ? undefined : { query, current, range: rangeOf(query, current) };
  });
  const wanted = planned.filter((p) => p !== undefined);
  if (wanted.length === 0) return planned.map(() => undefined);
  const accounts = wanted.map((p) => p.query.accountId);
  const products = wanted.map((p) => p.query.product);
  // From the earliest day any of them needs (a range's start, or a current day before it), so every key's days
  // from there to its current day are read.
  const from = wanted.reduce((min, p) => [min, p.range.from, p.current].reduce((a, b) => (b < a ? b : a)), wanted[0]!.range.from);
  const to = wanted.reduce((max, p) => (p.range.to > max ? p.range.to : max), wanted[0]!.range.to);
  const [points, transitions] = await Promise.all([
    store.query<PointRow & { account_id: string; product: string }>(
      `SELECT s.account_id AS account_id, s.product AS product, ${POINT_COLUMNS}
       FROM {db}.readiness_snapshots AS s FINAL
       WHERE (s.account_id, s.product) IN arrayZip({accounts:Array(String)}, {products:Array(String)})
         AND s.as_of BETWEEN {from:Date} AND {to:Date}
       ORDER BY s.account_id, s.product, s.as_of`,
      { accounts, products, from, to },
    ),
    store.query<StoredTransitionRow>(
      `SELECT ${TRANSITION_COLUMNS}
       FROM {db}.flag_transitions AS t
       WHERE (t.account_id, t.product) IN arrayZip({accounts:Array(String)}, {products:Array(String)})
         AND t.as_of BETWEEN {from:Date} AND {to:Date}
       ORDER BY t.account_id, t.product, t.as_of, t.code, t.sequence
       LIMIT 1 BY t.transition_id`,
      { accounts, products, from, to },
    ),
  ]);
  const pointsOf = group(points, (r) => latestKey(r.account_id, r.product));
  const transitionsOf = group(transitions, (r) => latestKey(r.account_id, r.product));
  // The previous snapshot is the latest day before the current one: among the rows read (every day from
  // `from` to the current one), else the latest day before `from`, if any.
  const days = planned.map((p) => (p ? (pointsOf.get(latestKey(p.query.accountId, p.query.product)) ?? []).filter((r) => r.as_of < p.current).at(-1)?.as_of : undefined));
  const earlier = planned.flatMap((p, i) => (p && days[i] === undefined ? [p.query] : []));
  if (earlier.length > 0) {
    const found = await store.query<{ account_id: string; product: string; day: string }>(
      `SELECT s.account_id AS account_id, s.product AS product, toString(max(s.as_of)) AS day
       FROM {db}.readiness_snapshots AS s
       WHERE (s.account_id, s.product) IN arrayZip({accounts:Array(String)}, {products:Array(String)}) AND s.as_of < {from:Date}
       GROUP BY s.account_id, s.product`,
      { accounts: earlier.map((q) => q.accountId), products: earlier.map((q) => q.product), from },
    );
    const day = new Map(found.map((r) => [latestKey(r.account_id, r.product), r.day]));
    planned.forEach((p, i) => {
      if (p && days[i] === undefined) days[i] = day.get(latestKey(p.query.accountId, p.query.product));
    });
  }
  // The latest report (the snapshot shown) as list pages read it; the previous one by its day.
  const previousOf = days.flatMap((day, i) => (day !== undefined ? [{ i, day }] : []));
  const [latest, previous] = await Promise.all([
    latestReportTexts(store, wanted.map((p) => ({ account_id: p.query.accountId, product: p.query.product }))),
    reportsOfDays(
      store,
      previousOf.map((k) => ({ accountId: queries[k.i]!.accountId, product: queries[k.i]!.product, day: k.day })),
    ),
  ]);
  const previousReport = new Map(previous.map((r) => [latestKey(r.account_id, r.product), r.report]));
  return Promise.all(
    planned.map(async (p, i) => {
      if (!p) return undefined;
      const k = latestKey(p.query.accountId, p.query.product);
      const report = latest.get(k);
      const before = days[i] === undefined ? undefined : previousReport.get(k);
      // A snapshot gone since the index was read (a write in between): read by itself.
      if (report === undefined || (days[i] !== undefined && before === undefined)) return readOne(store, p.query);
      const inRange = <T extends { as_of: string }>(rows: readonly T[]) => rows.filter((r) => r.as_of >= p.range.from && r.as_of <= p.range.to);
      return {
        report: JSON.parse(report) as unknown,
        previous: before === undefined ? undefined : (JSON.parse(before) as unknown),
        history: inRange(pointsOf.get(k) ?? []).map(toPoint),
        transitions: inRange(transitionsOf.get(k) ?? []).map(toTransition),
      };
    }),
  );
}

/** Report JSON of snapshots by account, product and day (FINAL: of each day, the pass stored last). */
async function reportsOfDays(store: Store, keys: readonly { accountId: string; product: string; day: string }[]) {
  if (keys.length === 0) return [];
  return store.query<{ account_id: string; product: string; report: string }>(
    `SELECT s.account_id AS account_id, s.product AS product, s.report AS report
     FROM {db}.readiness_snapshots AS s FINAL
     WHERE (s.account_id, s.product, s.as_of) IN arrayZip({accounts:Array(String)}, {products:Array(String)}, {days:Array(Date)})`,
    { accounts: keys.map((k) => k.accountId), products: keys.map((k) => k.product), days: keys.map((k) => k.day) },
  );
}

function group<T>(rows: readonly T[], by: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = by(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** The rows of one account view; undefined if the account-product has no snapshot (of that day). */
export function readAccountView(store: Store, query: AccountViewQuery): Promise<AccountViewRows | undefined> {
  // Batched: the latest snapshot with a history that ends on its day (the range then holds every day before it down to `from`).
  if (store.kind !== 'chdb' || query.asOf !== undefined || query.to !== undefined) return readOne(store, query);
  return engineLoader(store, 'account-view', (queries: readonly AccountViewQuery[]) => readBatch(store, queries)).load(query);
}
