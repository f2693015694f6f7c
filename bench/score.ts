/**
 * Scoring benchmark: 10,000 account-products with 90 days of synthetic
 * history in the embedded store, generated at several event densities over the
 * same accounts, users and active user-days (only the number of events per
 * active user-day differs). For each density it times the scoring inputs read
 * from the daily aggregates and scored in memory against the same inputs
 * computed over raw events, checks that both paths agree, times a full scoring
 * pass (stored) and its re-run, then writes the "Scoring" section of
 * bench/RESULTS.md.
 *
 *   npm run bench:score [-- --accounts 10000 --days 90 --densities 1,10 --rounds 3 --no-write]
 *
 * `--densities` (or BENCH_DENSITIES) lists events per active user-day, one
 * measurement each; `--rounds` (or BENCH_ROUNDS) how many times each path is
 * timed (alternating, median reported). With the defaults a run takes about
 * 5½ minutes on 2 CPUs, most of it generating the 118 million events at 10.
 */
import { availableParallelism, cpus, loadavg, totalmem, platform, release } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../schemas/config.js';
import { addDays } from '../schemas/day.js';
import { parseProducts } from '../schemas/products.js';
import type { AccountRecord } from '../schemas/accounts.js';
import { migrate, openStore, storeFromClient, type Store } from '../transforms/index.js';
import { runScoringPass } from '../runtime/index.js';
import { emptyInputs, inputsKey, lookbackDays, scoreAccount, type ReadinessInputs, type ReadinessReport } from '../scoring/index.js';
import { readAccounts, readReadinessInputs } from '../transforms/index.js';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: process.env.BENCH_ACCOUNTS ?? '10000' },
    days: { type: 'string', default: process.env.BENCH_DAYS ?? '90' },
    densities: { type: 'string', default: process.env.BENCH_DENSITIES ?? '1,10' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    'no-write': { type: 'boolean', default: false },
  },
});
const positiveInt = (name: string, text: string): number => {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${JSON.stringify(text)}`);
  return n;
};
const ACCOUNTS = positiveInt('accounts', values.accounts);
const DAYS = positiveInt('days', values.days);
const DENSITIES = [...new Set(values.densities.split(',').map((d) => positiveInt('densities', d)))].sort((a, b) => a - b);
const ROUNDS = positiveInt('rounds', values.rounds);
const AS_OF = '2026-11-20';
const FIRST = addDays(AS_OF, -(DAYS - 1));
/** Tables scoring reads its inputs from (transforms/readiness-inputs.ts). */
const AGGREGATES = ['daily_activity', 'daily_user_activity', 'daily_feature_usage', 'daily_workflow_runs'] as const;

const products = parseProducts(readFileSync(new URL('../config/products.json', import.meta.url), 'utf8'), 'config/products.json');

async function timed<T>(label: string, work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  const ms = Math.round(performance.now() - started);
  console.error(`${label}: ${ms} ms`);
  return { value, ms };
}

const count = async (store: Store, table: string): Promise<number> => {
  const [row] = await store.query<{ n: string | number }>(`SELECT count() AS n FROM {db}.${table}`);
  return Number(row?.n ?? 0);
};

/**
 * Synthetic history, generated inside ClickHouse: one INSERT … SELECT per chunk
 * of days. Account a has 10 + a % 25 users; user u is active on day d when a
 * hash of (a, d, u) falls under the account's activity rate (30…89%), so the
 * active user-days do not depend on the density. Each active user-day then
 * has `density` events, each with its own feature, workflow and status.
 */
async function generate(store: Store, density: number): Promise<void> {
  await store.command(
    `INSERT INTO {db}.accounts
     SELECT concat('acct-', toString(number)) AS account_id,
            ['crm', 'projects', 'analytics', 'compliance'][number % 4 + 1] AS product,
            '' AS account_name, '' AS csm,
            20 + number % 30 AS licensed_seats,
            {first:Date} AS onboarding_started_at, {first:Date} + 60 AS target_graduation_date,
            ['u1'] AS champion_user_ids, ['u1', 'u2', 'u3'] AS key_user_ids,
            ['f1', 'f2', 'f3'] AS core_features, ['audit'] AS critical_workflows,
            'bench' AS source, now64(3) AS loaded_at
     FROM numbers({accounts:UInt64})`,
    { first: FIRST, accounts: ACCOUNTS },
  );
  const chunkDays = 10;
  for (let d0 = 0; d0 < DAYS; d0 += chunkDays) {
    const days = Math.min(chunkDays, DAYS - d0);
    await store.command(
      `INSERT INTO {db}.events (event_id, account_id, product, user_id, event, timestamp, feature, workflow, status, properties, source)
       SELECT concat('ev-', toString(a), '-', toString(d), '-', toString(u), '-', toString(k)) AS event_id,
              concat('acct-', toString(a)) AS account_id,
              ['crm', 'projects', 'analytics', 'compliance'][a % 4 + 1] AS product,
              concat('u', toString(u)) AS user_id,
              'open' AS event,
              toDateTime64({first:Date} + d, 3, 'UTC') + toIntervalMinute(cityHash64(a, d, u, k, 2) % 1440) AS timestamp,
              ['f1', 'f2', 'f3', ''][cityHash64(a, d, u, k, 3) % 4 + 1] AS feature,
              if(cityHash64(a, d, u, k, 4) % 10 = 0, 'audit', '') AS workflow,
              if(workflow = '', '', if(cityHash64(a, d, u, k, 5) % 20 = 0, 'failure', 'success')) AS status,
              '{}' AS properties, 'bench' AS source
       FROM (
         SELECT a, d, arrayJoin(arrayFilter(x -> cityHash64(a, d, x, 1) % 100 < 30 + cityHash64(a, 7) % 60, range(10 + a % 25))) AS u
         FROM (SELECT number % {accounts:UInt64} AS a, {d0:UInt32} + intDiv(number, {accounts:UInt64}) AS d
               FROM numbers({accounts:UInt64} * {days:UInt64}))
       )
       ARRAY JOIN range({density:UInt64}) AS k
       SETTINGS parallel_view_processing = 1`,
      { d0, days, first: FIRST, accounts: ACCOUNTS, density },
    );
    console.error(`  generated days ${d0 + 1}…${d0 + days} of ${DAYS}`);
  }
  // Merge the aggregates as background merges eventually would, so row counts and reads reflect the steady state.
  for (const table of AGGREGATES) await store.command(`OPTIMIZE TABLE {db}.${table} FINAL`);
  // Let background merges of the events finish, so that they do not compete with the timed reads.
  for (let waited = 0; waited < 300; waited++) {
    const [row] = await store.query<{ n: string | number }>('SELECT count() AS n FROM system.merges WHERE database = {db:String}', { db: store.database });
    if (Number(row?.n ?? 0) === 0) {
      if (waited > 0) console.error(`  waited ${waited} s for background merges`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The same inputs as transforms/readiness-inputs.ts, computed from raw events (what scoring avoids). */
async function rawInputs(store: Store, lookback: number): Promise<Map<string, ReadinessInputs>> {
  const p = { as_of: AS_OF, lookback };
  const scope = `(SELECT account_id, product, champion_user_ids, key_user_ids, core_features, critical_workflows FROM {db}.accounts FINAL)`;
  const [activity, features, people, workflows] = await Promise.all([
    store.query<{ account_id: string; product: string; daily_users: number[]; weekly_windows: number[]; monthly_users: number }>(
      `SELECT e.account_id AS account_id, e.product AS product,
              uniqExactResample(0, 7, 1)(e.user_id, toUInt32(dateDiff('day', toDate(e.timestamp), {as_of:Date}))) AS daily_users,
              uniqExactResample(0, 42, 7)(e.user_id, toUInt32(dateDiff('day', toDate(e.timestamp), {as_of:Date}))) AS weekly_windows,
              uniqExactIf(e.user_id, toDate(e.timestamp) >= {as_of:Date} - 29) AS monthly_users
       FROM {db}.events AS e
       WHERE toDate(e.timestamp) BETWEEN {as_of:Date} - 41 AND {as_of:Date}
       GROUP BY e.account_id, e.product`,
      p,
    ),
    store.query<{ account_id: string; product: string; feature: string; ages: number[] }>(
      `SELECT e.account_id AS account_id, e.product AS product, e.feature AS feature,
              groupUniqArray(toUInt32(dateDiff('day', toDate(e.timestamp), {as_of:Date}))) AS ages
       FROM {db}.events AS e
       WHERE toDate(e.timestamp) BETWEEN {as_of:Date} - {lookback:UInt16} AND {as_of:Date}
         AND (e.account_id, e.product, e.feature) IN (SELECT account_id, product, arrayJoin(core_features) FROM ${scope})
       GROUP BY e.account_id, e.product, e.feature`,
      p,
    ),
    store.query<{ account_id: string; product: string; user_id: string; age: number }>(
      `SELECT e.account_id AS account_id, e.product AS product, e.user_id AS user_id,
              toUInt32(dateDiff('day', max(toDate(e.timestamp)), {as_of:Date})) AS age
       FROM {db}.events AS e
       WHERE toDate(e.timestamp) BETWEEN {as_of:Date} - {lookback:UInt16} AND {as_of:Date}
         AND (e.account_id, e.product, e.user_id) IN (SELECT account_id, product, arrayJoin(arrayConcat(champion_user_ids, key_user_ids)) FROM ${scope})
       GROUP BY e.account_id, e.product, e.user_id`,
      p,
    ),
    store.query<{ account_id: string; product: string; age: number; runs: number; successes: number }>(
      `SELECT e.account_id AS account_id, e.product AS product, toUInt32(dateDiff('day', toDate(e.timestamp), {as_of:Date})) AS age,
              uniqExact(e.event_id) AS runs, uniqExactIf(e.event_id, e.status = 'success') AS successes
       FROM {db}.events AS e
       INNER JOIN ${scope} AS c ON c.account_id = e.account_id AND c.product = e.product
       WHERE toDate(e.timestamp) BETWEEN {as_of:Date} - {lookback:UInt16} AND {as_of:Date}
         AND e.workflow != '' AND e.status != ''
         AND (empty(c.critical_workflows) OR has(c.critical_workflows, e.workflow))
       GROUP BY e.account_id, e.product, toDate(e.timestamp)`,
      p,
    ),
  ]);
  const out = new Map<string, ReadinessInputs>();
  const entry = (a: string, pr: string) => {
    const k = inputsKey(a, pr);
    let e = out.get(k);
    if (!e) out.set(k, (e = emptyInputs(a, pr)));
    return e;
  };
  for (const r of activity) Object.assign(entry(r.account_id, r.product), { daily_users: r.daily_users.map(Number), weekly_windows: r.weekly_windows.map(Number), monthly_users: Number(r.monthly_users) });
  for (const r of features) entry(r.account_id, r.product).core_feature_ages[r.feature] = r.ages.map(Number).sort((a, b) => a - b);
  for (const r of people) entry(r.account_id, r.product).person_last_active_age[r.user_id] = Number(r.age);
  for (const r of workflows) entry(r.account_id, r.product).workflow_days.push({ age: Number(r.age), runs: Number(r.runs), successes: Number(r.successes) });
  return out;
}

/** Reads inputs with `read` and scores every account in memory, storing nothing. */
async function readAndScore(accounts: AccountRecord[], read: () => Promise<Map<string, ReadinessInputs>>): Promise<Map<string, ReadinessInputs>> {
  const inputs = await read();
  for (const account of accounts) {
    const product = products.products[account.product]!;
    scoreAccount({
      account,
      product,
      weights: products.weights,
      configHash: '',
      inputs: inputs.get(inputsKey(account.account_id, account.product)) ?? emptyInputs(account.account_id, account.product),
      assessments: [],
      previousFlags: new Map(),
      asOf: AS_OF,
      occurredAt: new Date().toISOString(),
    });
  }
  return inputs;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
};

interface Measurement {
  density: number;
  generateMs: number;
  events: number;
  aggregateRows: Record<(typeof AGGREGATES)[number], number>;
  aggregateMs: number[];
  rawMs: number[];
  passMs: number;
  scored: number;
  transitions: number;
  rerunMs: number;
  rerunTransitions: number;
  sampled: number;
  mismatches: number;
}

async function measure(main: Store, density: number): Promise<Measurement> {
  const store = storeFromClient('chdb', `bench_score_d${density}`, main.client);
  await store.command('DROP DATABASE IF EXISTS {db} SYNC');
  await migrate(store);
  console.error(`density ${density} event(s) per active user-day:`);
  const gen = await timed(`  generate ${ACCOUNTS} account-products × ${DAYS} days, merge the aggregates`, () => generate(store, density));
  const events = await count(store, 'events');
  const aggregateRows = Object.fromEntries(await Promise.all(AGGREGATES.map(async (t) => [t, await count(store, t)] as const))) as Measurement['aggregateRows'];
  console.error(`  ${events} events; aggregate rows ${JSON.stringify(aggregateRows)}`);

  // The first reports of the pass, to check against the raw computation below.
  const sample: ReadinessReport[] = [];
  const keep = ({ reports }: { reports: readonly ReadinessReport[] }) => void sample.push(...reports.slice(0, 200 - sample.length));
  const pass = await timed('  scoring pass over daily aggregates (read, score, store)', () => runScoringPass({ store, products }, AS_OF, {}, { onChunk: keep }));
  const rerun = await timed('  re-run of the same day', () => runScoringPass({ store, products }, AS_OF));
  const lookback = lookbackDays(Object.values(products.products).map((p) => p.thresholds));
  const accounts = await readAccounts(store, { startedBy: AS_OF });

  // Alternate the two paths so that load from elsewhere on the machine falls on both.
  const aggregateMs: number[] = [];
  const rawMs: number[] = [];
  let aggregate = new Map<string, ReadinessInputs>();
  let raw = new Map<string, ReadinessInputs>();
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await timed(`  [${round}/${ROUNDS}] aggregate inputs, scored in memory`, () => readAndScore(accounts, () => readReadinessInputs(store, AS_OF, lookback)));
    const r = await timed(`  [${round}/${ROUNDS}] same computation over raw events`, () => readAndScore(accounts, () => rawInputs(store, lookback)));
    aggregateMs.push(a.ms);
    rawMs.push(r.ms);
    aggregate = a.value;
    raw = r.value;
  }
  // Both paths must agree, or the comparison is meaningless: the stored pass and the
  // in-memory aggregate inputs against the raw computation.
  const mismatches = sample.filter((report) => {
    const k = inputsKey(report.account_id, report.product);
    const r = raw.get(k);
    const a = aggregate.get(k);
    return (
      !r ||
      !a ||
      r.weekly_windows[0] !== report.active_users.weekly ||
      r.monthly_users !== report.active_users.monthly ||
      r.weekly_windows.join() !== a.weekly_windows.join() ||
      r.monthly_users !== a.monthly_users
    );
  }).length;
  await store.command('DROP DATABASE IF EXISTS {db} SYNC');
  return {
    density,
    generateMs: gen.ms,
    events,
    aggregateRows,
    aggregateMs,
    rawMs,
    passMs: pass.ms,
    scored: pass.value.scored,
    transitions: pass.value.transitions,
    rerunMs: rerun.ms,
    rerunTransitions: rerun.value.transitions,
    sampled: sample.length,
    mismatches,
  };
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const loadBefore = loadavg()[0]!;
const dir = join(process.cwd(), '.cache', 'bench-score');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const main = await openStore({ ...loadConfig({}).store, database: 'bench_score', dataDir: dir });
const [engine] = await main.query<{ v: string }>('SELECT version() AS v');
const results: Measurement[] = [];
try {
  for (const density of DENSITIES) results.push(await measure(main, density));
} finally {
  await main.close();
}
const loadAfter = loadavg()[0]!;

const n = (x: number) => x.toLocaleString('en');
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const timings = (ms: number[]) => (ms.length > 1 ? `${s(median(ms))} (${ms.map((x) => (x / 1000).toFixed(2)).join(', ')})` : s(ms[0]!));
const sumRows = (m: Measurement) => AGGREGATES.reduce((t, k) => t + m.aggregateRows[k], 0);
const ratio = (m: Measurement) => median(m.rawMs) / median(m.aggregateMs);
const row = (label: string, cell: (m: Measurement) => string) => `| ${label} | ${results.map(cell).join(' | ')} |`;
const activeUserDays = results[0]!.aggregateRows.daily_user_activity;

/** What the figures say, computed from them; only the mechanisms are fixed text. */
function reading(): string[] {
  const lines = [
    '**Reading.** The aggregate rows are one per account-product-day, user-day, feature-day and workflow-day: the user-day and account-product-day rows are the same at every density, ' +
      'and feature-days and workflow-days grow only because more events touch more of the features and workflows on a day.',
  ];
  const lo = results[0]!;
  const hi = results[results.length - 1]!;
  if (hi !== lo) {
    const x = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
    lines.push(
      `From ${lo.density} to ${hi.density} events per active user-day the events grow ${x(hi.events, lo.events)} and the aggregate rows ${(sumRows(hi) / sumRows(lo)).toFixed(2)}×; ` +
        `the raw path's median time grows ${x(median(hi.rawMs), median(lo.rawMs))}, the aggregate path's ${x(median(hi.aggregateMs), median(lo.aggregateMs))}, ` +
        `so raw / aggregate goes from ${ratio(lo).toFixed(1)}× to ${ratio(hi).toFixed(1)}×.`,
      'The raw path grows less than the events, in part because some of the work on each path does not depend on them (scoring every account in Node, the accounts scope, results of the same size). ' +
        'The aggregate path is not entirely flat either: `daily_workflow_runs` keeps the distinct event ids of runs (so a re-delivered event cannot inflate a run count), ' +
        'and reading those states grows with the number of workflow events.',
    );
  }
  if (lo.events === lo.aggregateRows.daily_user_activity) {
    lines.push(
      `${lo.density} event per active user-day is the least an active user can produce: the per-user-day aggregate then has exactly as many rows as the events table, so the aggregates can save little.`,
    );
  }
  lines.push(
    `Absolute times are noisy: the machine is shared (1-minute load average ${loadBefore.toFixed(1)} before the run and ${loadAfter.toFixed(1)} after it, on ${availableParallelism()} CPUs)${ROUNDS > 1 ? ' and the rounds in brackets show the spread' : ''}. ` +
      'Compare the ratios, which come from both paths timed alternately in the same run on the same data.',
    '',
  );
  return lines;
}

const machine =
  `${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB memory, ${platform()} ${release()}; ` +
  `Node ${process.version}; chDB ${packageVersion('chdb')} (ClickHouse engine ${engine?.v ?? 'unknown'}), embedded`;
const section = [
  '## Scoring',
  '',
  `\`npm run bench:score\` — ${n(ACCOUNTS)} account-products, ${DAYS} days of history generated in ClickHouse, scored for ${AS_OF}. ` +
    `Every density has the same accounts (10…34 users each), the same ${n(activeUserDays)} active user-days (each user active on 30…89% of days, by account) ` +
    'and differs only in events per active user-day. Times are medians of ' +
    `${ROUNDS} alternating round${ROUNDS > 1 ? 's' : ''} (the rounds in brackets); both in-memory paths read all accounts' inputs and score them without storing anything.`,
  '',
  `Machine: ${machine}.`,
  '',
  `| | ${results.map((m) => `${m.density} event${m.density > 1 ? 's' : ''} / active user-day`).join(' | ')} |`,
  `|---|${results.map(() => '---:').join('|')}|`,
  row('events', (m) => n(m.events)),
  row('rows in the aggregate tables scoring reads (all four)', (m) => n(sumRows(m))),
  row('&nbsp;&nbsp;of which per account-product-day (`daily_activity`)', (m) => n(m.aggregateRows.daily_activity)),
  row('&nbsp;&nbsp;per user-day (`daily_user_activity`)', (m) => n(m.aggregateRows.daily_user_activity)),
  row('&nbsp;&nbsp;per feature-day (`daily_feature_usage`)', (m) => n(m.aggregateRows.daily_feature_usage)),
  row('&nbsp;&nbsp;per workflow-day (`daily_workflow_runs`)', (m) => n(m.aggregateRows.daily_workflow_runs)),
  row('**aggregate path**: 4 input queries over the daily aggregates + scoring, in memory', (m) => timings(m.aggregateMs)),
  row('**raw path**: the same inputs over raw events + scoring, in memory', (m) => timings(m.rawMs)),
  row('**raw / aggregate**', (m) => `**${ratio(m).toFixed(1)}×**`),
  row('check: weekly and monthly active users, sampled account-products (mismatches)', (m) => `${m.sampled} (${m.mismatches})`),
  row('full scoring pass from the aggregates, stored (snapshots, flag transitions)', (m) => `${s(m.passMs)} (${n(m.scored)}, ${n(m.transitions)})`),
  row('re-run of the same day (new transitions)', (m) => `${s(m.rerunMs)} (${m.rerunTransitions})`),
  row('generation, for reference (INSERT … SELECT, materialized views, OPTIMIZE … FINAL, pending merges)', (m) => s(m.generateMs)),
  '',
  ...reading(),
].join('\n');
console.log(section);

if (!values['no-write']) {
  const path = new URL('./RESULTS.md', import.meta.url);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  // Replace only this section; other sections (e.g. Ingestion) are left as they are.
  const pattern = /## Scoring\n[\s\S]*?(?=\n## |$)/;
  const next = pattern.test(current) ? current.replace(pattern, section.trimEnd() + '\n') : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(path, next);
}
