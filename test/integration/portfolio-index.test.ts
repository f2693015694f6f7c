import { beforeAll, describe, expect, it } from 'vitest';
import { PORTFOLIO_SORTS } from '../../schemas/portfolio-sort.js';
import {
  insertSnapshots,
  queryPortfolio,
  queryPortfolioInStore,
  type PortfolioQuery,
  type SnapshotRecord,
  type Store,
} from '../../transforms/index.js';
import { compareUtf8 } from '../../transforms/portfolio-index.js';
import { createTestStore } from '../helpers/store.js';

/**
 * On the embedded store, pages of the latest snapshots are selected in the
 * process from a copy of the typed index. Every answer must equal the engine's
 * own (the SQL path) on rows built to find the edges: ties on every column,
 * missing scores, bands outside the list, ids and names that sort differently
 * as UTF-8 bytes and as UTF-16, characters whose case the engine does not fold,
 * several days and two passes of one day per account-product.
 */

// Deterministic pseudo-random numbers, so a failure can be replayed.
let seed = 7;
const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const IDS = ['acme', 'Acme', 'ACME-2', 'ÄCME', 'k\u212Aelvin', 'Kelvin', 'ſtark', 'stark', 'İstanbul', 'istanbul', '\u{1F600}smile', '\uE000private', '\uFFFDreplaced', 'zz', 'a_1', 'a-1', 'globex 12', 'Globex 120', "o'hara", '100%'];
const NAMES = ['Acme Corp', 'ACME corp', 'Ärger GmbH', 'Kelvin \u212A Labs', 'Straße AG', 'ſmall', 'İnci', 'Émile', '', 'globex', 'Globex 12', '\u{1F600} Co'];
const PRODUCTS = ['crm', 'projects', 'Crm', 'ß'];
const BANDS = ['not_ready', 'incomplete', 'close', 'ready', 'legacy_band'];
const FLAGS = ['low_engagement', 'declining_usage', 'idle_champion'];
const CSMS = ['Ana Souza', 'Lucía Gómez', '', 'ana souza'];
const DAYS = ['2026-11-18', '2026-11-19', '2026-11-20'];

function snapshot(accountId: string, product: string, asOf: string): SnapshotRecord {
  const flags = FLAGS.filter(() => rand() < 0.3);
  const record = {
    account_id: accountId,
    product,
    as_of: asOf,
    product_type: pick(['daily', 'weekly', 'periodic']),
    band: pick(BANDS),
    ready: rand() < 0.3,
    graduation_score: rand() < 0.25 ? null : pick([0, 2.5, 5, 7.5, 10]),
    usage_score: pick([0, 0.5, 1]),
    usage_complete: rand() < 0.5,
    ratio_daily: pick([0, 0.1, 0.25]),
    ratio_weekly: pick([0, 0.3, 0.30000000000000004, 0.6]),
    ratio_monthly: pick([0.2, 0.8]),
    red_flags: pick([0, 0, 1, 2]),
    flag_codes: flags,
    relative_slope: pick([-0.5, 0, 0.25]),
    csm: pick(CSMS),
    account_name: pick(NAMES),
    risk: pick([0, 10, 10, 55.5, 90]),
    config_hash: 'h',
  };
  return { ...record, report: { ...record, marker: rand() } };
}

