/**
 * API benchmark: N account-products with 42–90 days of synthetic events in the
 * embedded store, scored, then `serve` under a bounded load from a second
 * process (autocannon: 50 keep-alive connections, 15 s) over portfolio pages,
 * filtered and sorted lists and account views. Prints requests/s, p50, p99,
 * errors and the server's peak RSS per N, and the scoring pass's time and peak
 * RSS, then writes the "API" section of bench/RESULTS.md.
 *
 *   npm run bench:api [-- --accounts 10000,100000 --duration 15 --connections 50 --reuse --no-write]
 *   npm run bench:api -- --accounts 100000 --history-days 90 --prepare-only   (the scoring pass at 100,000 × 90 days)
 *
 * Each phase runs in its own process, because an embedded data directory
 * belongs to one process: generate (engine-side INSERT … SELECT from
 * numbers()), score (two passes; the second, a week later, is the one
 * reported), serve, load. Peak RSS is the kernel's high-water mark (VmHWM)
 * of that process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Result as AutocannonResult } from 'autocannon';
import { addDays } from '../schemas/day.js';

const { values } = parseArgs({
  options: {
    phase: { type: 'string', default: 'run' },
    accounts: { type: 'string', default: process.env.BENCH_ACCOUNTS ?? '10000,100000' },
    dir: { type: 'string' },
    url: { type: 'string' },
    pool: { type: 'string' },
    mode: { type: 'string', default: 'mixed' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '50' },
    'no-write': { type: 'boolean', default: false },
    /** Keep a data directory already generated and scored by an earlier run (same N). */
    reuse: { type: 'boolean', default: false },
    /** Only generate and score (for a later --reuse run). */
    'prepare-only': { type: 'boolean', default: false },
    /** Every account-product with this many days of history (1–90) instead of 42–90; its own data directory. */
    'history-days': { type: 'string' },
  },
});

const AS_OF = '2026-11-20';
const WINDOW = 90;
const FIRST = addDays(AS_OF, -(WINDOW - 1));
const TOKEN = 'bench-read-token-0123456789';
const CSMS = ['Ana Souza', 'Diego Pérez', 'Maria Lima', 'Lucía Gómez', 'Kenji Sato', 'Priya Nair', 'Tom Berg', 'Sara Cohen'];
const ROOT = join(process.cwd(), '.cache', 'bench-api');

