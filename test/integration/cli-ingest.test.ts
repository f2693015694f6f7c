import { existsSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, runCli, tempDataDir } from '../helpers/cli.js';

const line = (id: string, user: string) =>
  JSON.stringify({ event_id: id, account_id: 'acme', user_id: user, event: 'open', timestamp: '2026-01-05T10:00:00Z', product: 'crm' });

describe('usage-readiness ingest (CLI, embedded store)', () => {
  it('prints a JSON summary as the last stdout line and writes the DLQ file', async () => {
    const dir = tempDataDir();
    const input = join(dir, 'in.ndjson');
    writeFileSync(input, [line('1', 'a'), line('2', 'b'), '{oops', line('3', 'a')].join('\n'));
    const env = { DATA_DIR: join(dir, 'data') };
    const res = await runCli(['ingest', '--file', input, '--dlq', join(dir, 'dlq.ndjson'), '--json'], { env });
    expect(res.code, res.stderr).toBe(0);
    const summary = lastJson<{ accepted: number; rejected: number }>(res.stdout);
    expect(summary).toMatchObject({ accepted: 3, rejected: 1 });
    expect(Number.isInteger(summary.accepted)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'dlq.ndjson'), 'utf8'))).toMatchObject({ line: 3, reason: 'invalid_json', text: '{oops' });
  });

  it('reads stdin with --file -', async () => {
    const dir = tempDataDir();
    const res = await runCli(['ingest', '--file', '-', '--json'], { env: { DATA_DIR: dir }, input: `${line('1', 'a')}\n${line('2', 'b')}\n` });
    expect(res.code, res.stderr).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ accepted: 2, rejected: 0, source: 'stdin' });
  });

  it('exits 2 naming a bad variable, 2 on a missing option, 1 on a missing file, without stack traces', async () => {
    const bad = await runCli(['migrate'], { env: { BATCH_MAX_ROWS: 'lots' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/BATCH_MAX_ROWS/);
    const missing = await runCli(['ingest']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--file/);
    const dataDir = join(tempDataDir(), 'store');
    const nofile = await runCli(['ingest', '--file', '/no/such/file'], { env: { DATA_DIR: dataDir } });
    expect(nofile.code).toBe(1);
    expect(nofile.stderr).toMatch(/\/no\/such\/file/);
    expect(nofile.stderr).not.toMatch(/\n\s+at /);
    // Checked before the store is opened: a mistyped path leaves no empty store behind.
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('default product', () => {
  it("events that name no product take --default-product, else the products file's default_product", async () => {
    const dir = tempDataDir();
    const products = join(dir, 'products.json');
    writeFileSync(products, JSON.stringify({ products: { crm: { profile: 'daily' }, wiki: { profile: 'weekly' } }, default_product: 'wiki' }));
    const bare = (id: string) => JSON.stringify({ event_id: id, account_id: 'acme', user_id: 'u', event: 'open', timestamp: '2026-01-05T10:00:00Z' });
    const env = { DATA_DIR: join(dir, 'data'), PRODUCTS_FILE: products };
    expect((await runCli(['ingest', '--file', '-', '--json'], { env, input: `${bare('1')}\n` })).code).toBe(0);
    expect((await runCli(['ingest', '--file', '-', '--default-product', 'crm', '--json'], { env, input: `${bare('2')}\n` })).code).toBe(0);
    const account = (product: string) =>
      JSON.stringify({ account_id: 'acme', product, licensed_seats: 4, onboarding_started_at: '2026-01-01', target_graduation_date: '2026-03-01', champion_user_ids: [], key_user_ids: [], core_features: [], critical_workflows: [] });
    const accountsFile = join(dir, 'accounts.ndjson');
    writeFileSync(accountsFile, `${account('crm')}\n${account('wiki')}\n`);
    expect((await runCli(['accounts', 'load', accountsFile], { env })).code).toBe(0);
    expect((await runCli(['score', '--as-of', '2026-01-05'], { env })).code).toBe(0);
    const report = await runCli(['report', '--as-of', '2026-01-05', '--format', 'json'], { env });
    expect(report.code, report.stderr).toBe(0);
    const weekly = Object.fromEntries(
      (JSON.parse(report.stdout) as Array<{ product: string; active_users: { weekly: number } }>).map((r) => [r.product, r.active_users.weekly]),
    );
    expect(weekly).toEqual({ crm: 1, wiki: 1 });
    const res = await runCli(['ingest', '--file', '-', '--json', '--products', join(dir, 'missing.json')], { env, input: `${bare('3')}\n` });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/missing\.json/);
  });
});
