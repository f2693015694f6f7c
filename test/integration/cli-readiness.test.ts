import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafkaClient, readTopicToEnd } from '../../ingest/index.js';
import { loadConfig } from '../../schemas/config.js';
import type { FlagTransition } from '../../schemas/flags.js';
import type { ReadinessReport } from '../../scoring/index.js';
import { lastJson, runCli, tempDataDir } from '../helpers/cli.js';

/**
 * Events → ingest → accounts load → score → report --format json through the
 * real CLI, checked against numbers worked out by hand below; with
 * KAFKA_BROKERS set, the flag transitions are read back from the broker.
 *
 * D = 2026-11-20 (a Friday). acme/crm has 5 seats, champion u1, core features
 * pipeline and contacts, target graduation 2026-10-10 (41 days before D).
 *  - u1…u4 active Mon 16 … Fri 20: 4 users each business day → daily_avg 4, daily ratio 0.8
 *  - u5 active Sat 14 only → weekly (D-6…D) 5 → ratio 1.0; monthly 5 → 1.0
 *  - u1, u2 on Nov 10 (window k=1); u1 on Nov 3 (k=2) → weekly_active [0,0,0,1,2,5]
 *    slope = Σ(x-2.5)·y / 17.5 = (0.5·1 + 1.5·2 + 2.5·5) / 17.5 = 16/17.5 = 0.9143; mean 8/6 → relative 0.6857
 *  - pipeline used in windows 0, 1, 2 → regular; contacts never → activated 1, regular 1, total 2
 *  - flags: usage_below_threshold (core features not all regular), core_features_unused (contacts),
 *    onboarding_overdue (41 > 30 days and not ready)
 *  - usage.score: attainments 1, 1, 0.5, 1 → 8 × 3.5/4 = 7.00 (red flag cap 7.9 does not bite)
 */

const D = '2026-11-20';
let id = 0;
const ev = (user: string, day: string, feature = '') =>
  JSON.stringify({ event_id: `e${++id}`, account_id: 'acme', user_id: user, event: 'open', timestamp: `${day}T09:00:00Z`, product: 'crm', feature });

function events(): string {
  const lines: string[] = [];
  for (const day of ['16', '17', '18', '19', '20']) {
    lines.push(ev('u1', `2026-11-${day}`, 'pipeline'), ev('u2', `2026-11-${day}`), ev('u3', `2026-11-${day}`), ev('u4', `2026-11-${day}`));
  }
  lines.push(ev('u5', '2026-11-14'), ev('u1', '2026-11-10', 'pipeline'), ev('u2', '2026-11-10'), ev('u1', '2026-11-03', 'pipeline'));
  return `${lines.join('\n')}\n`;
}

const ACCOUNT = {
  account_id: 'acme',
  product: 'crm',
  licensed_seats: 5,
  onboarding_started_at: '2026-09-01',
  target_graduation_date: '2026-10-10',
  champion_user_ids: ['u1'],
  key_user_ids: ['u1', 'u2'],
  core_features: ['pipeline', 'contacts'],
  critical_workflows: [],
};

const brokers = process.env.KAFKA_BROKERS;

