import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrationScript } from '../../transforms/index.js';
import { REPLICA_NAME, REPLICA_PATH, renderDdl } from '../../transforms/ddl.js';
import { createTestStore } from '../helpers/store.js';

const CLUSTER = { cluster: 'prod' };
const SINGLE = { cluster: undefined };
const ALL = MIGRATIONS.flatMap((m) => m.statements.map((statement) => ({ version: m.version, statement })));
const REPLICA_ARGS = `'${REPLICA_PATH}', '${REPLICA_NAME}'`;

/** Engine names and their own arguments, in order of appearance. */
function engines(sql: string): string[] {
  return [...sql.matchAll(/ENGINE\s*=\s*(\w+(?:\([^)]*\))?)/g)].map((m) => m[1]!);
}

describe('migration DDL, single node (no CLICKHOUSE_CLUSTER)', () => {
  it('is every statement unchanged', () => {
    for (const { statement } of ALL) expect(renderDdl(statement, SINGLE)).toBe(statement);
  });

  it('migrate --print shows the statements migrate runs, with the database filled in', () => {
    const script = migrationScript('analytics', SINGLE);
    const statements = script.filter((s) => !s.startsWith('--'));
    expect(statements[0]).toBe('CREATE DATABASE IF NOT EXISTS analytics');
    for (const { statement } of ALL) expect(statements).toContain(statement.replaceAll('{db}', 'analytics'));
    expect(statements.join('\n')).not.toContain('{db}');
    expect(statements.join('\n')).not.toMatch(/ON CLUSTER|Replicated/);
    // One ledger row per version, so a script applied by hand counts as applied.
    for (const m of MIGRATIONS) expect(statements).toContain(`INSERT INTO analytics.schema_migrations (version, name) VALUES (${m.version}, '${m.name}')`);
  });
});

