import type { AccountRecord } from '../schemas/accounts.js';
import type { FlagCode, FlagTransition } from '../schemas/flags.js';
import type { ProductsConfig } from '../schemas/products.js';
import { configHashes } from './config-hash.js';
import { emptyInputs, inputsKey, type FlagStateRecord, type LatestAssessment, type ReadinessInputs } from './inputs.js';
import { scoreAccount, type ReadinessReport } from './report.js';

/**
 * The scoring of a pass over a run of account-products, given what the store
 * holds for them on the day; a pass (runtime/scoring-pass.ts) reads, scores and
 * stores one run after the other. Each account-product is scored from its own
 * rows only, so scoring the portfolio in runs gives the same result as at once.
 */

export interface SkippedAccount {
  account_id: string;
  product: string;
  reason: string;
}

export interface PassChunk {
  /** The account records to score, in (account_id, product) order. */
  accounts: readonly AccountRecord[];
  inputs: ReadonlyMap<string, ReadinessInputs>;
  /** Latest assessment per dimension, of any of the accounts. */
  assessments: readonly LatestAssessment[];
  /** The flag states each account-product starts from on the day (flagStatesOn). */
  flagStates: readonly FlagStateRecord[];
  /** Per account-product, the day of its latest flag transition (latestChangeDays of the current states). */
  historyDays: ReadonlyMap<string, string>;
  /** Per account-product, the last day with any event. */
  lastEvents: ReadonlyMap<string, string>;
}

export interface ScoredChunk {
  reports: ReadinessReport[];
  /** New transitions to publish and record. */
  transitions: FlagTransition[];
  /** Flag states after those transitions. */
  states: FlagStateRecord[];
  skipped: SkippedAccount[];
  /** Account-products whose flag history is already past the day: scored, but no transition recorded. */
  historyAhead: number;
}

/** Per account-product, the day of its latest flag transition. */
export function latestChangeDays(current: readonly FlagStateRecord[]): Map<string, string> {
  const days = new Map<string, string>();
  for (const f of current) {
    const k = inputsKey(f.account_id, f.product);
    const day = days.get(k);
    if (day === undefined || f.last_changed_on > day) days.set(k, f.last_changed_on);
  }
  return days;
}

/** The accounts with an account-product whose flags already changed after `asOf` (re-scoring an earlier day). */
export function accountsWithHistoryAhead(current: readonly FlagStateRecord[], historyDays: ReadonlyMap<string, string>, asOf: string): string[] {
  const ahead = (f: FlagStateRecord) => (historyDays.get(inputsKey(f.account_id, f.product)) ?? '') > asOf;
  return [...new Set(current.filter(ahead).map((f) => f.account_id))];
}

/**
 * The flag states a pass on `asOf` starts from: the current state, except for
 * account-products whose flags already changed after `asOf`, whose state on
 * that day comes from their transition history (`past`).
 */
export function flagStatesOn(
  current: readonly FlagStateRecord[],
  past: readonly FlagStateRecord[],
  historyDays: ReadonlyMap<string, string>,
  asOf: string,
): FlagStateRecord[] {
  const ahead = (f: FlagStateRecord) => (historyDays.get(inputsKey(f.account_id, f.product)) ?? '') > asOf;
  return [...current.filter((f) => !ahead(f)), ...past.filter(ahead)];
}

export function scoreChunk(products: ProductsConfig, asOf: string, occurredAt: string, chunk: PassChunk): ScoredChunk {
  const assessmentsByAccount = new Map<string, LatestAssessment[]>();
  for (const a of chunk.assessments) {
    const k = inputsKey(a.account_id, a.product);
    let list = assessmentsByAccount.get(k);
    if (!list) assessmentsByAccount.set(k, (list = []));
    list.push(a);
  }
  const flagsByAccount = new Map<string, Map<FlagCode, FlagStateRecord>>();
  for (const f of chunk.flagStates) {
    const k = inputsKey(f.account_id, f.product);
    let m = flagsByAccount.get(k);
    if (!m) flagsByAccount.set(k, (m = new Map()));
    m.set(f.code, f);
  }
  const hashes = configHashes(products);
  const out: ScoredChunk = { reports: [], transitions: [], states: [], skipped: [], historyAhead: 0 };
  for (const account of chunk.accounts) {
    const product = products.products[account.product];
    if (!product) {
      out.skipped.push({ account_id: account.account_id, product: account.product, reason: `product "${account.product}" is not in ${products.source}` });
      continue;
    }
    const k = inputsKey(account.account_id, account.product);
    const result = scoreAccount({
      account,
      product,
      weights: products.weights,
      configHash: hashes.get(product.name) ?? '',
      inputs: chunk.inputs.get(k) ?? emptyInputs(account.account_id, account.product),
      assessments: assessmentsByAccount.get(k) ?? [],
      lastEventOn: chunk.lastEvents.get(k) ?? null,
      previousFlags: flagsByAccount.get(k) ?? new Map(),
      asOf,
      occurredAt,
    });
    out.reports.push(result.report);
    const historyDay = chunk.historyDays.get(k);
    if (historyDay !== undefined && historyDay > asOf) {
      // Recording these would fork the flag's history (a second "opened", sequence restarting).
      out.historyAhead++;
      continue;
    }
    out.transitions.push(...result.transitions);
    out.states.push(...result.states);
  }
  return out;
}
