import type { Store } from './store.js';

/** Reads over the daily aggregates. Scoring builds on these tables, never on raw events. */

export interface DailyActiveUsers {
  account_id: string;
  product: string;
  day: string;
  users: number;
}

export async function dailyActiveUsers(
  store: Store,
  range: { from: string; to: string; accountId?: string },
): Promise<DailyActiveUsers[]> {
  const rows = await store.query<DailyActiveUsers>(
    `SELECT a.account_id AS account_id, a.product AS product, toString(a.day) AS day, uniqExactMerge(a.users) AS users
     FROM {db}.daily_activity AS a
     WHERE a.day BETWEEN {from:Date} AND {to:Date}
       AND ({account:String} = '' OR a.account_id = {account:String})
     GROUP BY a.account_id, a.product, a.day
     ORDER BY account_id, product, day`,
    { from: range.from, to: range.to, account: range.accountId ?? '' },
  );
  return rows.map((r) => ({ ...r, users: Number(r.users) }));
}

/** Distinct stored events: one per event id within an account and product. */
export async function eventCount(store: Store): Promise<number> {
  const [row] = await store.query<{ n: string | number }>('SELECT uniqExact(account_id, product, event_id) AS n FROM {db}.events');
  return Number(row?.n ?? 0);
}
