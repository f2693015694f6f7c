import type { QueryParams } from './store.js';

/**
 * A run of account-products in the order of the tables' sorting keys,
 * (account_id, product): those after `after` (exclusive) up to `through`
 * (inclusive); an omitted end is open. A scoring pass reads the account-products
 * one run at a time, so that what it holds is bounded by the run, not the portfolio.
 */

export interface AccountProductKey {
  account_id: string;
  product: string;
}

export interface KeyRange {
  after?: AccountProductKey | undefined;
  through?: AccountProductKey | undefined;
}

/**
 * ` AND …` conditions selecting `range` on the columns of `alias` (empty: unqualified), or '' without a
 * range. The bound on `account_id` alone lets the engine prune by the primary key; the tuple
 * comparison makes the bound exact.
 */
export function keyRangeSql(alias: string, range: KeyRange | undefined): { sql: string; params: QueryParams } {
  const col = (name: string) => (alias ? `${alias}.${name}` : name);
  let sql = '';
  const params: QueryParams = {};
  if (range?.after) {
    sql += ` AND ${col('account_id')} >= {range_after_account:String} AND (${col('account_id')}, ${col('product')}) > ({range_after_account:String}, {range_after_product:String})`;
    params.range_after_account = range.after.account_id;
    params.range_after_product = range.after.product;
  }
  if (range?.through) {
    sql += ` AND ${col('account_id')} <= {range_through_account:String} AND (${col('account_id')}, ${col('product')}) <= ({range_through_account:String}, {range_through_product:String})`;
    params.range_through_account = range.through.account_id;
    params.range_through_product = range.through.product;
  }
  return { sql, params };
}
