import { z } from 'zod';
import { DEFAULT_MIN_INSTANT, readInstant } from './day.js';
import { ConfigError } from './errors.js';
import { packageFile } from './package-files.js';

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

const apiScope = z.enum(['read', 'write']);
export type ApiScope = z.output<typeof apiScope>;

/** One `token:scopes` entry of API_TOKENS. */
/** Shortest accepted API token: guessing 16 random characters is out of reach. */
const MIN_TOKEN_LENGTH = 16;

/**
 * One `token:scopes` entry of API_TOKENS. Messages never quote the entry: any
 * part of it may be a token (a missing colon, swapped halves). The issue's path
 * names the entry by its position.
 */
const apiTokenEntry = z.string().transform((entry, ctx) => {
  const at = entry.lastIndexOf(':');
  if (at <= 0) {
    ctx.addIssue({ code: 'custom', message: 'this entry is not token:scopes (no token before a colon)' });
    return z.NEVER;
  }
  const token = entry.slice(0, at);
  const scopes = entry.slice(at + 1).split('+').map((s) => s.trim());
  if (token.length < MIN_TOKEN_LENGTH) {
    ctx.addIssue({ code: 'custom', message: `the token of this entry is shorter than ${MIN_TOKEN_LENGTH} characters` });
    return z.NEVER;
  }
  if (scopes.length === 0 || scopes.some((s) => !apiScope.safeParse(s).success)) {
    ctx.addIssue({ code: 'custom', message: 'the scopes of this entry must be read, write or read+write' });
    return z.NEVER;
  }
  return { token, scopes: [...new Set(scopes)] as ApiScope[] };
});

const webhookEntry = z.object({
  /** Names the subscription's outbox lane; needed only to tell apart subscriptions with the same URL and filters. */
  id: z.string().min(1).max(64).optional(),
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(16, 'secret must be at least 16 characters'),
  codes: z.array(z.string().min(1)).optional(),
  severities: z.array(z.enum(['red', 'warning'])).optional(),
});

/**
 * What tells webhook subscriptions apart (their outbox lane): the `id` when set,
 * else the URL with its filters. Not the secret, so rotating it keeps the lane;
 * a subscription with neither id nor filters keeps the URL alone (its lane from
 * before filters counted).
 */
export function subscriptionIdentity(subscription: { id?: string | undefined; url: string; codes?: string[] | undefined; severities?: string[] | undefined }): string {
  if (subscription.id !== undefined) return `id:${subscription.id}`;
  if (!subscription.codes && !subscription.severities) return subscription.url;
  return JSON.stringify([subscription.url, [...(subscription.codes ?? [])].sort(), [...(subscription.severities ?? [])].sort()]);
}

/** The products file shipped with the service, found relative to this module so any working directory works. */
export const DEFAULT_PRODUCTS_FILE = packageFile('config', 'products.json');
/** Account-products a scoring pass reads, scores and stores at a time (SCORING_CHUNK_SIZE). */
export const DEFAULT_SCORING_CHUNK_SIZE = 5000;
/** How far ahead of the clock an event's timestamp or an assessment's `assessed_at` may be (MAX_FUTURE_SKEW_MS). */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 86_400_000;

/*
 * Tunables that are not settings, named here beside the schema so every timing the service
 * uses is found in one file (README "Fixed timings" lists them).
 */
/**
 * Kafka group consumers (ingestion, accounts): a member that sends no heartbeat for
 * `sessionTimeoutMs` leaves the group and its partitions move to the others.
 */
