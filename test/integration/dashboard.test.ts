import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, type ReadinessReport } from '../../scoring/index.js';
import { FLAG_TITLES } from '../../scoring/wording.js';
import { READ_TOKEN, startTestService, type TestService } from '../helpers/service.js';

/**
 * The CSM dashboard in a real browser: Debian's chromium driven by
 * playwright-core, on the example data in the real engine. Under CI=true a
 * missing browser fails the run. Screenshots of each page, desktop and
 * phone width, go to test-artifacts/.
 */
const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; the dashboard test needs Debian's chromium package`);

const ARTIFACTS = resolve('test-artifacts');
/** The machine is shared: give the page time to load before a check fails. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const ACCOUNT = 'kramerica';
const PRODUCT = 'projects';

interface List {
  total: number;
  items: ReadinessReport[];
}

describe.skipIf(!haveBrowser)('CSM dashboard (chromium)', () => {
  let t: TestService;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let all: List;
  const cspViolations: string[] = [];
  /** Last-Event-ID of each request the dashboard made to the flag stream. */
  const streamRequests: Array<string | undefined> = [];

  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${t.base}${path}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as T;
  const rows = () => page.locator('table.portfolio tr.row');
  const rowIds = () => page.locator('table.portfolio tr.row').evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-account')}/${tr.getAttribute('data-product')}`));
  /** Desktop pages whole; phone pages as the first screen a person sees. */
  const shot = async (p: Page, name: string, fullPage = true) => {
    const path = join(ARTIFACTS, name);
    await p.screenshot({ path, fullPage });
    return path;
  };

  beforeAll(async () => {
    // No API_TOKENS: the service makes a token and puts it in the dashboard URL, as `npm start` does.
    t = await startTestService({ API_TOKENS: `${READ_TOKEN}:read+write` });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    desktop = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await desktop.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    // The service's Content-Security-Policy must fit the dashboard: nothing it uses is refused.
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('request', (request) => {
      if (request.url().endsWith('/v1/flags/stream')) streamRequests.push(request.headers()['last-event-id']);
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    all = await api<List>('/v1/readiness?limit=500');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('ranks as the API does: the steepest decline above a mild one and above accounts that only lack assessments', async () => {
    await page.goto(`${t.base}/#token=${READ_TOKEN}`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(page.url()).not.toContain('token=');
    await poll(() => rows().count()).toBe(25);
    const shown = await rowIds();
    expect(shown).toEqual(all.items.slice(0, 25).map((r) => `${r.account_id}/${r.product}`));
    const decliners = all.items.filter((r) => r.flags.some((f) => f.code === 'declining_usage')).sort((a, b) => a.trend.relative_slope - b.trend.relative_slope);
    const steep = `${decliners[0]!.account_id}/${decliners[0]!.product}`;
    const mild = `${decliners[decliners.length - 1]!.account_id}/${decliners[decliners.length - 1]!.product}`;
    expect(shown.indexOf(steep)).toBeGreaterThanOrEqual(0);
    expect(shown.indexOf(steep)).toBeLessThan(shown.indexOf(mild));
    const paperwork = all.items.filter((r) => r.flags.length === 0 && r.graduation.band === 'incomplete').map((r) => `${r.account_id}/${r.product}`);
    expect(paperwork.length).toBeGreaterThan(0);
    for (const p of paperwork) expect(shown.indexOf(p) === -1 || shown.indexOf(p) > shown.indexOf(steep)).toBe(true);
    // The sparkline is red exactly where the declining flag is open; chips carry their number.
    for (const r of all.items.slice(0, 25)) {
      const row = page.locator(`tr.row[data-account="${r.account_id}"][data-product="${r.product}"]`);
      expect(await row.locator('svg.spark.down').count(), r.account_id).toBe(r.flags.some((f) => f.code === 'declining_usage') ? 1 : 0);
    }
    const low = page.locator('.chip[data-flag="low_engagement"]').first();
    expect(await low.textContent()).toMatch(/^Low engagement \d+%$/);
    console.log(`dashboard screenshot: ${await shot(page, 'dashboard.png')}`);
  });

  it('filters from the KPI cards, searches, filters by CSM, sorts a column', async () => {
    const summary = await api<{ items: Array<{ needs_attention: number; ready: number }> }>('/v1/product-types/summary');
    const attention = summary.items.reduce((s, x) => s + x.needs_attention, 0);
    await page.click('[data-kpi="attention"]');
    await poll(() => page.url()).toContain('needs_attention=true');
    await poll(() => page.locator('.pager .num').textContent()).toContain(`of ${attention}`);
    expect(await page.locator('tr.row:not(:has(.chip.red))').count()).toBe(0);
    expect(await page.locator('[data-kpi="attention"]').getAttribute('aria-pressed')).toBe('true');
    await page.click('[data-kpi="ready"]');
    await poll(() => page.url()).toContain('ready=true');
    await poll(() => rows().count()).toBe(summary.items.reduce((s, x) => s + x.ready, 0));
    await page.click('[data-kpi="ready"]');
    await poll(() => page.url()).not.toContain('ready=true');
    await poll(() => rows().count()).toBe(25);

    await page.fill('input[data-filter="q"]', 'krame');
    await page.press('input[data-filter="q"]', 'Enter');
    await poll(() => rowIds()).toEqual([`${ACCOUNT}/${PRODUCT}`]);
    await page.fill('input[data-filter="q"]', '');
    await page.press('input[data-filter="q"]', 'Enter');
    await poll(() => rows().count()).toBe(25);

    const csm = all.items.find((r) => r.csm)!.csm!;
    await page.selectOption('select[data-filter="csm"]', csm);
    const mine = all.items.filter((r) => r.csm === csm).map((r) => `${r.account_id}/${r.product}`);
    await poll(() => rowIds()).toEqual(mine.slice(0, 25));
    await page.selectOption('select[data-filter="csm"]', '');

    await page.click('button.sort[data-sort="risk"]');
    await poll(() => page.url()).toContain('order=asc');
    // The address changes before the list is re-read: wait for the rows, not the URL.
    const ascending = async () => (await page.locator('[data-risk]').allTextContents()).map(Number);
    await poll(async () => {
      const risks = await ascending();
      return risks.length > 1 && risks.every((r, i) => i === 0 || risks[i - 1]! <= r);
    }).toBe(true);
    await page.goto(`${t.base}/#/`);
  });

  it('"Download CSV" saves the filtered list with the columns of the JSON report', async () => {
    await page.goto(`${t.base}/#/?product_type=weekly`);
    await poll(() => rows().count()).toBe(all.items.filter((r) => r.product_type === 'weekly').length);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="download-csv"]')]);
    const file = await download.path();
    const csv = parse(readFileSync(file), { columns: true }) as Array<Record<string, string>>;
    const weekly = all.items.filter((r) => r.product_type === 'weekly');
    expect(Object.keys(csv[0]!)).toEqual([...CSV_COLUMNS]);
    expect(csv.map((r) => `${r.account_id}/${r.product}`)).toEqual(weekly.map((r) => `${r.account_id}/${r.product}`));
    csv.forEach((row, i) => expect(row).toMatchObject({ risk: String(weekly[i]!.risk.score), band: weekly[i]!.graduation.band, ratio_weekly: String(weekly[i]!.ratios.weekly) }));
  });

  it('opens an account from the list with the keyboard, explains it and records an assessment', async () => {
    await page.goto(`${t.base}/#/?q=${ACCOUNT}`);
    await poll(() => rows().count()).toBe(1);
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    let onLink = false;
    for (let i = 0; i < 40 && !onLink; i++) {
      await page.keyboard.press('Tab');
      onLink = (await page.locator('tr.row a:focus').count()) === 1;
    }
    expect(onLink).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="assessment-form"]');
    expect(page.url()).toContain(`#/accounts/${ACCOUNT}/${PRODUCT}`);

    const score = page.locator('[data-testid="graduation-score"]');
    await poll(() => score.textContent()).toContain('—');
    expect(await page.locator('[data-testid="why-rank"] tr').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="why-rank"]').textContent()).toMatch(/Onboarding \d+ days past its target date/);
    expect(await page.locator('[data-testid="freshness"]').textContent()).toMatch(/Last scored .*Last event \d{4}-\d\d-\d\d/);
    expect(await page.locator('[data-testid="stale-warning"]').count()).toBe(0);
    expect(await page.locator('[data-testid="open-flags"]').textContent()).toMatch(/open \d+ days|new today/);
    expect(await page.locator('[data-testid="history-chart"] canvas').count()).toBe(1);
    expect(await page.locator('[data-testid="history-gaps"]').textContent()).toMatch(/No graduation score on \d+ days? .*missing stakeholder/);
    expect(await page.locator('[data-testid="current-scores"] tr[data-dimension="value"]').textContent()).toMatch(/\d\.\d.*\d{4}-\d\d-\d\d/);
    expect(await page.locator('[data-testid="explanation"]').textContent()).toMatch(/What changed/);

    await page.selectOption('[data-testid="assessment-form"] select[name="dimension"]', 'stakeholder');
    await poll(() => page.locator('[data-testid="current-score"]').textContent()).toMatch(/never assessed/);
    await page.fill('[data-testid="assessment-form"] input[name="score"]', '9');
    await page.fill('[data-testid="assessment-form"] textarea[name="evidence"]', 'executive sponsor joined the QBR');
    await page.fill('[data-testid="assessment-form"] input[name="assessed_by"]', 'Ana Souza');
    const [posted] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/assessments') && r.request().method() === 'POST'),
      page.click('[data-testid="assessment-form"] button[type="submit"]'),
    ]);
    expect(posted.status(), await posted.text()).toBe(201);
    await poll(() => score.textContent()).toMatch(/^\d+\.\d\d/);
    await poll(() => page.locator('#toast').textContent()).toMatch(/Score — → \d+\.\d\d|Onboarding overdue/);
    expect(await page.locator('tr.missing[data-dimension="stakeholder"]').count()).toBe(0);
    await poll(() => page.locator('[data-testid="current-scores"] tr[data-dimension="stakeholder"]').textContent()).toMatch(/9\.0Ana Souza/);
    console.log(`dashboard screenshot: ${await shot(page, 'dashboard-account.png')}`);

    // The assessment's transitions came over the stream; the stream is cut (a restart, a proxy):
    // the dashboard reconnects with the last transition it saw.
    t.service.http.app.server.closeAllConnections();
    await poll(() => streamRequests.filter((id) => id !== undefined).length).toBeGreaterThan(0);
    await poll(() => page.locator('#live').getAttribute('class')).toContain('on');

    // A forecast for an account whose usage is not complete.
    const incomplete = all.items.find((r) => !r.usage.complete && r.forecast.some((f) => f.status !== 'met'))!;
    await page.goto(`${t.base}/#/accounts/${incomplete.account_id}/${incomplete.product}`);
    await page.waitForSelector('[data-testid="forecast"]');
    expect(await page.locator('[data-testid="forecast"]').textContent()).toMatch(/in about \d+ weeks?|not on track/);
  });

  it('shows the usage trend per product type', async () => {
    await page.click('a[data-nav="product-types"]');
    await page.waitForSelector('[data-testid="rollup"]');
    expect(await page.locator('[data-testid="rollup"] tbody tr').count()).toBe(3);
    for (const type of ['daily', 'weekly', 'periodic']) {
      await page.waitForSelector(`[data-testid="trend-${type}"] canvas`);
      expect(await page.locator(`[data-testid="trend-${type}"]`).textContent()).toMatch(/median \d+% \(IQR \d+%–\d+%\)/);
    }
    // The flag names come from the server's wording module, the same titles the reports use.
    const text = await page.locator('main').textContent();
    for (const title of Object.values(FLAG_TITLES)) expect(text).toContain(title);
    expect((await fetch(`${t.base}/shared/wording.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${t.base}/shared/explain.js`)).status).toBe(404);
    console.log(`dashboard screenshot: ${await shot(page, 'dashboard-product-types.png')}`);
    expect(cspViolations).toEqual([]);
  });

  it('fits a 390 px wide phone screen on every page', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    p.on('pageerror', (error) => {
      throw error;
    });
    await p.goto(`${t.base}/#token=${READ_TOKEN}`);
    for (const [hash, ready, name] of [
      ['#/', 'table.portfolio tr.row', 'dashboard-mobile.png'],
      [`#/accounts/${ACCOUNT}/${PRODUCT}`, '[data-testid="history-chart"] canvas', 'dashboard-account-mobile.png'],
      ['#/product-types', '[data-testid="trend-daily"] canvas', 'dashboard-product-types-mobile.png'],
    ] as const) {
      await p.goto(`${t.base}/${hash}`);
      await p.waitForSelector(ready);
      const width = Number(await p.evaluate('document.documentElement.scrollWidth'));
      expect(width, hash).toBeLessThanOrEqual(390);
      await shot(p, name, false);
    }
    await phone.close();
  });
});
