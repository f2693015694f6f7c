import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../schemas/index.js';

describe('configuration', () => {
  it('applies documented defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c.store).toMatchObject({ url: undefined, database: 'usage_readiness', dataDir: './data' });
    expect(c.kafka).toBeUndefined();
    expect(c.ingest).toMatchObject({ batchMaxRows: 100_000, batchMaxWaitMs: 1000 });
  });

  it('parses Kafka settings and lists', () => {
    const c = loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093', KAFKA_EVENTS_TOPIC: 'x,y', KAFKA_SSL: 'true' });
    expect(c.kafka).toMatchObject({ brokers: ['a:9092', 'b:9093'], eventsTopics: ['x', 'y'], ssl: true, sasl: undefined });
  });

  it('reads the scoring chunk size and consume\'s metrics port', () => {
    expect(loadConfig({}).scoring.chunkSize).toBe(5000);
    expect(loadConfig({}).metrics.port).toBeUndefined();
    const c = loadConfig({ SCORING_CHUNK_SIZE: '250', METRICS_PORT: '9464' });
    expect(c.scoring.chunkSize).toBe(250);
    expect(c.metrics.port).toBe(9464);
  });

  it('accepts EVENT_MIN_TIMESTAMP from 1970-01-01 on', () => {
    expect(loadConfig({ EVENT_MIN_TIMESTAMP: '1970-01-01' }).ingest.minTimestampMs).toBe(0);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ CLICKHOUSE_URL: '', KAFKA_BROKERS: '' }).kafka).toBeUndefined();
  });

  it.each([
    [{ BATCH_MAX_ROWS: 'many' }, /BATCH_MAX_ROWS/],
    [{ BATCH_MAX_ROWS: '0' }, /BATCH_MAX_ROWS/],
    [{ CLICKHOUSE_URL: 'not a url' }, /CLICKHOUSE_URL/],
    [{ CLICKHOUSE_DATABASE: 'x; DROP' }, /CLICKHOUSE_DATABASE.*identifier/],
    [{ KAFKA_BROKERS: 'localhost' }, /KAFKA_BROKERS.*host:port/],
    [{ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'plain' }, /KAFKA_SASL_USERNAME/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ SCORING_CHUNK_SIZE: '0' }, /SCORING_CHUNK_SIZE/],
    [{ METRICS_PORT: '70000' }, /METRICS_PORT/],
    [{ STORE_RETRY_INITIAL_MS: '5000', STORE_RETRY_MAX_MS: '100' }, /STORE_RETRY_MAX_MS/],
    // The daily aggregates' Date columns start at 1970-01-01: the engine turns an earlier day into one of the 22nd century (1950-05-01 became 2129-10-05).
    [{ EVENT_MIN_TIMESTAMP: '1969-12-31T23:59:59Z' }, /EVENT_MIN_TIMESTAMP.*before 1970-01-01/],
    [{ EVENT_MIN_TIMESTAMP: '2026-02-30' }, /EVENT_MIN_TIMESTAMP/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
