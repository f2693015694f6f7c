import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagTransition } from '../../schemas/flags.js';
import { createWebhookDispatcher, verifySignature } from '../../server/index.js';
import { loadConfig } from '../../schemas/config.js';
import { testLogger } from '../helpers/logger.js';
import { WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/** A real HTTP receiver on 127.0.0.1 that records every request and fails the first `failFirst` of them. */
interface Received {
  headers: IncomingMessage['headers'];
  body: Buffer;
}

async function startReceiver(failFirst: number, failStatus = 503): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = received.length <= failFirst ? failStatus : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/readiness`, received, server };
}

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
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
      const signature = delivery.headers['x-readiness-signature'] as string;
      expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifySignature(SECRET, delivery.body, signature)).toBe(true);
      expect(verifySignature(OTHER_SECRET, delivery.body, signature)).toBe(false);
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
    const transition: FlagTransition = {
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
    };
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
    await waitFor(() => down.received.length >= 3 && rejecting.received.length >= 1);
    expect(rejecting.received).toHaveLength(1);
    expect(outcomes).toContain('rejecting:failed');
    expect(dispatcher.pending).toBe(1);
    // The receiver that keeps failing still holds its message when the grace period ends.
    expect(await dispatcher.stop(100)).toBe(1);
    const attempts = down.received.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(down.received.length).toBe(attempts);
    for (const r of [rejecting, down]) await new Promise((resolve) => r.server.close(resolve));
  });
});