export const KAFKA_CONSUMER_TIMING = {
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  /** Longest wait of one fetch for new messages. */
  maxWaitTimeMs: 1_000,
} as const;
/** On SIGTERM/SIGINT, how long the Kafka consumer waits for the store to take the batches it holds (ms). */
export const INGEST_STOP_TIMEOUT_MS = 30_000;

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
    /**
     * ClickHouse cluster (a name from the servers' `remote_servers`, one shard, any number of
     * replicas): DDL runs ON CLUSTER with Replicated engines. Unset: a single server. Needs CLICKHOUSE_URL.
     */
    CLICKHOUSE_CLUSTER: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a cluster name (letters, digits, _ . -)')
      .optional(),
    /** Longest wait for one ClickHouse server request, query or insert (ms). Default 60000. */
    CLICKHOUSE_REQUEST_TIMEOUT_MS: intFromEnv(1000, 3_600_000).default(60_000),
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
    /** Topic of account-product outcomes (renewed, expanded, churned, downgraded). Unset: outcomes are not consumed from Kafka. */
    KAFKA_OUTCOMES_TOPIC: z.string().min(1).optional(),
    /** Topic flag transitions are published to. Default `readiness-flags`. */
    KAFKA_FLAGS_TOPIC: z.string().min(1).default('readiness-flags'),
    /**
     * Leader election of `serve` replicas: a replica that stops heartbeating for this long
     * (killed, hung, cut off) loses leadership, and another takes over within about this
     * time plus a second. Default 10000 (the broker's minimum is usually 6000).
     */
    KAFKA_LEADER_SESSION_TIMEOUT_MS: intFromEnv(1_000, 300_000).default(10_000),
    /** Use TLS to the brokers. Default `false`. */
    KAFKA_SSL: boolFromEnv.default(false),
    /** SASL mechanism: `plain`, `scram-sha-256` or `scram-sha-512`. Unset: no SASL. */
    KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    /** SASL user name (required with KAFKA_SASL_MECHANISM). */
    KAFKA_SASL_USERNAME: z.string().optional(),
    /** SASL password (required with KAFKA_SASL_MECHANISM). */
    KAFKA_SASL_PASSWORD: z.string().optional(),

    /**
     * Flush a batch when it holds this many rows. Default 100000: ClickHouse takes few large
     * inserts best, and each insert pays a fixed cost (its duplicate probe, new parts to merge);
     * measured, 100,000-row batches took a backlog in at 79-92% of the engine's own rate and
     * 20,000-row ones at 59-68% (bench/RESULTS.md). A slow stream is still cut by BATCH_MAX_WAIT_MS.
     */
    BATCH_MAX_ROWS: intFromEnv(1, 1_000_000).default(100_000),
    /** Flush a batch at most this long after its first row (ms). Default 1000. */
    BATCH_MAX_WAIT_MS: intFromEnv(10, 600_000).default(1000),
    /** Largest accepted message or line, in bytes. Default 65536. */
    MAX_EVENT_BYTES: intFromEnv(256, 16 * 1024 * 1024).default(65_536),
    /** Reject events whose timestamp is more than this far ahead of now (ms). Default 86400000 (1 day). */
    MAX_FUTURE_SKEW_MS: intFromEnv(0, 365 * 86_400_000).default(DEFAULT_MAX_FUTURE_SKEW_MS),
    /**
     * Reject events timestamped before this day or instant (older values are usually epoch seconds
     * sent as milliseconds). Default `2000-01-01`. Not before 1970-01-01: the daily aggregates'
     * Date columns start there, and the engine would count an earlier day as one of the 22nd century.
     */
    EVENT_MIN_TIMESTAMP: z
      .string()
      .transform((s, ctx) => {
        const read = readInstant(s);
        if (!read.ok) ctx.addIssue({ code: 'custom', message: read.problem });
        else if (read.ms < 0) ctx.addIssue({ code: 'custom', message: `${s} is before 1970-01-01, the first day the daily aggregates can hold` });
        else return read.ms;
        return z.NEVER;
      })
      .prefault(DEFAULT_MIN_INSTANT),
    /** How often `consume` logs its consumer group's lag per partition (ms). Default 60000. */
    LAG_LOG_INTERVAL_MS: intFromEnv(1000, 86_400_000).default(60_000),
    /** Port of `consume`'s Prometheus endpoint (`/metrics` on HOST; 0: any free port). Unset: none (`serve` has /metrics on PORT). */
    METRICS_PORT: intFromEnv(0, 65_535).optional(),
    /** First retry delay after a failed insert (ms), doubled each try. Default 500. */
    STORE_RETRY_INITIAL_MS: intFromEnv(1, 60_000).default(500),
    /** Longest delay between insert retries (ms). Default 30000. */
    STORE_RETRY_MAX_MS: intFromEnv(1, 600_000).default(30_000),

    /** HTTP port of `serve` (0: any free port). Default 8080. */
    PORT: intFromEnv(0, 65_535).default(8080),
    /** Interface `serve` listens on. Default `127.0.0.1` (loopback only); `0.0.0.0` for all. */
    HOST: z.string().min(1).default('127.0.0.1'),
    /**
     * Bearer tokens of the HTTP API, comma-separated `token:scopes` with scopes `read`, `write`
     * or `read+write` (e.g. `s3cret-reader:read,s3cret-ops:read+write`). Unset: `serve` makes
     * one random read+write token at start and prints the dashboard URL carrying it.
     */
    API_TOKENS: csv.pipe(z.array(apiTokenEntry)).optional(),
    /** Serve /healthz and /readyz without a token. Default `true`. */
    HEALTH_PUBLIC: boolFromEnv.default(true),
    /** Serve /metrics without a token. Default `true`. */
    METRICS_PUBLIC: boolFromEnv.default(true),
    /** Largest accepted HTTP request body, in bytes. Default 65536. */
    HTTP_BODY_LIMIT_BYTES: intFromEnv(1024, 16 * 1024 * 1024).default(65_536),
    /** On shutdown, wait this long for open HTTP requests before closing them (ms). Default 10000. */
    SHUTDOWN_GRACE_MS: intFromEnv(0, 600_000).default(10_000),
    /** Longest time a client may take to send a whole request, headers and body (ms); later: 408. Default 30000. */
    HTTP_REQUEST_TIMEOUT_MS: intFromEnv(1000, 600_000).default(30_000),
    /** Longest time a client may take to send the request headers (ms); at most HTTP_REQUEST_TIMEOUT_MS. Default 10000. */
    HTTP_HEADERS_TIMEOUT_MS: intFromEnv(1000, 600_000).default(10_000),
    /** How long an idle keep-alive connection stays open (ms); above a load balancer's idle timeout. Default 72000. */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: intFromEnv(1000, 600_000).default(72_000),
    /** Requests one API token (or, without a valid token, one client address) may make per RATE_LIMIT_WINDOW_MS; beyond: 429. `0` turns the limit off. Default 1200. */
    RATE_LIMIT_MAX: intFromEnv(0, 10_000_000).default(1200),
    /** The rate limit's window (ms). Default 60000. */
    RATE_LIMIT_WINDOW_MS: intFromEnv(1000, 3_600_000).default(60_000),
    /**
     * Account views read ahead between two writes: the views of the rows of each portfolio page
     * served are read in the background while the store is idle (embedded store only). `0` turns
     * it off. Default 2000.
     */
    VIEW_READ_AHEAD: intFromEnv(0, 1_000_000).default(2000),
    /** Comment line sent to idle Server-Sent Events streams, so proxies keep them open (ms). Default 15000. */
    SSE_HEARTBEAT_MS: intFromEnv(100, 600_000).default(15_000),
    /** Most Server-Sent Events streams open at once; beyond: 503 TOO_MANY_STREAMS. Default 1000. */
    SSE_MAX_CLIENTS: intFromEnv(1, 100_000).default(1000),
    /** Bytes written to one stream that its client has not read yet; a client further behind is dropped. Default 1048576 (1 MiB). */
    SSE_MAX_BUFFER_BYTES: intFromEnv(4096, 256 * 1024 * 1024).default(1_048_576),
    /**
     * Webhook subscriptions as a JSON array of `{"url", "secret", "codes"?, "severities"?, "id"?}`:
     * each flag transition whose code and severity match is POSTed to `url`, signed with `secret`.
     * Default `[]` (none).
     */
    WEBHOOKS: z
      .string()
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {"url","secret","codes"?,"severities"?}' });
          return z.NEVER;
        }
      })
      .pipe(
        z.array(webhookEntry).superRefine((subscriptions, ctx) => {
          const seen = new Map<string, number>();
          subscriptions.forEach((s, i) => {
            const identity = subscriptionIdentity(s);
            const first = seen.get(identity);
            if (first === undefined) seen.set(identity, i);
            else ctx.addIssue({ code: 'custom', path: [i], message: `subscriptions ${first} and ${i} have the same URL and filters: give them distinct "id"s` });
          });
        }),
      )
      .default([]),
    /** Delivery attempts per webhook message before it is given up (logged). Default 10. */
    WEBHOOK_MAX_ATTEMPTS: intFromEnv(1, 100).default(10),
    /** Delay before the first webhook retry (ms), doubled each attempt. Default 1000. */
    WEBHOOK_RETRY_INITIAL_MS: intFromEnv(1, 3_600_000).default(1000),
    /** Longest delay between webhook retries (ms). Default 300000 (5 minutes). */
    WEBHOOK_RETRY_MAX_MS: intFromEnv(1, 86_400_000).default(300_000),
    /** How often `serve` looks for webhook messages recorded by other processes (ms). Default 30000. */
    WEBHOOK_OUTBOX_POLL_MS: intFromEnv(100, 3_600_000).default(30_000),
    /** Timeout of one webhook request (ms). Default 10000. */
    WEBHOOK_TIMEOUT_MS: intFromEnv(100, 600_000).default(10_000),
    /**
     * Example data for `serve`: `auto` loads it when the store holds no events and neither
     * CLICKHOUSE_URL nor KAFKA_BROKERS is set; `always` whenever the store holds no events;
     * `off` never. Default `auto`.
     */
    DEMO_DATA: z.enum(['auto', 'always', 'off']).default('auto'),
    /** Days of readiness history `serve` backfills after loading example data. Default 56. */
    DEMO_BACKFILL_DAYS: intFromEnv(0, 90).default(56),

    /** Products file (JSON: usage profile and thresholds per product). Default: the shipped `config/products.json`. */
    PRODUCTS_FILE: z.string().min(1).default(DEFAULT_PRODUCTS_FILE),
    /** Cron expression of the in-service scoring pass (scores today, UTC), or `off` (no schedule, no start-up pass). Default `0 * * * *` (hourly). */
    SCORING_CRON: z.string().min(1).default('0 * * * *'),
    /** Account-products a scoring pass reads, scores and stores at a time: its memory grows with this, not with the portfolio. Default 5000. */
    SCORING_CHUNK_SIZE: intFromEnv(1, 1_000_000).default(DEFAULT_SCORING_CHUNK_SIZE),

    /** Calibration: days after onboarding start taken as the graduation day of an outcome without `graduated_at`. Default 90. */
    CALIBRATION_GRADUATION_AGE_DAYS: intFromEnv(1, 3650).default(90),

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
    if (env.CLICKHOUSE_CLUSTER && !env.CLICKHOUSE_URL) {
      ctx.addIssue({ code: 'custom', path: ['CLICKHOUSE_CLUSTER'], message: 'needs CLICKHOUSE_URL (the embedded store is a single node)' });
    }
    if (env.WEBHOOK_RETRY_MAX_MS < env.WEBHOOK_RETRY_INITIAL_MS) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_RETRY_MAX_MS'], message: 'must be at least WEBHOOK_RETRY_INITIAL_MS' });
    }
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must be at most HTTP_REQUEST_TIMEOUT_MS' });
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

