import type { FlagCode, FlagTransition, Severity, TransitionKind } from '../schemas/flags.js';
import type { FlagStateRecord } from '../scoring/inputs.js';
import { keyRangeSql, type KeyRange } from './key-range.js';
import type { QueryParams, Store } from './store.js';
import { toDateTime64 } from './datetime.js';
import { writing } from './read-cache.js';

/** Flag transitions (full history, unique by id) and the current state per flag id. */

const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000);

export async function insertTransitions(store: Store, transitions: readonly FlagTransition[]): Promise<void> {
  await writing(store, () =>
    store.insert(
      'flag_transitions',
      transitions.map((t) => ({ ...t, occurred_at: toDateTime64(t.occurred_at) })),
    ),
  );
}

export async function upsertFlagStates(store: Store, states: readonly FlagStateRecord[], occurredAt: string): Promise<void> {
  await writing(store, () =>
    store.insert(
      'flag_state',
      states.map((s) => ({
        ...s,
        occurred_at: toDateTime64(occurredAt),
        // Later day first, then later transition: matches the ReplacingMergeTree version column.
        version: dayNumber(s.last_changed_on) * 1_000_000 + s.sequence,
      })),
    ),
  );
}

interface TransitionRow {
  flag_id: string;
  account_id: string;
  product: string;
  code: FlagCode;
  kind: TransitionKind;
  severity: Severity;
  message: string;
  value: number | string;
  subjects: string[];
  sequence: number | string;
  opened_on: string;
  as_of: string;
}

/**
 * Each flag's state after its latest transition on or before `asOf`, read
 * from the transition history of the given accounts: for re-scoring a day
 * that their current state (`flag_state`) is already past.
 */
export async function flagStatesAsOf(store: Store, asOf: string, accountIds: readonly string[]): Promise<FlagStateRecord[]> {
  if (accountIds.length === 0) return [];
  const rows = await store.query<TransitionRow>(
    `SELECT t.flag_id AS flag_id, any(t.account_id) AS account_id, any(t.product) AS product, any(t.code) AS code,
            argMax(t.kind, (t.as_of, t.sequence)) AS kind,
            argMax(t.severity, (t.as_of, t.sequence)) AS severity,
            argMax(t.message, (t.as_of, t.sequence)) AS message,
            argMax(t.value, (t.as_of, t.sequence)) AS value,
            argMax(t.subjects, (t.as_of, t.sequence)) AS subjects,
            max(t.sequence) AS sequence,
            toString(maxIf(t.as_of, t.kind = 'opened')) AS opened_on,
            toString(max(t.as_of)) AS as_of
     FROM {db}.flag_transitions AS t FINAL
     WHERE t.as_of <= {as_of:Date} AND t.account_id IN {accounts:Array(String)}
     GROUP BY t.flag_id`,
    { as_of: asOf, accounts: [...new Set(accountIds)] },
  );
  return rows.map((r) => ({
    flag_id: r.flag_id,
    account_id: r.account_id,
    product: r.product,
    code: r.code,
    state: r.kind === 'resolved' ? 'resolved' : 'open',
    severity: r.severity,
    message: r.message,
    value: Number(r.value),
    subjects: r.subjects,
    sequence: Number(r.sequence),
    opened_on: r.opened_on,
    last_changed_on: r.as_of,
  }));
}

export interface FlagStateFilter {
  state?: 'open' | 'resolved';
  accountId?: string;
  product?: string;
  code?: string;
  range?: KeyRange;
}

type FlagStateRow = Omit<FlagStateRecord, 'value' | 'sequence'> & { value: number | string; sequence: number | string };

const FLAG_STATE_COLUMNS = `f.flag_id AS flag_id, f.account_id AS account_id, f.product AS product, f.code AS code, f.state AS state,
            f.severity AS severity, f.message AS message, f.value AS value, f.subjects AS subjects, f.sequence AS sequence,
            toString(f.opened_on) AS opened_on, toString(f.last_changed_on) AS last_changed_on`;

