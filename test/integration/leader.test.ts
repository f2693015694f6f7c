import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient, type KafkaClient } from '../../ingest/index.js';
import { loadConfig } from '../../schemas/config.js';
import { tempDataDir } from '../helpers/cli.js';
import { brokersForTests, suffix } from '../helpers/kafka.js';
import { testLogger } from '../helpers/logger.js';
import { READ_TOKEN, WRITE_TOKEN, call, freePort } from '../helpers/service.js';

/**
 * Two `serve` replicas (real processes, each with its own embedded store) on
 * the real broker, electing their leader through the consumer group
 * `<KAFKA_GROUP_ID>-leader`: exactly one runs the scoring schedule and
 * delivers webhooks; `kill -9` of the leader hands both duties to the other
 * within the session timeout; no webhook message is delivered by both.
 */

const BIN = join(process.cwd(), 'bin', 'usage-readiness.js');
const SESSION_TIMEOUT_MS = 6_000;
const SECRET = 'leader-test-secret-0001';

interface Replica {
  name: string;
  base: string;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

interface Delivery {
  replica: string;
  transitionId: string;
}

const brokers = await brokersForTests();

describe.skipIf(!brokers)('leader election between serve replicas (real broker, real processes)', () => {
  const id = suffix();
  const topics = { events: `t-lead-events-${id}`, accounts: `t-lead-accounts-${id}`, dlq: `t-lead-dlq-${id}`, flags: `t-lead-flags-${id}` };
  const deliveries: Delivery[] = [];
  const replicas: Replica[] = [];
  let receiver: Server;
  let receiverUrl: string;
  let admin: KafkaClient;

  beforeAll(async () => {
    admin = createKafkaClient(loadConfig({ KAFKA_BROKERS: brokers!.join(',') }).kafka!, testLogger);
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, partitions: 1 })));
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        deliveries.push({ replica: req.url!.slice(1), transitionId: String(req.headers['idempotency-key']) });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await new Promise((resolve) => receiver?.close(resolve));
    await admin?.deleteTopics([...Object.values(topics), `t-lead-group-${id}-leader`]).catch(() => undefined);
    await admin?.close();
  });

  async function startReplica(name: string): Promise<Replica> {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: join(tempDataDir(), 'data'),
        PORT: String(port),
        API_TOKENS: `${READ_TOKEN}:read,${WRITE_TOKEN}:read+write`,
        KAFKA_BROKERS: brokers!.join(','),
        KAFKA_GROUP_ID: `t-lead-group-${id}`,
        KAFKA_EVENTS_TOPIC: topics.events,
        KAFKA_ACCOUNTS_TOPIC: topics.accounts,
        KAFKA_DLQ_TOPIC: topics.dlq,
        KAFKA_FLAGS_TOPIC: topics.flags,
        KAFKA_LEADER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
        // The same data in both stores; a scoring pass every two seconds on the leader.
        DEMO_DATA: 'always',
        DEMO_BACKFILL_DAYS: '0',
        SCORING_CRON: '*/2 * * * * *',
        WEBHOOKS: JSON.stringify([{ url: `${receiverUrl}/${name}`, secret: SECRET }]),
        WEBHOOK_OUTBOX_POLL_MS: '500',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const replica: Replica = { name, base: `http://127.0.0.1:${port}`, child, stderr: () => stderr, exited };
    replicas.push(replica);
    return replica;
  }

  const role = async (r: Replica) =>
    call(r.base, '/readyz').then(
      (res) => (res.json as { role?: string } | undefined)?.role,
      () => undefined,
    );

  async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${replicas.map((r) => `--- ${r.name}\n${r.stderr().slice(-3000)}`).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Scheduled passes this replica ran, from its /metrics. */
  async function scheduledPasses(r: Replica): Promise<number> {
    const text = (await call(r.base, '/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith('usage_readiness_scoring_duration_seconds_count') && l.includes('trigger="schedule"') && l.includes('outcome="ok"'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  async function leaderGauge(r: Replica): Promise<number> {
    const line = (await call(r.base, '/metrics')).text.split('\n').find((l) => l.startsWith('usage_readiness_leader '));
    return Number(line?.split(' ')[1]);
  }

  /**
   * Assesses account-products of this replica's demo data (generated for a window ending today,
   * so which assessment moves a flag depends on the day) until one changes a flag, and returns
   * every account-product it assessed (skipping those in `skip`). All four CSM dimensions at 10, then at 1, flip whether an
   * overdue onboarding is "ready otherwise", which opens or resolves `onboarding_overdue`.
   */
  async function assessUntilTransition(r: Replica, since: string, skip: ReadonlyArray<{ account: string; product: string }> = []): Promise<Array<{ account: string; product: string }>> {
    const list = (await call(r.base, '/v1/readiness?limit=100', { token: READ_TOKEN })).json as { items: Array<{ account_id: string; product: string }> };
    const assessed: Array<{ account: string; product: string }> = [];
    for (const item of list.items) {
      if (skip.some((s) => s.account === item.account_id && s.product === item.product)) continue;
      const target = { account: item.account_id, product: item.product };
      assessed.push(target);
      for (const score of [10, 1]) {
        for (const dimension of ['technical', 'knowledge', 'value', 'stakeholder']) {
          const res = await call(r.base, `/v1/accounts/${target.account}/products/${target.product}/assessments`, {
            token: WRITE_TOKEN,
            body: { dimension, score, evidence: 'executive sponsor joined the QBR', assessed_by: 'Ana Souza' },
          });
          expect(res.status, res.text).toBe(201);
        }
        if ((await recordedSince(r, [target], since)).length > 0) return assessed;
      }
    }
    throw new Error(`no assessment of ${r.name}'s ${list.items.length} account-products changed a flag`);
  }

  /**
   * Transitions of these account-products recorded by this replica since `since`, whoever
   * recorded them there: the assessment's own re-scoring, or a scheduled pass of the leader
   * that scored the new assessment first.
   */
  async function recordedSince(r: Replica, targets: ReadonlyArray<{ account: string; product: string }>, since: string): Promise<string[]> {
    const ids: string[] = [];
    for (const t of targets) {
      const view = (await call(r.base, `/v1/accounts/${t.account}/products/${t.product}/readiness`, { token: READ_TOKEN })).json as {
        transitions: Array<{ transition_id: string; occurred_at: string }>;
      };
      ids.push(...view.transitions.filter((x) => x.occurred_at >= since).map((x) => x.transition_id));
    }
    return ids;
  }

  it('exactly one replica scores and delivers; kill -9 of the leader hands over within the session timeout; no message is delivered by both', async () => {
    const a = await startReplica('a');
    await waitUntil('replica a to be ready', async () => ((await role(a)) === 'leader' ? true : undefined), 150_000);
    const b = await startReplica('b');
    await waitUntil('replica b to be ready', async () => ((await role(b)) !== undefined ? true : undefined), 150_000);

    // One leader, one follower, the same over several heartbeats (the group has settled after b joined).
    const pair = async () => {
      const [ra, rb] = [await role(a), await role(b)];
      if (ra === 'leader' && rb === 'follower') return [a, b] as const;
      if (rb === 'leader' && ra === 'follower') return [b, a] as const;
      return undefined;
    };
    const [leader, follower] = await waitUntil(
      'one leader and one follower',
      async () => {
        const first = await pair();
        if (!first) return undefined;
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        return (await pair())?.[0] === first[0] ? first : undefined;
      },
      60_000,
    );
    expect(await leaderGauge(leader)).toBe(1);
    expect(await leaderGauge(follower)).toBe(0);

    // Exactly one scores: over several ticks of the two-second schedule only the leader's count grows.
    const before = { leader: await scheduledPasses(leader), follower: await scheduledPasses(follower) };
    await waitUntil('two scheduled passes on the leader', async () => ((await scheduledPasses(leader)) >= before.leader + 2 ? true : undefined), 30_000);
    // (A replica may have led for a moment while the group formed; it must not score once it follows.)
    expect(await scheduledPasses(follower)).toBe(before.follower);
    expect(await role(leader)).toBe('leader');

    // The leader delivers what its own re-scoring recorded; the follower only records.
    const since = new Date().toISOString();
    const leaderAssessed = await assessUntilTransition(leader, since);
    // Other account-products than the leader's: both stores hold the same data, and transition ids are stable.
    const followerAssessed = await assessUntilTransition(follower, since, leaderAssessed);
    // A scheduled pass still under way may record a transition of an assessed account-product a moment later.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const byLeader = await recordedSince(leader, leaderAssessed, since);
    const byFollower = await recordedSince(follower, followerAssessed, since);
    expect(byLeader.length).toBeGreaterThan(0);
    expect(byFollower.length).toBeGreaterThan(0);
    await waitUntil('the leader to deliver', async () => (byLeader.every((t) => deliveries.some((d) => d.transitionId === t)) ? true : undefined), 20_000);
    // Several of the follower's outbox polls (500 ms) go by: still nothing from it.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(deliveries.filter((d) => d.replica === follower.name)).toEqual([]);

    // kill -9: no goodbye to the group; the coordinator notices after the session timeout.
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited;
    await waitUntil('the follower to take over', async () => ((await role(follower)) === 'leader' ? true : undefined), SESSION_TIMEOUT_MS + 20_000);
    const handoverMs = Date.now() - killedAt;
    // The bound: the session timeout, a heartbeat and a rejoin.
    expect(handoverMs).toBeLessThan(SESSION_TIMEOUT_MS + 8_000);
    expect(await leaderGauge(follower)).toBe(1);

    // The new leader scores on schedule and delivers what waited in its outbox.
    await waitUntil('scheduled passes on the new leader', async () => ((await scheduledPasses(follower)) > before.follower ? true : undefined), 20_000);
    await waitUntil('the new leader to deliver', async () => (byFollower.every((t) => deliveries.some((d) => d.transitionId === t)) ? true : undefined), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // Every message exactly once, each by one replica only.
    const ids = deliveries.map((d) => d.transitionId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(deliveries.filter((d) => d.replica === leader.name).map((d) => d.transitionId).sort()).toEqual([...byLeader].sort());
    expect(deliveries.filter((d) => d.replica === follower.name).map((d) => d.transitionId).sort()).toEqual([...byFollower].sort());
    console.info(`leader handover after kill -9: ${handoverMs} ms (session timeout ${SESSION_TIMEOUT_MS} ms)`);

    follower.child.kill('SIGTERM');
    expect(await follower.exited, follower.stderr().slice(-3000)).toBe(0);
  });
});
