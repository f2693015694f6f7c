import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccountRecord } from '../../schemas/accounts.js';
import { addDays } from '../../schemas/day.js';
import { StoreQueryError } from '../../schemas/errors.js';
import type { UsageEvent } from '../../schemas/event.js';
import { parseProducts } from '../../schemas/products.js';
import { runScoringPass, type ScoringContext } from '../../runtime/index.js';
import type { FlagTransition } from '../../schemas/flags.js';
import type { ReadinessReport } from '../../scoring/index.js';
import { insertAccounts, insertAssessments, insertEvents, readFlagStates, type Store } from '../../transforms/index.js';
import { createTestStore } from '../helpers/store.js';

/**
 * A pass reads, scores and stores the portfolio in chunks of account-products.
 * The same portfolio scored with chunks of 2 and in one chunk must give the same
 * reports, transitions, flag states and snapshots, day after day (flag state
 * carried forward, then an earlier day re-scored with flag history ahead of it).
 */

const products = parseProducts(readFileSync('config/products.json', 'utf8'), 'config/products.json');
const FIRST = '2026-10-01';
const LAST = '2026-11-20';
const NOW = new Date('2026-11-21T06:00:00Z');

const hash = (...parts: (string | number)[]) => createHash('sha256').update(parts.join('|')).digest().readUInt32BE(0) % 100;

const PORTFOLIO: AccountRecord[] = ['acct-0', 'acct-1', 'acct-2', 'acct-3', 'acct-4'].flatMap((account, a) =>
  ['analytics', 'crm', 'projects', ...(a === 2 ? ['legacy'] : [])].map((product) => ({
    account_id: account,
    product,
    licensed_seats: 6 + a,
    onboarding_started_at: FIRST,
    target_graduation_date: a % 2 === 0 ? '2026-11-10' : '2026-12-31',
    champion_user_ids: ['u0'],
    key_user_ids: ['u0', 'u1', 'u2'],
    core_features: ['f1', 'f2'],
    critical_workflows: a === 1 ? [] : ['w1'],
  })),
);

/** Each account-product's users are active on a share of days that falls after November 1 for some of them. */
function events(): UsageEvent[] {
  const out: UsageEvent[] = [];
  for (const account of PORTFOLIO) {
    const a = Number(account.account_id.slice(-1));
    for (let d = 0; addDays(FIRST, d) <= LAST; d++) {
      const day = addDays(FIRST, d);
      const declining = (a + account.product.length) % 3 === 0 && day >= '2026-11-01';
      for (let u = 0; u < 4 + a; u++) {
        const key = [account.account_id, account.product, day, u];
        if (hash(...key) >= (declining ? 15 : 70)) continue;
        if (u === 0 && a === 3 && day >= '2026-11-05') continue; // an idle champion
        const workflow = hash(...key, 'w') % 3 === 0 ? 'w1' : '';
        out.push({
          eventId: `e-${key.join('-')}`,
          accountId: account.account_id,
          userId: `u${u}`,
          event: 'open',
          timestamp: Date.parse(`${day}T10:00:00Z`),
          product: account.product,
          feature: ['f1', 'f2', ''][hash(...key, 'f') % 3]!,
          workflow,
          status: workflow ? (hash(...key, 's') < 80 ? 'success' : 'failure') : '',
          properties: {},
        });
      }
    }
  }
  return out;
}

async function portfolioStore(): Promise<Store> {
  const store = await createTestStore();
  await insertAccounts(store, PORTFOLIO, 'test');
  await insertEvents(store, events(), 'test');
  await insertAssessments(
    store,
    ['acct-0', 'acct-3'].flatMap((account) =>
      (['technical', 'knowledge', 'value', 'stakeholder'] as const).map((dimension) => ({
        account_id: account,
        product: 'crm',
        dimension,
        score: account === 'acct-0' ? 9 : 4,
        evidence: 'review',
        assessed_by: 'Ana',
        assessed_at: '2026-11-02T12:00:00Z',
      })),
    ),
  );
  return store;
}

interface Run {
  results: unknown[];
  reports: ReadinessReport[][];
  transitions: FlagTransition[][];
  chunks: number;
}

/** Scores `days` in order with chunks of `chunkSize`, keeping what each pass returned and published. */
async function scoreDays(store: Store, days: readonly string[], chunkSize: number): Promise<Run> {
  const published: FlagTransition[] = [];
  const ctx: ScoringContext = { store, products, now: () => NOW, sink: { publish: async (t) => void published.push(...t) } };
  const run: Run = { results: [], reports: [], transitions: [], chunks: 0 };
  for (const day of days) {
    const reports: ReadinessReport[] = [];
    const kept: FlagTransition[] = [];
    published.length = 0;
    const { duration_ms: _ms, ...result } = await runScoringPass(ctx, day, {}, {
      chunkSize,
      onChunk: (chunk) => {
        run.chunks++;
        reports.push(...chunk.reports);
        kept.push(...chunk.transitions);
      },
    });
    expect(published).toEqual(kept);
    run.results.push(result);
    run.reports.push(reports);
    run.transitions.push(kept);
  }
  return run;
}

