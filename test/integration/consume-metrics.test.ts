import { describe, expect, it } from 'vitest';
import { StoreError } from '../../schemas/errors.js';
import { readAccounts, type Store } from '../../transforms/index.js';
import { runInProcess } from '../helpers/cli.js';
import { brokersForTests, createTestKafka, waitFor } from '../helpers/kafka.js';
import { refusingStore } from '../helpers/refusing-store.js';
import { createTestStore } from '../helpers/store.js';

const brokers = await brokersForTests();

/** The real store, except that its first events insert fails as an unreachable store does (retried). */
function onceUnavailable(real: Store): Store {
  let failed = false;
  return {
    ...real,
    insertBody: async (table, columns, body, format, where) => {
      if (table === 'events' && !failed) {
        failed = true;
        throw new StoreError('insert into events failed: connect ECONNREFUSED 127.0.0.1:8123 (injected)');
      }
      await real.insertBody(table, columns, body, format, where);
    },
  };
}

const today = new Date().toISOString().slice(0, 10);
const event = (id: string) => JSON.stringify({ event_id: id, account_id: 'acc-m', user_id: 'u1', event: 'open', timestamp: `${today}T00:00:00Z`, product: 'crm' });

/** One sample of a metric, or undefined when the exposition does not have it. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.skipIf(!brokers)('consume: the ingestion metrics serve has, on METRICS_PORT', () => {
  it('counts accepted, rejected (store_rejected too) and retried inserts, and consumes account records as serve does', async () => {
    const t = await createTestKafka(brokers!);
    await t.kafka.ensureTopics([{ topic: t.config.accountsTopic, partitions: 1 }]);
    const good = Array.from({ length: 5 }, (_, i) => event(`m-${i}`));
    await t.kafka.sendMessages(t.topic, [...good, '{"not json', event('refuse-me')].map((value, i) => ({ key: `k${i}`, value: Buffer.from(value) })));
    const account = {
      account_id: 'acc-m',
      product: 'crm',
      licensed_seats: 5,
      onboarding_started_at: '2026-10-01',
      target_graduation_date: '2026-12-31',
      champion_user_ids: [],
      key_user_ids: [],
      core_features: [],
      critical_workflows: [],
    };
    await t.kafka.sendMessages(t.config.accountsTopic, [{ key: 'acc-m', value: Buffer.from(JSON.stringify(account)) }]);

    const store = onceUnavailable(refusingStore(await createTestStore(), 'refuse-me'));
    const run = runInProcess(['consume', '--json'], {
      store,
      env: {
        KAFKA_BROKERS: brokers!.join(','),
        KAFKA_EVENTS_TOPIC: t.topic,
        KAFKA_DLQ_TOPIC: t.dlqTopic,
        KAFKA_ACCOUNTS_TOPIC: t.config.accountsTopic,
        KAFKA_GROUP_ID: t.config.groupId,
        METRICS_PORT: '0',
        BATCH_MAX_WAIT_MS: '100',
        STORE_RETRY_INITIAL_MS: '20',
      },
    });
    const url = await waitFor('the metrics address', () => /metrics on (\S+)/.exec(run.stdout())?.[1], { timeoutMs: 60_000 });
    const scrape = async () => {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      return res.text();
    };
    // A fresh registry: every count below comes from this run.
    const text = await waitFor(
      'every event counted',
      async () => {
        const body = await scrape();
        return sample(body, 'usage_readiness_ingested_events_total') === good.length &&
          sample(body, 'usage_readiness_rejected_events_total{reason="store_rejected"}') === 1
          ? body
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(sample(text, 'usage_readiness_rejected_events_total{reason="invalid_json"}')).toBe(1);
    expect(sample(text, 'usage_readiness_store_errors_total')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^usage_readiness_insert_batch_rows_count [1-9]/m);
    expect(text).toMatch(new RegExp(`^usage_readiness_consumer_lag\\{topic="${t.topic}",partition="0"\\} \\d+$`, 'm'));
    expect((await fetch(url.replace(/\/metrics$/, '/other'))).status).toBe(404);

    // Account records from the accounts topic, as serve consumes them.
    await waitFor('the account record stored', async () => (await readAccounts(store)).some((a) => a.account_id === 'acc-m'), { timeoutMs: 60_000 });

    run.terminate();
    const result = await run.result;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({ accepted: good.length, rejected: 2 });
    await expect(fetch(url)).rejects.toThrow();
  });
});
