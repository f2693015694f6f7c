import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopicToEnd } from '../../ingest/index.js';
import type { FlagTransition } from '../../schemas/flags.js';
import { testLogger } from '../helpers/logger.js';
import { brokersForTests, createTestKafka, createTestTopic, waitFor, type TestKafka } from '../helpers/kafka.js';
import { EXAMPLE_DAY, WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/**
 * The service with Kafka configured, against the real broker: /readyz checks
 * Kafka, events consumed by the service show up in /metrics, and flag
 * transitions reach the flags topic alongside SSE and webhooks.
 */
const brokers = await brokersForTests();

describe.skipIf(!brokers)('service with Kafka (real broker)', () => {
  let k: TestKafka;
  let t: TestService;

  beforeAll(async () => {
    k = await createTestKafka(brokers!);
    const accountsTopic = await createTestTopic(k.kafka, 'accounts');
    const flagsTopic = await createTestTopic(k.kafka, 'flags');
    t = await startTestService({
      KAFKA_BROKERS: brokers!.join(','),
      KAFKA_CLIENT_ID: k.config.clientId,
      KAFKA_GROUP_ID: k.config.groupId,
      KAFKA_EVENTS_TOPIC: k.topic,
      KAFKA_DLQ_TOPIC: k.dlqTopic,
      KAFKA_ACCOUNTS_TOPIC: accountsTopic,
      KAFKA_FLAGS_TOPIC: flagsTopic,
      BATCH_MAX_WAIT_MS: '100',
    });
    k.config.flagsTopic = flagsTopic;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reports Kafka in /readyz and consumption in /metrics, and publishes transitions to the flags topic', async () => {
    const ready = await call(t.base, '/readyz');
    expect(ready.json).toMatchObject({ status: 'ready', checks: { store: { ok: true }, kafka: { ok: true } } });

    const events = Array.from({ length: 20 }, (_, i) => ({
      key: 'acme',
      value: Buffer.from(JSON.stringify({ event_id: `k-${i}`, account_id: 'acme', user_id: `u${i % 4}`, event: 'open', timestamp: `${EXAMPLE_DAY}T09:00:00Z`, product: 'crm' })),
    }));
    await k.kafka.sendMessages(k.topic, [...events, { key: 'acme', value: Buffer.from('{not json') }]);

    const metric = async (pattern: RegExp) => {
      const match = pattern.exec((await call(t.base, '/metrics')).text);
      return match ? Number(match[1]) : undefined;
    };
    await waitFor('ingested events in /metrics', async () => ((await metric(/^usage_readiness_ingested_events_total (\d+)/m)) ?? 0) >= 20, { timeoutMs: 60_000 });
    expect(await metric(/^usage_readiness_rejected_events_total\{reason="invalid_json"\} (\d+)/m)).toBe(1);
    expect(await metric(/^usage_readiness_insert_batch_rows_count (\d+)/m)).toBeGreaterThan(0);
    await waitFor('consumer lag 0', async () => (await metric(new RegExp(`^usage_readiness_consumer_lag\\{topic="${k.topic}",partition="0"\\} (\\d+)`, 'm'))) === 0, { timeoutMs: 30_000 });

    const res = await call(t.base, '/v1/accounts/kramerica/products/projects/assessments', {
      token: WRITE_TOKEN,
      body: { dimension: 'stakeholder', score: 9, evidence: 'sponsor engaged', assessed_by: 'Ana Souza' },
    });
    expect(res.status).toBe(201);
    const transitions = (res.json as { transitions: FlagTransition[] }).transitions;
    expect(transitions.length).toBeGreaterThan(0);
    const published: FlagTransition[] = [];
    await readTopicToEnd(k.kafka, k.config.flagsTopic, async (records) => {
      for (const r of records) published.push(JSON.parse(r.value!.toString('utf8')) as FlagTransition);
    }, { logger: testLogger });
    expect(published.map((p) => p.transition_id)).toEqual(expect.arrayContaining(transitions.map((x) => x.transition_id)));
  });
});
