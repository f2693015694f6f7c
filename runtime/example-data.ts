import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { generateExample } from '../examples/generate.js';
import { eventParseOptions, ingestFile, type IngestSummary } from '../ingest/index.js';
import type { IngestConfig } from '../schemas/config.js';
import { addDays } from '../schemas/day.js';
import { eventCount, type Store } from '../transforms/index.js';
import { loadAssessmentsNdjson } from './assessments.js';
import { loadAccountsNdjson, loadOutcomesNdjson } from './records.js';
import { runScoringPass, type ScoringContext } from './scoring-pass.js';

/**
 * The example data set for an empty embedded store, so a first `npm start`
 * shows real readiness: generated for a window ending today (so the hourly
 * scoring of today stays meaningful), ingested through the normal validation
 * and batching path, then its accounts and assessments loaded and readiness
 * scored for today plus a weekly history for the charts; outcomes of the
 * graduated accounts give the calibration page something to measure.
 */

export interface ExampleLoad {
  endDay: string;
  events: IngestSummary;
  accounts: number;
  assessments: number;
  outcomes: number;
  scoredDays: string[];
  durationMs: number;
}

export async function storeHoldsEvents(store: Store): Promise<boolean> {
  return (await eventCount(store)) > 0;
}

export async function loadExampleData(options: {
  /** Scoring context without a flag sink: loading history must not alert anyone. */
  scoring: Omit<ScoringContext, 'sink'>;
  ingest: IngestConfig;
  logger: Logger;
  today: string;
  /** History to backfill: days before today scored one by one. */
  backfillDays: number;
}): Promise<ExampleLoad> {
  const started = Date.now();
  const { scoring, logger, today } = options;
  const store: Store = scoring.store;
  const data = generateExample(today);
  const events = await ingestFile({
    path: '-',
    stdin: Readable.from(data.events.map((line) => `${line}\n`)),
    store,
    config: options.ingest,
    parse: eventParseOptions(options.ingest, scoring.products.defaultProduct),
    logger,
  });
  const ndjson = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n');
  const accounts = await loadAccountsNdjson(store, scoring.products, ndjson(data.accounts), 'example');
  const assessments = await loadAssessmentsNdjson(scoring, ndjson(data.assessments), 'example');
  const outcomes = await loadOutcomesNdjson(
    store,
    { now: scoring.now ?? (() => new Date()), maxFutureSkewMs: options.ingest.maxFutureSkewMs, maxBytes: options.ingest.maxEventBytes },
    ndjson(data.outcomes),
    'example',
  );

  // A daily history for the charts and the explanation of the last change (about 60 ms a day for this set).
  const scoredDays: string[] = [];
  for (let back = options.backfillDays; back >= 0; back--) scoredDays.push(addDays(today, -back));
  for (const day of scoredDays) await runScoringPass(scoring, day);
  return {
    endDay: today,
    events,
    accounts: accounts.loaded,
    assessments: assessments.loaded,
    outcomes: outcomes.loaded,
    scoredDays,
    durationMs: Date.now() - started,
  };
}
