/**
 * Ingestion benchmark: one set of generated events (native and Segment track forms,
 * 53 accounts keyed over the partitions, so several accounts per partition), in one run:
 *   (a) consume only: a group consumer reading the topic, no parsing;
 *   (b) the engine alone: chDB's own INSERT ... SELECT of the same events from the NDJSON
 *       file into the same tables and materialized views, both input forms mapped in SQL;
 *   (c) the full Kafka pipeline: a `usage-readiness consume` process draining the backlog
 *       (clock from its first commit to the last, so startup and group join are not counted);
 *       its peak RSS (VmHWM) is read from /proc;
 *   (d) `usage-readiness ingest --file` of the same file, as a whole process (startup included).
 * Then checks that (c) and (d) stored the same daily aggregates as (b), and measures
 * validation alone (parseEventBytes on one core). Prints events/s, (c)/(b) and (d)/(b), and
 * writes the "Ingestion" section of bench/RESULTS.md.
 *
 * Every store is its own process's data directory (chDB binds one per process), so the
 * engine-alone insert and the aggregate reads run in child processes of this script.
 *
 *   npm run build && KAFKA_BROKERS=127.0.0.1:9092 npm run bench:ingest [-- --events 2000000 --partitions 4 --batch-rows 100000 --no-write]
 * (2,000,000 events and 100,000-row batches, the service's default, unless given.)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, openSync, readSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createKafkaClient, eventParseOptions, type ConsumedRecord, type KafkaClient } from '../ingest/index.js';
import { loadConfig, type KafkaConfig } from '../schemas/config.js';
import { parseEventBytes } from '../schemas/event.js';
import { migrate, openStore, type Store } from '../transforms/index.js';

const { values } = parseArgs({
  options: {
    // A backlog large enough that peak memory shows the batch settings, not start-up.
    events: { type: 'string', default: process.env.BENCH_EVENTS ?? '2000000' },
    partitions: { type: 'string', default: '4' },
    'batch-rows': { type: 'string', default: '100000' },
    'no-write': { type: 'boolean', default: false },
    /** Internal: run one step in this (child) process against a data directory. */
    role: { type: 'string' },
    dir: { type: 'string' },
    file: { type: 'string' },
  },
});

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'usage-readiness.js');
const log = (message: string) => console.error(`[bench] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * (b): the engine maps both wire forms itself. The same normalisation as schemas/event.ts:
 * Segment when `messageId` is present, account from context.groupId or properties.account_id,
 * run statuses folded to success/failure, timestamps as ISO text or epoch milliseconds.
 */
const ENGINE_INSERT = `INSERT INTO {db}.events (event_id, account_id, product, user_id, event, timestamp, feature, workflow, status, properties, source)
SELECT
  trim(if(seg, messageId, event_id)),
  trim(if(seg, if(JSONHas(context, 'groupId'), JSONExtractString(context, 'groupId'), JSONExtractString(properties, 'account_id')), account_id)),
  trim(if(seg, JSONExtractString(properties, 'product'), product)),
  trim(if(seg, userId, user_id)),
  trim(event),
  if(match(timestamp, '^-?[0-9]+$'), fromUnixTimestamp64Milli(toInt64(timestamp), 'UTC'), parseDateTime64BestEffort(timestamp, 3, 'UTC')),
  trim(if(seg, JSONExtractString(properties, 'feature'), feature)),
  trim(if(seg, JSONExtractString(properties, 'workflow'), workflow)),
  multiIf(lower(trim(raw_status)) IN ('success', 'succeeded', 'ok', 'completed', 'complete', 'passed', 'done'), 'success',
          lower(trim(raw_status)) IN ('failure', 'failed', 'error', 'errored', 'fail', 'cancelled', 'canceled', 'timeout'), 'failure', ''),
  if(properties = '', '{}', properties),
  'bench'
FROM (
  SELECT *, messageId != '' AS seg, if(seg, JSONExtractString(properties, 'status'), status) AS raw_status
  FROM file({path:String}, JSONEachRow,
    'event_id String, messageId String, account_id String, user_id String, userId String, event String, timestamp String,
     product String, feature String, workflow String, status String, context String, properties String')
)
SETTINGS input_format_json_read_numbers_as_strings = 1, input_format_json_read_objects_as_strings = 1, input_format_skip_unknown_fields = 1`;

/** One digest per daily aggregate table: rows, summed counts, and an order-free hash of every row. */
const DIGEST = {
  daily_activity:
    'SELECT count() AS rows, sum(u) AS users, sum(e) AS events, groupBitXor(cityHash64(account_id, product, day, u, e)) AS hash FROM (SELECT account_id, product, day, uniqExactMerge(users) AS u, uniqExactMerge(events) AS e FROM {db}.daily_activity GROUP BY account_id, product, day)',
  daily_user_activity:
    'SELECT count() AS rows, sum(e) AS events, groupBitXor(cityHash64(account_id, product, user_id, day, e)) AS hash FROM (SELECT account_id, product, user_id, day, uniqExactMerge(events) AS e FROM {db}.daily_user_activity GROUP BY account_id, product, user_id, day)',
  daily_feature_usage:
    'SELECT count() AS rows, sum(e) AS events, groupBitXor(cityHash64(account_id, product, feature, day, u, e)) AS hash FROM (SELECT account_id, product, feature, day, uniqExactMerge(users) AS u, uniqExactMerge(events) AS e FROM {db}.daily_feature_usage GROUP BY account_id, product, feature, day)',
  daily_workflow_runs:
    'SELECT count() AS rows, sum(r) AS runs, sum(s) AS successes, groupBitXor(cityHash64(account_id, product, workflow, day, r, s, u)) AS hash FROM (SELECT account_id, product, workflow, day, uniqExactMerge(runs) AS r, uniqExactIfMerge(successes) AS s, uniqExactMerge(users) AS u FROM {db}.daily_workflow_runs GROUP BY account_id, product, workflow, day)',
  events: 'SELECT count() AS rows, uniqExact(account_id, product, event_id) AS distinct FROM {db}.events',
};

async function openDir(dir: string): Promise<Store> {
  return openStore(loadConfig({ DATA_DIR: dir }).store);
}

/** Child roles: each opens one data directory, prints one JSON line. */
async function role(name: string, dir: string): Promise<void> {
  const store = await openDir(dir);
  try {
    if (name === 'engine') {
      await migrate(store);
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      await store.command(ENGINE_INSERT, { path: values.file! });
      const cpu = process.cpuUsage(cpuBefore);
      console.log(JSON.stringify({ ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 }));
    } else if (name === 'digest') {
      const out: Record<string, unknown> = {};
      for (const [table, sql] of Object.entries(DIGEST)) out[table] = (await store.query(sql))[0];
      console.log(JSON.stringify(out));
    } else {
      throw new Error(`unknown role ${name}`);
    }
  } finally {
    await store.close();
  }
}

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident set (VmHWM) in KiB, read just before the process ended. */
  peakKiB: number;
  /** CPU time of all its threads (user + system), sampled every 200 ms until it ended. */
  cpuMs: number;
}

/** User + system CPU time of a process, all threads, from /proc (clock ticks of 10 ms). */
function readCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function readPeakKiB(pid: number | undefined): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Runs a child process; `until` (when given) decides when to send SIGTERM. */
function run(args: string[], env: Record<string, string>, until?: () => Promise<boolean>): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKiB = 0;
    let cpuMs = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    const sampler = setInterval(() => {
      peakKiB = Math.max(peakKiB, readPeakKiB(child.pid));
      cpuMs = Math.max(cpuMs, readCpuMs(child.pid));
    }, 200);
    child.on('close', (code) => {
      clearInterval(sampler);
      resolve({ code, stdout, stderr, peakKiB, cpuMs });
    });
    if (until) {
      void (async () => {
        while (child.exitCode === null && !(await until())) await sleep(200);
        peakKiB = Math.max(peakKiB, readPeakKiB(child.pid));
        cpuMs = Math.max(cpuMs, readCpuMs(child.pid));
        child.kill('SIGTERM');
      })().catch(reject);
    }
  });
}

async function childRole(name: string, dir: string, extra: string[] = []): Promise<Record<string, unknown>> {
  const res = await run(['--import', 'tsx', join(ROOT, 'bench', 'ingest.ts'), '--role', name, '--dir', dir, ...extra], {});
  if (res.code !== 0) throw new Error(`bench role ${name} exited ${res.code}: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** Native and Segment track payloads, ~50 accounts, 90 days; event i is the same in every run of one id. */
function payload(i: number, id: string, now: number): string {
  const account = `acct-${i % 53}`;
  const user = `${account}-u${(i * 7) % 40}`;
  const ts = now - ((i * 9973) % (90 * 86_400_000));
  const product = i % 3 === 0 ? 'analytics' : 'crm';
  return JSON.stringify(
    i % 2 === 0
      ? {
          event_id: `${id}-${i}`,
          account_id: account,
          user_id: user,
          event: 'record.updated',
          timestamp: new Date(ts).toISOString(),
          product,
          feature: ['pipeline', 'contacts', 'reports', 'export'][i % 4],
          properties: { plan: 'pro', client: 'web', duration_ms: i % 5000 },
        }
      : {
          type: 'track',
          messageId: `${id}-${i}`,
          userId: user,
          event: 'Workflow Run',
          timestamp: ts,
          context: { groupId: account, library: { name: 'analytics.js', version: '4.1.0' } },
          properties: { product, workflow: 'nightly-sync', status: i % 10 === 0 ? 'failed' : 'succeeded' },
        },
  );
}

/** Produces the events and writes the same bytes, one per line, to `file`; never holds them all. */
async function produceAndWrite(kafka: KafkaClient, topic: string, file: string, total: number, id: string): Promise<{ ms: number; bytes: number }> {
  const now = Date.now() - 60_000;
  const out = createWriteStream(file);
  const started = performance.now();
  const chunk = 5_000;
  let bytes = 0;
  for (let i = 0; i < total; i += chunk * 4) {
    const sends: Promise<void>[] = [];
    for (let j = i; j < Math.min(total, i + chunk * 4); j += chunk) {
      const lines: string[] = [];
      for (let k = j; k < Math.min(total, j + chunk); k++) lines.push(payload(k, id, now));
      const text = `${lines.join('\n')}\n`;
      bytes += Buffer.byteLength(text) - lines.length;
      if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
      sends.push(kafka.sendMessages(topic, lines.map((value, k) => ({ key: `acct-${(j + k) % 53}`, value }))));
    }
    await Promise.all(sends);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { ms: performance.now() - started, bytes };
}

/** (a) Records read through the group consumer; the clock runs from the first record to the last. */
async function consumeOnly(kafka: KafkaClient, topic: string, total: number, groupId: string): Promise<number> {
  const consumer = kafka.groupConsumer({ groupId, topics: [topic], fromBeginning: true, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 });
  let seen = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.start(async (batch) => {
    if (first === 0) first = performance.now();
    let bytes = 0;
    for (const r of batch.records as ConsumedRecord[]) bytes += r.value?.byteLength ?? 0;
    if (bytes < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
    seen += batch.records.length;
    if (seen >= total) {
      last = performance.now();
      done();
    }
  });
  await finished;
  await consumer.stop();
  await kafka.deleteGroups([groupId]).catch(() => undefined);
  return last - first;
}

async function committed(kafka: KafkaClient, groupId: string, topic: string): Promise<number> {
  const offsets = await kafka.groupOffsets(groupId, topic);
  return offsets.reduce((sum, o) => sum + Math.max(0, Number(o.offset)), 0);
}

/** The first `n` lines of a file, without reading all of it. */
function firstLines(path: string, n: number): string[] {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(n * 1024);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8').split('\n').slice(0, n).filter((l) => l.length > 0);
  } finally {
    closeSync(fd);
  }
}

function kafkaVersion(): string {
  const lib = join(ROOT, '.cache', 'kafka', 'lib');
  if (!existsSync(lib)) return process.env.BENCH_KAFKA_VERSION ?? 'unknown';
  const jar = readdirSync(lib).find((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  return jar ? jar.replace(/^kafka_2\.13-(.*)\.jar$/, '$1') : 'unknown';
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const EVENTS = Number(values.events);
  const PARTITIONS = Number(values.partitions);
  const BATCH_ROWS = Number(values['batch-rows']);
  if (![EVENTS, PARTITIONS, BATCH_ROWS].every((n) => Number.isInteger(n) && n > 0)) {
    console.error('--events, --partitions and --batch-rows must be positive integers');
    process.exit(2);
  }
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    console.error('bench:ingest runs the built CLI: run `npm run build` first');
    process.exit(2);
  }
  const env = loadConfig({ ...process.env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' });
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const id = randomBytes(4).toString('hex');
  const kafkaConfig: KafkaConfig = { ...env.kafka!, clientId: `bench-${id}`, groupId: `bench-${id}`, eventsTopics: [`bench-events-${id}`], dlqTopic: `bench-dlq-${id}` };
  const topic = kafkaConfig.eventsTopics[0]!;
  const kafka = createKafkaClient(kafkaConfig, logger);
  const work = join(ROOT, '.cache', 'bench', `ingest-${id}`);
  mkdirSync(work, { recursive: true });
  const file = join(work, 'events.ndjson');
  const processEnv = (dir: string): Record<string, string> => ({
    DATA_DIR: dir,
    BATCH_MAX_ROWS: String(BATCH_ROWS),
    BATCH_MAX_WAIT_MS: '1000',
    KAFKA_BROKERS: kafkaConfig.brokers.join(','),
    KAFKA_CLIENT_ID: `bench-${id}`,
    KAFKA_GROUP_ID: `bench-pipeline-${id}`,
    KAFKA_EVENTS_TOPIC: topic,
    KAFKA_DLQ_TOPIC: kafkaConfig.dlqTopic,
  });
  try {
    await kafka.ensureTopics([
      { topic, partitions: PARTITIONS },
      { topic: kafkaConfig.dlqTopic, partitions: 1 },
    ]);
    log(`producing ${fmt(EVENTS)} events to ${topic} (${PARTITIONS} partitions) and ${file}`);
    const produced = await produceAndWrite(kafka, topic, file, EVENTS, id);
    log(`produced in ${Math.round(produced.ms)} ms`);

    // Validation alone, on one core, over the first 200,000 lines of the file.
    const sample = firstLines(file, Math.min(EVENTS, 200_000)).map((l) => Buffer.from(l));
    const parse = eventParseOptions(env.ingest, '');
    const validateStarted = performance.now();
    for (const m of sample) if (parseEventBytes(m, parse).kind !== 'ok') throw new Error(`generated event rejected: ${m.toString()}`);
    const validate = rate(sample.length, performance.now() - validateStarted);
    log(`validation alone: ${fmt(validate)}/s`);

    const a = rate(EVENTS, await consumeOnly(kafka, topic, EVENTS, `bench-raw-${id}`));
    log(`(a) consume only: ${fmt(a)}/s`);

    const engineDir = join(work, 'engine');
    const engine = await childRole('engine', engineDir, ['--file', file]);
    const b = rate(EVENTS, engine.ms as number);
    log(`(b) engine alone: ${fmt(b)}/s, CPU ${fmt(Math.round(engine.cpuMs as number))} ms`);

    // (c): a consume process drains the backlog; the clock runs from its first commit to the last.
    const pipelineDir = join(work, 'pipeline');
    const groupId = `bench-pipeline-${id}`;
    let t0 = 0;
    let n0 = 0;
    let t1 = 0;
    const consumeRun = await run([BIN, 'consume'], processEnv(pipelineDir), async () => {
      const n = await committed(kafka, groupId, topic).catch(() => 0);
      if (n > 0 && t0 === 0) {
        t0 = performance.now();
        n0 = n;
      }
      if (n >= EVENTS) {
        t1 = performance.now();
        return true;
      }
      return false;
    });
    if (t1 === 0) throw new Error(`consume exited ${consumeRun.code} before draining: ${consumeRun.stderr}`);
    const c = rate(EVENTS - n0, t1 - t0);
    log(`(c) pipeline: ${fmt(c)}/s, peak RSS ${fmt(Math.round(consumeRun.peakKiB / 1024))} MiB, CPU ${fmt(consumeRun.cpuMs)} ms`);

    const fileDir = join(work, 'file');
    const fileStarted = performance.now();
    const fileRun = await run([BIN, 'ingest', '--file', file, '--json'], processEnv(fileDir));
    const fileMs = performance.now() - fileStarted;
    if (fileRun.code !== 0) throw new Error(`ingest --file exited ${fileRun.code}: ${fileRun.stderr}`);
    const d = rate(EVENTS, fileMs);
    log(`(d) ingest --file: ${fmt(d)}/s, peak RSS ${fmt(Math.round(fileRun.peakKiB / 1024))} MiB, CPU ${fmt(fileRun.cpuMs)} ms`);

    const [db, dc, dd] = [await childRole('digest', engineDir), await childRole('digest', pipelineDir), await childRole('digest', fileDir)];
    const same = JSON.stringify(db) === JSON.stringify(dc) && JSON.stringify(db) === JSON.stringify(dd);
    const stored = (db.events as { distinct: number | string }).distinct;
    if (Number(stored) !== EVENTS) throw new Error(`(b) stored ${stored} of ${EVENTS} events`);
    if (!same) throw new Error(`daily aggregates differ:\n(b) ${JSON.stringify(db)}\n(c) ${JSON.stringify(dc)}\n(d) ${JSON.stringify(dd)}`);
    log('(b), (c) and (d) stored the same events and the same daily aggregates');

    const pct = (x: number) => `${Math.round((x / b) * 100)}%`;
    const perEvent = (ms: number) => ((ms * 1000) / EVENTS).toFixed(1);
    const cpu = existsSync('/proc/cpuinfo') ? (/^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model) : cpus()[0]?.model;
    const digest = db.daily_activity as { rows: number | string };
    const section = [
      '## Ingestion',
      '',
      `\`npm run bench:ingest -- --events ${EVENTS} --partitions ${PARTITIONS} --batch-rows ${BATCH_ROWS}\`, run ${new Date().toISOString().slice(0, 10)}.`,
      `${fmt(EVENTS)} generated events (native and Segment track forms, ${Math.round(produced.bytes / EVENTS)} bytes each on average, 53 accounts`,
      `keyed over ${PARTITIONS} partitions), produced once to a fresh topic and written once to an NDJSON file; every measurement reads those.`,
      '',
      '| measurement | events/s | vs (b) |',
      '|---|---:|---:|',
      `| (a) consume only (group consumer, no parsing) | ${fmt(a)} | ${pct(a)} |`,
      `| (b) the engine alone: chDB \`INSERT … SELECT\` from the NDJSON file, both forms mapped in SQL, same tables and views | ${fmt(b)} | 100% |`,
      `| (c) full Kafka pipeline: a \`consume\` process (validate, insert, commit) draining the backlog, first to last commit | ${fmt(c)} | **${pct(c)}** |`,
      `| (d) \`ingest --file\` of the same file, whole process (startup and migrations included) | ${fmt(d)} | **${pct(d)}** |`,
      `| validation alone (parseEventBytes, one core, ${fmt(sample.length)} events) | ${fmt(validate)} | ${pct(validate)} |`,
      '',
      `CPU time, all threads (user + system), per event: (b) ${perEvent(engine.cpuMs as number)} µs (the statement alone); ` +
        `(c) ${perEvent(consumeRun.cpuMs)} µs (the whole process, start-up and group join included); (d) ${perEvent(fileRun.cpuMs)} µs (the whole process). ` +
        `The machine has ${availableParallelism()} CPUs: at most ${availableParallelism()} s of CPU time per second.`,
      '',
      `Peak RSS of (c) while draining the ${fmt(EVENTS)}-event backlog: ${fmt(Math.round(consumeRun.peakKiB / 1024))} MiB ` +
        `(BATCH_MAX_ROWS=${BATCH_ROWS}); of (d): ${fmt(Math.round(fileRun.peakKiB / 1024))} MiB.`,
      `Goal (c) and (d) each at least 70% of (b): ${c >= 0.7 * b && d >= 0.7 * b ? 'met' : 'not met'} in this run ((c) ${pct(c)}, (d) ${pct(d)}).`,
      `(b), (c) and (d) stored the same ${fmt(EVENTS)} distinct events and identical daily aggregates (all four tables, ${fmt(Number(digest.rows))} account-product-days; checked by the benchmark).`,
      '',
      `Machine: \`nproc\` ${availableParallelism()}, ${cpu ?? 'unknown CPU'}, ${Math.round(totalmem() / 1024 ** 3)} GiB RAM; Node ${process.version}; ` +
        `Apache Kafka ${kafkaVersion()} (single KRaft node on the same machine); kafkajs ${packageVersion('kafkajs')}; chDB ${packageVersion('chdb')}. ` +
        'The broker, the processes measured and other work share the machine, so compare the ratios of one run, not absolute figures.',
      '',
    ].join('\n');
    console.log(section);
    if (!values['no-write']) {
      const path = new URL('./RESULTS.md', import.meta.url);
      const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
      // Replace only this section; other sections are left as they are.
      const pattern = /## Ingestion\n[\s\S]*?(?=\n## |$)/;
      const next = pattern.test(current) ? current.replace(pattern, section.trimEnd() + '\n') : `${current.trimEnd()}\n\n${section}`;
      writeFileSync(path, next);
      log('wrote the Ingestion section of bench/RESULTS.md');
    }
  } finally {
    await kafka.deleteGroups([`bench-pipeline-${id}`]).catch(() => undefined);
    await kafka.deleteTopics([topic, kafkaConfig.dlqTopic]).catch(() => undefined);
    await kafka.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (values.role) await role(values.role, values.dir!);
else await main();
