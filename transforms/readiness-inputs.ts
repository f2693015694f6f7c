import { emptyInputs, inputsKey, type ReadinessInputs } from '../scoring/inputs.js';
import { keyRangeSql, type KeyRange } from './key-range.js';
import type { Store } from './store.js';

/**
 * Everything scoring reads for one day D, for all account-products in scope at
 * once (a pass reads one run of them at a time), from the daily aggregates
 * only (never raw events): four grouped queries, whatever the number of
 * accounts. Ages are whole days before D (0 = D itself). Only account-products
 * with an account record are read.
 */

export interface InputsFilter {
  accountId?: string;
  product?: string;
  /** Only the account-products of this run (a chunk of a pass). */
  range?: KeyRange;
}

/** Scoping subquery shared by the reads: the account records, optionally narrowed to one account-product or a run of them. */
const scopedAccounts = (range: string) => `SELECT account_id, product, champion_user_ids, key_user_ids, core_features, critical_workflows
       FROM {db}.accounts FINAL
       WHERE ({account:String} = '' OR account_id = {account:String})
         AND ({product:String} = '' OR product = {product:String})${range}`;

interface Scope {
  /** The account records in scope (a subquery). */
  accounts: string;
  /** The range condition on the aggregate table (alias `x`). */
  range: string;
}

/** Daily, weekly (six windows, resampled in one scan) and 30-day distinct users. */
const activitySql = (s: Scope) => `
SELECT x.account_id AS account_id, x.product AS product,
       uniqExactMergeResample(0, 7, 1)(x.users, toUInt32(dateDiff('day', x.day, {as_of:Date}))) AS daily_users,
       uniqExactMergeResample(0, 42, 7)(x.users, toUInt32(dateDiff('day', x.day, {as_of:Date}))) AS weekly_windows,
       uniqExactMergeIf(x.users, x.day >= {as_of:Date} - 29) AS monthly_users
FROM {db}.daily_activity AS x
WHERE x.day BETWEEN {as_of:Date} - 41 AND {as_of:Date}${s.range}
  AND (x.account_id, x.product) IN (SELECT account_id, product FROM (${s.accounts}))
GROUP BY x.account_id, x.product`;

/** Days on which each core feature was used. */
const coreFeaturesSql = (s: Scope) => `
SELECT x.account_id AS account_id, x.product AS product, x.feature AS feature,
       groupUniqArray(toUInt32(dateDiff('day', x.day, {as_of:Date}))) AS ages
FROM {db}.daily_feature_usage AS x
WHERE x.day BETWEEN {as_of:Date} - {lookback:UInt16} AND {as_of:Date}${s.range}
  AND (x.account_id, x.product, x.feature) IN (
        SELECT account_id, product, arrayJoin(core_features) FROM (${s.accounts}))
GROUP BY x.account_id, x.product, x.feature`;

/** Last active day of each champion and key user. */
const peopleSql = (s: Scope) => `
SELECT x.account_id AS account_id, x.product AS product, x.user_id AS user_id,
       toUInt32(dateDiff('day', max(x.day), {as_of:Date})) AS age
FROM {db}.daily_user_activity AS x
WHERE x.day BETWEEN {as_of:Date} - {lookback:UInt16} AND {as_of:Date}${s.range}
  AND (x.account_id, x.product, x.user_id) IN (
        SELECT account_id, product, arrayJoin(arrayConcat(champion_user_ids, key_user_ids)) FROM (${s.accounts}))
GROUP BY x.account_id, x.product, x.user_id`;

/** Critical-workflow runs and successes per day (every workflow when an account lists none). */
const workflowsSql = (s: Scope) => `
SELECT x.account_id AS account_id, x.product AS product,
       toUInt32(dateDiff('day', x.day, {as_of:Date})) AS age,
       uniqExactMerge(x.runs) AS runs,
       uniqExactIfMerge(x.successes) AS successes
FROM {db}.daily_workflow_runs AS x
INNER JOIN (${s.accounts}) AS c ON c.account_id = x.account_id AND c.product = x.product
WHERE x.day BETWEEN {as_of:Date} - {lookback:UInt16} AND {as_of:Date}${s.range}
  AND (empty(c.critical_workflows) OR has(c.critical_workflows, x.workflow))
GROUP BY x.account_id, x.product, x.day`;

type Num = number | string;

export async function readReadinessInputs(
  store: Store,
  asOf: string,
  lookbackDays: number,
  filter: InputsFilter = {},
): Promise<Map<string, ReadinessInputs>> {
  const inner = keyRangeSql('', filter.range);
  const outer = keyRangeSql('x', filter.range);
  const scope: Scope = { accounts: scopedAccounts(inner.sql), range: outer.sql };
  const params = { as_of: asOf, lookback: lookbackDays, account: filter.accountId ?? '', product: filter.product ?? '', ...inner.params };
  const [activity, features, people, workflows] = await Promise.all([
    store.query<{ account_id: string; product: string; daily_users: Num[]; weekly_windows: Num[]; monthly_users: Num }>(activitySql(scope), params),
    store.query<{ account_id: string; product: string; feature: string; ages: Num[] }>(coreFeaturesSql(scope), params),
    store.query<{ account_id: string; product: string; user_id: string; age: Num }>(peopleSql(scope), params),
    store.query<{ account_id: string; product: string; age: Num; runs: Num; successes: Num }>(workflowsSql(scope), params),
  ]);
  const out = new Map<string, ReadinessInputs>();
  const entry = (account: string, product: string): ReadinessInputs => {
    const k = inputsKey(account, product);
    let e = out.get(k);
    if (!e) {
      e = emptyInputs(account, product);
      out.set(k, e);
    }
    return e;
  };
  for (const r of activity) {
    const e = entry(r.account_id, r.product);
    e.daily_users = r.daily_users.map(Number);
    e.weekly_windows = r.weekly_windows.map(Number);
    e.monthly_users = Number(r.monthly_users);
  }
  for (const r of features) entry(r.account_id, r.product).core_feature_ages[r.feature] = r.ages.map(Number).sort((a, b) => a - b);
  for (const r of people) entry(r.account_id, r.product).person_last_active_age[r.user_id] = Number(r.age);
  for (const r of workflows) {
    entry(r.account_id, r.product).workflow_days.push({ age: Number(r.age), runs: Number(r.runs), successes: Number(r.successes) });
  }
  return out;
}
