import { describe, expect, it } from 'vitest';
import { EXAMPLE_END_DAY, generateExample } from '../../examples/generate.js';
import { runInProcess } from '../helpers/cli.js';
import { createTestStore } from '../helpers/store.js';

/**
 * Commands run in this process through main()'s injected environment: exit
 * codes come back from main(), output, stdin and the shutdown signal go
 * through the environment, and nothing is left on the process.
 */

const ndjson = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n');

describe('main() in-process', () => {
  it('returns its exit code: 0 for help, 2 for a usage error, without touching process.exitCode', async () => {
    const help = await runInProcess(['--help']).result;
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: usage-readiness');
    const bad = await runInProcess(['score', '--as-of', '2026-02-30']).result;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--as-of "2026-02-30"');
    const unknown = await runInProcess(['score', '--nope']).result;
    expect(unknown.code).toBe(2);
    expect(process.exitCode).toBeUndefined();
  });

  it('loads accounts from the injected stdin, scores, reports; a bad line exits 1 naming it', async () => {
    const store = await createTestStore();
    const data = generateExample(EXAMPLE_END_DAY);
    const ingest = await runInProcess(['ingest', '--file', '-', '--json'], { store, input: data.events.join('\n') }).result;
    expect(ingest.code, ingest.stderr).toBe(0);
    const summary = JSON.parse(ingest.stdout.trim().split('\n').at(-1)!) as { accepted: number; rejected: number; dropped: number };
    // The example set carries a few deliberately invalid lines.
    expect(summary.accepted).toBeGreaterThan(data.events.length * 0.99);
    expect(summary.accepted + summary.rejected + summary.dropped).toBe(data.events.length);

    const accounts = await runInProcess(['accounts', 'load', '-', '--json'], { store, input: `${ndjson(data.accounts)}\n{"account_id":1}` }).result;
    expect(accounts.code).toBe(1);
    expect(JSON.parse(accounts.stdout)).toMatchObject({ loaded: data.accounts.length, rejected_count: 1 });
    expect(accounts.stderr).toContain(`-: line ${data.accounts.length + 1}: account_id`);

    const score = await runInProcess(['score', '--as-of', EXAMPLE_END_DAY, '--json'], { store }).result;
    expect(score.code, score.stderr).toBe(0);
    expect(JSON.parse(score.stdout)).toMatchObject({ as_of: EXAMPLE_END_DAY, scored: data.accounts.length });

    const report = await runInProcess(['report', '--format', 'json'], { store }).result;
    expect(report.code).toBe(0);
    const reports = JSON.parse(report.stdout) as Array<{ account_id: string; as_of: string }>;
    expect(new Set(reports.map((r) => r.account_id))).toEqual(new Set(data.accounts.map((a) => a.account_id)));
  });

  it('serve runs until the injected shutdown request, then returns 0', async () => {
    const store = await createTestStore();
    const run = runInProcess(['serve', '--port', '0'], {
      store,
      env: { DEMO_DATA: 'off', API_TOKENS: 'in-process-token:read', SCORING_CRON: 'off', SHUTDOWN_GRACE_MS: '500' },
    });
    let url: string | undefined;
    for (let i = 0; i < 600 && !url; i++) {
      url = /serving on (\S+)/.exec(run.stdout())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url, run.stderr()).toBeDefined();
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', role: 'leader' });
    run.terminate();
    const result = await run.result;
    expect(result.code, result.stderr).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
