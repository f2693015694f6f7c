import { createServer } from 'node:net';
import { EXAMPLE_END_DAY } from '../../examples/generate.js';
import { loadConfig } from '../../schemas/config.js';
import { openRuntime } from '../../runtime/index.js';
import { startService, type RunningService } from '../../server/index.js';
import type { Store } from '../../transforms/index.js';
import { testLogger } from './logger.js';
import { createTestStore } from './store.js';

/**
 * A real service (HTTP server, hub, webhooks, metrics, schedule) on an
 * ephemeral port over a random chDB database, seeded with the example data
 * set ending on EXAMPLE_END_DAY through the same path `serve` uses.
 */

export const READ_TOKEN = 'test-read-token-0001';
export const WRITE_TOKEN = 'test-write-token-0001';
export const EXAMPLE_DAY = EXAMPLE_END_DAY;

export interface TestService {
  service: RunningService;
  store: Store;
  base: string;
  close(): Promise<void>;
}

/** `wrapStore`: a fault-injecting wrapper around the real store the service uses (the returned `store` stays the real one). */
export async function startTestService(env: Record<string, string> = {}, options: { wrapStore?: (store: Store) => Store } = {}): Promise<TestService> {
  const config = loadConfig({
    PORT: '0',
    API_TOKENS: `${READ_TOKEN}:read,${WRITE_TOKEN}:read+write`,
    DEMO_DATA: 'always',
    DEMO_BACKFILL_DAYS: '3',
    SHUTDOWN_GRACE_MS: '2000',
    // A schedule that never fires during a test run.
    SCORING_CRON: '0 0 1 1 *',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const store = await createTestStore();
  const runtime = await openRuntime(config, { logger: testLogger, store: options.wrapStore ? options.wrapStore(store) : store, now: () => new Date(`${EXAMPLE_DAY}T12:00:00Z`) });
  const service = await startService({ runtime, version: 'test' });
  return {
    service,
    store,
    base: service.http.url,
    async close() {
      await service.stop();
      // The store belongs to the test (its database is dropped after the file's tests).
      await runtime.close();
    },
  };
}

/** `fetch` against the service with an optional bearer token and JSON body. */
export async function call(
  base: string,
  path: string,
  options: { token?: string; method?: string; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method: options.method ?? (options.body !== undefined || options.rawBody !== undefined ? 'POST' : 'GET'),
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** A TCP port that was free a moment ago (for child processes that need a fixed port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
