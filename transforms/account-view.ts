import DataLoader from 'dataloader';
import type { FlagTransition } from '../schemas/flags.js';
import { addDays } from '../schemas/day.js';
import { readTransitions, TRANSITION_COLUMNS, toTransition, type StoredTransitionRow } from './flag-store.js';
import { latestKey, portfolioIndex } from './portfolio-index.js';
import { POINT_COLUMNS, snapshotAndPrevious, snapshotHistory, toPoint, type PointRow, type SnapshotPoint, type StoredSnapshot } from './snapshots.js';
import type { Store } from './store.js';

/**
 * What an account view shows of one account-product: its snapshot (of a day,
 * or the latest) and the one before it, the snapshot history and the flag
 * transitions of a range of days, by primary key.
 *
 * The embedded engine runs one query at a time, and a view costs three: under
 * load, views queue behind each other. There, the latest views asked for while
 * the engine is busy are read together as one batch, three queries for all of
 * them (each by its keys), once the engine is free; their current day comes
 * from the portfolio index. A server store, a view of an earlier day, and the
 * rare view whose previous snapshot lies before its history range, are read
 * one by one.
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
  current: StoredSnapshot;
  previous: StoredSnapshot | undefined;
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
  return { ...snapshots, history, transitions };
}


interface Planned {
  query: AccountViewQuery;
  current: string;
  range: { from: string; to: string };
}

/** Latest views of many account-products: three queries for the whole batch. */
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
  const from = wanted.reduce((min, p) => (p.range.from < min ? p.range.from : min), wanted[0]!.range.from);
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
  // The previous snapshot is the latest day before the current one: in the rows read, unless it lies before the range.
  const days = planned.map((p) => {
    if (!p) return undefined;
    const own = pointsOf.get(latestKey(p.query.accountId, p.query.product)) ?? [];
    const before = own.filter((r) => r.as_of < p.current);
    const previous = before.at(-1)?.as_of;
    const sure = previous !== undefined || own.length === 0 || p.range.from <= own[0]!.as_of ? previous : null;
    return { current: p.current, previous: sure };
  });
  const reportKeys = days.flatMap((d, i) => (d && d.previous !== null ? [d.current, d.previous].filter((x) => x !== undefined).map((day) => ({ i, day })) : []));
  const reports = await store.query<{ account_id: string; product: string; as_of: string; config_hash: string; scored_at: string; report: string }>(
    `SELECT s.account_id AS account_id, s.product AS product, toString(s.as_of) AS as_of, s.config_hash AS config_hash,
            formatDateTime(s.scored_at, '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS scored_at, s.report AS report
     FROM {db}.readiness_snapshots AS s FINAL
     WHERE (s.account_id, s.product, s.as_of) IN arrayZip({accounts:Array(String)}, {products:Array(String)}, {days:Array(Date)})`,
    {
      accounts: reportKeys.map((k) => queries[k.i]!.accountId),
      products: reportKeys.map((k) => queries[k.i]!.product),
      days: reportKeys.map((k) => k.day),
    },
  );
  const snapshot = new Map(reports.map((r) => [`${latestKey(r.account_id, r.product)}\u0000${r.as_of}`, { ...r, report: JSON.parse(r.report) as unknown }]));
  return Promise.all(
    planned.map(async (p, i) => {
      const d = days[i];
      if (!p || !d) return undefined;
      // A previous snapshot before the range, or a snapshot gone since the index was read: read by itself.
      const k = latestKey(p.query.accountId, p.query.product);
      const current = snapshot.get(`${k}\u0000${d.current}`);
      const previous = d.previous ? snapshot.get(`${k}\u0000${d.previous}`) : undefined;
      if (d.previous === null || !current || (d.previous !== undefined && !previous)) return readOne(store, p.query);
      const inRange = <T extends { as_of: string }>(rows: readonly T[]) => rows.filter((r) => r.as_of >= p.range.from && r.as_of <= p.range.to);
      return {
        current,
        previous,
        history: inRange(pointsOf.get(k) ?? []).map(toPoint),
        transitions: inRange(transitionsOf.get(k) ?? []).map(toTransition),
      };
    }),
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

/** One loader per embedded store: a batch is dispatched when the previous one has finished. */
const loaders = new WeakMap<object, Map<string, DataLoader<AccountViewQuery, AccountViewRows | undefined>>>();

function loaderOf(store: Store): DataLoader<AccountViewQuery, AccountViewRows | undefined> {
  let byDatabase = loaders.get(store.client);
  if (!byDatabase) loaders.set(store.client, (byDatabase = new Map()));
  let loader = byDatabase.get(store.database);
  if (!loader) {
    let running: Promise<unknown> = Promise.resolve();
    loader = new DataLoader(
      (queries) => {
        const batch = readBatch(store, queries);
        running = batch.catch(() => undefined);
        return batch;
      },
      // Identical views are shared by the read cache; the loader only batches.
      { cache: false, maxBatchSize: 100, batchScheduleFn: (dispatch) => void running.then(() => setImmediate(dispatch)) },
    );
    byDatabase.set(store.database, loader);
  }
  return loader;
}

/** The rows of one account view; undefined if the account-product has no snapshot (of that day). */
export function readAccountView(store: Store, query: AccountViewQuery): Promise<AccountViewRows | undefined> {
  if (store.kind !== 'chdb' || query.asOf !== undefined) return readOne(store, query);
  return loaderOf(store).load(query);
}
