import type { AccountRecord } from '../schemas/accounts.js';
import { keyRangeSql, type AccountProductKey, type KeyRange } from './key-range.js';
import type { Store } from './store.js';
import { toDateTime64 } from './datetime.js';

/** Account records: one current row per (account, product); re-loading replaces it. */

export async function insertAccounts(store: Store, records: readonly AccountRecord[], source: string): Promise<void> {
  const loadedAt = toDateTime64();
  await store.insert(
    'accounts',
    records.map((r) => ({
      account_id: r.account_id,
      product: r.product,
      account_name: r.account_name ?? '',
      csm: r.csm ?? '',
      licensed_seats: r.licensed_seats,
      onboarding_started_at: r.onboarding_started_at,
      target_graduation_date: r.target_graduation_date,
      champion_user_ids: r.champion_user_ids,
      key_user_ids: r.key_user_ids,
      core_features: r.core_features,
      critical_workflows: r.critical_workflows,
      source,
      loaded_at: loadedAt,
    })),
  );
}

interface AccountRow {
  account_id: string;
  product: string;
  account_name: string;
  csm: string;
  licensed_seats: number | string;
  onboarding_started_at: string;
  target_graduation_date: string;
  champion_user_ids: string[];
  key_user_ids: string[];
  core_features: string[];
  critical_workflows: string[];
}

export interface AccountFilter {
  /** Only accounts whose onboarding started on or before this day. */
  startedBy?: string;
  accountId?: string;
  product?: string;
  range?: KeyRange;
}

/** The last day a Date column holds: "no bound" without converting a string in SQL. */
const LAST_DAY = '2149-06-06';

export async function readAccounts(store: Store, filter: AccountFilter = {}): Promise<AccountRecord[]> {
  const range = keyRangeSql('c', filter.range);
  const rows = await store.query<AccountRow>(
    `SELECT c.account_id AS account_id, c.product AS product, c.account_name AS account_name, c.csm AS csm,
            c.licensed_seats AS licensed_seats,
            toString(c.onboarding_started_at) AS onboarding_started_at,
            toString(c.target_graduation_date) AS target_graduation_date,
            c.champion_user_ids AS champion_user_ids, c.key_user_ids AS key_user_ids,
            c.core_features AS core_features, c.critical_workflows AS critical_workflows
     FROM {db}.accounts AS c FINAL
     WHERE c.onboarding_started_at <= {started_by:Date}
       AND ({account:String} = '' OR c.account_id = {account:String})
       AND ({product:String} = '' OR c.product = {product:String})${range.sql}
     ORDER BY c.account_id, c.product`,
    { started_by: filter.startedBy ?? LAST_DAY, account: filter.accountId ?? '', product: filter.product ?? '', ...range.params },
  );
  return rows.map((r) => ({
    account_id: r.account_id,
    product: r.product,
    licensed_seats: Number(r.licensed_seats),
    onboarding_started_at: r.onboarding_started_at,
    target_graduation_date: r.target_graduation_date,
    champion_user_ids: r.champion_user_ids,
    key_user_ids: r.key_user_ids,
    core_features: r.core_features,
    critical_workflows: r.critical_workflows,
    ...(r.account_name ? { account_name: r.account_name } : {}),
    ...(r.csm ? { csm: r.csm } : {}),
  }));
}

/**
 * The account records of `filter` cut into runs of `size` in (account_id, product) order: each run's
 * key range, the last one open-ended. Only the boundary keys leave the engine.
 */
export async function accountRuns(store: Store, filter: Omit<AccountFilter, 'range'>, size: number): Promise<KeyRange[]> {
  const rows = await store.query<AccountProductKey>(
    `SELECT account_id, product FROM (
       SELECT c.account_id AS account_id, c.product AS product, row_number() OVER (ORDER BY c.account_id, c.product) AS n
       FROM {db}.accounts AS c FINAL
       WHERE c.onboarding_started_at <= {started_by:Date}
         AND ({account:String} = '' OR c.account_id = {account:String})
         AND ({product:String} = '' OR c.product = {product:String}))
     WHERE n % {size:UInt32} = 0
     ORDER BY account_id, product`,
    { started_by: filter.startedBy ?? LAST_DAY, account: filter.accountId ?? '', product: filter.product ?? '', size },
  );
  const runs: KeyRange[] = [];
  let after: AccountProductKey | undefined;
  for (const through of rows) {
    runs.push({ after, through: { account_id: through.account_id, product: through.product } });
    after = through;
  }
  runs.push({ after });
  return runs;
}
