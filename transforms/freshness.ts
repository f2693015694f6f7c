import { inputsKey } from '../scoring/inputs.js';
import { keyRangeSql, type KeyRange } from './key-range.js';
import type { Store } from './store.js';

/** The last day with any event per account-product, from the daily aggregates (a year back at most). */

export const LAST_EVENT_LOOKBACK_DAYS = 365;

export async function lastEventDays(
  store: Store,
  asOf: string,
  filter: { accountId?: string; product?: string; range?: KeyRange } = {},
): Promise<Map<string, string>> {
  const range = keyRangeSql('a', filter.range);
  const rows = await store.query<{ account_id: string; product: string; day: string }>(
    `SELECT a.account_id AS account_id, a.product AS product, toString(max(a.day)) AS day
     FROM {db}.daily_activity AS a
     WHERE a.day BETWEEN {as_of:Date} - ${LAST_EVENT_LOOKBACK_DAYS} AND {as_of:Date}
       AND ({account:String} = '' OR a.account_id = {account:String})
       AND ({product:String} = '' OR a.product = {product:String})${range.sql}
     GROUP BY a.account_id, a.product`,
    { as_of: asOf, account: filter.accountId ?? '', product: filter.product ?? '', ...range.params },
  );
  return new Map(rows.map((r) => [inputsKey(r.account_id, r.product), r.day]));
}
