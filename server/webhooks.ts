import type { Logger } from 'pino';
import type { WebhookConfig, WebhookSubscription } from '../schemas/config.js';
import { errorMessage } from '../schemas/errors.js';
import type { FlagTransition } from '../schemas/flags.js';
import { webhookKey, type WebhookOutbox } from '../runtime/index.js';
import { matchesFilter } from './flag-hub.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './signature.js';

/**
 * Webhook delivery of flag transitions. Each configured subscription gets its
 * own queue, delivered in order (an `opened` never arrives after its
 * `resolved`), one request at a time. A message is retried with exponential
 * backoff until the receiver answers 2xx, so receivers must de-duplicate on
 * `Idempotency-Key` (the transition id): delivery is at least once.
 * Non-retryable answers (4xx other than 408/429) and exhausted attempts are
 * logged with the transition id and dropped. With an outbox, every message is
 * recorded before it is queued and settled when delivery ends, and `resume()`
 * re-queues what a previous run left pending (stopped or crashed mid-delivery).
 */

export type DeliveryOutcome = 'delivered' | 'retried' | 'failed';

export interface WebhookDispatcherOptions {
  config: WebhookConfig;
  logger: Logger;
  /** Called per attempt outcome (metrics). */
  onAttempt?: (outcome: DeliveryOutcome, subscription: string) => void;
  userAgent?: string;
  outbox?: WebhookOutbox;
}

export interface WebhookDispatcher {
  /** Queues every transition for each subscription whose filter matches. */
  publish(transitions: readonly FlagTransition[]): Promise<void>;
  /**
   * Queues messages pending in the outbox that this process does not hold: left by a
   * previous run, or recorded by another process (the command line). Resolves to how many.
   */
  resume(): Promise<number>;
  /** Messages queued or in flight. */
  readonly pending: number;
  /**
   * Stops accepting work, waits up to `graceMs` for the queues to drain, then
   * abandons what is left (logged by transition id). Resolves to the number of
   * abandoned messages.
   */
  stop(graceMs: number): Promise<number>;
}

interface Queued {
  id: string;
  /** Serialized once, so every retry sends (and signs) the same bytes. */
  body: string;
  kind: string;
  enqueuedAt: string;
  /** Attempts already made, by this process or an earlier run (from the outbox). */
  attempts: number;
}

