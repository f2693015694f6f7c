import type { Store } from './store.js';
import { toDateTime64 } from './datetime.js';

/** Readiness snapshots: one per (account, product, day), holding the full report JSON and the config hash used. */

export interface SnapshotRecord {
  account_id: string;
  product: string;
  as_of: string;
  product_type: string;
  band: string;
  ready: boolean;
  graduation_score: number | null;
  usage_score: number;
  usage_complete: boolean;
  ratio_daily: number;
  ratio_weekly: number;
  ratio_monthly: number;
  red_flags: number;
  flag_codes: string[];
  config_hash: string;
  /** The full report object (stored as JSON text). */
  report: unknown;
}

export interface StoredSnapshot {
  account_id: string;
  product: string;
  as_of: string;
  config_hash: string;
  scored_at: string;
  report: unknown;
}

export async function insertSnapshots(store: Store, snapshots: readonly SnapshotRecord[], scoredAtMs = Date.now()): Promise<void> {
  const scoredAt = toDateTime64(scoredAtMs);
  await store.insert(
    'readiness_snapshots',
    snapshots.map((s) => ({
      ...s,
      ready: s.ready ? 1 : 0,
      usage_complete: s.usage_complete ? 1 : 0,
      report: JSON.stringify(s.report),
      scored_at: scoredAt,
    })),
  );
}

interface SnapshotRow {
  account_id: string;
  product: string;
  as_of: string;
  config_hash: string;
  scored_at: string;
  report: string;
}

const toStored = (r: SnapshotRow): StoredSnapshot => ({ ...r, report: JSON.parse(r.report) as unknown });

const SNAPSHOT_COLUMNS = `s.account_id AS account_id, s.product AS product, toString(s.as_of) AS as_of, s.config_hash AS config_hash,
            formatDateTime(s.scored_at, '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS scored_at, s.report AS report`;

export interface SnapshotFilter {
  /** Exactly this day; omitted: each account-product's latest snapshot. */
  asOf?: string;
  accountId?: string;
  product?: string;
  productType?: string;
}

export async function readSnapshots(store: Store, filter: SnapshotFilter = {}): Promise<StoredSnapshot[]> {
  const rows = await store.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS}
     FROM {db}.readiness_snapshots AS s FINAL
     WHERE ({as_of:String} = '' OR s.as_of = toDateOrZero({as_of:String}))
       AND ({account:String} = '' OR s.account_id = {account:String})
       AND ({product:String} = '' OR s.product = {product:String})
       AND ({product_type:String} = '' OR s.product_type = {product_type:String})
     ORDER BY s.account_id, s.product, s.as_of DESC
     LIMIT 1 BY s.account_id, s.product`,
    { as_of: filter.asOf ?? '', account: filter.accountId ?? '', product: filter.product ?? '', product_type: filter.productType ?? '' },
  );
  return rows.map(toStored);
}

/** Snapshots of one account-product in [from, to], oldest first. */
export async function snapshotHistory(store: Store, accountId: string, product: string, range: { from: string; to: string }): Promise<StoredSnapshot[]> {
  const rows = await store.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS}
     FROM {db}.readiness_snapshots AS s FINAL
     WHERE s.account_id = {account:String} AND s.product = {product:String}
       AND s.as_of BETWEEN {from:Date} AND {to:Date}
     ORDER BY s.as_of`,
    { account: accountId, product, from: range.from, to: range.to },
  );
  return rows.map(toStored);
}

/** The latest snapshot of one account-product strictly before `before` (or at all when omitted). */
export async function previousSnapshot(store: Store, accountId: string, product: string, before?: string): Promise<StoredSnapshot | undefined> {
  const rows = await store.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS}
     FROM {db}.readiness_snapshots AS s FINAL
     WHERE s.account_id = {account:String} AND s.product = {product:String}
       AND ({before:String} = '' OR s.as_of < toDateOrZero({before:String}))
     ORDER BY s.as_of DESC
     LIMIT 1`,
    { account: accountId, product, before: before ?? '' },
  );
  return rows[0] ? toStored(rows[0]) : undefined;
}

/** The latest day any snapshot exists for (optionally of one account-product). */
export async function latestSnapshotDay(store: Store, filter: { accountId?: string; product?: string } = {}): Promise<string | undefined> {
  const rows = await store.query<{ day: string; n: number | string }>(
    `SELECT toString(max(s.as_of)) AS day, count() AS n
     FROM {db}.readiness_snapshots AS s
     WHERE ({account:String} = '' OR s.account_id = {account:String})
       AND ({product:String} = '' OR s.product = {product:String})`,
    { account: filter.accountId ?? '', product: filter.product ?? '' },
  );
  return rows[0] && Number(rows[0].n) > 0 ? rows[0].day : undefined;
}
