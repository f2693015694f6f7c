import type { Store } from './store.js';

/**
 * Everything scoring reads for one day D, for all account-products at once,
 * from the daily aggregates only (never raw events): four grouped queries per
 * pass, whatever the number of accounts. Ages are whole days before D
 * (0 = D itself). Only account-products with an account record are read.
 */

export interface ReadinessInputs {
  account_id: string;
  product: string;
  /** Distinct active users per day; index i is day D-i, i = 0…6. */
  daily_users: number[];
  /** Distinct active users per 7-day window [D-7k-6, D-7k]; index k = 0…5 (newest first). */
  weekly_windows: number[];
  /** Distinct active users in D-29…D. */
  monthly_users: number;
  /** Per core feature, the ages of the days it was used within the lookback. */
  core_feature_ages: Record<string, number[]>;
  /** Per champion or key user, age of their last active day within the lookback. */
  person_last_active_age: Record<string, number>;
  /** Runs and successes of critical workflows per day within the lookback (only days with runs). */
  workflow_days: Array<{ age: number; runs: number; successes: number }>;
}

export interface InputsFilter {
  accountId?: string;
  product?: string;
}

const key = (account: string, product: string) => `${account}\u0000${product}`;

/** Scoping subquery shared by the reads: the account records, optionally narrowed to one account-product. */
const SCOPED_ACCOUNTS = `SELECT account_id, product, champion_user_ids, key_user_ids, core_features, critical_workflows
       FROM {db}.accounts FINAL
       WHERE ({account:String} = '' OR account_id = {account:String})
         AND ({product:String} = '' OR product = {product:String})`;

/** Daily, weekly (six windows, resampled in one scan) and 30-day distinct users. */
const ACTIVITY_SQL = `
SELECT a.account_id AS account_id, a.product AS product,
       uniqExactMergeResample(0, 7, 1)(a.users, toUInt32(dateDiff('day', a.day, {as_of:Date}))) AS daily_users,
       uniqExactMergeResample(0, 42, 7)(a.users, toUInt32(dateDiff('day', a.day, {as_of:Date}))) AS weekly_windows,
       uniqExactMergeIf(a.users, a.day >= {as_of:Date} - 29) AS monthly_users
FROM {db}.daily_activity AS a
WHERE a.day BETWEEN {as_of:Date} - 41 AND {as_of:Date}
  AND (a.account_id, a.product) IN (SELECT account_id, product FROM (${SCOPED_ACCOUNTS}))
GROUP BY a.account_id, a.product`;

/** Days on which each core feature was used. */
const CORE_FEATURES_SQL = `
SELECT f.account_id AS account_id, f.product AS product, f.feature AS feature,
       groupUniqArray(toUInt32(dateDiff('day', f.day, {as_of:Date}))) AS ages
FROM {db}.daily_feature_usage AS f
WHERE f.day BETWEEN {as_of:Date} - {lookback:UInt16} AND {as_of:Date}
  AND (f.account_id, f.product, f.feature) IN (
        SELECT account_id, product, arrayJoin(core_features) FROM (${SCOPED_ACCOUNTS}))
GROUP BY f.account_id, f.product, f.feature`;

/** Last active day of each champion and key user. */
const PEOPLE_SQL = `
SELECT u.account_id AS account_id, u.product AS product, u.user_id AS user_id,
       toUInt32(dateDiff('day', max(u.day), {as_of:Date})) AS age
FROM {db}.daily_user_activity AS u
WHERE u.day BETWEEN {as_of:Date} - {lookback:UInt16} AND {as_of:Date}
  AND (u.account_id, u.product, u.user_id) IN (
        SELECT account_id, product, arrayJoin(arrayConcat(champion_user_ids, key_user_ids)) FROM (${SCOPED_ACCOUNTS}))
GROUP BY u.account_id, u.product, u.user_id`;

/** Critical-workflow runs and successes per day (every workflow when an account lists none). */
const WORKFLOWS_SQL = `
SELECT w.account_id AS account_id, w.product AS product,
       toUInt32(dateDiff('day', w.day, {as_of:Date})) AS age,
       uniqExactMerge(w.runs) AS runs,
       uniqExactIfMerge(w.successes) AS successes
FROM {db}.daily_workflow_runs AS w
INNER JOIN (${SCOPED_ACCOUNTS}) AS c ON c.account_id = w.account_id AND c.product = w.product
WHERE w.day BETWEEN {as_of:Date} - {lookback:UInt16} AND {as_of:Date}
  AND (empty(c.critical_workflows) OR has(c.critical_workflows, w.workflow))
GROUP BY w.account_id, w.product, w.day`;

type Num = number | string;

export async function readReadinessInputs(
  store: Store,
  asOf: string,
  lookbackDays: number,
  filter: InputsFilter = {},
): Promise<Map<string, ReadinessInputs>> {
  const params = { as_of: asOf, lookback: lookbackDays, account: filter.accountId ?? '', product: filter.product ?? '' };
  const [activity, features, people, workflows] = await Promise.all([
    store.query<{ account_id: string; product: string; daily_users: Num[]; weekly_windows: Num[]; monthly_users: Num }>(ACTIVITY_SQL, params),
    store.query<{ account_id: string; product: string; feature: string; ages: Num[] }>(CORE_FEATURES_SQL, params),
    store.query<{ account_id: string; product: string; user_id: string; age: Num }>(PEOPLE_SQL, params),
    store.query<{ account_id: string; product: string; age: Num; runs: Num; successes: Num }>(WORKFLOWS_SQL, params),
  ]);
  const out = new Map<string, ReadinessInputs>();
  const entry = (account: string, product: string): ReadinessInputs => {
    const k = key(account, product);
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

/** Inputs of an account-product with no activity at all. */
export function emptyInputs(account: string, product: string): ReadinessInputs {
  return {
    account_id: account,
    product,
    daily_users: [0, 0, 0, 0, 0, 0, 0],
    weekly_windows: [0, 0, 0, 0, 0, 0],
    monthly_users: 0,
    core_feature_ages: {},
    person_last_active_age: {},
    workflow_days: [],
  };
}

export function inputsKey(account: string, product: string): string {
  return key(account, product);
}