/** The environment, validated and grouped by concern. The types below are its output; nothing restates a default. */
export const configSchema = envSchema.transform((env) => ({
  store: {
    url: env.CLICKHOUSE_URL,
    user: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
    cluster: env.CLICKHOUSE_CLUSTER,
    requestTimeoutMs: env.CLICKHOUSE_REQUEST_TIMEOUT_MS,
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
        /** Outcomes topic; undefined: not consumed. */
        outcomesTopic: env.KAFKA_OUTCOMES_TOPIC,
        flagsTopic: env.KAFKA_FLAGS_TOPIC,
        leaderSessionTimeoutMs: env.KAFKA_LEADER_SESSION_TIMEOUT_MS,
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
    /** Earliest accepted event timestamp, epoch ms. */
    minTimestampMs: env.EVENT_MIN_TIMESTAMP,
    lagLogIntervalMs: env.LAG_LOG_INTERVAL_MS,
    retryInitialMs: env.STORE_RETRY_INITIAL_MS,
    retryMaxMs: env.STORE_RETRY_MAX_MS,
  },
  server: {
    port: env.PORT,
    host: env.HOST,
    /** Configured tokens; undefined when API_TOKENS is unset (serve then makes one). */
    tokens: env.API_TOKENS,
    healthPublic: env.HEALTH_PUBLIC,
    metricsPublic: env.METRICS_PUBLIC,
    bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    /** Earliest instant a request may carry (EVENT_MIN_TIMESTAMP), epoch ms. */
    minInstantMs: env.EVENT_MIN_TIMESTAMP,
    /** How far ahead of now a request's instant may be (MAX_FUTURE_SKEW_MS). */
    maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    /** Requests per window per token (or client address); 0: no limit. */
    rateLimitMax: env.RATE_LIMIT_MAX,
    rateLimitWindowMs: env.RATE_LIMIT_WINDOW_MS,
    /** Views read ahead between two writes from the rows of pages served; 0: none. */
    viewReadAhead: env.VIEW_READ_AHEAD,
    sseHeartbeatMs: env.SSE_HEARTBEAT_MS,
    sseMaxClients: env.SSE_MAX_CLIENTS,
    sseMaxBufferBytes: env.SSE_MAX_BUFFER_BYTES,
    demoData: env.DEMO_DATA,
    demoBackfillDays: env.DEMO_BACKFILL_DAYS,
  },
  webhooks: {
    subscriptions: env.WEBHOOKS,
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    retryInitialMs: env.WEBHOOK_RETRY_INITIAL_MS,
    retryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    outboxPollMs: env.WEBHOOK_OUTBOX_POLL_MS,
  },
  scoring: { productsFile: env.PRODUCTS_FILE, cron: env.SCORING_CRON, chunkSize: env.SCORING_CHUNK_SIZE },
  calibration: {
    /** Graduation day of an outcome without `graduated_at`: onboarding start + this many days. */
    graduationAgeDays: env.CALIBRATION_GRADUATION_AGE_DAYS,
  },
  /** `consume`'s /metrics endpoint (on HOST); port undefined: none. */
  metrics: { port: env.METRICS_PORT },
  logLevel: env.LOG_LEVEL,
}));