function flagStateWhere(filter: FlagStateFilter): { sql: string; params: QueryParams } {
  const conditions: string[] = [];
  const params: QueryParams = {};
  const add = (sql: string, name: string, value: string | undefined) => {
    if (value === undefined) return;
    conditions.push(sql);
    params[name] = value;
  };
  add('f.state = {state:String}', 'state', filter.state);
  add('f.account_id = {account:String}', 'account', filter.accountId);
  add('f.product = {product:String}', 'product', filter.product);
  add('f.code = {code:String}', 'code', filter.code);
  const range = keyRangeSql('f', filter.range);
  if (range.sql) {
    conditions.push(range.sql.replace(/^ AND /, ''));
    Object.assign(params, range.params);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

const toFlagState = (r: FlagStateRow): FlagStateRecord => ({ ...r, value: Number(r.value), sequence: Number(r.sequence) });

/** Current state of every flag (its latest transition), filtered: what a scoring pass starts from. */
export async function readFlagStates(store: Store, filter: FlagStateFilter = {}): Promise<FlagStateRecord[]> {
  const { sql, params } = flagStateWhere(filter);
  const rows = await store.query<FlagStateRow>(`SELECT ${FLAG_STATE_COLUMNS} FROM {db}.flag_state AS f FINAL ${sql}`, params);
  return rows.map(toFlagState);
}

/** One page of flag states, most recently changed first, with the total before paging. */
export async function pageFlagStates(
  store: Store,
  filter: FlagStateFilter & { limit: number; offset: number },
): Promise<{ total: number; items: FlagStateRecord[] }> {
  const { sql, params } = flagStateWhere(filter);
  const rows = await store.query<FlagStateRow & { total: number | string }>(
    `SELECT ${FLAG_STATE_COLUMNS}, count() OVER () AS total
     FROM {db}.flag_state AS f FINAL ${sql}
     ORDER BY f.last_changed_on DESC, f.account_id, f.product, f.code
     LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { ...params, limit: filter.limit, offset: filter.offset },
  );
  if (rows.length === 0 && filter.offset > 0) {
    const [counted] = await store.query<{ n: number | string }>(`SELECT count() AS n FROM {db}.flag_state AS f FINAL ${sql}`, params);
    return { total: Number(counted?.n ?? 0), items: [] };
  }
  return { total: Number(rows[0]?.total ?? 0), items: rows.map(({ total: _total, ...r }) => toFlagState(r)) };
}

/** Open flags counted by code and severity. */
export async function countOpenFlags(store: Store): Promise<{ code: string; severity: string; count: number }[]> {
  const rows = await store.query<{ code: string; severity: string; n: number | string }>(
    `SELECT f.code AS code, f.severity AS severity, count() AS n
     FROM {db}.flag_state AS f FINAL
     WHERE f.state = 'open'
     GROUP BY f.code, f.severity
     ORDER BY f.code, f.severity`,
  );
  return rows.map((r) => ({ code: r.code, severity: r.severity, count: Number(r.n) }));
}

export interface StoredTransitionRow extends Omit<FlagTransition, 'value' | 'sequence'> {
  value: number | string;
  sequence: number | string;
}

export const TRANSITION_COLUMNS = `t.transition_id AS transition_id, t.flag_id AS flag_id, t.account_id AS account_id, t.product AS product,
            t.code AS code, t.kind AS kind, t.severity AS severity, t.message AS message, t.value AS value,
            t.subjects AS subjects, t.sequence AS sequence, toString(t.as_of) AS as_of,
            formatDateTime(t.occurred_at, '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS occurred_at`;

/**
 * Transitions recorded since the one with `transitionId` (for a stream
 * subscriber resuming with Last-Event-ID), in recording order. Transitions of
 * the same pass share a recording time, so the rest of that pass is included
 * again: subscribers de-duplicate on transition_id. `undefined` when the id is
 * unknown (nothing to resume from).
 */
export async function transitionsSince(store: Store, transitionId: string, limit: number): Promise<FlagTransition[] | undefined> {
  const [known] = await store.query<{ n: number | string }>(
    'SELECT count() AS n FROM {db}.flag_transitions WHERE transition_id = {id:String}',
    { id: transitionId },
  );
  if (Number(known?.n ?? 0) === 0) return undefined;
  const rows = await store.query<StoredTransitionRow>(
    `SELECT ${TRANSITION_COLUMNS}
     FROM {db}.flag_transitions AS t FINAL
     WHERE t.occurred_at >= (SELECT max(occurred_at) FROM {db}.flag_transitions WHERE transition_id = {id:String})
       AND t.transition_id != {id:String}
     ORDER BY t.occurred_at, t.as_of, t.account_id, t.product, t.code, t.sequence
     LIMIT {limit:UInt32}`,
    { id: transitionId, limit },
  );
  return rows.map(toTransition);
}

export const toTransition = (r: StoredTransitionRow): FlagTransition => ({ ...r, value: Number(r.value), sequence: Number(r.sequence) });

/** Transitions of one account-product in [from, to], oldest first, by primary key prefix. */
export async function readTransitions(store: Store, filter: { accountId: string; product: string; from: string; to: string }): Promise<FlagTransition[]> {
  const rows = await store.query<StoredTransitionRow>(
    `SELECT ${TRANSITION_COLUMNS}
     FROM {db}.flag_transitions AS t
     WHERE t.account_id = {account:String} AND t.product = {product:String}
       AND t.as_of BETWEEN {from:Date} AND {to:Date}
     ORDER BY t.as_of, t.code, t.sequence
     LIMIT 1 BY t.transition_id`,
    { account: filter.accountId, product: filter.product, from: filter.from, to: filter.to },
  );
  return rows.map(toTransition);
}
