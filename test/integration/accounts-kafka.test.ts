import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, headerText, startAccountsConsumer } from '../../ingest/index.js';
import { parseProducts } from '../../schemas/products.js';
import { readAccounts } from '../../transforms/index.js';
import { brokersForTests, createTestKafka, createTestTopic, readDeadLetters, suffix, waitFor } from '../helpers/kafka.js';
import { testLogger } from '../helpers/logger.js';
import { createTestStore } from '../helpers/store.js';

const brokers = await brokersForTests();

const record = (account: string, product: string, seats: number) =>
  JSON.stringify({
    account_id: account,
    product,
    licensed_seats: seats,
    onboarding_started_at: '2026-09-01',
    target_graduation_date: '2026-12-01',
    champion_user_ids: [`${account}-u01`],
    key_user_ids: [],
    core_features: ['pipeline'],
    critical_workflows: [],
  });

describe.skipIf(!brokers)('account records from the accounts topic', () => {
  it('stores valid records (a later record replaces an earlier one) and dead-letters invalid ones with the reason', async () => {
    const t = await createTestKafka(brokers!);
    const topic = await createTestTopic(t.kafka, 'accounts');
    const store = await createTestStore();
    const products = parseProducts(JSON.stringify({ products: { crm: { profile: 'daily' } } }), 'products.json');
    await t.kafka.sendMessages(topic, [
      { key: 'acme', value: record('acme', 'crm', 10) },
      { key: 'globex', value: record('globex', 'crm', 5) },
      { key: 'initech', value: record('initech', 'erp', 7) }, // product not listed
      { key: 'hooli', value: JSON.stringify({ account_id: 'hooli', product: 'crm', licensed_seats: -2 }) },
      { key: 'acme', value: record('acme', 'crm', 25) }, // replaces the first acme record
    ]);
    const consumer = startAccountsConsumer({
      kafka: t.kafka,
      store,
      products,
      logger: testLogger,
      groupId: `t-accounts-${suffix()}`,
      topic,
      dlqTopic: t.dlqTopic,
    });
    try {
      const accounts = await waitFor('accounts stored', async () => {
        const rows = await readAccounts(store);
        return rows.length === 2 && rows.find((r) => r.account_id === 'acme')?.licensed_seats === 25 ? rows : undefined;
      });
      expect(accounts.map((a) => [a.account_id, a.licensed_seats]).sort()).toEqual([
        ['acme', 25],
        ['globex', 5],
      ]);
      const dlq = await waitFor('dead letters', async () => {
        const records = await readDeadLetters(t);
        return records.length === 2 ? records : undefined;
      });
      expect(dlq.map((r) => [r.key?.toString(), headerText(r, DLQ_HEADERS.reason)])).toEqual([
        ['initech', 'schema_violation'],
        ['hooli', 'schema_violation'],
      ]);
      expect(headerText(dlq[0]!, DLQ_HEADERS.message)).toMatch(/product: is not a product listed in products\.json/);
      expect(headerText(dlq[1]!, DLQ_HEADERS.message)).toMatch(/licensed_seats/);
    } finally {
      await consumer.stop();
    }
  });
});
