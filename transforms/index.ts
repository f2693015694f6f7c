/** Public surface of the ClickHouse layer: the store, migrations and the SQL that reads and writes it. */
export { openStore, storeFromClient } from './store.js';
export type { Store, QueryParams } from './store.js';
export { migrate, MIGRATIONS } from './migrations.js';
export type { Migration, MigrationReport } from './migrations.js';
export { insertEvents, insertRejections, rejectionCounts } from './events.js';
export type { Rejection, RejectionCount } from './events.js';
export { dailyActiveUsers, eventCount } from './aggregates.js';
export type { DailyActiveUsers } from './aggregates.js';
