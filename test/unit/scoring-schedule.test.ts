import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../schemas/errors.js';
import { parseProducts } from '../../schemas/products.js';
import { startScoringSchedule } from '../../runtime/index.js';
import type { ScoringContext } from '../../runtime/index.js';
import { createTestStore } from '../helpers/store.js';

const products = parseProducts(readFileSync('config/products.json', 'utf8'), 'config/products.json');
const NOW = new Date('2026-11-20T12:00:00Z');

describe('scoring schedule', () => {
  it('runs a pass for today on its cron expression', async () => {
    const ctx: ScoringContext = { store: await createTestStore(), products, now: () => NOW };
    const results: string[] = [];
    const schedule = startScoringSchedule(ctx, { cron: '* * * * * *', onResult: (r) => results.push(r.as_of) });
    try {
      expect(schedule.scheduled).toBe(true);
      const deadline = Date.now() + 5_000;
      while (results.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(results[0]).toBe('2026-11-20');
    } finally {
      await schedule.stop();
    }
  });

  it('is off with SCORING_CRON=off, and runNow still scores', async () => {
    const ctx: ScoringContext = { store: await createTestStore(), products, now: () => NOW };
    const results: string[] = [];
    const schedule = startScoringSchedule(ctx, { cron: 'off', onResult: (r) => results.push(r.as_of) });
    expect(schedule.scheduled).toBe(false);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(results).toEqual([]);
    expect((await schedule.runNow()).as_of).toBe('2026-11-20');
    await schedule.stop();
  });

  it('names SCORING_CRON when the expression is not cron', async () => {
    const ctx: ScoringContext = { store: await createTestStore(), products };
    expect(() => startScoringSchedule(ctx, { cron: 'every hour' })).toThrow(ConfigError);
    expect(() => startScoringSchedule(ctx, { cron: 'every hour' })).toThrow(/SCORING_CRON "every hour" is not a cron expression/);
  });
});
