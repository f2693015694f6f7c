import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, probeStore, runCli, tempDataDir } from '../helpers/cli.js';
import { brokersForTests, committedTotal, createTestKafka, endTotal, generateMessages, waitFor } from '../helpers/kafka.js';
import { READ_TOKEN, call, freePort } from '../helpers/service.js';

/**
 * The embedded engine's inline-data inserts read the process's stdin when it is a
 * pipe: they either fail or add stdin's bytes as rows. These tests run the real
 * processes with stdin a pipe that still holds bytes while inserts happen, and
 * check that every insert succeeds, stores exactly what was accepted, and that
 * nothing from stdin other than the input itself reaches any table.
 */

const BIN = join(process.cwd(), 'bin', 'usage-readiness.js');

/** One JSON line every table would accept as a row (unknown fields are skipped by the engine's parser). */
const MARKER = JSON.stringify({
  event_id: 'stdin-marker',
  account_id: 'stdin-marker',
  product: 'crm',
  user_id: 'stdin-marker',
  event: 'open',
  timestamp: '2026-01-05 10:00:00.000',
  source: 'stdin-marker',
  licensed_seats: 1,
  account_name: 'stdin-marker',
  as_of: '2026-01-05',
  assessment_id: 'stdin-marker',
});

const markerQueries = {
  events: "SELECT count() AS n FROM {db}.events WHERE account_id = 'stdin-marker' OR source = 'stdin-marker'",
  accounts: "SELECT count() AS n FROM {db}.accounts WHERE account_id = 'stdin-marker'",
  assessments: "SELECT count() AS n FROM {db}.assessments WHERE account_id = 'stdin-marker'",
  snapshots: "SELECT count() AS n FROM {db}.readiness_snapshots WHERE account_id = 'stdin-marker'",
};

/** UInt64 results arrive as numbers or strings depending on the engine's output settings. */
const numbers = (row: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));

const event = (i: number) =>
  JSON.stringify({
    event_id: `e-${i}`,
    account_id: `acme-${i % 3}`,
    user_id: `u-${i % 17}`,
    event: 'open',
    timestamp: `2026-01-0${1 + (i % 5)}T10:00:00Z`,
    product: 'crm',
    properties: { n: i, text: 'x'.repeat(40) },
  });

describe('inserts never read the process stdin', () => {
  it('ingest --file - stores exactly the accepted lines while stdin still holds unread bytes', async () => {
    const dir = tempDataDir();
    const dataDir = join(dir, 'data');
    const n = 4000;
    const lines = Array.from({ length: n }, (_, i) => event(i));
    // Small batches: many inserts run while most of the input is still in the pipe.
    const res = await runCli(['ingest', '--file', '-', '--json'], {
      env: { DATA_DIR: dataDir, BATCH_MAX_ROWS: '150' },
      input: `${lines.join('\n')}\n${MARKER}\n`,
    });
    expect(res.code, res.stderr).toBe(0);
    // The marker line is read by ingest itself (as an event of account stdin-marker) and stored once;
    // had the engine read stdin, lines would be missing from what ingest saw, or stored twice.
    expect(lastJson(res.stdout)).toMatchObject({ accepted: n + 1, rejected: 0, source: 'stdin' });
    const stored = await probeStore(dataDir, {
      rows: 'SELECT count() AS n, uniqExact(event_id) AS ids FROM {db}.events',
      marker: markerQueries.events,
    });
    expect(numbers(stored.rows[0])).toEqual({ n: n + 1, ids: n + 1 });
    expect(numbers(stored.marker[0])).toEqual({ n: 1 });
  });

  it('serve started under a pipe that carries bytes loads, ingests from Kafka and stores nothing from stdin', async () => {
    const brokers = await brokersForTests();
    const port = await freePort();
    const dataDir = join(tempDataDir(), 'data');
    const kafka = brokers ? await createTestKafka(brokers, { partitions: 2 }) : undefined;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      PORT: String(port),
      API_TOKENS: `${READ_TOKEN}:read`,
      DEMO_DATA: 'always',
      DEMO_BACKFILL_DAYS: '3',
      BATCH_MAX_ROWS: '100',
      BATCH_MAX_WAIT_MS: '200',
      LOG_LEVEL: 'info',
    };
    if (kafka) {
      Object.assign(env, {
        KAFKA_BROKERS: brokers!.join(','),
        KAFKA_CLIENT_ID: kafka.config.clientId,
        KAFKA_GROUP_ID: kafka.config.groupId,
        KAFKA_EVENTS_TOPIC: kafka.topic,
        KAFKA_DLQ_TOPIC: kafka.dlqTopic,
        KAFKA_ACCOUNTS_TOPIC: kafka.config.accountsTopic,
        KAFKA_FLAGS_TOPIC: kafka.config.flagsTopic,
      });
    }
    const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    // Bytes waiting in the pipe for the whole life of the process, and the pipe never closed.
    child.stdin.write(`${MARKER}\n`.repeat(200));
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    const produced = kafka ? generateMessages(600, { idPrefix: 'piped' }) : [];
    try {
      await waitFor('the service to be ready', () => call(base, '/readyz').then((r) => r.status === 200, () => false), {
        timeoutMs: 120_000,
        intervalMs: 250,
      });
      expect(stderr).toMatch(/example data loaded and scored/);
      if (kafka) {
        await kafka.kafka.sendMessages(
          kafka.topic,
          produced.map((m) => ({ key: m.key, value: m.value })),
        );
        const end = await endTotal(kafka.kafka, kafka.topic);
        await waitFor('the Kafka events to be stored and committed', async () => (await committedTotal(kafka.kafka, kafka.config.groupId, kafka.topic)) >= end, {
          timeoutMs: 90_000,
          intervalMs: 250,
        });
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    expect(stderr).not.toMatch(/inlined and external data/);
    const stored = await probeStore(dataDir, {
      ...markerQueries,
      kafka: "SELECT count() AS n, uniqExact(event_id) AS ids FROM {db}.events WHERE startsWith(event_id, 'piped-')",
    });
    for (const table of Object.keys(markerQueries) as (keyof typeof markerQueries)[]) expect(numbers(stored[table][0]), table).toEqual({ n: 0 });
    const valid = produced.filter((m) => m.event).length;
    expect(numbers(stored.kafka[0])).toEqual({ n: valid, ids: valid });
  });
});
