import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, headerText, startOutcomesConsumer } from '../../ingest/index.js';
import { readOutcomes } from '../../transforms/index.js';
import { brokersForTests, createTestKafka, createTestTopic, readDeadLetters, suffix, waitFor } from '../helpers/kafka.js';
import { testLogger } from '../helpers/logger.js';
import { createTestStore } from '../helpers/store.js';

const brokers = await brokersForTests();

const outcome = (account: string, kind: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ account_id: account, product: 'crm', outcome: kind, outcome_at: '2026-10-01T00:00:00Z', ...extra });

describe.skipIf(!brokers)('outcomes from the outcomes topic', () => {
  it('stores valid outcomes (a later one replaces an earlier one) and dead-letters invalid ones with the reason', async () => {
    const t = await createTestKafka(brokers!);
    const topic = await createTestTopic(t.kafka, 'outcomes');
    const store = await createTestStore();
    await t.kafka.sendMessages(topic, [
      { key: 'acme', value: outcome('acme', 'renewed') },
      { key: 'globex', value: outcome('globex', 'churned', { graduated_at: '2026-06-01' }) },
      { key: 'initech', value: outcome('initech', 'renewed', { outcome_at: '2026-02-30' }) },
      { key: 'hooli', value: '{"account_id": "hooli"' },
      { key: 'acme', value: outcome('acme', 'expanded') },
    ]);
    const consumer = startOutcomesConsumer({
      kafka: t.kafka,
      store,
      logger: testLogger,
      groupId: `t-outcomes-${suffix()}`,
      topic,
      dlqTopic: t.dlqTopic,
      maxFutureSkewMs: 86_400_000,
      now: () => new Date('2026-11-20T12:00:00Z'),
    });
    try {
      const stored = await waitFor('outcomes stored', async () => {
        const rows = await readOutcomes(store);
        return rows.length === 2 && rows.find((r) => r.account_id === 'acme')?.outcome === 'expanded' ? rows : undefined;
      });
      expect(stored.map((o) => [o.account_id, o.outcome, o.graduated_at, o.source])).toEqual([
        ['acme', 'expanded', null, `kafka:${topic}`],
        ['globex', 'churned', '2026-06-01', `kafka:${topic}`],
      ]);
      const dlq = await waitFor('dead letters', async () => {
        const records = await readDeadLetters(t);
        return records.length === 2 ? records : undefined;
      });
      expect(dlq.map((r) => [r.key?.toString(), headerText(r, DLQ_HEADERS.reason)])).toEqual([
        ['initech', 'schema_violation'],
        ['hooli', 'invalid_json'],
      ]);
      expect(headerText(dlq[0]!, DLQ_HEADERS.message)).toMatch(/outcome_at: 2026-02-30 is not a real calendar day/);
    } finally {
      await consumer.stop();
    }
  });
});
