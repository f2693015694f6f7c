import { describe, expect, it } from 'vitest';
import { generateExample } from '../../examples/generate.js';
import { parseEventBytes } from '../../schemas/index.js';
import { parseOutcome } from '../../schemas/outcome.js';

describe('example data set generator', () => {
  it('is deterministic for a given end day and moves with it', () => {
    const a = generateExample('2026-11-20');
    const b = generateExample('2026-11-20');
    expect(b.events).toEqual(a.events);
    const shifted = generateExample('2026-11-27');
    expect(shifted.events.length).toBe(a.events.length);
    expect(shifted.events).not.toEqual(a.events);
  });

  it('covers every product profile and scenario, with valid events inside the 90-day window', () => {
    const data = generateExample('2026-11-20');
    expect(new Set(data.accounts.map((a) => a.product))).toEqual(new Set(['crm', 'projects', 'analytics', 'compliance']));
    expect(new Set(Object.values(data.scenarios))).toEqual(
      new Set(['healthy', 'declining', 'low_engagement', 'champion_idle', 'features_unused', 'ramping', 'workflow_failures', 'overdue']),
    );
    const opts = { maxBytes: 65_536, maxFutureSkewMs: 0, minTimestampMs: Date.UTC(2000, 0, 1), defaultProduct: '', now: () => Date.parse('2026-11-21T00:00:00Z') };
    const results = data.events.map((e) => parseEventBytes(e, opts));
    const ok = results.flatMap((r) => (r.kind === 'ok' ? [r.value] : []));
    expect(results.length - ok.length).toBe(3); // the deliberately malformed lines
    const days = ok.map((e) => new Date(e.timestamp).toISOString().slice(0, 10)).sort();
    expect(days[0]).toBe('2026-08-23');
    expect(days[days.length - 1]).toBe('2026-11-20');
    expect(new Set(ok.map((e) => e.eventId)).size).toBe(ok.length);
  });

  it('gives graduated accounts valid outcomes that follow their usage story', () => {
    const data = generateExample('2026-11-20');
    expect(generateExample('2026-11-20').outcomes).toEqual(data.outcomes);
    const bounds = { now: () => new Date('2026-11-21T00:00:00Z'), maxFutureSkewMs: 0 };
    for (const o of data.outcomes) expect(parseOutcome(o, bounds)).toMatchObject({ ok: true });
    const scenarioOf = (o: { account_id: string; product: string }) => data.scenarios[`${o.account_id}/${o.product}`];
    expect(data.outcomes.some((o) => scenarioOf(o) === 'ramping')).toBe(false);
    const lossShare = (scenarios: string[]) => {
      const of = data.outcomes.filter((o) => scenarios.includes(scenarioOf(o)!));
      return of.filter((o) => o.outcome === 'churned' || o.outcome === 'downgraded').length / of.length;
    };
    expect(lossShare(['declining', 'low_engagement'])).toBeGreaterThan(lossShare(['healthy']) + 0.3);
  });
});
