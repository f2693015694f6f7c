import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, runCli, spawnCli, tempDataDir } from '../helpers/cli.js';
import { brokersForTests, committedTotal, consumeEnv, createTestKafka, endTotal, generateMessages, produceWithKcat, waitFor } from '../helpers/kafka.js';

const brokers = await brokersForTests();

describe('usage-readiness consume: bad configuration', () => {
  it('exits 2 naming KAFKA_BROKERS when it is not set', async () => {
    const res = await runCli(['consume'], { env: { DATA_DIR: join(tempDataDir(), 'data') } });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/KAFKA_BROKERS/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 naming the variable when KAFKA_BROKERS is malformed', async () => {
    const res = await runCli(['consume'], { env: { KAFKA_BROKERS: 'no-port-here' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/KAFKA_BROKERS/);
  });

  it('exits 1 with KAFKA_UNAVAILABLE when no broker answers', async () => {
    // Port 9 (discard) on loopback: connection refused at once; the client's own retries take a few seconds.
    const res = await runCli(['consume'], { env: { DATA_DIR: join(tempDataDir(), 'data'), KAFKA_BROKERS: '127.0.0.1:9' } });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/KAFKA_UNAVAILABLE/);
    expect(res.stderr).toMatch(/127\.0\.0\.1:9/);
  });
});

describe.skipIf(!brokers)('usage-readiness consume against a real broker', () => {
  it('on SIGTERM stores and commits what it holds, then exits 0 with a JSON summary', async () => {
    const t = await createTestKafka(brokers!);
    const messages = generateMessages(400, { badEvery: 20, oversizedBytes: 70_000, seed: 9 });
    await produceWithKcat(brokers!, t.topic, messages);
    const end = await endTotal(t.kafka, t.topic);

    const child = spawnCli(['consume', '--json'], {
      ...consumeEnv(t, join(tempDataDir(), 'data')),
      // Limits that never trigger: only the shutdown flushes.
      BATCH_MAX_ROWS: '1000000',
      BATCH_MAX_WAIT_MS: '600000',
      LOG_LEVEL: 'debug',
    });

    const lastOffset = (end - 1n).toString();
    await waitFor('the consumer to receive the last message', () =>
      child.stderr().split('\n').some((l) => l.includes('"batch received"') && l.includes(`"lastOffset":"${lastOffset}"`)),
    );
    expect(await committedTotal(t.kafka, t.config.groupId, t.topic)).toBe(0n);
    child.process.kill('SIGTERM');
    const code = await child.exited;
    expect(code, child.stderr().slice(-2000)).toBe(0);

    const summary = lastJson<{ accepted: number; rejected: number; dropped: number; state: string; pending: number }>(child.stdout());
    expect(summary).toMatchObject({
      accepted: messages.filter((m) => m.event).length,
      rejected: messages.filter((m) => m.bad).length,
      dropped: messages.filter((m) => m.dropped).length,
      state: 'stopped',
      pending: 0,
    });
    expect(await committedTotal(t.kafka, t.config.groupId, t.topic)).toBe(end);
    expect(await endTotal(t.kafka, t.dlqTopic)).toBe(BigInt(messages.filter((m) => m.bad).length));
  });
});