export type AppConfig = z.output<typeof configSchema>;
export type StoreConfig = AppConfig['store'];
export type KafkaConfig = NonNullable<AppConfig['kafka']>;
export type IngestConfig = AppConfig['ingest'];
export type ServerConfig = AppConfig['server'];
export type WebhookConfig = AppConfig['webhooks'];
export type ScoringConfig = AppConfig['scoring'];
export type CalibrationConfig = AppConfig['calibration'];
export type ApiToken = z.output<typeof apiTokenEntry>;
/** One webhook subscription; `codes`/`severities` omitted: all transitions. */
export type WebhookSubscription = z.output<typeof webhookEntry>;

const SECRET_VARIABLES = new Set(['CLICKHOUSE_PASSWORD', 'KAFKA_SASL_PASSWORD', 'API_TOKENS', 'WEBHOOKS']);

/** Parses the environment; throws ConfigError naming each bad variable. */
export function loadConfig(source: Record<string, string | undefined>): AppConfig {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([k, v]) => k in envSchema.shape && v !== undefined && v !== ''),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      // Values of secret-bearing variables are never echoed back.
      const given = typeof issue.path[0] === 'string' && !SECRET_VARIABLES.has(issue.path[0]) ? cleaned[issue.path[0]] : undefined;
      return `${name}: ${issue.message}${given !== undefined ? ` (got ${JSON.stringify(given)})` : ''}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`, { details: parsed.error.issues });
  }
  return parsed.data;
}
