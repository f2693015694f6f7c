import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Every setting the service reads, parsed once at start from the environment.
 * Each field documents its default; the README's configuration table mirrors
 * this file. Nothing below `cli/` reads `process.env`.
 */

const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)');

const csv = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p.length > 0));

export const envSchema = z
  .object({
    /** ClickHouse server URL (http[s]://host:port). Unset: embedded chDB under DATA_DIR. */
    CLICKHOUSE_URL: z.string().url().optional(),
    /** ClickHouse user. Default `default`. */
    CLICKHOUSE_USER: z.string().default('default'),
    /** ClickHouse password. Default empty. */
    CLICKHOUSE_PASSWORD: z.string().default(''),
    /** Database holding every table of this service. Default `usage_readiness`. */
    CLICKHOUSE_DATABASE: identifier.default('usage_readiness'),
    /** Data directory of the embedded chDB store. Default `./data`. */
    DATA_DIR: z.string().min(1).default('./data'),

    /** Comma-separated Kafka bootstrap brokers. Unset: no Kafka (files and stdin only). */
    KAFKA_BROKERS: csv.pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port')).min(1)).optional(),
    /** Kafka client id. Default `usage-readiness`. */
    KAFKA_CLIENT_ID: z.string().min(1).default('usage-readiness'),
    /** Consumer group id for event ingestion. Default `usage-readiness-ingest`. */
    KAFKA_GROUP_ID: z.string().min(1).default('usage-readiness-ingest'),
    /** Topic(s) of product events, comma-separated. Default `product-events`. */
    KAFKA_EVENTS_TOPIC: csv.pipe(z.array(z.string().min(1)).min(1)).default(['product-events']),
    /** Dead-letter topic for rejected messages. Default `product-events-dlq`. */
    KAFKA_DLQ_TOPIC: z.string().min(1).default('product-events-dlq'),
    /** Topic of account records. Default `accounts`. */
    KAFKA_ACCOUNTS_TOPIC: z.string().min(1).default('accounts'),
    /** Topic flag transitions are published to. Default `readiness-flags`. */
    KAFKA_FLAGS_TOPIC: z.string().min(1).default('readiness-flags'),
    /** Use TLS to the brokers. Default `false`. */
    KAFKA_SSL: boolFromEnv.default(false),
    /** SASL mechanism: `plain`, `scram-sha-256` or `scram-sha-512`. Unset: no SASL. */
    KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    /** SASL user name (required with KAFKA_SASL_MECHANISM). */
    KAFKA_SASL_USERNAME: z.string().optional(),
    /** SASL password (required with KAFKA_SASL_MECHANISM). */
    KAFKA_SASL_PASSWORD: z.string().optional(),

    /** Flush a batch when it holds this many rows. Default 20000. */
    BATCH_MAX_ROWS: intFromEnv(1, 1_000_000).default(20_000),
    /** Flush a batch at most this long after its first row (ms). Default 1000. */
    BATCH_MAX_WAIT_MS: intFromEnv(10, 600_000).default(1000),
    /** Largest accepted message or line, in bytes. Default 65536. */
    MAX_EVENT_BYTES: intFromEnv(256, 16 * 1024 * 1024).default(65_536),
    /** Reject events whose timestamp is more than this far ahead of now (ms). Default 86400000 (1 day). */
    MAX_FUTURE_SKEW_MS: intFromEnv(0, 365 * 86_400_000).default(86_400_000),
    /** First retry delay after a failed insert (ms), doubled each try. Default 500. */
    STORE_RETRY_INITIAL_MS: intFromEnv(1, 60_000).default(500),
    /** Longest delay between insert retries (ms). Default 30000. */
    STORE_RETRY_MAX_MS: intFromEnv(1, 600_000).default(30_000),

    /** pino level: trace, debug, info, warn, error, fatal, silent. Default `info`. */
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.KAFKA_SASL_MECHANISM && (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SASL_USERNAME'],
        message: 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required when KAFKA_SASL_MECHANISM is set',
      });
    }
    if (env.STORE_RETRY_MAX_MS < env.STORE_RETRY_INITIAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['STORE_RETRY_MAX_MS'],
        message: 'must be at least STORE_RETRY_INITIAL_MS',
      });
    }
  });

export type Env = z.output<typeof envSchema>;

export interface StoreConfig {
  url: string | undefined;
  user: string;
  password: string;
  database: string;
  dataDir: string;
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  groupId: string;
  eventsTopics: string[];
  dlqTopic: string;
  accountsTopic: string;
  flagsTopic: string;
  ssl: boolean;
  sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
}

export interface IngestConfig {
  batchMaxRows: number;
  batchMaxWaitMs: number;
  maxEventBytes: number;
  maxFutureSkewMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface AppConfig {
  store: StoreConfig;
  kafka: KafkaConfig | undefined;
  ingest: IngestConfig;
  logLevel: Env['LOG_LEVEL'];
}

/** Parses the environment; throws ConfigError naming each bad variable. */
export function loadConfig(source: Record<string, string | undefined>): AppConfig {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([k, v]) => k in envSchema.shape && v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const given = typeof issue.path[0] === 'string' ? cleaned[issue.path[0]] : undefined;
      return `${name}: ${issue.message}${given !== undefined ? ` (got ${JSON.stringify(given)})` : ''}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`, { details: parsed.error.issues });
  }
  const env = parsed.data;
  return {
    store: {
      url: env.CLICKHOUSE_URL,
      user: env.CLICKHOUSE_USER,
      password: env.CLICKHOUSE_PASSWORD,
      database: env.CLICKHOUSE_DATABASE,
      dataDir: env.DATA_DIR,
    },
    kafka: env.KAFKA_BROKERS
      ? {
          brokers: env.KAFKA_BROKERS,
          clientId: env.KAFKA_CLIENT_ID,
          groupId: env.KAFKA_GROUP_ID,
          eventsTopics: env.KAFKA_EVENTS_TOPIC,
          dlqTopic: env.KAFKA_DLQ_TOPIC,
          accountsTopic: env.KAFKA_ACCOUNTS_TOPIC,
          flagsTopic: env.KAFKA_FLAGS_TOPIC,
          ssl: env.KAFKA_SSL,
          sasl:
            env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD
              ? { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD }
              : undefined,
        }
      : undefined,
    ingest: {
      batchMaxRows: env.BATCH_MAX_ROWS,
      batchMaxWaitMs: env.BATCH_MAX_WAIT_MS,
      maxEventBytes: env.MAX_EVENT_BYTES,
      maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
      retryInitialMs: env.STORE_RETRY_INITIAL_MS,
      retryMaxMs: env.STORE_RETRY_MAX_MS,
    },
    logLevel: env.LOG_LEVEL,
  };
}
