import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagTransition } from '../../schemas/flags.js';
import { createWebhookDispatcher, verifySignature } from '../../server/index.js';
import { loadConfig } from '../../schemas/config.js';
import { testLogger } from '../helpers/logger.js';
import { createTestStore } from '../helpers/store.js';
import { outboxStates } from '../../transforms/index.js';
import { storeWebhookOutbox, webhookKey, webhookOutboxSink } from '../../runtime/index.js';
import { WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/** A real HTTP receiver on 127.0.0.1 that records every request and fails the first `failFirst` of them. */
interface Received {
  headers: IncomingMessage['headers'];
  body: Buffer;
}

async function startReceiver(
  failFirst: number,
  failStatus = 503,
): Promise<{ url: string; received: Received[]; server: Server; recover: () => void }> {
  const received: Received[] = [];
  let failing = failFirst;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = received.length <= failing ? failStatus : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const recover = () => {
    failing = 0;
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/readiness`, received, server, recover };
}


async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A low_engagement transition for acme/crm; tests override what they need. */
function transitionFixture(overrides: Partial<FlagTransition> = {}): FlagTransition {
  return {
    transition_id: 'tr_test_0001',
    flag_id: 'fl_test',
    account_id: 'acme',
    product: 'crm',
    code: 'low_engagement',
    kind: 'opened',
    severity: 'red',
    message: 'weekly active ratio 20% against a minimum of 50%',
    value: 0.2,
    subjects: [],
    sequence: 1,
    as_of: '2026-11-20',
    occurred_at: '2026-11-20T12:00:00Z',
    ...overrides,
  };
}

const SECRET = 'whsec-test-0123456789abcdef';
const OTHER_SECRET = 'whsec-other-0123456789abcdef';

describe('webhooks (real receiver, real service)', () => {
  let t: TestService;
  let flaky: Awaited<ReturnType<typeof startReceiver>>;
  let filtered: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    flaky = await startReceiver(1);
    filtered = await startReceiver(0);
    t = await startTestService({
      WEBHOOKS: JSON.stringify([
        { url: flaky.url, secret: SECRET, codes: ['onboarding_overdue'] },
        // Matches nothing the assessment below causes: must receive nothing.
        { url: filtered.url, secret: OTHER_SECRET, codes: ['low_engagement'], severities: ['red'] },
      ]),
      WEBHOOK_RETRY_INITIAL_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '200',
    });
  });
  afterAll(async () => {
    await t?.close();
    for (const r of [flaky, filtered]) await new Promise((resolve) => r?.server.close(resolve));
  });

  it('POSTs each matching transition signed with HMAC-SHA256, retries after a failure, same idempotency key', async () => {
    const res = await call(t.base, '/v1/accounts/kramerica/products/projects/assessments', {
      token: WRITE_TOKEN,
      body: { dimension: 'stakeholder', score: 9, evidence: 'sponsor engaged', assessed_by: 'Ana Souza' },
    });
    expect(res.status).toBe(201);
    const transitions = (res.json as { transitions: FlagTransition[] }).transitions;
    const resolved = transitions.find((x) => x.code === 'onboarding_overdue' && x.kind === 'resolved');
    expect(resolved).toBeDefined();

    // First attempt answered 503, second 204.
    await waitFor(() => flaky.received.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(flaky.received).toHaveLength(2);
    const [first, second] = flaky.received as [Received, Received];
    for (const delivery of [first, second]) {
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['idempotency-key']).toBe(resolved!.transition_id);
      expect(delivery.headers['x-readiness-transition']).toBe('resolved');
      expect(Number(delivery.headers['x-readiness-timestamp'])).toBeGreaterThan(1_700_000_000);
      const signed = { signature: delivery.headers['x-readiness-signature'] as string, timestamp: delivery.headers['x-readiness-timestamp'] as string };
      expect(signed.signature).toMatch(/^v1=[0-9a-f]{64}$/);
      expect(verifySignature(SECRET, delivery.body, signed)).toBe(true);
      expect(verifySignature(OTHER_SECRET, delivery.body, signed)).toBe(false);
      // The timestamp is signed: another one does not verify, and neither does the same request replayed later.
      expect(verifySignature(SECRET, delivery.body, { ...signed, timestamp: String(Number(signed.timestamp) - 1) })).toBe(false);
      const later = (Number(signed.timestamp) + 3600) * 1000;
      expect(verifySignature(SECRET, delivery.body, signed, { now: () => later })).toBe(false);
      expect(JSON.parse(delivery.body.toString('utf8'))).toEqual(resolved);
    }
    expect(first.headers['x-readiness-attempt']).toBe('1');
    expect(second.headers['x-readiness-attempt']).toBe('2');
    // Retries resend the same bytes, so a receiver can de-duplicate and verify them alike.
    expect(second.body.equals(first.body)).toBe(true);
    expect(filtered.received).toHaveLength(0);

    const metrics = (await call(t.base, '/metrics')).text;
    expect(metrics).toMatch(/usage_readiness_webhook_attempts_total\{webhook="http:\/\/127\.0\.0\.1:\d+\/hooks\/readiness",outcome="retried"\} 1/);
    expect(metrics).toMatch(/usage_readiness_webhook_attempts_total\{webhook="http:\/\/127\.0\.0\.1:\d+\/hooks\/readiness",outcome="delivered"\} 1/);
  });

  it('does not retry a 4xx answer, and reports what is still queued at shutdown', async () => {
    const rejecting = await startReceiver(100, 400);
    const down = await startReceiver(100, 503);
    const transition = transitionFixture();
    const outcomes: string[] = [];
    const dispatcher = createWebhookDispatcher({
      config: loadConfig({
        WEBHOOKS: JSON.stringify([
          { url: rejecting.url, secret: SECRET },
          { url: down.url, secret: SECRET },
        ]),
        WEBHOOK_RETRY_INITIAL_MS: '20',
        WEBHOOK_RETRY_MAX_MS: '40',
        WEBHOOK_MAX_ATTEMPTS: '100',
      }).webhooks,
      logger: testLogger,
      onAttempt: (outcome, webhook) => outcomes.push(`${webhook === rejecting.url ? 'rejecting' : 'down'}:${outcome}`),
    });
    await dispatcher.publish([transition]);
    // Until the dispatcher has handled the 400 (the receiver counts the request before the dispatcher reads the answer).
    await waitFor(() => down.received.length >= 3 && outcomes.includes('rejecting:failed'));
    expect(rejecting.received).toHaveLength(1);
    expect(outcomes).toContain('rejecting:failed');
    expect(dispatcher.pending).toBe(1);
    // The receiver that keeps failing still holds its message when the grace period ends.
    expect(await dispatcher.stop(100)).toBe(1);
    // A request already sent when stop() aborted it can still reach the receiver: count from after
    // that, then no attempt may start (retries every 20–40 ms would add several in 150 ms).
    await new Promise((r) => setTimeout(r, 50));
    const attempts = down.received.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(down.received.length).toBe(attempts);
    for (const r of [rejecting, down]) await new Promise((resolve) => r.server.close(resolve));
  });

  it('keeps undelivered messages in the outbox across a stop and delivers them after the next start', async () => {
    const store = await createTestStore();
    const receiver = await startReceiver(1_000_000, 503);
    const rejecting = await startReceiver(1_000_000, 400);
    const transition = (n: number) =>
      transitionFixture({
        transition_id: `tr_outbox_${n}`,
        flag_id: 'fl_outbox',
        kind: n === 1 ? 'opened' : 'updated',
        message: `weekly active ratio ${20 + n}% against a minimum of 50%`,
        value: 0.2 + n / 100,
        sequence: n,
      });
    const config = loadConfig({
      WEBHOOKS: JSON.stringify([
        { url: receiver.url, secret: SECRET },
        { url: rejecting.url, secret: SECRET },
      ]),
      WEBHOOK_RETRY_INITIAL_MS: '20',
      WEBHOOK_RETRY_MAX_MS: '40',
      WEBHOOK_MAX_ATTEMPTS: '100',
    }).webhooks;
    const first = createWebhookDispatcher({ config, logger: testLogger, outbox: storeWebhookOutbox(store) });
    await first.publish([transition(1), transition(2)]);
    await waitFor(() => receiver.received.length >= 2 && rejecting.received.length >= 2);
    // A restart while the receiver is down: both messages stay pending for it; the 4xx ones are settled as failed.
    await first.stop(0);
    expect((await outboxStates(store, webhookKey({ url: receiver.url, secret: SECRET }))).map((m) => m.state)).toEqual(['pending', 'pending']);
    await waitFor(() => rejecting.received.length >= 2);
    const failed = await outboxStates(store, webhookKey({ url: rejecting.url, secret: SECRET }));
    expect(failed.map((m) => [m.transition_id, m.state, m.attempts])).toEqual([
      ['tr_outbox_1', 'failed', 1],
      ['tr_outbox_2', 'failed', 1],
    ]);

    // Each failed attempt is recorded, so the count goes on after the restart.
    const triedBefore = receiver.received.filter((r) => r.headers['idempotency-key'] === 'tr_outbox_1').length;
    const recorded = (await outboxStates(store, webhookKey({ url: receiver.url, secret: SECRET }))).find((m) => m.transition_id === 'tr_outbox_1')!;
    expect(recorded.attempts).toBeGreaterThanOrEqual(triedBefore - 1);
    expect(recorded.attempts).toBeGreaterThan(0);

    receiver.recover();
    const before = receiver.received.length;
    const second = createWebhookDispatcher({ config, logger: testLogger, outbox: storeWebhookOutbox(store) });
    expect(await second.resume()).toBe(2);
    await waitFor(() => receiver.received.length >= before + 2);
    const delivered = receiver.received.slice(before).map((r) => r.headers['idempotency-key']);
    expect(delivered).toEqual(['tr_outbox_1', 'tr_outbox_2']);
    expect(Number(receiver.received[before]!.headers['x-readiness-attempt'])).toBe(recorded.attempts + 1);
    await waitFor(() => second.pending === 0);
    let states: Array<{ state: string }> = [];
    for (let i = 0; i < 100; i++) {
      states = await outboxStates(store, webhookKey({ url: receiver.url, secret: SECRET }));
      if (states.every((m) => m.state === 'delivered')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(states.map((m) => m.state)).toEqual(['delivered', 'delivered']);
    // Nothing left to resume.
    const third = createWebhookDispatcher({ config, logger: testLogger, outbox: storeWebhookOutbox(store) });
    expect(await third.resume()).toBe(0);
    for (const d of [second, third]) await d.stop(0);
    for (const r of [receiver, rejecting]) await new Promise((resolve) => r.server.close(resolve));
  });

  it('delivers transitions another process recorded in the outbox (the command line), once, to matching subscriptions', async () => {
    const store = await createTestStore();
    const receiver = await startReceiver(0);
    const other = await startReceiver(0);
    const config = loadConfig({
      WEBHOOKS: JSON.stringify([
        { url: receiver.url, secret: SECRET, codes: ['low_engagement'] },
        { url: other.url, secret: SECRET, codes: ['champion_inactive'] },
      ]),
    }).webhooks;
    const transition = transitionFixture({ transition_id: 'tr_cli_1', flag_id: 'fl_cli' });
    // What `score`/`assess` do: record only.
    await webhookOutboxSink(config, storeWebhookOutbox(store)).publish([transition]);
    expect((await outboxStates(store, webhookKey({ url: receiver.url, secret: SECRET, codes: ['low_engagement'] }))).map((m) => m.state)).toEqual(['pending']);
    expect(await outboxStates(store, webhookKey({ url: other.url, secret: SECRET, codes: ['champion_inactive'] }))).toEqual([]);

    // What the service does on its outbox poll.
    const dispatcher = createWebhookDispatcher({ config, logger: testLogger, outbox: storeWebhookOutbox(store) });
    expect(await dispatcher.resume()).toBe(1);
    await waitFor(() => receiver.received.length >= 1);
    expect(receiver.received[0]!.headers['idempotency-key']).toBe('tr_cli_1');
    expect(JSON.parse(receiver.received[0]!.body.toString('utf8'))).toEqual(transition);
    let states: Array<{ state: string }> = [];
    for (let i = 0; i < 100 && states[0]?.state !== 'delivered'; i++) {
      states = await outboxStates(store, webhookKey({ url: receiver.url, secret: SECRET, codes: ['low_engagement'] }));
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(states.map((m) => m.state)).toEqual(['delivered']);
    expect(await dispatcher.resume()).toBe(0);
    await dispatcher.stop(0);
    expect(receiver.received).toHaveLength(1);
    expect(other.received).toHaveLength(0);
    for (const r of [receiver, other]) await new Promise((resolve) => r.server.close(resolve));
  });

  it('gives subscriptions with the same URL their own outbox lanes, and refuses two that cannot be told apart', async () => {
    const store = await createTestStore();
    const receiver = await startReceiver(0);
    const red = { url: receiver.url, secret: SECRET, severities: ['red'] };
    const warnings = { url: receiver.url, secret: OTHER_SECRET, severities: ['warning'] };
    const config = loadConfig({ WEBHOOKS: JSON.stringify([red, warnings]) }).webhooks;
    expect(webhookKey(config.subscriptions[0]!)).not.toBe(webhookKey(config.subscriptions[1]!));
    const outbox = storeWebhookOutbox(store);
    await webhookOutboxSink(config, outbox).publish([transitionFixture({ transition_id: 'tr_same_url', severity: 'red' })]);
    expect((await outboxStates(store, webhookKey(config.subscriptions[0]!))).map((m) => m.transition_id)).toEqual(['tr_same_url']);
    expect(await outboxStates(store, webhookKey(config.subscriptions[1]!))).toEqual([]);

    const twice = JSON.stringify([{ url: receiver.url, secret: SECRET }, { url: receiver.url, secret: OTHER_SECRET }]);
    expect(() => loadConfig({ WEBHOOKS: twice })).toThrow(/WEBHOOKS\.1: .*distinct "id"s/);
    const named = loadConfig({ WEBHOOKS: JSON.stringify([{ id: 'ops', url: receiver.url, secret: SECRET }, { id: 'csm', url: receiver.url, secret: OTHER_SECRET }]) }).webhooks;
    expect(webhookKey(named.subscriptions[0]!)).not.toBe(webhookKey(named.subscriptions[1]!));
    await new Promise((resolve) => receiver.server.close(resolve));
  });
});
