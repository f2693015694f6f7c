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

      // Rejected input, queryable without reading the dead-letter topic. Keyed by
      // where it came from, so re-reading the same input does not double-count.
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
        payload_excerpt String
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(rejected_at)
      ORDER BY (reason, source, source_topic, source_partition, source_offset, line)`,
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