class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Redacts credentials and query strings from a URL before it is logged or used as a metric label. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { config, logger } = options;
  const stopController = new AbortController();
  let accepting = true;
  const idle = new Set<() => void>();

  const lanes = config.subscriptions.map((subscription) => ({
    subscription,
    label: describeUrl(subscription.url),
    key: webhookKey(subscription),
    queue: [] as Queued[],
    running: false,
  }));
  type Lane = (typeof lanes)[number];

  const pendingCount = () => lanes.reduce((n, lane) => n + lane.queue.length, 0);
  const notifyIfIdle = () => {
    if (pendingCount() === 0) for (const resolve of idle) resolve();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopController.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopController.signal.removeEventListener('abort', done);
        resolve();
      }
      stopController.signal.addEventListener('abort', done, { once: true });
    });

  const backoff = (attempt: number) => {
    const base = Math.min(config.retryMaxMs, config.retryInitialMs * 2 ** (attempt - 1));
    // Jitter (50–100 %) so many receivers failing together do not retry in lockstep.
    return Math.round(base * (0.5 + Math.random() * 0.5));
  };

  async function attempt(subscription: WebhookSubscription, message: Queued, attemptNo: number): Promise<void> {
    const timestamp = Math.floor(Date.now() / 1000).toString();
    let response: Response;
    try {
      response = await fetch(subscription.url, {
        method: 'POST',
        body: message.body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(config.timeoutMs), stopController.signal]),
        headers: {
          'content-type': 'application/json',
          'user-agent': options.userAgent ?? 'usage-readiness-webhooks',
          [SIGNATURE_HEADER]: signBody(subscription.secret, timestamp, message.body),
          [TIMESTAMP_HEADER]: timestamp,
          [IDEMPOTENCY_HEADER]: message.id,
          'x-readiness-transition': message.kind,
          'x-readiness-attempt': String(attemptNo),
        },
      });
    } catch (error) {
      throw new RetryableFailure(`request failed: ${errorMessage(error)}`);
    }
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return;
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new RetryableFailure(`receiver answered ${response.status}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
    }
    throw new Error(`receiver answered ${response.status}; not retried`);
  }

  // Best effort: a settle that fails leaves the message pending, so it is sent again after a restart.
  // Messages this process finished, so a `resume()` racing their settle row does not send them again.
  const finished = new Set<string>();
  async function settle(lane: Lane, message: Queued, state: 'pending' | 'delivered' | 'failed', attempts: number): Promise<void> {
    if (!options.outbox) return;
    if (state !== 'pending') {
      if (finished.size > 50_000) finished.clear();
      finished.add(`${lane.key}:${message.id}`);
    }
    try {
      await options.outbox.settle(lane.key, { transition_id: message.id, body: message.body, state, attempts, enqueuedAt: message.enqueuedAt });
    } catch (error) {
      logger.warn({ webhook: lane.label, transition: message.id, err: errorMessage(error) }, 'could not record the webhook outcome');
    }
  }

  async function deliver(lane: Lane, message: Queued): Promise<void> {
    // Counting goes on from what an earlier run recorded, so a restart does not reset it.
    for (let attemptNo = message.attempts + 1; ; attemptNo++) {
      if (stopController.signal.aborted) return;
      try {
        await attempt(lane.subscription, message, attemptNo);
        options.onAttempt?.('delivered', lane.label);
        logger.debug({ webhook: lane.label, transition: message.id, attempt: attemptNo }, 'webhook delivered');
        await settle(lane, message, 'delivered', attemptNo);
        return;
      } catch (error) {
        if (stopController.signal.aborted) return;
        const retryable = error instanceof RetryableFailure;
        if (!retryable || attemptNo >= config.maxAttempts) {
          options.onAttempt?.('failed', lane.label);
          logger.error({ webhook: lane.label, transition: message.id, attempts: attemptNo, err: errorMessage(error) }, 'webhook delivery given up');
          await settle(lane, message, 'failed', attemptNo);
          return;
        }
        const delayMs = Math.min(config.retryMaxMs, Math.max(backoff(attemptNo), error.retryAfterMs ?? 0));
        options.onAttempt?.('retried', lane.label);
        await settle(lane, message, 'pending', attemptNo);
        logger.warn({ webhook: lane.label, transition: message.id, attempt: attemptNo, delayMs, err: error.message }, 'webhook delivery failed; retrying');
        await sleep(delayMs);
      }
    }
  }

  async function pump(lane: Lane): Promise<void> {
    if (lane.running) return;
    lane.running = true;
    try {
      while (lane.queue.length > 0 && !stopController.signal.aborted) {
        await deliver(lane, lane.queue[0]!);
        // Removed only after the attempt loop ended, so `pending` counts in-flight messages.
        if (!stopController.signal.aborted) lane.queue.shift();
      }
    } finally {
      lane.running = false;
      notifyIfIdle();
    }
  }

  return {
    async publish(transitions) {
      if (!accepting) return;
      const enqueuedAt = new Date().toISOString();
      const batches = lanes.map((lane) => ({
        lane,
        messages: transitions
          .filter((t) => matchesFilter(t, lane.subscription))
          .map((t): Queued => ({ id: t.transition_id, body: JSON.stringify(t), kind: t.kind, enqueuedAt, attempts: 0 })),
      }));
      // Recorded before anything is sent: if this fails, the publishing pass fails and is retried.
      if (options.outbox) {
        for (const { lane, messages } of batches) {
          if (messages.length > 0) await options.outbox.enqueue(lane.key, messages.map((m) => ({ transition_id: m.id, body: m.body })));
        }
      }
      for (const { lane, messages } of batches) {
        if (messages.length === 0) continue;
        lane.queue.push(...messages);
        void pump(lane);
      }
    },
    async resume() {
      if (!options.outbox || !accepting) return 0;
      let resumed = 0;
      for (const lane of lanes) {
        const found = await options.outbox.pending(lane.key);
        // Read after the await: a concurrent `resume()` may have queued some of them meanwhile.
        const queued = new Set(lane.queue.map((m) => m.id));
        const pending = found.filter(
          (m) => !queued.has(m.transition_id) && !finished.has(`${lane.key}:${m.transition_id}`),
        );
        if (pending.length === 0) continue;
        // Appended: the queue's head may be in flight.
        lane.queue.push(
          ...pending.map((m) => ({ id: m.transition_id, body: m.body, kind: (JSON.parse(m.body) as { kind: string }).kind, enqueuedAt: m.enqueued_at, attempts: m.attempts })),
        );
        resumed += pending.length;
        logger.info({ webhook: lane.label, messages: pending.length }, 'queued webhook messages found pending in the outbox');
        void pump(lane);
      }
      return resumed;
    },
    get pending() {
      return pendingCount();
    },
    async stop(graceMs) {
      accepting = false;
      if (pendingCount() > 0 && graceMs > 0) {
        let resolveIdle: () => void = () => undefined;
        const drained = new Promise<void>((resolve) => {
          resolveIdle = resolve;
          idle.add(resolve);
        });
        const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
        await Promise.race([drained, timer]);
        idle.delete(resolveIdle);
      }
      stopController.abort();
      const abandoned = lanes.flatMap((lane) => lane.queue.map((m) => ({ webhook: lane.label, transition: m.id })));
      for (const lane of lanes) lane.queue.length = 0;
      if (abandoned.length > 0) {
        logger.warn(
          { abandoned },
          options.outbox ? 'webhook messages not delivered before shutdown: they stay pending and are sent after the next start' : 'webhook messages not delivered before shutdown',
        );
      }
      return abandoned.length;
    },
  };
}
