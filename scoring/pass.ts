import type { Logger } from 'pino';
import { addDays, daysBetween } from '../schemas/day.js';
import type { FlagCode, FlagTransition } from '../schemas/flags.js';
import type { ProductsConfig } from '../schemas/products.js';
import {
  emptyInputs,
  flagStatesAsOf,
  inputsKey,
  insertSnapshots,
  insertTransitions,
  latestAssessments,
  lastEventDays,
  readAccounts,
  readFlagStates,
  readReadinessInputs,
  upsertFlagStates,
  type FlagStateRecord,
  type LatestAssessment,
  type SnapshotRecord,
  type Store,
} from '../transforms/index.js';
import { productConfigHash } from './config-hash.js';
import { noFlagSink, type FlagSink } from './flag-sink.js';
import { lookbackDays } from './metrics.js';
import { scoreAccount, type ReadinessReport } from './report.js';

/** One scoring pass: read inputs for all account-products at once, score, publish and store. */

export interface ScoringContext {
  store: Store;
  products: ProductsConfig;
  /** Receives each pass's new flag transitions. Default: none. */
  sink?: FlagSink;
  logger?: Logger;
  /** Clock for `occurred_at` / `scored_at`; injectable for tests. */
  now?: () => Date;
}

export interface PassFilter {
  accountId?: string;
  product?: string;
}

export interface SkippedAccount {
  account_id: string;
  product: string;
  reason: string;
}

export interface PassResult {
  as_of: string;
  scored: number;
  skipped: SkippedAccount[];
  /** Transitions this pass produced and published (empty on a re-run with the same data). */
  transitions: FlagTransition[];
  /**
   * Account-products whose flag history already goes past this day: their
   * snapshot is rewritten, but no transition is recorded (flag history only
   * moves forward; backfill history oldest day first).
   */
  history_ahead: number;
  reports: ReadinessReport[];
  duration_ms: number;
}

const SNAPSHOT_CHUNK = 2000;

function toSnapshot(report: ReadinessReport): SnapshotRecord {
  return {
    account_id: report.account_id,
    product: report.product,
    as_of: report.as_of,
    product_type: report.product_type,
    band: report.graduation.band,
    ready: report.graduation.ready,
    graduation_score: report.graduation.score,
    usage_score: report.usage.score,
    usage_complete: report.usage.complete,
    ratio_daily: report.ratios.daily,
    ratio_weekly: report.ratios.weekly,
    ratio_monthly: report.ratios.monthly,
    red_flags: report.flags.filter((f) => f.severity === 'red').length,
    flag_codes: report.flags.map((f) => f.code),
    relative_slope: report.trend.relative_slope,
    csm: report.csm ?? '',
    account_name: report.account_name ?? '',
    risk: report.risk.score,
    config_hash: report.config_hash,
    report,
  };
}

/**
 * The flag states a pass on `asOf` starts from: the current state, except for
 * account-products whose flags already changed after `asOf` (re-scoring an
 * earlier day), whose state on that day is read from their transition history.
 */
async function flagStatesOn(
  store: Store,
  asOf: string,
  current: readonly FlagStateRecord[],
  historyDays: ReadonlyMap<string, string>,
): Promise<FlagStateRecord[]> {
  const ahead = new Set([...historyDays].filter(([, day]) => day > asOf).map(([k]) => k));
  if (ahead.size === 0) return [...current];
  const past = await flagStatesAsOf(store, asOf, [...new Set(current.filter((f) => ahead.has(inputsKey(f.account_id, f.product))).map((f) => f.account_id))]);
  return [
    ...current.filter((f) => !ahead.has(inputsKey(f.account_id, f.product))),
    ...past.filter((f) => ahead.has(inputsKey(f.account_id, f.product))),
  ];
}

