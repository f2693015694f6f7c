import type { Logger } from 'pino';
import { DEFAULT_SCORING_CHUNK_SIZE } from '../schemas/config.js';
import { addDays, daysBetween } from '../schemas/day.js';
import type { FlagTransition } from '../schemas/flags.js';
import type { ProductsConfig } from '../schemas/products.js';
import {
  accountsWithHistoryAhead,
  flagStatesOn,
  latestChangeDays,
  lookbackDays,
  noFlagSink,
  scoreChunk,
  type FlagSink,
  type PassChunk,
  type ReadinessReport,
  type ScoredChunk,
  type SkippedAccount,
} from '../scoring/index.js';
import {
  accountRuns,
  flagStatesAsOf,
  insertSnapshots,
  insertTransitions,
  lastEventDays,
  latestAssessments,
  readAccounts,
  readFlagStates,
  readReadinessInputs,
  snapshotOf,
  upsertFlagStates,
  type KeyRange,
  type Store,
} from '../transforms/index.js';

/**
 * One scoring pass: the account-products are read, scored, published and
 * stored one run (chunk) at a time, in key order, so that memory is bounded by
 * the chunk, not the portfolio. Each account-product depends only on its own
 * rows, so the result is the same as scoring all at once.
 */

export interface ScoringContext {
  store: Store;
  products: ProductsConfig;
  /** Receives each pass's new flag transitions. Default: none. */
  sink?: FlagSink;
  logger?: Logger;
  /** Clock for `occurred_at` / `scored_at`; injectable for tests. */
  now?: () => Date;
  /** Account-products per chunk (SCORING_CHUNK_SIZE). */
  chunkSize?: number;
  /** How far ahead of the clock an assessment may be dated (MAX_FUTURE_SKEW_MS, as for events). Default: one day. */
  maxFutureSkewMs?: number;
}

export interface PassFilter {
  accountId?: string;
  product?: string;
}

export interface PassOptions {
  /** Account-products per chunk (default: the context's). */
  chunkSize?: number;
  /** Called with each chunk's reports and transitions once they are published and stored (to keep what a caller needs). */
  onChunk?: (chunk: { reports: readonly ReadinessReport[]; transitions: readonly FlagTransition[] }) => void;
}

export interface PassResult {
  as_of: string;
  scored: number;
  skipped: SkippedAccount[];
  /** How many transitions this pass produced and published (0 on a re-run with the same data). */
  transitions: number;
  /**
   * Account-products whose flag history already goes past this day: their
   * snapshot is rewritten, but no transition is recorded (flag history only
   * moves forward; backfill history oldest day first).
   */
  history_ahead: number;
  duration_ms: number;
}

/** Reads what the account-products of `range` are scored from (the engine queues the queries at once). */
async function readChunk(store: Store, asOf: string, lookback: number, filter: PassFilter, range: KeyRange): Promise<PassChunk> {
  const scope = { ...filter, range };
  const [accounts, inputs, assessments, currentFlags, lastEvents] = await Promise.all([
    readAccounts(store, { startedBy: asOf, ...scope }),
    readReadinessInputs(store, asOf, lookback, scope),
    latestAssessments(store, asOf, scope),
    readFlagStates(store, scope),
    lastEventDays(store, asOf, scope),
  ]);
  const historyDays = latestChangeDays(currentFlags);
  const ahead = accountsWithHistoryAhead(currentFlags, historyDays, asOf);
  const past = ahead.length === 0 ? [] : await flagStatesAsOf(store, asOf, ahead);
  return { accounts, inputs, assessments, flagStates: flagStatesOn(currentFlags, past, historyDays, asOf), historyDays, lastEvents };
}

export async function runScoringPass(ctx: ScoringContext, asOf: string, filter: PassFilter = {}, options: PassOptions = {}): Promise<PassResult> {
  const started = Date.now();
  const { store, products } = ctx;
  const now = (ctx.now ?? (() => new Date()))();
  const occurredAt = now.toISOString();
  const lookback = lookbackDays(Object.values(products.products).map((p) => p.thresholds));
  const result: PassResult = { as_of: asOf, scored: 0, skipped: [], transitions: 0, history_ahead: 0, duration_ms: 0 };
  const runs = await accountRuns(store, { startedBy: asOf, ...filter }, options.chunkSize ?? ctx.chunkSize ?? DEFAULT_SCORING_CHUNK_SIZE);
  /** Publishes and stores one scored chunk (its snapshots in one insert: the chunk bounds its size). */
  const publishAndStore = async (scored: ScoredChunk): Promise<void> => {
    // Publish before storing: a failure between the two re-publishes next time rather than losing a message.
    if (scored.transitions.length > 0) await (ctx.sink ?? noFlagSink).publish(scored.transitions);
    await insertTransitions(store, scored.transitions);
    await upsertFlagStates(store, scored.states, occurredAt);
    await insertSnapshots(store, scored.reports.map(snapshotOf), now.getTime());
    result.scored += scored.reports.length;
    result.skipped.push(...scored.skipped);
    result.transitions += scored.transitions.length;
    result.history_ahead += scored.historyAhead;
    options.onChunk?.({ reports: scored.reports, transitions: scored.transitions });
  };
  // Three chunks at most are under way: the next one read and this one scored while the previous
  // one is stored, so the engine reads and writes while JavaScript scores. Chunks are published and
  // stored in order, one at a time.
  let next: Promise<PassChunk> | undefined = readChunk(store, asOf, lookback, filter, runs[0]!);
  let storing: Promise<void> = Promise.resolve();
  try {
    for (let i = 0; next; i++) {
      const chunk: PassChunk = await next;
      next = i + 1 < runs.length ? readChunk(store, asOf, lookback, filter, runs[i + 1]!) : undefined;
      if (chunk.accounts.length === 0) continue;
      const scored = scoreChunk(products, asOf, occurredAt, chunk);
      await storing;
      storing = publishAndStore(scored);
      // Its failure is seen at the next `await storing`, not as an unhandled rejection meanwhile.
      storing.catch(() => undefined);
    }
    await storing;
  } finally {
    // A failed chunk ends the pass: the read under way is dropped, and a store under way finishes
    // before the pass rejects, so no write of this pass runs on after it (e.g. under the next pass).
    next?.catch(() => undefined);
    await storing.catch(() => undefined);
  }
  result.duration_ms = Date.now() - started;
  ctx.logger?.info(
    { as_of: asOf, scored: result.scored, skipped: result.skipped.length, transitions: result.transitions, history_ahead: result.history_ahead, ms: result.duration_ms },
    'scoring pass finished',
  );
  return result;
}

/** A pass that also returns every report and transition: for a few account-products (an assessment's re-scoring, tests). */
export async function runCollectingPass(
  ctx: ScoringContext,
  asOf: string,
  filter: PassFilter = {},
  options: Omit<PassOptions, 'onChunk'> = {},
): Promise<PassResult & { reports: ReadinessReport[]; published: FlagTransition[] }> {
  const reports: ReadinessReport[] = [];
  const published: FlagTransition[] = [];
  const result = await runScoringPass(ctx, asOf, filter, {
    ...options,
    onChunk: (chunk) => {
      reports.push(...chunk.reports);
      published.push(...chunk.transitions);
    },
  });
  return { ...result, reports, published };
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
    results.push(result);
    onProgress?.({ done: i + 1, total, as_of: asOf, result });
  }
  return results;
}