const storedSnapshots = (store: Store) =>
  store.query<{ account_id: string; product: string; as_of: string; report: string }>(
    `SELECT account_id, product, toString(as_of) AS as_of, report FROM {db}.readiness_snapshots FINAL ORDER BY account_id, product, as_of`,
  );

describe('a scoring pass in chunks', () => {
  it('stores and publishes exactly what one pass over all account-products does', async () => {
    const [chunked, whole] = await Promise.all([portfolioStore(), portfolioStore()]);
    const days = ['2026-11-03', '2026-11-10', '2026-11-17', LAST, '2026-11-18'];
    const inChunks = await scoreDays(chunked, days, 2);
    const atOnce = await scoreDays(whole, days, 1000);

    // The portfolio is one chunk in one run and eight in the other, for each day.
    expect(atOnce.chunks).toBe(days.length);
    expect(inChunks.chunks).toBe(days.length * Math.ceil(PORTFOLIO.length / 2));
    expect(inChunks.results).toEqual(atOnce.results);
    expect(inChunks.reports).toEqual(atOnce.reports);
    expect(inChunks.transitions).toEqual(atOnce.transitions);
    expect(await readFlagStates(chunked)).toEqual(expect.arrayContaining(await readFlagStates(whole)));
    expect((await readFlagStates(chunked)).length).toBe((await readFlagStates(whole)).length);
    const stored = await storedSnapshots(chunked);
    expect(stored).toEqual(await storedSnapshots(whole));
    // Each stored report is the JSON of the report the pass computed, character for character.
    const computed = new Map(inChunks.reports.flat().map((r) => [`${r.account_id}/${r.product}/${r.as_of}`, JSON.stringify(r)]));
    const latestDay = stored.filter((s) => s.as_of === days.at(-1));
    expect(latestDay).toHaveLength(PORTFOLIO.length - 1);
    for (const s of latestDay) expect(s.report).toBe(computed.get(`${s.account_id}/${s.product}/${s.as_of}`));

    // The comparison covers every path of a pass: scored and skipped account-products,
    // flags opened, updated and resolved, and a day re-scored behind its flag history.
    const results = atOnce.results as Array<{ scored: number; skipped: unknown[]; history_ahead: number }>;
    expect(results.map((r) => r.scored)).toEqual(days.map(() => PORTFOLIO.length - 1));
    expect(results[0]!.skipped).toEqual([{ account_id: 'acct-2', product: 'legacy', reason: expect.stringContaining('"legacy"') as unknown as string }]);
    expect(results.at(-1)!.history_ahead).toBeGreaterThan(0);
    const kinds = new Set(atOnce.transitions.flat().map((t) => t.kind));
    expect([...kinds].sort()).toEqual(['opened', 'resolved', 'updated']);
  });
});

describe('a scoring pass that fails in a chunk', () => {
  it('rejects with the store error, keeps the chunks stored before it, and a re-run completes the day', async () => {
    const [failing, whole] = await Promise.all([portfolioStore(), portfolioStore()]);
    let snapshotInserts = 0;
    const broken: Store = {
      ...failing,
      insert: async (table, rows) => {
        if (table === 'readiness_snapshots' && ++snapshotInserts === 3) throw new StoreQueryError('insert into readiness_snapshots failed (injected)');
        await failing.insert(table, rows);
      },
    };
    const ctx = (store: Store): ScoringContext => ({ store, products, now: () => NOW });
    await expect(runScoringPass(ctx(broken), LAST, {}, { chunkSize: 2 })).rejects.toThrow(/injected/);
    const stored = await storedSnapshots(failing);
    expect(stored).toHaveLength(4);
    expect(stored.map((s) => s.account_id)).toEqual(['acct-0', 'acct-0', 'acct-0', 'acct-1']);

    const rerun = await runScoringPass(ctx(failing), LAST, {}, { chunkSize: 2 });
    const once = await runScoringPass(ctx(whole), LAST, {}, { chunkSize: 2 });
    expect(rerun.scored).toBe(once.scored);
    expect(await storedSnapshots(failing)).toEqual(await storedSnapshots(whole));
    expect((await readFlagStates(failing)).length).toBe((await readFlagStates(whole)).length);
  });
});
