import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateExample } from '../../examples/generate.js';
import { CSV_COLUMNS, type ReadinessReport } from '../../scoring/index.js';
import { runCli, tempDataDir } from '../helpers/cli.js';
import { EXAMPLE_DAY, READ_TOKEN, startTestService, type TestService } from '../helpers/service.js';

type Row = Record<string, string>;

/** What a CSV row must say for a report, column by column, as text. */
function expectRowMatches(row: Row, r: ReadinessReport): void {
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  expect(row).toMatchObject({
    account_id: r.account_id,
    account_name: text(r.account_name),
    csm: text(r.csm),
    product: r.product,
    product_type: r.product_type,
    as_of: r.as_of,
    risk: String(r.risk.score),
    band: r.graduation.band,
    graduation_score: text(r.graduation.score),
    ready: String(r.graduation.ready),
    usage_score: String(r.usage.score),
    licensed_seats: String(r.licensed_seats),
    ratio_daily: String(r.ratios.daily),
    ratio_weekly: String(r.ratios.weekly),
    ratio_monthly: String(r.ratios.monthly),
    trend_relative_slope: String(r.trend.relative_slope),
    open_flags: r.flags.map((f) => f.code).join(' '),
    why: r.risk.parts.map((p) => p.text).join('; '),
    last_event_on: text(r.freshness.last_event_on),
  });
}

function parseCsv(text: string): Row[] {
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Row[];
  expect(Object.keys(rows[0] ?? {})).toEqual([...CSV_COLUMNS]);
  return rows;
}

describe('CSV export matches the JSON report', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /v1/readiness with Accept: text/csv: every match, in the JSON order, filters applied', async () => {
    const json = (await (await fetch(`${t.base}/v1/readiness?limit=500`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as { items: ReadinessReport[] };
    const res = await fetch(`${t.base}/v1/readiness?limit=5`, { headers: { authorization: `Bearer ${READ_TOKEN}`, accept: 'text/csv' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="readiness\.csv"/);
    const rows = parseCsv(await res.text());
    // The export is every match (not the page of 5), in the same order as the JSON list.
    expect(rows.length).toBe(json.items.length);
    rows.forEach((row, i) => expectRowMatches(row, json.items[i]!));

    const filtered = parseCsv(await (await fetch(`${t.base}/v1/readiness?product_type=weekly`, { headers: { authorization: `Bearer ${READ_TOKEN}`, accept: 'text/csv' } })).text());
    expect(filtered.length).toBe(json.items.filter((r) => r.product_type === 'weekly').length);
    expect(filtered.every((r) => r.product_type === 'weekly')).toBe(true);
    // JSON stays the default, and a client preferring JSON gets JSON.
    const both = await fetch(`${t.base}/v1/readiness`, { headers: { authorization: `Bearer ${READ_TOKEN}`, accept: 'application/json, text/csv' } });
    expect(both.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('report --format csv equals report --format json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ur-csv-'));
    const data = generateExample(EXAMPLE_DAY);
    writeFileSync(join(dir, 'events.ndjson'), `${data.events.join('\n')}\n`);
    writeFileSync(join(dir, 'accounts.ndjson'), data.accounts.map((a) => JSON.stringify(a)).join('\n'));
    writeFileSync(join(dir, 'assessments.ndjson'), data.assessments.map((a) => JSON.stringify(a)).join('\n'));
    const env = { DATA_DIR: tempDataDir() };
    for (const args of [
      ['ingest', '--file', join(dir, 'events.ndjson')],
      ['accounts', 'load', join(dir, 'accounts.ndjson')],
      ['assess', '--file', join(dir, 'assessments.ndjson')],
      ['score', '--as-of', EXAMPLE_DAY],
    ]) {
      const r = await runCli(args, { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const json = await runCli(['report', '--format', 'json'], { env });
    const csv = await runCli(['report', '--format', 'csv'], { env });
    expect(csv.code, csv.stderr).toBe(0);
    const reports = JSON.parse(json.stdout) as ReadinessReport[];
    const rows = parseCsv(csv.stdout);
    expect(rows.length).toBe(36);
    rows.forEach((row, i) => expectRowMatches(row, reports[i]!));
    expect((await runCli(['report', '--format', 'csv', '--by', 'product-type'], { env })).code).toBe(2);
  });
});
