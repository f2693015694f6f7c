import { ReadinessError, ERROR_CODES, errorMessage } from '../schemas/errors.js';
import type { Store } from './store.js';

/**
 * Versioned, idempotent schema migrations. Each statement is safe to run
 * twice (IF NOT EXISTS); applied versions are recorded in `schema_migrations`
 * so `migrate` reports what it did. Append new versions; never edit old ones.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

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
];

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS {db}.schema_migrations (
  version UInt32,
  name String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version`;

export interface MigrationReport {
  applied: Migration[];
  current: number;
}

export async function migrate(store: Store, migrations: Migration[] = MIGRATIONS): Promise<MigrationReport> {
  try {
    await store.command('CREATE DATABASE IF NOT EXISTS {db}');
    await store.command(CREATE_LEDGER);
  } catch (error) {
    throw new ReadinessError(ERROR_CODES.MIGRATION_FAILED, `cannot prepare database ${store.database}: ${errorMessage(error)}`, {
      cause: error,
      canRetry: true,
    });
  }
  const done = new Set(
    (await store.query<{ version: number }>('SELECT version FROM {db}.schema_migrations FINAL')).map((r) => Number(r.version)),
  );
  const applied: Migration[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) {
      try {
        await store.command(statement);
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