describe('migration DDL, cluster (CLICKHOUSE_CLUSTER=prod)', () => {
  it.each(ALL.map((x) => [x.version, x.statement.trim().split('\n')[0]!, x.statement] as const))(
    'migration %i: %s',
    (_version, _head, statement) => {
      const rendered = renderDdl(statement, CLUSTER);
      const name = /^\s*(?:CREATE|ALTER|DROP|TRUNCATE|OPTIMIZE)\b[^{]*(\{db\}\.\w+)/.exec(statement)?.[1];
      if (/^\s*INSERT\b/i.test(statement)) {
        expect(rendered).toBe(statement);
        return;
      }
      // ON CLUSTER right after the object's name.
      expect(name).toBeDefined();
      expect(rendered).toContain(`${name} ON CLUSTER 'prod'`);
      // Same engines, each replicated with its own arguments kept after the replica path.
      const before = engines(statement);
      const after = engines(rendered);
      expect(after).toHaveLength(before.length);
      before.forEach((engine, i) => {
        const [, family, args] = /^(\w*)MergeTree(?:\((.*)\))?$/.exec(engine) ?? [];
        expect(family, `engine ${engine} is of the MergeTree family`).toBeDefined();
        expect(after[i]).toBe(`Replicated${family}MergeTree(${REPLICA_ARGS}${args ? `, ${args}` : ''})`);
      });
      // Everything else is untouched.
      expect(rendered.replace(` ON CLUSTER 'prod'`, '').replace(/Replicated(\w*MergeTree)\('[^']*', '[^']*'(?:, )?/g, '$1(').replace(/MergeTree\(\)/g, 'MergeTree')).toBe(statement);
    },
  );

  it('parses with the ClickHouse parser (chDB formatQuery), keeping ON CLUSTER and the replicated engines', async () => {
    const store = await createTestStore();
    for (const statement of migrationScript('analytics', CLUSTER).filter((s) => !s.startsWith('--'))) {
      const [row] = await store.query<{ sql: string }>('SELECT formatQuery({q:String}) AS sql', { q: statement });
      const formatted = row!.sql;
      if (statement.startsWith('INSERT')) continue;
      expect(formatted).toContain("ON CLUSTER prod");
      if (/ENGINE = (?!Null)/.test(statement)) expect(formatted).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'/);
    }
  });

  it('renders the raw events table as a DBA would read it', () => {
    const events = MIGRATIONS[0]!.statements[0]!;
    const rendered = renderDdl(events, CLUSTER);
    expect(rendered.split('\n')[0]).toBe("CREATE TABLE IF NOT EXISTS {db}.events ON CLUSTER 'prod' (");
    expect(rendered).toContain(`) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')\n`);
    const accounts = renderDdl(MIGRATIONS[1]!.statements[0]!, CLUSTER);
    expect(accounts).toContain(`ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', loaded_at)`);
  });

  it('handles the other DDL forms and leaves data statements alone', () => {
    expect(renderDdl('ALTER TABLE {db}.events ADD COLUMN IF NOT EXISTS x UInt8', CLUSTER)).toBe(
      "ALTER TABLE {db}.events ON CLUSTER 'prod' ADD COLUMN IF NOT EXISTS x UInt8",
    );
    expect(renderDdl('DROP TABLE IF EXISTS {db}.old SYNC', CLUSTER)).toBe("DROP TABLE IF EXISTS {db}.old ON CLUSTER 'prod' SYNC");
    expect(renderDdl('RENAME TABLE {db}.a TO {db}.b', CLUSTER)).toBe("RENAME TABLE {db}.a TO {db}.b ON CLUSTER 'prod'");
    expect(renderDdl('INSERT INTO {db}.a SELECT * FROM {db}.b', CLUSTER)).toBe('INSERT INTO {db}.a SELECT * FROM {db}.b');
    expect(renderDdl('CREATE TABLE {db}.t (x UInt8) ENGINE = ReplicatedMergeTree ORDER BY x', CLUSTER)).toBe(
      "CREATE TABLE {db}.t ON CLUSTER 'prod' (x UInt8) ENGINE = ReplicatedMergeTree ORDER BY x",
    );
    expect(renderDdl('CREATE TABLE {db}.t (x UInt8) ENGINE = SummingMergeTree((x)) ORDER BY x', CLUSTER)).toContain(
      `ENGINE = ReplicatedSummingMergeTree(${REPLICA_ARGS}, (x)) ORDER BY x`,
    );
    expect(renderDdl('CREATE TABLE {db}.t (x UInt8) ENGINE = Null', { cluster: 'eu-prod.1' })).toBe(
      "CREATE TABLE {db}.t ON CLUSTER 'eu-prod.1' (x UInt8) ENGINE = Null",
    );
  });

  it('rebuilds the snapshots on every replica without renaming a replicated table (migration 10)', () => {
    const rendered = MIGRATIONS.find((m) => m.version === 10)!.statements.map((s) => renderDdl(s, CLUSTER));
    const heads = rendered.map((s) => s.trim().split('\n')[0]!.replace(/ \($/, ''));
    expect(heads).toEqual([
      "DROP VIEW IF EXISTS {db}.readiness_latest_mv ON CLUSTER 'prod' SYNC",
      "CREATE TABLE IF NOT EXISTS {db}.readiness_snapshots ON CLUSTER 'prod'",
      "CREATE TABLE IF NOT EXISTS {db}.readiness_snapshots_v10 ON CLUSTER 'prod'",
      expect.stringMatching(/^INSERT INTO \{db\}\.readiness_snapshots_v10 \(account_id, /),
      "DROP TABLE IF EXISTS {db}.readiness_snapshots ON CLUSTER 'prod' SYNC",
      "CREATE TABLE IF NOT EXISTS {db}.readiness_snapshots ON CLUSTER 'prod'",
      expect.stringMatching(/^INSERT INTO \{db\}\.readiness_snapshots \(account_id, /),
      "DROP TABLE IF EXISTS {db}.readiness_snapshots_v10 ON CLUSTER 'prod' SYNC",
      "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.readiness_latest_mv ON CLUSTER 'prod' TO {db}.readiness_latest AS",
    ]);
    // Each table is created under its own name, so its Keeper path ({table}) stays its own.
    expect(rendered.join('\n')).not.toMatch(/\b(RENAME|EXCHANGE)\b/);
    for (const create of rendered.filter((s) => s.startsWith('CREATE TABLE'))) {
      expect(create).toContain(`ENGINE = ReplicatedReplacingMergeTree(${REPLICA_ARGS}, scored_at)`);
      expect(create).toMatch(/SETTINGS index_granularity_bytes = 65536$/);
    }
  });

  it('refuses what it cannot replicate, naming the statement', () => {
    expect(() => renderDdl('CREATE TABLE {db}.t (x UInt8) ENGINE = Memory', CLUSTER)).toThrow(/engine Memory has no replicated form: CREATE TABLE \{db\}\.t/);
    expect(() => renderDdl('SYSTEM SYNC REPLICA {db}.t', CLUSTER)).toThrow(/not a statement this renderer knows.*SYSTEM SYNC/);
    expect(() => renderDdl('CREATE TABLE {db}.t (x UInt8) ENGINE = MergeTree(', CLUSTER)).toThrow(/unbalanced/);
  });
});
