import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadinessError, ERROR_CODES, errorMessage } from '../schemas/errors.js';
import { renderDdl, type DdlTarget } from './ddl.js';
import type { Store } from './store.js';

/**
 * Versioned, idempotent schema migrations. Each statement is safe to run
 * twice (IF NOT EXISTS); applied versions are recorded in `schema_migrations`
 * so `migrate` reports what it did. Append new versions; never edit old ones;
 * version numbers may have gaps. Statements are written for a single node and
 * rendered for a cluster by `renderDdl` (transforms/ddl.ts), so write them in the
 * forms it knows: CREATE/ALTER/DROP/… with the object name right after the keyword
 * (and IF [NOT] EXISTS), MergeTree-family engines, and INSERT for backfills.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** A snapshot row as a row of `readiness_latest`: the version orders by day, then by scoring time. */
const LATEST_SELECT = `SELECT account_id, product, as_of, product_type, band, ready, graduation_score, usage_score, usage_complete,
             ratio_daily, ratio_weekly, ratio_monthly, relative_slope, red_flags, flag_codes, csm, account_name, risk,
             config_hash, report, scored_at,
             toUInt64(toUInt16(as_of)) * 10000000000000 + toUInt64(toUnixTimestamp64Milli(scored_at)) AS version
      FROM {db}.readiness_snapshots`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'raw events, daily aggregates, rejections',
    statements: [
      // Raw events: re-delivered copies share the sorting key and collapse on merge;
      // reads that need exact raw counts use FINAL.
      `CREATE TABLE IF NOT EXISTS {db}.events (
        event_id String,
        account_id String,
        product LowCardinality(String),
        user_id String,
        event LowCardinality(String),
        timestamp DateTime64(3, 'UTC'),
        feature LowCardinality(String),
        workflow LowCardinality(String),
        status LowCardinality(String),
        properties String,
        source LowCardinality(String),
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (account_id, product, toDate(timestamp), event_id)`,

      // Aggregates hold distinct-value states (users, event ids), so a re-delivered
      // batch adds states for values already present and cannot inflate any count.
      `CREATE TABLE IF NOT EXISTS {db}.daily_activity (
        account_id String,
        product LowCardinality(String),
        day Date,
        users AggregateFunction(uniqExact, String),
        events AggregateFunction(uniqExact, String)
      ) ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(day)
      ORDER BY (account_id, product, day)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.daily_activity_mv TO {db}.daily_activity AS
      SELECT account_id, product, toDate(timestamp) AS day,
             uniqExactState(user_id) AS users, uniqExactState(event_id) AS events
      FROM {db}.events
      GROUP BY account_id, product, day`,

      `CREATE TABLE IF NOT EXISTS {db}.daily_user_activity (
        account_id String,
        product LowCardinality(String),
        user_id String,
        day Date,
        events AggregateFunction(uniqExact, String)
      ) ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(day)
      ORDER BY (account_id, product, user_id, day)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.daily_user_activity_mv TO {db}.daily_user_activity AS
      SELECT account_id, product, user_id, toDate(timestamp) AS day, uniqExactState(event_id) AS events
      FROM {db}.events
      GROUP BY account_id, product, user_id, day`,

      `CREATE TABLE IF NOT EXISTS {db}.daily_feature_usage (
        account_id String,
        product LowCardinality(String),
        feature LowCardinality(String),
        day Date,
        users AggregateFunction(uniqExact, String),
        events AggregateFunction(uniqExact, String)
      ) ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(day)
      ORDER BY (account_id, product, feature, day)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.daily_feature_usage_mv TO {db}.daily_feature_usage AS
      SELECT account_id, product, feature, toDate(timestamp) AS day,
             uniqExactState(user_id) AS users, uniqExactState(event_id) AS events
      FROM {db}.events
      WHERE feature != ''
      GROUP BY account_id, product, feature, day`,

      `CREATE TABLE IF NOT EXISTS {db}.daily_workflow_runs (
        account_id String,
        product LowCardinality(String),
        workflow LowCardinality(String),
        day Date,
        runs AggregateFunction(uniqExact, String),
        successes AggregateFunction(uniqExactIf, String, UInt8),
        users AggregateFunction(uniqExact, String)
      ) ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(day)
      ORDER BY (account_id, product, workflow, day)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.daily_workflow_runs_mv TO {db}.daily_workflow_runs AS
      SELECT account_id, product, workflow, toDate(timestamp) AS day,
             uniqExactState(event_id) AS runs,
             uniqExactIfState(event_id, status = 'success') AS successes,
             uniqExactState(user_id) AS users
      FROM {db}.events
      WHERE workflow != '' AND status != ''
      GROUP BY account_id, product, workflow, day`,

      // Rejected input, queryable without reading the dead-letter topic. Keyed by where it
      // came from and a hash of its bytes, so re-reading the same input does not double-count
      // while different input rejected at the same place (stdin, a reused path) does count.
      `CREATE TABLE IF NOT EXISTS {db}.rejections (
        rejected_at DateTime64(3, 'UTC'),
        reason LowCardinality(String),
        message String,
        source LowCardinality(String),
        source_topic String,
        source_partition Int32,
        source_offset Int64,
        line UInt64,
        payload_bytes UInt32,
        payload_sha256 String,
        payload_excerpt String
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(rejected_at)
      ORDER BY (reason, source, source_topic, source_partition, source_offset, line, payload_sha256)`,
    ],
  },
  {
    version: 2,
    name: 'accounts, assessments, readiness snapshots, flag state and transitions',
    statements: [
      // One row per (account, product); re-loading a record replaces it (latest loaded_at wins).
      `CREATE TABLE IF NOT EXISTS {db}.accounts (
        account_id String,
        product LowCardinality(String),
        account_name String,
        csm String,
        licensed_seats UInt32,
        onboarding_started_at Date,
        target_graduation_date Date,
        champion_user_ids Array(String),
        key_user_ids Array(String),
        core_features Array(String),
        critical_workflows Array(String),
        source LowCardinality(String),
        loaded_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(loaded_at)
      ORDER BY (account_id, product)`,

      // Every assessment is kept; the id is a content hash so re-loading a file adds nothing.
      `CREATE TABLE IF NOT EXISTS {db}.assessments (
        assessment_id String,
        account_id String,
        product LowCardinality(String),
        dimension LowCardinality(String),
        score Float64,
        evidence String,
        reason String,
        assessed_by String,
        assessed_at DateTime64(3, 'UTC'),
        recorded_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(recorded_at)
      ORDER BY (account_id, product, dimension, assessed_at, assessment_id)`,

      // One snapshot per (account, product, day); a re-run of the day replaces it.
      `CREATE TABLE IF NOT EXISTS {db}.readiness_snapshots (
        account_id String,
        product LowCardinality(String),
        as_of Date,
        product_type LowCardinality(String),
        band LowCardinality(String),
        ready UInt8,
        graduation_score Nullable(Float64),
        usage_score Float64,
        usage_complete UInt8,
        ratio_daily Float64,
        ratio_weekly Float64,
        ratio_monthly Float64,
        red_flags UInt16,
        flag_codes Array(LowCardinality(String)),
        config_hash String,
        report String,
        scored_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(scored_at)
      PARTITION BY toYYYYMM(as_of)
      ORDER BY (account_id, product, as_of)`,

      // Every flag transition, unique by transition_id (a re-recorded one collapses).
      `CREATE TABLE IF NOT EXISTS {db}.flag_transitions (
        transition_id String,
        flag_id String,
        account_id String,
        product LowCardinality(String),
        code LowCardinality(String),
        kind LowCardinality(String),
        severity LowCardinality(String),
        message String,
        value Float64,
        subjects Array(String),
        sequence UInt32,
        as_of Date,
        occurred_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      ORDER BY (account_id, product, code, transition_id)`,

      // Current state per flag id: answers "which flags are open" without scanning the transition history.
      `CREATE TABLE IF NOT EXISTS {db}.flag_state (
        flag_id String,
        account_id String,
        product LowCardinality(String),
        code LowCardinality(String),
        state LowCardinality(String),
        severity LowCardinality(String),
        message String,
        value Float64,
        subjects Array(String),
        sequence UInt32,
        opened_on Date,
        last_changed_on Date,
        occurred_at DateTime64(3, 'UTC'),
        -- Day first, then sequence: a later day's state wins even when an earlier day is re-scored afterwards.
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY (account_id, product, code)`,
    ],
  },
  {
    version: 3,
    name: 'webhook outbox',
    statements: [
      // One row per (webhook, transition): queued when published, replaced by its outcome, so
      // messages still pending when the service stopped or crashed are sent after a restart.
      `CREATE TABLE IF NOT EXISTS {db}.webhook_outbox (
        webhook String,
        transition_id String,
        body String,
        state LowCardinality(String),
        attempts UInt32,
        enqueued_at DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY (webhook, transition_id)
      TTL toDateTime(updated_at) + INTERVAL 30 DAY`,
    ],
  },
  {
    version: 4,
    name: 'one stored copy per event id within an account and product',
    statements: eventIdentityMigration(),
  },
  {
    version: 5,
    name: 'latest readiness per account-product, typed for filtering and sorting',
    statements: [
      // Typed columns the portfolio is filtered and sorted on. Rows stored before this
      // version compute theirs from the report on read; their risk is 0 until re-scored.
      `ALTER TABLE {db}.readiness_snapshots
        ADD COLUMN IF NOT EXISTS risk Float64 DEFAULT 0,
        ADD COLUMN IF NOT EXISTS relative_slope Float64 DEFAULT JSONExtractFloat(report, 'trend', 'relative_slope'),
        ADD COLUMN IF NOT EXISTS csm String DEFAULT JSONExtractString(report, 'csm'),
        ADD COLUMN IF NOT EXISTS account_name String DEFAULT JSONExtractString(report, 'account_name')`,

      // The latest snapshot of each account-product (the portfolio index): a later day wins,
      // then a later pass of the same day, so re-scoring an old day does not replace it.
      `CREATE TABLE IF NOT EXISTS {db}.readiness_latest (
        account_id String,
        product LowCardinality(String),
        as_of Date,
        product_type LowCardinality(String),
        band LowCardinality(String),
        ready UInt8,
        graduation_score Nullable(Float64),
        usage_score Float64,
        usage_complete UInt8,
        ratio_daily Float64,
        ratio_weekly Float64,
        ratio_monthly Float64,
        relative_slope Float64,
        red_flags UInt16,
        flag_codes Array(LowCardinality(String)),
        csm String,
        account_name String,
        risk Float64,
        config_hash String,
        report String,
        scored_at DateTime64(3, 'UTC'),
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY (account_id, product)`,
      // Every snapshot insert (scoring passes, assessments) keeps the index current.
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.readiness_latest_mv TO {db}.readiness_latest AS
      ${LATEST_SELECT}`,
      // Snapshots stored before the view existed; a second run only adds rows that collapse.
      `INSERT INTO {db}.readiness_latest ${LATEST_SELECT}`,
    ],
  },
  {
    version: 6,
    name: 'idempotency keys of API requests',
    statements: [
      // One row per (scope, key): `started` with the resolved request when it is first seen,
      // replaced by `done` with the answer; a retry replays the answer instead of acting again.
      `CREATE TABLE IF NOT EXISTS {db}.idempotency_keys (
        scope String,
        key String,
        request_sha256 String,
        state LowCardinality(String),
        request String,
        status UInt16,
        response String,
        updated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY (scope, key)
      TTL toDateTime(updated_at) + INTERVAL 1 DAY`,
    ],
  },
  {
    version: 7,
    name: 'outcomes',
    statements: [
      // One outcome per (account, product): a later record replaces it (latest loaded_at wins).
      `CREATE TABLE IF NOT EXISTS {db}.outcomes (
        account_id String,
        product LowCardinality(String),
        outcome LowCardinality(String),
        outcome_at DateTime64(3, 'UTC'),
        graduated_at Nullable(Date),
        source LowCardinality(String),
        loaded_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(loaded_at)
      ORDER BY (account_id, product)`,
    ],
  },
  {
    version: 8,
    name: 'account views and portfolio pages read by key without reading whole granules of reports',
    statements: [
      // The history of an account view reads these two values of every day in its range; as
      // columns computed when a snapshot is stored, the history no longer reads the reports
      // (parts stored before this version compute them on read until the mutation has run).
      `ALTER TABLE {db}.readiness_snapshots
        ADD COLUMN IF NOT EXISTS weekly_active UInt32 MATERIALIZED JSONExtractUInt(report, 'active_users', 'weekly'),
        ADD COLUMN IF NOT EXISTS missing Array(String) MATERIALIZED JSONExtract(report, 'graduation', 'missing', 'Array(String)')`,
      `ALTER TABLE {db}.readiness_snapshots MATERIALIZE COLUMN weekly_active`,
      `ALTER TABLE {db}.readiness_snapshots MATERIALIZE COLUMN missing`,
      // readiness_latest again, with granules of at most 64 KiB: a report is about 4 KB, so the
      // default granule (up to 10 MiB) made a read of one page's or one view's reports by key
      // decompress thousands of reports. The granule size of an existing table cannot be altered,
      // so the index is rebuilt from the snapshots: dropped, created, its view re-attached, then
      // filled. Snapshots stored meanwhile reach it through the view or the fill; a reader of a
      // server store in that moment finds the table missing or partly filled.
      `DROP VIEW IF EXISTS {db}.readiness_latest_mv SYNC`,
      `DROP TABLE IF EXISTS {db}.readiness_latest SYNC`,
      `CREATE TABLE IF NOT EXISTS {db}.readiness_latest (
        account_id String,
        product LowCardinality(String),
        as_of Date,
        product_type LowCardinality(String),
        band LowCardinality(String),
        ready UInt8,
        graduation_score Nullable(Float64),
        usage_score Float64,
        usage_complete UInt8,
        ratio_daily Float64,
        ratio_weekly Float64,
        ratio_monthly Float64,
        relative_slope Float64,
        red_flags UInt16,
        flag_codes Array(LowCardinality(String)),
        csm String,
        account_name String,
        risk Float64,
        config_hash String,
        report String,
        scored_at DateTime64(3, 'UTC'),
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY (account_id, product)
      SETTINGS index_granularity_bytes = 65536`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.readiness_latest_mv TO {db}.readiness_latest AS
      ${LATEST_SELECT}`,
      `INSERT INTO {db}.readiness_latest ${LATEST_SELECT}`,
    ],
  },
  {
    version: 9,
    name: 'event identity hash for the duplicate lookup of inserts',
    statements: [
      // Each insert looks its events up among the stored ones (transforms/events.ts). Random ids
      // touch every granule, so what the lookup costs is the columns it reads: one UInt64
      // instead of three strings. Rows stored before this version compute it on read until
      // the mutation below has written it.
      `ALTER TABLE {db}.events ADD COLUMN IF NOT EXISTS identity UInt64 MATERIALIZED cityHash64(account_id, product, event_id)`,
      'ALTER TABLE {db}.events MATERIALIZE COLUMN identity',
    ],
  },
  {
    version: 10,
    name: 'account views read snapshots by key without reading whole granules of reports',
    statements: snapshotGranuleMigration(),
  },
];

/**
 * Version 4: an event is identified by (account_id, product, event_id). The raw table was
 * sorted by day as well, so a re-send with another timestamp was a second row on another
 * day, counted twice by the daily aggregates. The table is rebuilt with the event's
 * identity as its sorting key (no partition by time, so ReplacingMergeTree collapses any
 * two copies), keeping the first copy stored, and the aggregates are rebuilt from it.
 * Inserts drop events already stored (transforms/events.ts), so the views see each event once.
 *
 * The rows go through `events_v4` and back (no RENAME, which a cluster renders
 * differently), so each step may run again after an interruption: `events` is re-created
 * empty if it was dropped, `events_v4` is dropped only once its rows are back and collapses
 * rows copied twice, and the aggregates are truncated before they are refilled. Stop
 * ingestion while this runs: rows inserted while it runs would not be kept.
 */
function eventIdentityMigration(): string[] {
  const columns = `event_id String,
        account_id String,
        product LowCardinality(String),
        user_id String,
        event LowCardinality(String),
        timestamp DateTime64(3, 'UTC'),
        feature LowCardinality(String),
        workflow LowCardinality(String),
        status LowCardinality(String),
        properties String,
        source LowCardinality(String),
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)`;
  const byIdentity = (table: string) => `CREATE TABLE IF NOT EXISTS {db}.${table} (
        ${columns}
      ) ENGINE = ReplacingMergeTree
      ORDER BY (account_id, product, event_id)`;
  const names = 'event_id, account_id, product, user_id, event, timestamp, feature, workflow, status, properties, source, ingested_at';
  const views: { view: string; table: string; select: string }[] = [
    {
      view: 'daily_activity_mv',
      table: 'daily_activity',
      select: `SELECT account_id, product, toDate(timestamp) AS day,
             uniqExactState(user_id) AS users, uniqExactState(event_id) AS events
      FROM {db}.events
      GROUP BY account_id, product, day`,
    },
    {
      view: 'daily_user_activity_mv',
      table: 'daily_user_activity',
      select: `SELECT account_id, product, user_id, toDate(timestamp) AS day, uniqExactState(event_id) AS events
      FROM {db}.events
      GROUP BY account_id, product, user_id, day`,
    },
    {
      view: 'daily_feature_usage_mv',
      table: 'daily_feature_usage',
      select: `SELECT account_id, product, feature, toDate(timestamp) AS day,
             uniqExactState(user_id) AS users, uniqExactState(event_id) AS events
      FROM {db}.events
      WHERE feature != ''
      GROUP BY account_id, product, feature, day`,
    },
    {
      view: 'daily_workflow_runs_mv',
      table: 'daily_workflow_runs',
      select: `SELECT account_id, product, workflow, toDate(timestamp) AS day,
             uniqExactState(event_id) AS runs,
             uniqExactIfState(event_id, status = 'success') AS successes,
             uniqExactState(user_id) AS users
      FROM {db}.events
      WHERE workflow != '' AND status != ''
      GROUP BY account_id, product, workflow, day`,
    },
  ];
  return [
    // No view may write while the raw table is swapped and the aggregates rebuilt.
    ...views.map((v) => `DROP VIEW IF EXISTS {db}.${v.view}`),
    byIdentity('events'),
    byIdentity('events_v4'),
    // The first copy stored wins (earliest ingested_at; the earliest timestamp breaks a tie).
    `INSERT INTO {db}.events_v4 (${names})
      SELECT ${names} FROM {db}.events
      ORDER BY ingested_at, timestamp
      LIMIT 1 BY account_id, product, event_id`,
    'DROP TABLE IF EXISTS {db}.events SYNC',
    byIdentity('events'),
    `INSERT INTO {db}.events (${names}) SELECT ${names} FROM {db}.events_v4 FINAL`,
    'DROP TABLE IF EXISTS {db}.events_v4 SYNC',
    ...views.map((v) => `TRUNCATE TABLE IF EXISTS {db}.${v.table}`),
    ...views.map((v) => `INSERT INTO {db}.${v.table} ${v.select.replace('FROM {db}.events', 'FROM {db}.events FINAL')}`),
    ...views.map((v) => `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.${v.view} TO {db}.${v.table} AS
      ${v.select}`),
  ];
}

/**
 * Version 10: `readiness_snapshots` again, with granules of at most 64 KiB (as migration 8 did for
 * `readiness_latest`). A report is about 4 KB, so the default granule (up to 10 MiB, some 2,200
 * snapshots) made each account view's history and previous report, read by key, decompress
 * thousands of reports and their rows. The granule size of a table cannot be altered, so the
 * snapshots are copied out to `readiness_snapshots_v10`, the table is re-created and they are
 * copied back, keeping every column (the computed ones are computed again from the same report).
 *
 * As version 4 does, the rows go out and back instead of through RENAME or EXCHANGE: on a
 * cluster a replicated table's Keeper path is named after the table it was created as, so a
 * renamed table would keep the other table's path. Each step may run again after an
 * interruption: `readiness_snapshots` is re-created empty if it was dropped, the copy collapses
 * rows copied twice (same key and scored_at), and `readiness_snapshots_v10` is dropped only once
 * its rows are back. `readiness_latest` keeps its rows; its view is dropped first (no snapshot
 * reaches it twice) and re-created last. Meanwhile a reader of a server store finds no snapshots
 * or some of them (account views and earlier days answer 404 or show a shorter history), and a
 * pass stored meanwhile may be lost: stop scoring while this runs, then score again if one ran.
 */
function snapshotGranuleMigration(): string[] {
  const columns = `account_id String,
        product LowCardinality(String),
        as_of Date,
        product_type LowCardinality(String),
        band LowCardinality(String),
        ready UInt8,
        graduation_score Nullable(Float64),
        usage_score Float64,
        usage_complete UInt8,
        ratio_daily Float64,
        ratio_weekly Float64,
        ratio_monthly Float64,
        red_flags UInt16,
        flag_codes Array(LowCardinality(String)),
        config_hash String,
        report String,
        scored_at DateTime64(3, 'UTC'),
        risk Float64 DEFAULT 0,
        relative_slope Float64 DEFAULT JSONExtractFloat(report, 'trend', 'relative_slope'),
        csm String DEFAULT JSONExtractString(report, 'csm'),
        account_name String DEFAULT JSONExtractString(report, 'account_name'),
        weekly_active UInt32 MATERIALIZED JSONExtractUInt(report, 'active_users', 'weekly'),
        missing Array(String) MATERIALIZED JSONExtract(report, 'graduation', 'missing', 'Array(String)')`;
  const table = (name: string) => `CREATE TABLE IF NOT EXISTS {db}.${name} (
        ${columns}
      ) ENGINE = ReplacingMergeTree(scored_at)
      PARTITION BY toYYYYMM(as_of)
      ORDER BY (account_id, product, as_of)
      SETTINGS index_granularity_bytes = 65536`;
  // Every stored column; the MATERIALIZED ones cannot be inserted and are computed from the report.
  const names = `account_id, product, as_of, product_type, band, ready, graduation_score, usage_score, usage_complete,
        ratio_daily, ratio_weekly, ratio_monthly, red_flags, flag_codes, config_hash, report, scored_at,
        risk, relative_slope, csm, account_name`;
  return [
    `DROP VIEW IF EXISTS {db}.readiness_latest_mv SYNC`,
    table('readiness_snapshots'),
    table('readiness_snapshots_v10'),
    `INSERT INTO {db}.readiness_snapshots_v10 (${names}) SELECT ${names} FROM {db}.readiness_snapshots`,
    'DROP TABLE IF EXISTS {db}.readiness_snapshots SYNC',
    table('readiness_snapshots'),
    `INSERT INTO {db}.readiness_snapshots (${names}) SELECT ${names} FROM {db}.readiness_snapshots_v10 FINAL`,
    'DROP TABLE IF EXISTS {db}.readiness_snapshots_v10 SYNC',
    `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.readiness_latest_mv TO {db}.readiness_latest AS
      ${LATEST_SELECT}`,
  ];
}

const CREATE_DATABASE = 'CREATE DATABASE IF NOT EXISTS {db}';

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS {db}.schema_migrations (
  version UInt32,
  name String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version`;

/**
 * The migration lock is a table whose existence is the lock: CREATE TABLE without IF NOT EXISTS
 * succeeds for exactly one caller (on a cluster, the first in the distributed DDL queue), and
 * DROP releases it. ClickHouse has no advisory locks; this needs nothing beyond DDL. The table
 * comment names the holder, and the server's clock dates it.
 */
const LOCK_TABLE = 'schema_migrations_lock';
const TABLE_ALREADY_EXISTS = '57';

/** How long a process waits for another one's migration before giving up (ms). */
export const MIGRATION_LOCK_WAIT_MS = 10 * 60_000;
/** A lock older than this was left by a process that died mid-migration and is broken (ms). */
export const MIGRATION_LOCK_STALE_MS = 30 * 60_000;
/** How often a waiting process looks at the lock again (ms). */
export const MIGRATION_LOCK_POLL_MS = 250;

export interface MigrateOptions {
  migrations?: Migration[];
  lockWaitMs?: number;
  lockStaleMs?: number;
}

export interface MigrationReport {
  applied: Migration[];
  current: number;
}

function target(store: Store): DdlTarget {
  return { cluster: store.cluster };
}

/**
 * Every statement `migrate` runs to bring an empty database to the latest version, rendered
 * for the target and with the database name filled in: what `migrate --print` shows a DBA.
 * The ledger inserts are included, so a script applied by hand is recognised as applied.
 */
export function migrationScript(database: string, ddl: DdlTarget, migrations: Migration[] = MIGRATIONS): string[] {
  const fill = (text: string) => text.replaceAll('{db}', database);
  const out = [CREATE_DATABASE, CREATE_LEDGER].map((s) => fill(renderDdl(s, ddl)));
  for (const m of sorted(migrations)) {
    out.push(`-- migration ${m.version}: ${m.name}`);
    for (const statement of m.statements) out.push(fill(renderDdl(statement, ddl)));
    out.push(fill(`INSERT INTO {db}.schema_migrations (version, name) VALUES (${m.version}, '${m.name.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}')`));
  }
  return out;
}

export async function migrate(store: Store, options: MigrateOptions = {}): Promise<MigrationReport> {
  const migrations = options.migrations ?? MIGRATIONS;
  const ddl = target(store);
  try {
    if (ddl.cluster !== undefined) await checkCluster(store, ddl.cluster);
    await store.command(renderDdl(CREATE_DATABASE, ddl));
  } catch (error) {
    if (error instanceof ReadinessError && error.code === ERROR_CODES.MIGRATION_FAILED) throw error;
    throw new ReadinessError(ERROR_CODES.MIGRATION_FAILED, `cannot prepare database ${store.database}: ${errorMessage(error)}`, {
      cause: error,
      canRetry: true,
    });
  }
  const release = await acquireLock(store, options.lockWaitMs ?? MIGRATION_LOCK_WAIT_MS, options.lockStaleMs ?? MIGRATION_LOCK_STALE_MS);
  try {
    return await applyPending(store, migrations);
  } finally {
    await release();
  }
}

async function applyPending(store: Store, migrations: Migration[]): Promise<MigrationReport> {
  const ddl = target(store);
  try {
    await store.command(renderDdl(CREATE_LEDGER, ddl));
  } catch (error) {
    throw new ReadinessError(ERROR_CODES.MIGRATION_FAILED, `cannot prepare database ${store.database}: ${errorMessage(error)}`, {
      cause: error,
      canRetry: true,
    });
  }
  // Read under the lock: a process that waited sees what the holder applied.
  const done = new Set(
    (await store.query<{ version: number }>('SELECT version FROM {db}.schema_migrations FINAL')).map((r) => Number(r.version)),
  );
  const applied: Migration[] = [];
  for (const m of sorted(migrations)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) {
      try {
        await store.command(renderDdl(statement, ddl));
      } catch (error) {
        throw new ReadinessError(ERROR_CODES.MIGRATION_FAILED, `migration ${m.version} (${m.name}) failed: ${errorMessage(error)}`, {
          cause: error,
        });
      }
    }
    await store.insert('schema_migrations', [{ version: m.version, name: m.name }]);
    applied.push(m);
  }
  const current = Math.max(0, ...migrations.map((m) => m.version));
  return { applied, current };
}

function sorted(migrations: Migration[]): Migration[] {
  return [...migrations].sort((a, b) => a.version - b.version);
}

/** A cluster of one shard (any number of replicas) is what the rendered DDL is for; see transforms/ddl.ts. */
async function checkCluster(store: Store, cluster: string): Promise<void> {
  const [row] = await store.query<{ shards: number | string; replicas: number | string }>(
    'SELECT uniqExact(shard_num) AS shards, count() AS replicas FROM system.clusters WHERE cluster = {cluster:String}',
    { cluster },
  );
  const shards = Number(row?.shards ?? 0);
  if (shards === 0) {
    throw new ReadinessError(ERROR_CODES.MIGRATION_FAILED, `CLICKHOUSE_CLUSTER ${cluster}: no such cluster in system.clusters of the server`);
  }
  if (shards > 1) {
    throw new ReadinessError(
      ERROR_CODES.MIGRATION_FAILED,
      `CLICKHOUSE_CLUSTER ${cluster} has ${shards} shards; the tables are replicated on one shard (see docs/deployment.md)`,
    );
  }
}

/** Takes the migration lock, waiting for another holder; returns its release. */
async function acquireLock(store: Store, waitMs: number, staleMs: number): Promise<() => Promise<void>> {
  const ddl = target(store);
  const holder = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`.replace(/[^\w.-]/g, '_');
  const create = renderDdl(`CREATE TABLE {db}.${LOCK_TABLE} (holder String) ENGINE = Null COMMENT '${holder}'`, ddl);
  const drop = renderDdl(`DROP TABLE IF EXISTS {db}.${LOCK_TABLE} SYNC`, ddl);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await store.command(create);
      return async () => {
        await store.command(drop);
      };
    } catch (error) {
      if (!isAlreadyExists(error)) {
        throw new ReadinessError(ERROR_CODES.MIGRATION_FAILED, `cannot take the migration lock: ${errorMessage(error)}`, { cause: error, canRetry: true });
      }
    }
    const held = await lockHolder(store);
    if (held && held.ageMs > staleMs) {
      await store.command(drop);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new ReadinessError(
        ERROR_CODES.MIGRATION_FAILED,
        `another process (${held?.holder ?? 'unknown'}) has held the migration lock of ${store.database} for ${Math.round((held?.ageMs ?? 0) / 1000)} s; ` +
          `if no migration is running, DROP TABLE ${store.database}.${LOCK_TABLE}`,
        { canRetry: true },
      );
    }
    await sleep(MIGRATION_LOCK_POLL_MS);
  }
}

async function lockHolder(store: Store): Promise<{ holder: string; ageMs: number } | undefined> {
  const [row] = await store.query<{ holder: string; age: number | string }>(
    `SELECT comment AS holder, dateDiff('second', metadata_modification_time, now()) AS age
     FROM system.tables WHERE database = {database:String} AND name = {table:String}`,
    { database: store.database, table: LOCK_TABLE },
  );
  return row ? { holder: row.holder, ageMs: Number(row.age) * 1000 } : undefined;
}

function isAlreadyExists(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === TABLE_ALREADY_EXISTS) return true;
  }
  return false;
}
