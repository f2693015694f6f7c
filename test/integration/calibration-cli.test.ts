import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateExample, writeExample } from '../../examples/generate.js';
import type { WhatIfResult } from '../../runtime/index.js';
import type { CalibrationResult } from '../../scoring/index.js';
import { lastJson, runCli, tempDataDir } from '../helpers/cli.js';

/**
 * The example data set through the real CLI: events, accounts and
 * assessments loaded, four weeks scored, outcomes loaded (with bad lines),
 * then `calibrate` as JSON and as a table, and the what-if under a candidate
 * products file.
 */

const END = '2026-11-20';

describe('calibrate through the CLI', () => {
  it('outcomes load names bad lines; calibrate reports retention at graduation and a what-if', async () => {
    const data = generateExample(END);
    const dir = mkdtempSync(join(tmpdir(), 'ur-cal-'));
    writeExample(data, dir);
    const env = { DATA_DIR: tempDataDir() };
    const run = async (args: string[], expectedCode = 0) => {
      const r = await runCli(args, { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(expectedCode);
      return r;
    };
    await run(['ingest', '--file', join(dir, 'events.ndjson')]);
    await run(['accounts', 'load', join(dir, 'accounts.ndjson')]);
    await run(['assess', '--file', join(dir, 'assessments.ndjson')]);
    // Graduations fall 1–4 days before the end; the snapshot at graduation must exist.
    await run(['score', '--from', '2026-11-14', '--to', END]);

    const bad = join(dir, 'bad-outcomes.ndjson');
    writeFileSync(bad, ['{"account_id":"acme"', JSON.stringify({ account_id: 'acme', product: 'crm', outcome: 'renewed', outcome_at: '2026-02-30' })].join('\n'));
    const rejected = await run(['outcomes', 'load', bad], 1);
    expect(rejected.stderr).toContain(`${bad}: line 1: not JSON`);
    expect(rejected.stderr).toContain(`${bad}: line 2: outcome_at: 2026-02-30 is not a real calendar day`);
    const loaded = await run(['outcomes', 'load', join(dir, 'outcomes.ndjson'), '--json']);
    expect(lastJson<{ loaded: number; rejected_count: number }>(loaded.stdout)).toMatchObject({ loaded: data.outcomes.length, rejected_count: 0 });

    const json = lastJson<CalibrationResult>((await run(['calibrate', '--format', 'json'])).stdout);
    const retained = data.outcomes.filter((o) => o.outcome === 'renewed' || o.outcome === 'expanded').length;
    expect(json.coverage).toEqual({ outcomes: data.outcomes.length, calibrated: data.outcomes.length, no_graduation_day: 0, no_snapshot: 0 });
    expect(json.overall).toMatchObject({ accounts: data.outcomes.length, retained });
    expect(json.by_band.map((b) => b.band)).toEqual(['ready', 'close', 'not_ready', 'incomplete']);
    expect(json.by_band.reduce((s, b) => s + b.accounts, 0)).toBe(data.outcomes.length);
    expect(json.by_band.reduce((s, b) => s + b.retained, 0)).toBe(retained);
    for (const b of json.by_band) {
      expect(Object.keys(b)).toEqual(expect.arrayContaining(['band', 'accounts', 'retained', 'retention', 'ci_low', 'ci_high']));
      if (b.accounts > 0) expect(b.retention).toBeCloseTo(b.retained / b.accounts, 4);
    }
    for (const c of json.by_criterion) expect(typeof c.met).toBe('boolean');
    const declining = json.by_flag.filter((f) => f.flag === 'declining_usage');
    expect(declining.map((f) => f.open)).toEqual([true, false]);
    expect(declining[0]!.accounts + declining[1]!.accounts).toBe(data.outcomes.length);
    // 34 outcomes over three profiles: no profile reaches the minimum sample, so nothing is suggested.
    expect(json.threshold_sweeps.length).toBeGreaterThan(0);
    expect(json.threshold_sweeps.every((s) => s.status === 'insufficient' && s.suggestion === null)).toBe(true);

    const table = (await run(['calibrate'])).stdout;
    expect(table).toContain('By band at graduation');
    expect(table).toContain('insufficient');

    // What-if: the daily products need 40% weekly actives instead of 80%.
    const candidate = join(dir, 'candidate.json');
    writeFileSync(
      candidate,
      JSON.stringify({
        products: {
          crm: { profile: 'daily', thresholds: { weekly_ratio_min: 0.4 } },
          projects: { profile: 'daily', thresholds: { weekly_ratio_min: 0.4 } },
          analytics: { profile: 'weekly' },
          compliance: { profile: 'periodic' },
        },
        default_product: 'crm',
      }),
    );
    const whatIf = lastJson<CalibrationResult & { what_if: WhatIfResult }>((await run(['calibrate', '--format', 'json', '--products', candidate])).stdout);
    expect(whatIf.by_band).toEqual(json.by_band);
    expect(whatIf.what_if.rescored).toBe(data.outcomes.length);
    const metWeekly = (c: CalibrationResult) => c.by_criterion.find((x) => x.criterion === 'weekly_ratio' && x.met)?.accounts ?? 0;
    expect(metWeekly(whatIf.what_if.candidate)).toBeGreaterThan(metWeekly(whatIf.what_if.current));
    expect(whatIf.what_if.candidate.overall).toEqual(whatIf.what_if.current.overall);
    const sweep = whatIf.what_if.candidate.threshold_sweeps.find((s) => s.product_type === 'daily' && s.threshold === 'weekly_ratio_min');
    expect(sweep?.current).toEqual([0.4]);
  });
});
