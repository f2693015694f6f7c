/** Public surface of the ClickHouse layer: the store, migrations and the SQL that reads and writes it. */
export { openStore, storeFromClient } from './store.js';
export { keyedQueue } from './keyed-queue.js';
export type { Store, QueryParams, RowFormat, StagedCondition, ProbedCondition } from './store.js';
export { migrate, migrationScript, MIGRATIONS } from './migrations.js';
export type { Migration, MigrationReport, MigrateOptions } from './migrations.js';
export type { DdlTarget } from './ddl.js';
export { EventRows, insertEventRows, insertEvents, insertRejections, rejectionCounts } from './events.js';
export type { Rejection, RejectionCount } from './events.js';
export { dailyActiveUsers, eventCount } from './aggregates.js';
export type { DailyActiveUsers } from './aggregates.js';
export { accountRuns, insertAccounts, readAccounts } from './accounts.js';
export type { AccountFilter } from './accounts.js';
export { insertAssessments, latestAssessments, assessmentHistory, assessmentId } from './assessments.js';
export type { StoredAssessment } from './assessments.js';
export { readReadinessInputs } from './readiness-inputs.js';
export type { InputsFilter } from './readiness-inputs.js';
export type { AccountProductKey, KeyRange } from './key-range.js';
export { insertSnapshots, snapshotOf, latestSnapshotDay } from './snapshots.js';
export type { SnapshotRecord, StoredSnapshot, SnapshotPoint } from './snapshots.js';
export { queryPortfolio, queryPortfolioInStore } from './portfolio.js';
export { filterKey } from './portfolio-index.js';
export { readAccountView } from './account-view.js';
export type { AccountViewQuery, AccountViewRows } from './account-view.js';
export type { PortfolioFilter, PortfolioQuery, PortfolioPage } from './portfolio.js';
export { cachedRead, cacheState, cachedValue } from './read-cache.js';
export {
  insertTransitions,
  upsertFlagStates,
  flagStatesAsOf,
  readFlagStates,
  pageFlagStates,
  countOpenFlags,
  transitionsSince,
} from './flag-store.js';
export type { FlagStateFilter } from './flag-store.js';
export { enqueueOutbox, settleOutbox, pendingOutbox, outboxStates } from './webhook-outbox.js';
export type { OutboxState, OutboxMessage, PendingOutboxMessage } from './webhook-outbox.js';
export { insertOutcomes, readOutcomes } from './outcomes.js';
export type { StoredOutcome } from './outcomes.js';
export { calibrationCounts, calibrationCountsOf, calibrationCoverage, graduationRows, graduationDays } from './calibration.js';
export type { GraduationParams, CountParams, CalibrationCoverage } from './calibration.js';
export { readUsageTrends, TREND_WEEKS } from './usage-trends.js';
export { readProductTypeCounts } from './product-type-counts.js';
export type { ProductTrendRule } from './usage-trends.js';
export { lastEventDays } from './freshness.js';
export { readIdempotencyKey, recordIdempotencyKey } from './idempotency.js';
export type { IdempotencyRecord } from './idempotency.js';
