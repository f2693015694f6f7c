import { describe, expect, it } from 'vitest';
import { runCli, tempDataDir } from '../helpers/cli.js';

describe('migrate', () => {
  it('--print shows the cluster DDL for CLICKHOUSE_CLUSTER without connecting to the server', async () => {
    // Nothing listens on port 9 (discard): a connection attempt would fail the command.
    const env = { CLICKHOUSE_URL: 'http://127.0.0.1:9', CLICKHOUSE_CLUSTER: 'prod', CLICKHOUSE_DATABASE: 'analytics' };
    const text = await runCli(['migrate', '--print'], { env });
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("CREATE DATABASE IF NOT EXISTS analytics ON CLUSTER 'prod';");
    expect(text.stdout).toContain("CREATE TABLE IF NOT EXISTS analytics.events ON CLUSTER 'prod' (");
    expect(text.stdout).toContain("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')");
    expect(text.stdout).toMatch(/-- migration 1: raw events/);

    const json = await runCli(['migrate', '--print', '--json'], { env });
    const parsed = JSON.parse(json.stdout) as { database: string; cluster: string; statements: string[] };
    expect(parsed).toMatchObject({ database: 'analytics', cluster: 'prod' });
    expect(parsed.statements.filter((s) => /^CREATE (TABLE|MATERIALIZED VIEW)/.test(s)).every((s) => s.includes("ON CLUSTER 'prod'"))).toBe(true);
  });

  it('--print without a cluster shows the single-node DDL; the same store is then migrated for real', async () => {
    const env = { DATA_DIR: tempDataDir() };
    const printed = await runCli(['migrate', '--print'], { env });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('CREATE TABLE IF NOT EXISTS usage_readiness.events (');
    expect(printed.stdout).not.toMatch(/ON CLUSTER|Replicated/);
    const migrated = await runCli(['migrate', '--json'], { env });
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ store: 'chdb', database: 'usage_readiness' });
  });

  it('CLICKHOUSE_CLUSTER without CLICKHOUSE_URL is a configuration error', async () => {
    const result = await runCli(['migrate', '--print'], { env: { CLICKHOUSE_CLUSTER: 'prod' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL');
  });
});
