import { instantMs } from '../schemas/day.js';
import type { OutcomeRecord } from '../schemas/outcome.js';
import { toDateTime64 } from './datetime.js';
import type { Store } from './store.js';

/** Outcomes: one current row per (account, product); a later record replaces it. */

export async function insertOutcomes(store: Store, records: readonly OutcomeRecord[], source: string, loadedAtMs = Date.now()): Promise<void> {
  const loadedAt = toDateTime64(loadedAtMs);
  await store.insert(
    'outcomes',
    records.map((r) => ({
      account_id: r.account_id,
      product: r.product,
      outcome: r.outcome,
      outcome_at: toDateTime64(instantText(r.outcome_at)),
      graduated_at: r.graduated_at === undefined ? null : instantText(r.graduated_at).slice(0, 10),
      source,
      loaded_at: loadedAt,
    })),
  );
}

/** A bare day is its UTC midnight; anything else is normalised to UTC. */
const instantText = (s: string) => new Date(instantMs(s)).toISOString();

export interface StoredOutcome {
  account_id: string;
  product: string;
  outcome: string;
  outcome_at: string;
  graduated_at: string | null;
  source: string;
}

/** Current outcomes, optionally of one account-product. */
export async function readOutcomes(store: Store, filter: { accountId?: string; product?: string } = {}): Promise<StoredOutcome[]> {
  return store.query<StoredOutcome>(
    `SELECT account_id, product, outcome,
            formatDateTime(outcome_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS outcome_at,
            if(isNull(graduated_at), NULL, toString(graduated_at)) AS graduated_at, source
     FROM {db}.outcomes FINAL
     WHERE ({account:String} = '' OR account_id = {account:String})
       AND ({product:String} = '' OR product = {product:String})
     ORDER BY account_id, product`,
    { account: filter.accountId ?? '', product: filter.product ?? '' },
  );
}