const positiveInt = (name: string, text: string): number => {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${JSON.stringify(text)}`);
  return n;
};

/** Peak resident set of a process, in MiB (the kernel's high-water mark). */
function peakRssMiB(pid: number | 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

// ---------------------------------------------------------------- phases in child processes

async function openBenchStore(dir: string) {
  const { openStore, migrate } = await import('../transforms/index.js');
  const { loadConfig } = await import('../schemas/config.js');
  const store = await openStore(loadConfig({ DATA_DIR: dir, CLICKHOUSE_DATABASE: 'bench' }).store);
  await migrate(store);
  return store;
}

/**
 * Account a has 42 + hash(a) % 49 days of history ending on AS_OF, 5 + a % 20
 * users, each active on a day when a hash falls under the account's rate
 * (30…89%), one event per active user-day with a feature, sometimes a workflow
 * run. Three in four account-products have their four CSM assessments.
 */
async function generate(dir: string, accounts: number, fixedDays: number | undefined): Promise<void> {
  const store = await openBenchStore(dir);
  const p = { first: FIRST, accounts, window: WINDOW };
  const historyDays = fixedDays === undefined ? '(42 + cityHash64(a, 9) % 49)' : String(fixedDays);
  await store.command(
    `INSERT INTO {db}.accounts
     SELECT concat('acct-', toString(a)) AS account_id,
            ['crm', 'projects', 'analytics', 'compliance'][a % 4 + 1] AS product,
            concat(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Tyrell'][a % 8 + 1], ' ', toString(a)) AS account_name,
            {csms:Array(String)}[cityHash64(a, 11) % ${CSMS.length} + 1] AS csm,
            20 + a % 30 AS licensed_seats,
            {first:Date} + ({window:UInt32} - ${historyDays}) AS onboarding_started_at,
            {first:Date} + ({window:UInt32} - ${historyDays}) + 75 AS target_graduation_date,
            ['u1'] AS champion_user_ids, ['u1', 'u2', 'u3'] AS key_user_ids,
            ['f1', 'f2', 'f3'] AS core_features, ['audit'] AS critical_workflows,
            'bench' AS source, now64(3) AS loaded_at
     FROM (SELECT number AS a FROM numbers({accounts:UInt64}))`,
    { ...p, csms: CSMS },
  );
  await store.command(
    `INSERT INTO {db}.assessments
     SELECT concat('as-', toString(a), '-', dimension) AS assessment_id, concat('acct-', toString(a)) AS account_id,
            ['crm', 'projects', 'analytics', 'compliance'][a % 4 + 1] AS product, dimension,
            4 + cityHash64(a, dimension) % 61 / 10 AS score, 'bench' AS evidence, '' AS reason, 'bench' AS assessed_by,
            toDateTime64({first:Date} + 20, 3, 'UTC') AS assessed_at, now64(3) AS recorded_at
     FROM (SELECT number AS a FROM numbers({accounts:UInt64}) WHERE cityHash64(number, 13) % 4 != 0)
     ARRAY JOIN ['technical', 'knowledge', 'value', 'stakeholder'] AS dimension`,
    p,
  );
  const chunkDays = accounts > 20_000 ? 5 : 15;
  for (let d0 = 0; d0 < WINDOW; d0 += chunkDays) {
    const days = Math.min(chunkDays, WINDOW - d0);
    const started = Date.now();
    await store.command(
      `INSERT INTO {db}.events (event_id, account_id, product, user_id, event, timestamp, feature, workflow, status, properties, source)
       SELECT concat('ev-', toString(a), '-', toString(d), '-', toString(u)) AS event_id,
              concat('acct-', toString(a)) AS account_id,
              ['crm', 'projects', 'analytics', 'compliance'][a % 4 + 1] AS product,
              concat('u', toString(u)) AS user_id,
              'open' AS event,
              toDateTime64({first:Date} + d, 3, 'UTC') + toIntervalMinute(cityHash64(a, d, u, 2) % 1440) AS timestamp,
              ['f1', 'f2', 'f3', ''][cityHash64(a, d, u, 3) % 4 + 1] AS feature,
              if(cityHash64(a, d, u, 4) % 10 = 0, 'audit', '') AS workflow,
              if(workflow = '', '', if(cityHash64(a, d, u, 5) % 20 = 0, 'failure', 'success')) AS status,
              '{}' AS properties, 'bench' AS source
       FROM (
         SELECT a, d, arrayJoin(arrayFilter(x -> cityHash64(a, d, x, 1) % 100 < 30 + cityHash64(a, 7) % 60 - if(d > 60 AND a % 5 = 0, 25, 0), range(5 + a % 20))) AS u
         FROM (SELECT number % {accounts:UInt64} AS a, {d0:UInt32} + intDiv(number, {accounts:UInt64}) AS d
               FROM numbers({accounts:UInt64} * {days:UInt64}))
         WHERE d >= {window:UInt32} - ${historyDays}
       )
       SETTINGS parallel_view_processing = 1`,
      { ...p, d0, days },
    );
    console.error(`  generated days ${d0 + 1}…${d0 + days} of ${WINDOW} (${Date.now() - started} ms)`);
  }
  const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM {db}.events');
  console.log(JSON.stringify({ events: Number(row?.n ?? 0) }));
  await store.close();
}

/** Two passes: a week before AS_OF (so flags have a history) and AS_OF, the one reported. */
async function score(dir: string): Promise<void> {
  const store = await openBenchStore(dir);
  const { loadProductsFile, runScoringPass } = await import('../runtime/index.js');
  const products = await loadProductsFile(join(process.cwd(), 'config', 'products.json'));
  const first = await runScoringPass({ store, products }, addDays(AS_OF, -7));
  console.error(`  pass ${first.as_of}: ${first.scored} scored in ${first.duration_ms} ms`);
  const rssBefore = peakRssMiB('self');
  const started = performance.now();
  const pass = await runScoringPass({ store, products }, AS_OF);
  const ms = Math.round(performance.now() - started);
  console.error(`  pass ${pass.as_of}: ${pass.scored} scored in ${ms} ms`);
  console.log(
    JSON.stringify({ scored: pass.scored, transitions: pass.transitions, ms, first_ms: first.duration_ms, peak_rss_mib: peakRssMiB('self'), peak_rss_before_mib: rssBefore }),
  );
  await store.close();
}

async function serve(dir: string): Promise<void> {
  const { main, processRunEnv } = await import('../cli/main.js');
  const run = processRunEnv();
  // One token drives all the load: the per-token rate limit would measure itself, so it is off.
  const env = { ...process.env, DATA_DIR: dir, CLICKHOUSE_DATABASE: 'bench', DEMO_DATA: 'off', SCORING_CRON: 'off', LOG_LEVEL: 'warn', API_TOKENS: `${TOKEN}:read`, RATE_LIMIT_MAX: '0' };
  process.exitCode = await main(['serve'], { ...run, env });
}

/** The requests of one load mix, drawn with a fixed seed. */
function mix(mode: string, pool: readonly string[], accounts: number): () => string {
  let seed = 42;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const filters = [
    'band=not_ready',
    'band=close',
    'band=ready',
    'band=incomplete',
    'needs_attention=true',
    'ready=true',
    'product_type=daily',
    'product_type=weekly',
    'flag=declining_usage',
    'flag=low_engagement',
    'product=crm',
    ...CSMS.slice(0, 4).map((c) => `csm=${encodeURIComponent(c)}`),
    'csm=Ana%20Souza&needs_attention=true',
    'q=globex%2012',
    'q=acct-77',
    'sort=ratio_weekly&order=asc',
    'sort=relative_slope',
    'sort=account_name',
    'sort=graduation_score&order=desc&band=close',
  ];
  const view = (key: string) => {
    const [account, product] = key.split('/');
    return `/v1/accounts/${account}/products/${product}/readiness`;
  };
  return () => {
    if (mode === 'cold-views') {
      const a = Math.floor(rand() * accounts);
      return view(`acct-${a}/${['crm', 'projects', 'analytics', 'compliance'][a % 4]}`);
    }
    const r = rand();
    if (r < 0.4) return `/v1/readiness?offset=${50 * Math.floor(rand() * 20)}`;
    if (r < 0.7) return `/v1/readiness?${pick(filters)}&offset=${50 * Math.floor(rand() * 3)}`;
    return view(pick(pool));
  };
}

async function load(url: string, mode: string, poolFile: string, accounts: number, duration: number, connections: number): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as string[];
  const next = mix(mode, pool, accounts);
  const statuses = new Map<number, number>();
  const cpuBefore = process.cpuUsage();
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration,
        headers: { authorization: `Bearer ${TOKEN}` },
        requests: [{ setupRequest: (req) => ({ ...req, path: next() }) }],
      },
      (error: unknown, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
    );
    instance.on('response', (_client: unknown, statusCode: number) => statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1));
  });
  const cpu = process.cpuUsage(cpuBefore);
  const non2xx = [...statuses].filter(([s]) => s >= 300).reduce((n, [, c]) => n + c, 0);
  console.log(
    JSON.stringify({
      requests: result.requests.total,
      rps: Math.round(result.requests.total / duration),
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      max_ms: result.latency.max,
      errors: result.errors + result.timeouts + non2xx,
      statuses: Object.fromEntries(statuses),
      client_cpu_s: Math.round((cpu.user + cpu.system) / 1e5) / 10,
    }),
  );
}

// ---------------------------------------------------------------- orchestration

function runChild(args: string[], onStdout?: (line: string) => void): { child: ChildProcess; done: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/api.ts', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (onStdout) for (const line of chunk.toString().split('\n').filter(Boolean)) onStdout(line);
  });
  const done = new Promise<string>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').pop() ?? '') : reject(new Error(`bench/api.ts ${args.join(' ')} exited ${code}`)))),
  );
  return { child, done };
}

async function waitForServer(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('serve did not answer /healthz within 5 minutes');
}

interface LoadResult {
  requests: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  statuses: Record<string, number>;
  client_cpu_s: number;
}

interface Measurement {
  accounts: number;
  events: number;
  generate_s: number;
  score: { scored: number; transitions: number; ms: number; first_ms: number; peak_rss_mib: number };
  mixed: LoadResult;
  cold: LoadResult;
  server_peak_rss_mib: number;
  pool: number;
  load_before: number[];
}

async function measure(accounts: number, duration: number, connections: number): Promise<Measurement | undefined> {
  const fixedDays = values['history-days'];
  if (fixedDays !== undefined && positiveInt('history-days', fixedDays) > WINDOW) throw new Error(`--history-days: at most ${WINDOW}, got ${fixedDays}`);
  const dir = join(ROOT, fixedDays === undefined ? `n${accounts}` : `n${accounts}-d${positiveInt('history-days', fixedDays)}`);
  const prepared = join(dir, 'prepared.json');
  let prep: { events: number; generate_s: number; score: Measurement['score'] };
  if (values.reuse && existsSync(prepared)) {
    prep = JSON.parse(readFileSync(prepared, 'utf8')) as typeof prep;
    console.error(`N = ${accounts}: reusing ${dir}`);
  } else {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    console.error(`N = ${accounts}: generating`);
    const genStarted = Date.now();
    const { events } = JSON.parse(await runChild(['--phase', 'generate', '--dir', dir, '--accounts', String(accounts), ...(fixedDays === undefined ? [] : ['--history-days', fixedDays])]).done) as { events: number };
    const generate_s = Math.round((Date.now() - genStarted) / 1000);
    console.error(`N = ${accounts}: scoring`);
    const score = JSON.parse(await runChild(['--phase', 'score', '--dir', dir]).done) as Measurement['score'];
    prep = { events, generate_s, score };
    writeFileSync(prepared, JSON.stringify(prep));
  }
  const { events, generate_s, score: scored } = prep;
  if (values['prepare-only']) return undefined;

  const port = 18_000 + (accounts % 1000);
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, ['--import', 'tsx', 'bench/api.ts', '--phase', 'serve', '--dir', dir], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PORT: String(port) },
  });
  try {
    await waitForServer(url, server);
    // Account views a CSM opens: the account-products on the first pages of the lists.
    const pool = new Set<string>();
    for (const q of ['', 'needs_attention=true&', 'band=close&', 'csm=Ana%20Souza&']) {
      for (let offset = 0; offset < 500; offset += 100) {
        const res = await fetch(`${url}/v1/readiness?${q}limit=100&offset=${offset}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const body = (await res.json()) as { items: { account_id: string; product: string }[] };
        for (const r of body.items) pool.add(`${r.account_id}/${r.product}`);
      }
    }
    const poolFile = join(dir, 'pool.json');
    writeFileSync(poolFile, JSON.stringify([...pool]));
    const load_before = loadavg().map((x) => Math.round(x * 100) / 100);
    const run = async (mode: string) => {
      console.error(`N = ${accounts}: load (${mode}), ${connections} connections, ${duration} s`);
      const args = ['--phase', 'load', '--url', url, '--mode', mode, '--pool', poolFile, '--accounts', String(accounts), '--duration', String(duration), '--connections', String(connections)];
      const result = JSON.parse(await runChild(args).done) as LoadResult;
      console.error(`  ${JSON.stringify(result)}`);
      return result;
    };
    const mixed = await run('mixed');
    // Let requests still queued from the first load finish before the second starts.
    await fetch(`${url}/v1/readiness?limit=1&needs_attention=false&sort=csm`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const cold = await run('cold-views');
    const server_peak_rss_mib = peakRssMiB(server.pid!);
    return { accounts, events, generate_s, score: scored, mixed, cold, server_peak_rss_mib, pool: pool.size, load_before };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

function section(results: readonly Measurement[], duration: number, connections: number): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const cell = (r: LoadResult) => `${fmt(r.rps)} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${fmt(r.errors)} errors`;
  const rows = [
    `| | ${results.map((r) => `N = ${fmt(r.accounts)}`).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
    `| events (42–90 days per account-product) | ${results.map((r) => fmt(r.events)).join(' | ')} |`,
    `| **mixed load**: 40% portfolio pages, 30% filtered/sorted lists, 30% account views of account-products on the first list pages | ${results.map((r) => cell(r.mixed)).join(' | ')} |`,
    `| **cold account views**: uniformly random account-products (almost every one a cache miss) | ${results.map((r) => cell(r.cold)).join(' | ')} |`,
    `| server peak RSS (VmHWM, over both loads) | ${results.map((r) => `${fmt(r.server_peak_rss_mib)} MiB`).join(' | ')} |`,
    `| load generator CPU (mixed, cold) | ${results.map((r) => `${r.mixed.client_cpu_s} s, ${r.cold.client_cpu_s} s`).join(' | ')} |`,
    `| scoring pass (stored), a week after a first pass | ${results.map((r) => `${(r.score.ms / 1000).toFixed(1)} s, peak RSS ${fmt(r.score.peak_rss_mib)} MiB`).join(' | ')} |`,
    `| for reference: first pass (no flag state yet) | ${results.map((r) => `${(r.score.first_ms / 1000).toFixed(1)} s`).join(' | ')} |`,
    `| for reference: generation | ${results.map((r) => `${fmt(r.generate_s)} s`).join(' | ')} |`,
    `| 1-minute load average before the loads | ${results.map((r) => r.load_before[0]).join(' | ')} |`,
  ];
  return `## API

\`npm run bench:api\`, run ${new Date().toISOString().slice(0, 10)}: N account-products with 42–90 days of synthetic events (5…24 users each, active on 30…89% of days, one event per active user-day; three in four with CSM assessments; a fifth declining in the last month), generated in the embedded store with INSERT … SELECT from numbers(), scored for two days a week apart, then \`serve\` (embedded store) under load from a second process: autocannon, ${connections} keep-alive connections, ${duration} s per load, one bearer token.

${rows.join('\n')}

Account views in the mixed load are drawn from ${results.map((r) => fmt(r.pool)).join(' / ')} account-products on the first pages of four lists (the ones a CSM opens from the list); the cold load shows what an account view costs when nothing is cached. Goals: at 10,000, ≥ 500 req/s with p99 ≤ 100 ms and no errors; at 100,000, p99 ≤ 500 ms; the scoring pass at 100,000 ≤ 60 s and ≤ 2 GB.

Machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB memory, ${platform()} ${release()}; Node ${process.version}; chDB ${readVersion('chdb')}, embedded; autocannon ${readVersion('autocannon')}. The CPUs are shared with other work (the load averages above); the load generator runs on the same machine and takes CPU from the server (its CPU time is in the table).
`;
}

function readVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(process.cwd(), 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

function writeSection(text: string): void {
  const file = join(process.cwd(), 'bench', 'RESULTS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf('\n## API\n');
  let rest = start < 0 ? -1 : current.indexOf('\n## ', start + 1);
  // The scoring pass at 100,000 is measured and written up separately, inside this section: it stays.
  const scoring = start < 0 ? -1 : current.indexOf('\n**The scoring pass at N = 100,000**', start);
  if (scoring >= 0 && (rest < 0 || scoring < rest)) rest = scoring;
  const next = start < 0 ? `${current.trimEnd()}\n\n${text}` : `${current.slice(0, start)}\n${text}${rest < 0 ? '' : current.slice(rest)}`;
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}

async function orchestrate(): Promise<void> {
  const sizes = values.accounts.split(',').map((n) => positiveInt('accounts', n));
  const duration = positiveInt('duration', values.duration);
  const connections = positiveInt('connections', values.connections);
  const results: Measurement[] = [];
  for (const n of sizes) {
    const result = await measure(n, duration, connections);
    if (result) results.push(result);
  }
  if (results.length === 0) return;
  const text = section(results, duration, connections);
  console.log(text);
  if (!values['no-write']) writeSection(text);
}

switch (values.phase) {
  case 'generate':
    await generate(values.dir!, positiveInt('accounts', values.accounts), values['history-days'] === undefined ? undefined : positiveInt('history-days', values['history-days']));
    break;
  case 'score':
    await score(values.dir!);
    break;
  case 'serve':
    await serve(values.dir!);
    break;
  case 'load':
    await load(values.url!, values.mode, values.pool!, positiveInt('accounts', values.accounts), positiveInt('duration', values.duration), positiveInt('connections', values.connections));
    break;
  default:
    await orchestrate();
}
