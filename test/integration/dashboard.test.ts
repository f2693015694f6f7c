import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/service.js';

/**
 * The CSM dashboard in a real browser: Debian's chromium driven by
 * playwright-core. Under CI=true a missing browser fails the run.
 */
const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; the dashboard test needs Debian's chromium package`);

const ARTIFACTS = resolve('test-artifacts');

describe.skipIf(!haveBrowser)('CSM dashboard (chromium)', () => {
  let t: TestService;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  /** Last-Event-ID of each request the dashboard made to the flag stream. */
  const streamRequests: Array<string | undefined> = [];

  beforeAll(async () => {
    // No API_TOKENS: the service makes a token and puts it in the dashboard URL, as `npm start` does.
    t = await startTestService({ API_TOKENS: '' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
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
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const rows = () => page.locator('table.portfolio tr.row');

  it('loads the portfolio from the printed URL, filters it, opens an account and records an assessment', async () => {
    expect(t.service.dashboardUrl).toMatch(/#token=[\w-]{20,}$/);
    await page.goto(t.service.dashboardUrl);
    await page.waitForSelector('body[data-ready="true"]');
    // The token moved from the address bar to local storage.
    expect(page.url()).not.toContain('token=');
    await expect.poll(() => rows().count()).toBe(25);
    await expect.poll(() => page.locator('#live').getAttribute('class')).toContain('on');
    mkdirSync(ARTIFACTS, { recursive: true });
    const portfolioShot = join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({ path: portfolioShot, fullPage: true });

    // Filter by band: every row shows that band.
    await page.selectOption('select[data-filter="band"]', 'close');
    await expect.poll(() => page.url()).toContain('band=close');
    await expect.poll(() => page.locator('table.portfolio tr.row:not(.band-close)').count()).toBe(0);
    const closeCount = await rows().count();
    expect(closeCount).toBeGreaterThan(0);
    expect(closeCount).toBeLessThan(25);

    // Filter by open flag (band filter cleared): the overdue onboardings.
    await page.selectOption('select[data-filter="band"]', '');
    await page.selectOption('select[data-filter="flag"]', 'onboarding_overdue');
    const target = page.locator('tr.row[data-account="kramerica"][data-product="projects"]');
    await target.waitFor();
    await expect.poll(() => rows().count()).toBeLessThan(10);

    // Account view: incomplete scorecard, stakeholder missing.
    await target.click();
    await page.waitForSelector('[data-testid="assessment-form"]');
    const score = page.locator('[data-testid="graduation-score"]');
    await expect.poll(() => score.textContent()).toContain('—');
    expect(await page.locator('tr.missing[data-dimension="stakeholder"]').count()).toBe(1);
    expect(await page.locator('[data-testid="history-chart"] canvas').count()).toBe(1);
    expect(await page.locator('[data-testid="explanation"]').textContent()).toMatch(/What changed/);

    // Record the missing stakeholder assessment: the score appears.
    await page.selectOption('[data-testid="assessment-form"] select[name="dimension"]', 'stakeholder');
    await page.fill('[data-testid="assessment-form"] input[name="score"]', '9');
    await page.fill('[data-testid="assessment-form"] textarea[name="evidence"]', 'executive sponsor joined the QBR');
    await page.fill('[data-testid="assessment-form"] input[name="assessed_by"]', 'Ana Souza');
    await page.click('[data-testid="assessment-form"] button[type="submit"]');
    await expect.poll(() => score.textContent(), { timeout: 15_000 }).toMatch(/^\d+\.\d\d/);
    await expect.poll(() => page.locator('#toast').textContent()).toMatch(/Score — → \d+\.\d\d|onboarding_overdue|Onboarding overdue/);
    expect(await page.locator('tr.missing[data-dimension="stakeholder"]').count()).toBe(0);
    const accountShot = join(ARTIFACTS, 'dashboard-account.png');
    await page.screenshot({ path: accountShot, fullPage: true });

    // The stream is cut (a restart, a proxy): the dashboard reconnects with the last transition it saw.
    t.service.http.app.server.closeAllConnections();
    await expect.poll(() => streamRequests.filter((id) => id !== undefined).length, { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#live').getAttribute('class'), { timeout: 15_000 }).toContain('on');

    // Product-type view: the rollup of the three profiles.
    await page.click('a[data-nav="product-types"]');
    await page.waitForSelector('[data-testid="rollup"]');
    expect(await page.locator('[data-testid="rollup"] tbody tr').count()).toBe(3);

    expect(cspViolations).toEqual([]);
    // Printed so a CI log points at the artefacts.
    console.log(`dashboard screenshots: ${portfolioShot} ${accountShot}`);
  });
});
