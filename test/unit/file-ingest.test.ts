import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ingestFile, type DlqFileEntry } from '../../ingest/index.js';
import { dailyActiveUsers, eventCount, rejectionCounts, type Store } from '../../transforms/index.js';
import { testLogger } from '../helpers/logger.js';
import { refusingStore } from '../helpers/refusing-store.js';
import { createTestStore } from '../helpers/store.js';

const config = { batchMaxRows: 3, batchMaxWaitMs: 60_000, maxEventBytes: 512, maxFutureSkewMs: 86_400_000, minTimestampMs: Date.UTC(2000, 0, 1), lagLogIntervalMs: 60_000, retryInitialMs: 1, retryMaxMs: 2 };
const parse = { maxBytes: 512, maxFutureSkewMs: 86_400_000, minTimestampMs: Date.UTC(2000, 0, 1), defaultProduct: '' };

function ev(id: string, user: string, day: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ event_id: id, account_id: 'acme', user_id: user, event: 'open', timestamp: `${day}T10:00:00Z`, product: 'crm', ...extra });
}

function writeInput(lines: Array<string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ur-ingest-'));
  const path = join(dir, 'events.ndjson');
  writeFileSync(path, Buffer.concat(lines.map((l) => Buffer.concat([Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\n')]))));
  return path;
}

async function run(store: Store, path: string, dlqPath?: string) {
  return ingestFile({ path, dlqPath, store, config, parse, logger: testLogger });
}

describe('ingest --file into the embedded store', () => {
  it('stores valid lines, reports and dead-letters the rest with line and reason', async () => {
    const store = await createTestStore();
    const input = writeInput([
      ev('1', 'u1', '2026-01-05'),
      ev('2', 'u2', '2026-01-05'),
      'not json',
      ev('3', 'u1', '2026-01-05'),
      Buffer.from([0x7b, 0xff, 0x7d]),
      '',
      ev('4', 'u3', '2026-01-06'),
      JSON.stringify({ event_id: '5' }),
      ev('6', 'u1', '2026-01-06', { properties: { pad: 'x'.repeat(600) } }),
    ]);
    const dlq = join(mkdtempSync(join(tmpdir(), 'ur-dlq-')), 'dlq.ndjson');
    const summary = await run(store, input, dlq);
    expect(summary).toMatchObject({ received: 8, accepted: 4, rejected: 4, dropped: 0 });
    expect(summary.rejectedByReason).toEqual({ invalid_json: 1, invalid_utf8: 1, schema_violation: 1, oversized: 1 });

    const entries = readFileSync(dlq, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DlqFileEntry);
    expect(entries.map((e) => [e.line, e.reason])).toEqual([
      [3, 'invalid_json'],
      [5, 'invalid_utf8'],
      [8, 'schema_violation'],
      [9, 'oversized'],
    ]);
    expect(entries[0]!.text).toBe('not json');
    expect(Buffer.from(entries[1]!.bytes_base64!, 'base64')).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));

    expect(await eventCount(store)).toBe(4);
    expect(await dailyActiveUsers(store, { from: '2026-01-01', to: '2026-01-31' })).toEqual([
      { account_id: 'acme', product: 'crm', day: '2026-01-05', users: 2 },
      { account_id: 'acme', product: 'crm', day: '2026-01-06', users: 1 },
    ]);
    const counts = await rejectionCounts(store);
    expect(Object.fromEntries(counts.map((c) => [c.reason, c.count]))).toEqual({ invalid_json: 1, invalid_utf8: 1, schema_violation: 1, oversized: 1 });
  });

  it('a row the store refuses as a statement error is dead-lettered as store_rejected; the rest of its batch is stored', async () => {
    const store = refusingStore(await createTestStore(), 'bad-row');
    const input = writeInput([ev('1', 'u1', '2026-01-05'), ev('2', 'u2', '2026-01-05'), ev('bad-row', 'u3', '2026-01-05'), ev('4', 'u4', '2026-01-06')]);
    const dlq = join(mkdtempSync(join(tmpdir(), 'ur-dlq-')), 'dlq.ndjson');
    const summary = await run(store, input, dlq);
    expect(summary).toMatchObject({ received: 4, accepted: 3, rejected: 1, rejectedByReason: { store_rejected: 1 } });
    expect(store.refusals()).toBeGreaterThan(0);
    expect(await eventCount(store)).toBe(3);
    const entries = readFileSync(dlq, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DlqFileEntry);
    expect(entries).toMatchObject([{ line: 3, reason: 'store_rejected', message: expect.stringMatching(/Cannot parse input/) as unknown }]);
    expect(entries[0]!.text).toBe(ev('bad-row', 'u3', '2026-01-05'));
    const counts = await rejectionCounts(store);
    expect(counts.map((c) => [c.reason, c.count])).toEqual([['store_rejected', 1]]);
  });

  it('running the same file twice changes no aggregate', async () => {
    const store = await createTestStore();
    const lines = [];
    for (let i = 0; i < 50; i++) lines.push(ev(`e${i}`, `u${i % 7}`, `2026-02-${String(1 + (i % 5)).padStart(2, '0')}`, { feature: `f${i % 3}`, workflow: 'w', status: i % 4 === 0 ? 'failed' : 'ok' }));
    const input = writeInput(lines);
    await run(store, input);
    const snapshot = async () => ({
      dau: await dailyActiveUsers(store, { from: '2026-02-01', to: '2026-02-28' }),
      features: await store.query(`SELECT feature, day, uniqExactMerge(users) AS u, uniqExactMerge(events) AS e FROM {db}.daily_feature_usage GROUP BY feature, day ORDER BY feature, day`),
      runs: await store.query(`SELECT workflow, day, uniqExactMerge(runs) AS r, uniqExactIfMerge(successes) AS s FROM {db}.daily_workflow_runs GROUP BY workflow, day ORDER BY day`),
      users: await store.query(`SELECT user_id, day, uniqExactMerge(events) AS e FROM {db}.daily_user_activity GROUP BY user_id, day ORDER BY user_id, day`),
      events: await eventCount(store),
    });
    const first = await snapshot();
    await run(store, input);
    expect(await snapshot()).toEqual(first);
    expect(first.events).toBe(50);
    expect(first.dau.reduce((n, d) => n + d.users, 0)).toBe(35);
  });

  it('counts different rejected input at the same place separately, and the same input once', async () => {
    const store = await createTestStore();
    const viaStdin = (text: string) =>
      ingestFile({ path: '-', stdin: Readable.from([Buffer.from(text)]), store, config, parse, logger: testLogger });
    await viaStdin(`${ev('s1', 'u1', '2026-01-05')}\nbroken one\n`);
    await viaStdin(`${ev('s2', 'u1', '2026-01-05')}\nbroken two\n`);
    await viaStdin(`${ev('s2', 'u1', '2026-01-05')}\nbroken two\n`); // the same input again
    const counts = await rejectionCounts(store);
    expect(counts).toEqual([expect.objectContaining({ reason: 'invalid_json', source: 'stdin', count: 2 })]);
  });

  it('stores a part-filled batch from a slow stream once BATCH_MAX_WAIT_MS has passed, before the stream ends', async () => {
    const store = await createTestStore();
    const input = new PassThrough();
    const done = ingestFile({ path: '-', stdin: input, store, config: { ...config, batchMaxRows: 1000, batchMaxWaitMs: 100 }, parse, logger: testLogger });
    input.write(`${ev('slow-1', 'u1', '2026-01-05')}\n${ev('slow-2', 'u2', '2026-01-05')}\n`);
    const deadline = Date.now() + 5_000;
    while ((await eventCount(store)) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await eventCount(store)).toBe(2);
    input.end(`${ev('slow-3', 'u3', '2026-01-05')}\n`);
    expect(await done).toMatchObject({ accepted: 3 });
    expect(await eventCount(store)).toBe(3);
  });

  it('fills every batch to BATCH_MAX_ROWS while lines keep coming, however long validating them takes', async () => {
    const store = await createTestStore();
    const lines = Array.from({ length: 3000 }, (_, i) => ev(`fill-${i}`, `u${i % 7}`, '2026-01-05'));
    const path = writeInput(lines);
    // A 1 ms age limit that validating 3,000 lines outlasts many times over.
    const summary = await ingestFile({ path, store, config: { ...config, batchMaxRows: 1000, batchMaxWaitMs: 1 }, parse, logger: testLogger });
    expect(summary).toMatchObject({ accepted: 3000, batches: 3 });
    expect(await eventCount(store)).toBe(3000);
  });

  it('names a missing input file', async () => {
    const store = await createTestStore();
    await expect(run(store, '/nonexistent/events.ndjson')).rejects.toThrow(/input file \/nonexistent\/events.ndjson cannot be read/);
  });
});
