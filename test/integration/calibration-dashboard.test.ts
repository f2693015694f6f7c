import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalibrationResult } from '../../scoring/index.js';
import { READ_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/** The calibration page in Debian's chromium over the example data, on a desktop and a 390 px phone. */
const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; the dashboard test needs Debian's chromium package`);

const ARTIFACTS = resolve('test-artifacts');

describe.skipIf(!haveBrowser)('calibration page (chromium)', () => {
  let t: TestService;
  let browser: Browser;

  beforeAll(async () => {
    // Example graduations fall 1–4 days before the end: score that far back.
    t = await startTestService({ API_TOKENS: '', DEMO_BACKFILL_DAYS: '5' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows retention by band with intervals, greys small samples and says sweeps are insufficient', async () => {
    const token = /#token=(.+)$/.exec(t.service.dashboardUrl)![1]!;
    const expected = (await call(t.base, '/v1/calibration', { token })).json as CalibrationResult;
    expect(expected.coverage.calibrated).toBeGreaterThan(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const [name, viewport] of [
      ['desktop', { width: 1440, height: 900 }],
      ['mobile', { width: 390, height: 844 }],
    ] as const) {
      const page = await browser.newPage({ viewport });
      const errors: Error[] = [];
      page.on('pageerror', (error) => errors.push(error));
      await page.goto(t.service.dashboardUrl);
      await page.waitForSelector('body[data-ready="true"]');
      await page.click('a[data-nav="calibration"]');
      await page.waitForSelector('#calibration-sweeps');
      expect(await page.locator('a[data-nav="calibration"]').getAttribute('class')).toContain('active');
      const bandRows = page.locator('section.card').nth(0).locator('tbody tr');
      expect(await bandRows.count()).toBe(4);
      // Each band row shows its count and retention as the API computed them.
      for (const [i, band] of expected.by_band.entries()) {
        const cells = await bandRows.nth(i).locator('td').allTextContents();
        expect(cells[1]).toBe(String(band.accounts));
        expect(cells[2]).toBe(band.retention === null ? '—' : `${(band.retention * 100).toFixed(1)}%`);
        expect(await bandRows.nth(i).getAttribute('data-sufficient')).toBe(String(band.sufficient));
      }
      const insufficient = expected.by_band.filter((b) => !b.sufficient).length;
      expect(await page.locator('section.card').nth(0).locator('tr.cal-insufficient').count()).toBe(insufficient);
      const sweeps = page.locator('#calibration-sweeps tbody tr');
      expect(await sweeps.count()).toBe(expected.threshold_sweeps.length);
      expect(await page.locator('#calibration-sweeps tbody tr[data-status="suggested"]').count()).toBe(0);
      expect(await sweeps.first().textContent()).toContain('Insufficient');
      // The page's own content fits (wide tables scroll inside their card); the top bar is the shell's.
      expect(await page.evaluate<number>("Math.max(...[...document.querySelectorAll('#view > *')].map((e) => e.getBoundingClientRect().right))")).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: join(ARTIFACTS, `calibration-${name}.png`), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    }
    expect((await call(t.base, '/v1/calibration', { token: READ_TOKEN })).status).toBe(401);
  });
});
