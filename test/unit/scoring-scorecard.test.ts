import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, type Dimension } from '../../schemas/products.js';
import { bandOf, graduation, weightedScore } from '../../scoring/index.js';

const dims = (technical: number | null, knowledge: number | null, usage: number | null, value: number | null, stakeholder: number | null) => {
  const d = { technical, knowledge, usage, value, stakeholder };
  return Object.fromEntries(Object.entries(d).map(([k, score]) => [k, { score, source: score === null ? null : 'assessment' }])) as Record<
    Dimension,
    { score: number | null; source: 'assessment' | null }
  >;
};

describe('graduation scorecard', () => {
  it("reproduces the seed's example: 9, 8, 7, 9, 8 → 8.3, ready", () => {
    const g = graduation(dims(9, 8, 7, 9, 8), DEFAULT_WEIGHTS, []);
    expect(g.score).toBe(8.3);
    expect(g.band).toBe('ready');
    expect(g.ready).toBe(true);
    expect(g.missing).toEqual([]);
    expect(g.dimensions.value).toMatchObject({ score: 9, weight: 30 });
  });
  it('band edges use the rounded score: 7.99 is close, 8.00 is ready', () => {
    expect(weightedScore({ technical: 7.95, knowledge: 8, usage: 8, value: 8, stakeholder: 8 }, DEFAULT_WEIGHTS)).toBe(7.99);
    expect(graduation(dims(7.95, 8, 8, 8, 8), DEFAULT_WEIGHTS, []).band).toBe('close');
    expect(graduation(dims(8, 8, 8, 8, 8), DEFAULT_WEIGHTS, []).band).toBe('ready');
    expect(bandOf(6)).toBe('close');
    expect(bandOf(5.99)).toBe('not_ready');
  });
  it('is incomplete with a null score while a dimension is missing, listing it', () => {
    const g = graduation(dims(9, null, 7, null, 8), DEFAULT_WEIGHTS, []);
    expect(g).toMatchObject({ score: null, band: 'incomplete', ready: false, missing: ['knowledge', 'value'] });
  });
  it('is not ready in the ready band when a dimension is below 7', () => {
    const g = graduation(dims(10, 10, 6.9, 10, 10), DEFAULT_WEIGHTS, []);
    expect(g.band).toBe('ready');
    expect(g.ready).toBe(false);
    expect(g.blockers.join()).toMatch(/usage 6.9/);
  });
  it('is not ready while a red flag is open', () => {
    const g = graduation(dims(9, 9, 9, 9, 9), DEFAULT_WEIGHTS, ['champion_inactive']);
    expect(g.band).toBe('ready');
    expect(g.ready).toBe(false);
  });
  it('uses configured weights', () => {
    const weights = { technical: 0, knowledge: 0, usage: 100, value: 0, stakeholder: 0 };
    expect(graduation(dims(1, 1, 9, 1, 1), weights, []).score).toBe(9);
  });
});