export async function runScoringPass(ctx: ScoringContext, asOf: string, filter: PassFilter = {}): Promise<PassResult> {
  const started = Date.now();
  const { store, products } = ctx;
  const now = (ctx.now ?? (() => new Date()))();
  const occurredAt = now.toISOString();
  const settings = Object.values(products.products);
  const lookback = lookbackDays(settings.map((p) => p.thresholds));

  const [accounts, inputs, assessments, currentFlags, lastEvents] = await Promise.all([
    readAccounts(store, { startedBy: asOf, ...filter }),
    readReadinessInputs(store, asOf, lookback, filter),
    latestAssessments(store, asOf, filter),
    readFlagStates(store, filter),
    lastEventDays(store, asOf, filter),
  ]);
  // Per account-product, the day of its latest flag transition.
  const historyDays = new Map<string, string>();
  for (const f of currentFlags) {
    const k = inputsKey(f.account_id, f.product);
    const day = historyDays.get(k);
    if (day === undefined || f.last_changed_on > day) historyDays.set(k, f.last_changed_on);
  }
  const flagStates = await flagStatesOn(store, asOf, currentFlags, historyDays);

  const assessmentsByAccount = new Map<string, LatestAssessment[]>();
  for (const a of assessments) {
    const k = inputsKey(a.account_id, a.product);
    assessmentsByAccount.set(k, [...(assessmentsByAccount.get(k) ?? []), a]);
  }
  const flagsByAccount = new Map<string, Map<FlagCode, FlagStateRecord>>();
  for (const f of flagStates) {
    const k = inputsKey(f.account_id, f.product);
    let m = flagsByAccount.get(k);
    if (!m) flagsByAccount.set(k, (m = new Map()));
    m.set(f.code, f);
  }

  const reports: ReadinessReport[] = [];
  const transitions: FlagTransition[] = [];
  const states: FlagStateRecord[] = [];
  const skipped: SkippedAccount[] = [];
  let historyAhead = 0;
  const hashes = new Map(settings.map((p) => [p.name, productConfigHash(p, products.weights)]));
  for (const account of accounts) {
    const product = products.products[account.product];
    if (!product) {
      skipped.push({ account_id: account.account_id, product: account.product, reason: `product "${account.product}" is not in ${products.source}` });
      continue;
    }
    const k = inputsKey(account.account_id, account.product);
    const result = scoreAccount({
      account,
      product,
      weights: products.weights,
      configHash: hashes.get(product.name) ?? '',
      inputs: inputs.get(k) ?? emptyInputs(account.account_id, account.product),
      assessments: assessmentsByAccount.get(k) ?? [],
      lastEventOn: lastEvents.get(k) ?? null,
      previousFlags: flagsByAccount.get(k) ?? new Map(),
      asOf,
      occurredAt,
    });
    reports.push(result.report);
    const historyDay = historyDays.get(k);
    if (historyDay !== undefined && historyDay > asOf) {
      // Recording these would fork the flag's history (a second "opened", sequence restarting).
      historyAhead++;
      continue;
    }
    transitions.push(...result.transitions);
    states.push(...result.states);
  }

  // Publish before storing: a failure between the two re-publishes next time rather than losing a message.
  if (transitions.length > 0) await (ctx.sink ?? noFlagSink).publish(transitions);
  await insertTransitions(store, transitions);
  await upsertFlagStates(store, states, occurredAt);
  for (let i = 0; i < reports.length; i += SNAPSHOT_CHUNK) {
    await insertSnapshots(store, reports.slice(i, i + SNAPSHOT_CHUNK).map(toSnapshot), now.getTime());
  }
  const result: PassResult = {
    as_of: asOf,
    scored: reports.length,
    skipped,
    transitions,
    history_ahead: historyAhead,
    reports,
    duration_ms: Date.now() - started,
  };
  ctx.logger?.info(
    { as_of: asOf, scored: result.scored, skipped: skipped.length, transitions: transitions.length, history_ahead: historyAhead, ms: result.duration_ms },
    'scoring pass finished',
  );
  return result;
}

export interface RangeProgress {
  done: number;
  total: number;
  as_of: string;
  result: PassResult;
}

/** Scores every day of [from, to] in order (flag state carries forward day by day). */
export async function runScoringRange(
  ctx: ScoringContext,
  range: { from: string; to: string },
  onProgress?: (p: RangeProgress) => void,
): Promise<PassResult[]> {
  const total = daysBetween(range.from, range.to) + 1;
  const results: PassResult[] = [];
  for (let i = 0; i < total; i++) {
    const asOf = addDays(range.from, i);
    const result = await runScoringPass(ctx, asOf);
    // Reports of a long backfill are already stored; keep memory flat.
    results.push({ ...result, reports: [] });
    onProgress?.({ done: i + 1, total, as_of: asOf, result });
  }
  return results;
}