describe('portfolio pages from the in-process index equal the engine answers', () => {
  let store: Store;
  const queries: PortfolioQuery[] = [];

  beforeAll(async () => {
    store = await createTestStore();
    const keys = IDS.flatMap((id) => PRODUCTS.filter(() => rand() < 0.7).map((product) => ({ id, product })));
    // Days in random order per account-product, then a second pass of one day with a later scoring time.
    for (const [i, day] of [...DAYS].sort(() => rand() - 0.5).entries()) {
      await insertSnapshots(store, keys.filter(() => rand() < 0.8).map((k) => snapshot(k.id, k.product, day)), Date.parse('2026-11-21T00:00:00Z') + i * 1000);
    }
    await insertSnapshots(store, keys.filter(() => rand() < 0.5).map((k) => snapshot(k.id, k.product, '2026-11-20')), Date.parse('2026-11-22T00:00:00Z'));

    const filters: PortfolioQuery[] = [
      {},
      { product: 'crm' },
      { product: 'ß' },
      { productType: 'weekly' },
      ...BANDS.map((band) => ({ band })),
      { ready: true },
      { ready: false },
      ...FLAGS.map((flag) => ({ flag })),
      { flag: 'no_such_flag' },
      ...CSMS.map((csm) => ({ csm })),
      { needsAttention: true },
      { needsAttention: false },
      { accountId: 'acme' },
      { accountId: 'ACME' },
      ...['a', 'A', 'k', 'K', 's', 'S', 'i', 'I', 'acme', 'cM', '-', '_', "'", '%', 'zz', 'globex 12', ' ', 'é', 'É', 'ß', 'ǅ', '\u{1F600}', ''].map((search) => ({ search })),
      { band: 'close', needsAttention: true, productType: 'daily' },
      { csm: 'Ana Souza', ready: false },
    ];
    for (const f of filters) queries.push({ ...f, limit: 500 }, { ...f, limit: 3, offset: 2 });
    for (const sort of PORTFOLIO_SORTS) {
      for (const order of ['asc', 'desc', undefined] as const) {
        queries.push({ sort, order, limit: 11 }, { sort, order, limit: 11, offset: 11 }, { sort, order, limit: 500 });
      }
    }
    for (let i = 0; i < 120; i++) {
      queries.push({ ...pick(filters), ...pick(filters), sort: pick(PORTFOLIO_SORTS), order: pick(['asc', 'desc'] as const), limit: 1 + Math.floor(rand() * 9), offset: Math.floor(rand() * 40) });
    }
  }, 120_000);

  it('has latest rows worth sorting: ties, missing scores, several days', async () => {
    const all = await queryPortfolioInStore(store, { limit: 500 });
    expect(all.total).toBeGreaterThan(40);
    const reports = all.reports as SnapshotRecord[];
    expect(reports.some((r) => r.graduation_score === null)).toBe(true);
    expect(new Set(reports.map((r) => r.as_of)).size).toBeGreaterThan(1);
    expect(new Set(reports.map((r) => r.risk)).size).toBeLessThan(reports.length);
  });

  it('answers every filter, sort and page like the engine, including total and as_of', async () => {
    expect(queries.length).toBeGreaterThan(300);
    for (const q of queries) {
      const engine = await queryPortfolioInStore(store, q);
      const held = await queryPortfolio(store, q);
      expect(held, JSON.stringify(q)).toEqual(engine);
    }
  }, 300_000);

  it('serves pages from the process once loaded, and reloads after a write', async () => {
    let queried = 0;
    const counting: Store = { ...store, query: (text, params) => (queried++, store.query(text, params)) };
    await queryPortfolio(counting, { limit: 500 });
    queried = 0;
    const pages = [{ limit: 5 }, { band: 'close', limit: 5 }, { sort: 'account_name', order: 'desc', limit: 5 }] as const;
    for (const q of pages) await queryPortfolio(counting, q);
    expect(queried).toBe(0);

    const target = ((await queryPortfolio(counting, { sort: 'risk', order: 'asc', limit: 1 })).reports[0] as SnapshotRecord).account_id;
    const risen = { ...snapshot(target, 'crm', '2026-11-21'), risk: 1000 };
    await insertSnapshots(counting, [risen]);
    const top = await queryPortfolio(counting, { limit: 1 });
    expect(queried).toBeGreaterThan(0);
    expect(top.reports[0]).toEqual(risen.report);
    expect(top.as_of).toBe('2026-11-21');
    expect(top).toEqual(await queryPortfolioInStore(store, { limit: 1 }));
  });

  it('compares strings as UTF-8 bytes do', () => {
    const strings = [...IDS, ...NAMES, '\u{10000}', '\uFFFF', '\uD7FF', 'a', 'ab', ''];
    const bytes = [...strings].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...strings].sort(compareUtf8)).toEqual(bytes);
  });
});
