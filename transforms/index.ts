/** Public surface of the ClickHouse layer: the store, migrations and the SQL that reads and writes it. */
export { openStore, storeFromClient } from './store.js';
export type { Store, QueryParams } from './store.js';
export { migrate, MIGRATIONS } from './migrations.js';
export type { Migration, MigrationReport } from './migrations.js';
export { insertEvents, insertRejections, rejectionCounts } from './events.js';
export type { Rejection, RejectionCount } from './events.js';
export { dailyActiveUsers, eventCount } from './aggregates.js';
export type { DailyActiveUsers } from './aggregates.js';
export { insertAccounts, readAccounts } from './accounts.js';
export type { AccountFilter } from './accounts.js';
export { insertAssessments, latestAssessments, assessmentHistory, assessmentId } from './assessments.js';
export type { StoredAssessment, LatestAssessment } from './assessments.js';
export { readReadinessInputs, emptyInputs, inputsKey } from './readiness-inputs.js';
export type { ReadinessInputs, InputsFilter } from './readiness-inputs.js';
export { insertSnapshots, readSnapshots, snapshotHistory, previousSnapshot, latestSnapshotDay } from './snapshots.js';
export type { SnapshotRecord, StoredSnapshot, SnapshotFilter } from './snapshots.js';
export { insertTransitions, upsertFlagStates, flagStatesAsOf, readFlagStates, readTransitions, transitionsSince } from './flag-store.js';
export type { FlagStateRecord, FlagStateFilter } from './flag-store.js';
