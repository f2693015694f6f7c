import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeStore, spawnCli, tempDataDir, type CliProcess } from '../helpers/cli.js';
import { brokersForTests, committedTotal, consumeEnv, createTestKafka, endTotal, expectedDailyActive, generateMessages, waitFor } from '../helpers/kafka.js';

const brokers = await brokersForTests();

describe.skipIf(!brokers)('kill -9 of a consume process', () => {
  it('at several points, then restart and drain: stored distinct events and daily aggregates equal the produced data', async () => {
    const t = await createTestKafka(brokers!, { partitions: 3 });
    const messages = generateMessages(3000, { seed: 91, badEvery: 50, oversizedBytes: 70_000 });
    for (let i = 0; i < messages.length; i += 250) {
      await t.kafka.sendMessages(t.topic, messages.slice(i, i + 250).map((m) => ({ key: m.key, value: m.value })));
    }
    const end = await endTotal(t.kafka, t.topic);
    const dataDir = join(tempDataDir(), 'data');
    const start = () => spawnCli(['consume', '--json'], { ...consumeEnv(t, dataDir), BATCH_MAX_ROWS: '200', BATCH_MAX_WAIT_MS: '200', LOG_LEVEL: 'debug' });
    const count = (text: string, what: string) => text.split('\n').filter((l) => l.includes(`"msg":"${what}"`)).length;
    // Kill points: as the first records arrive; after a few batches are stored; mid-stream by time.
    const killPoints: Array<(c: CliProcess) => Promise<unknown>> = [
      (c) => waitFor('first records', () => count(c.stderr(), 'batch received') > 0, { timeoutMs: 90_000 }),
      (c) => waitFor('three stored batches', () => count(c.stderr(), 'batch stored') >= 3, { timeoutMs: 90_000 }),
      async (c) => {
        await waitFor('consuming', () => count(c.stderr(), 'batch received') > 0, { timeoutMs: 90_000 });
        await new Promise((resolve) => setTimeout(resolve, 700));
      },
    ];
    for (const point of killPoints) {
      const child = start();
      await point(child);
      child.process.kill('SIGKILL');
      await child.exited;
    }
    const last = start();
    // The earlier runs may have committed everything already: wait until this process is consuming,
    // so the SIGTERM below tests its shutdown, not a process still loading its modules.
    await waitFor('last run consuming', () => count(last.stderr(), 'consuming events') > 0, { timeoutMs: 90_000 });
    await waitFor('everything committed', async () => (await committedTotal(t.kafka, t.config.groupId, t.topic)) === end, { timeoutMs: 150_000, intervalMs: 500 });
    last.process.kill('SIGTERM');
    expect(await last.exited, last.stderr().slice(-2000)).toBe(0);

    const valid = messages.filter((m) => m.event);
    const probe = await probeStore(dataDir, {
      events: 'SELECT count() AS n, uniqExact(account_id, product, event_id) AS distinct FROM usage_readiness.events FINAL',
      daily: `SELECT account_id, product, toString(day) AS day, uniqExactMerge(users) AS users FROM usage_readiness.daily_activity
              GROUP BY account_id, product, day ORDER BY account_id, product, day`,
    });
    expect(Number(probe.events[0]!.n)).toBe(valid.length);
    expect(Number(probe.events[0]!.distinct)).toBe(valid.length);
    const daily = probe.daily.map((r) => ({ account_id: r.account_id, product: r.product, day: r.day, users: Number(r.users) }));
    const expected = expectedDailyActive(messages).sort((a, b) => (a.account_id + a.product + a.day < b.account_id + b.product + b.day ? -1 : 1));
    expect(daily).toEqual(expected);
  });
});