describe('readiness through the CLI', () => {
  it('events → score → report --format json, then assessments make it ready', async () => {
    const dir = tempDataDir();
    const flagsTopic = `readiness-flags-${randomBytes(4).toString('hex')}`;
    const env: Record<string, string> = { DATA_DIR: join(dir, 'data') };
    if (brokers) Object.assign(env, { KAFKA_BROKERS: brokers, KAFKA_FLAGS_TOPIC: flagsTopic });
    writeFileSync(join(dir, 'events.ndjson'), events());
    writeFileSync(join(dir, 'accounts.ndjson'), `${JSON.stringify(ACCOUNT)}\n`);

    expect((await runCli(['ingest', '--file', join(dir, 'events.ndjson')], { env })).code).toBe(0);
    const loaded = await runCli(['accounts', 'load', join(dir, 'accounts.ndjson')], { env });
    expect(loaded.code, loaded.stderr).toBe(0);
    const scored = await runCli(['score', '--as-of', D], { env });
    expect(scored.code, scored.stderr).toBe(0);
    expect(scored.stdout).toMatch(/1 account-products scored, 3 flag transitions/);

    const res = await runCli(['report', '--format', 'json', '--as-of', D], { env });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim().split('\n')).toHaveLength(1);
    const [report] = JSON.parse(res.stdout) as ReadinessReport[];
    expect(report).toMatchObject({
      account_id: 'acme',
      product: 'crm',
      product_type: 'daily',
      as_of: D,
      licensed_seats: 5,
      active_users: { daily_avg: 4, weekly: 5, monthly: 5 },
      ratios: { daily: 0.8, weekly: 1, monthly: 1 },
      trend: { weekly_active: [0, 0, 0, 1, 2, 5], slope: 0.9143, relative_slope: 0.6857 },
      core_features: { activated: 1, regular: 1, total: 2 },
      usage: { complete: false, score: 7 },
      graduation: { score: null, band: 'incomplete', ready: false, missing: ['technical', 'knowledge', 'value', 'stakeholder'] },
    });
    expect(report!.flags.map((f) => [f.code, f.severity])).toEqual([
      ['onboarding_overdue', 'red'],
      ['usage_below_threshold', 'warning'],
      ['core_features_unused', 'warning'],
    ]);
    expect(report!.flags[0]!.message).toMatch(/41 days past its target graduation date 2026-10-10/);

    // The seed's scorecard: technical 9, knowledge 8, usage 7 (telemetry), value 9, stakeholder 8 → 8.3, ready.
    const assessments = [
      ['technical', '9'],
      ['knowledge', '8'],
      ['value', '9'],
      ['stakeholder', '8'],
    ];
    for (const [dimension, score] of assessments) {
      const a = await runCli(['assess', 'acme', 'crm', '--dimension', dimension!, '--score', score!, '--evidence', 'review', '--by', 'Ana', '--at', `${D}T12:00:00Z`], { env });
      expect(a.code, a.stderr).toBe(0);
    }
    const after = JSON.parse((await runCli(['report', '--format', 'json', '--account', 'acme'], { env })).stdout) as ReadinessReport[];
    expect(after[0]!.graduation).toMatchObject({ score: 8.3, band: 'ready', ready: true, missing: [] });
    expect(after[0]!.flags.map((f) => f.code)).toEqual(['usage_below_threshold', 'core_features_unused']);

    // Re-running the day publishes nothing new.
    const rerun = await runCli(['score', '--as-of', D], { env });
    expect(rerun.stdout).toMatch(/0 flag transitions/);

    // The explanation of the latest snapshot: the first one, so everything is new and from data.
    const explained = await runCli(['explain', 'acme', 'crm', '--format', 'json'], { env });
    expect(explained.code, explained.stderr).toBe(0);
    expect(JSON.parse(explained.stdout)).toMatchObject({ account_id: 'acme', product: 'crm', from: null, to: D, config_changed: false });
    const text = await runCli(['explain', 'acme', 'crm'], { env });
    expect(text.stdout).toContain(`acme / crm: (first snapshot) → ${D}`);
    const missing = await runCli(['explain', 'nobody', 'crm'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NOT_FOUND.*account nobody, product crm/);
    expect((await runCli(['explain', 'acme', 'crm', '--format', 'yaml'], { env })).code).toBe(2);

    if (brokers) {
      const config = loadConfig({ KAFKA_BROKERS: brokers, KAFKA_FLAGS_TOPIC: flagsTopic });
      const kafka = createKafkaClient(config.kafka!, pino({ level: 'silent' }));
      const messages: Array<{ key: string | null; value: FlagTransition }> = [];
      try {
        await readTopicToEnd(
          kafka,
          flagsTopic,
          async (records) => {
            for (const r of records) messages.push({ key: r.key?.toString() ?? null, value: JSON.parse(r.value!.toString()) as FlagTransition });
          },
          { logger: pino({ level: 'silent' }) },
        );
      } finally {
        await kafka.deleteTopics([flagsTopic]).catch(() => undefined);
        await kafka.close();
      }
      expect(messages.every((m) => m.key === 'acme')).toBe(true);
      expect(messages.map((m) => `${m.value.code}:${m.value.kind}`).sort()).toEqual(
        ['core_features_unused:opened', 'onboarding_overdue:opened', 'onboarding_overdue:resolved', 'usage_below_threshold:opened'].sort(),
      );
      const overdue = messages.filter((m) => m.value.code === 'onboarding_overdue').map((m) => m.value);
      expect(overdue[0]!.flag_id).toBe(overdue[1]!.flag_id);
      expect(new Set(messages.map((m) => m.value.transition_id)).size).toBe(messages.length);
    }
  });

  it('names the bad input: products file, account line, assessment, --as-of', async () => {
    const dir = tempDataDir();
    const env = { DATA_DIR: join(dir, 'data') };
    const badProducts = join(dir, 'products.json');
    writeFileSync(badProducts, '{"products":{"crm":{"profile":"hourly"}}}');
    const p = await runCli(['score', '--as-of', D, '--products', badProducts], { env });
    expect(p.code).toBe(1);
    expect(p.stderr).toContain(`products file ${badProducts}: products.crm.profile`);
    const envProducts = await runCli(['accounts', 'load', join(dir, 'x.ndjson')], { env: { ...env, PRODUCTS_FILE: badProducts } });
    expect(envProducts.stderr).toContain(badProducts);

    const accounts = join(dir, 'accounts.ndjson');
    writeFileSync(accounts, [JSON.stringify(ACCOUNT), JSON.stringify({ ...ACCOUNT, account_id: 'b', licensed_seats: -1 }), '{oops'].join('\n'));
    const a = await runCli(['accounts', 'load', accounts, '--json'], { env });
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/line 2: licensed_seats/);
    expect(a.stderr).toMatch(/line 3: not JSON/);
    expect(lastJson(a.stdout)).toMatchObject({ loaded: 1, rejected_count: 2 });

    const noReason = await runCli(['assess', 'acme', 'crm', '--dimension', 'usage', '--score', '5', '--evidence', 'x', '--by', 'Ana'], { env });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/reason: a usage override requires a reason/);
    const badScore = await runCli(['assess', 'acme', 'crm', '--dimension', 'value', '--score', 'lots', '--evidence', 'x', '--by', 'Ana'], { env });
    expect(badScore.code).toBe(2);
    expect(badScore.stderr).toMatch(/score/);
    const file = join(dir, 'assessments.ndjson');
    writeFileSync(file, [JSON.stringify({ account_id: 'acme', product: 'crm', dimension: 'value', score: 12, evidence: 'x', assessed_by: 'A', assessed_at: '2026-11-01' })].join('\n'));
    const bulk = await runCli(['assess', '--file', file], { env });
    expect(bulk.code).toBe(1);
    expect(bulk.stderr).toMatch(/line 1: score: score must be between 0 and 10/);

    const day = await runCli(['report', '--as-of', '2026-13-01'], { env });
    expect(day.code).toBe(2);
    expect(day.stderr).toMatch(/--as-of "2026-13-01"/);
    const range = await runCli(['score', '--from', '2026-11-10'], { env });
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/--from and --to go together/);
  });
});
