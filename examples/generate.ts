/**
 * Deterministic generator of the bundled example data set: a few dozen accounts
 * on daily-, weekly- and periodic-use products, their users, about 90 days of
 * events, account records and CSM assessments. Same end day in, same bytes out.
 *
 *   node --import tsx examples/generate.ts [--end YYYY-MM-DD] [--out DIR]
 *
 * Scenarios are chosen so every readiness outcome appears: healthy accounts,
 * declining usage, low engagement, an idle champion, unused core features,
 * periodic accounts with failing critical workflows, overdue onboardings and
 * accounts still missing a CSM assessment. Each graduated account also gets an
 * outcome (renewed, expanded, churned, downgraded) drawn from its scenario's
 * churn odds, so calibration has something to measure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { AccountRecord } from '../schemas/accounts.js';
import type { Assessment } from '../schemas/assessment.js';
import type { OutcomeRecordInput } from '../schemas/outcome.js';

export const EXAMPLE_END_DAY = '2026-11-20';
export const EXAMPLE_DAYS = 90;

type Profile = 'daily' | 'weekly' | 'periodic';
type Scenario =
  | 'healthy'
  | 'declining'
  | 'low_engagement'
  | 'champion_idle'
  | 'features_unused'
  | 'ramping'
  | 'workflow_failures'
  | 'overdue';

interface ProductSpec {
  profile: Profile;
  events: string[];
  coreFeatures: string[];
  otherFeatures: string[];
  criticalWorkflows: string[];
}

const PRODUCTS: Record<string, ProductSpec> = {
  crm: {
    profile: 'daily',
    events: ['record_viewed', 'deal_updated', 'contact_created', 'email_logged'],
    coreFeatures: ['pipeline', 'contacts', 'activities'],
    otherFeatures: ['reports', 'settings'],
    criticalWorkflows: ['close_deal'],
  },
  projects: {
    profile: 'daily',
    events: ['task_updated', 'comment_added', 'board_viewed'],
    coreFeatures: ['tasks', 'boards'],
    otherFeatures: ['timeline', 'settings'],
    criticalWorkflows: ['sprint_close'],
  },
  analytics: {
    profile: 'weekly',
    events: ['report_viewed', 'dashboard_opened', 'query_run'],
    coreFeatures: ['dashboards', 'scheduled_reports'],
    otherFeatures: ['sql_editor', 'alerts'],
    criticalWorkflows: ['monthly_board_pack'],
  },
  compliance: {
    profile: 'periodic',
    events: ['control_reviewed', 'evidence_uploaded', 'audit_run'],
    coreFeatures: ['controls', 'evidence'],
    otherFeatures: ['policies'],
    criticalWorkflows: ['quarterly_audit', 'access_review'],
  },
};

const ACCOUNT_NAMES = [
  'acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka', 'tyrell', 'cyberdyne',
  'soylent', 'aperture', 'massive', 'vandelay', 'oscorp', 'gringotts', 'monarch', 'paper-street',
  'dunder', 'pied-piper', 'prestige', 'nakatomi', 'weyland', 'blue-sun', 'virtucon', 'zorg',
  'ollivander', 'bluth', 'sterling', 'kramerica', 'ghostbusters', 'duff', 'gekko', 'rekall', 'yoyodyne', 'spacely',
];

// Scenario mix per product profile; the first entries dominate.
const SCENARIOS: Record<Profile, Scenario[]> = {
  daily: ['healthy', 'healthy', 'declining', 'low_engagement', 'champion_idle', 'features_unused', 'ramping', 'overdue', 'healthy'],
  weekly: ['healthy', 'declining', 'low_engagement', 'healthy', 'features_unused', 'overdue'],
  periodic: ['healthy', 'workflow_failures', 'healthy', 'overdue', 'low_engagement'],
};

/** mulberry32: small, fast, deterministic (also used by tests that need reproducible data). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;
const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Account records as `accounts load` reads them, with the optional name and CSM filled in. */
export type ExampleAccount = AccountRecord & { account_name: string; csm: string };

/** CSM assessments of the four dimensions the CSM owns, as `assess --file` reads them. */
export type ExampleAssessment = Assessment & { dimension: Exclude<Assessment['dimension'], 'usage'> };

export interface ExampleDataSet {
  endDay: string;
  events: string[];
  accounts: ExampleAccount[];
  assessments: ExampleAssessment[];
  outcomes: OutcomeRecordInput[];
  scenarios: Record<string, Scenario>;
}

/**
 * Chance of churning or downgrading after graduation, by usage story: the
 * declining and disengaged churn more often, the healthy seldom — odds, not
 * rules, so calibration sees noise as real data has.
 */
const LOSS_ODDS: Record<Exclude<Scenario, 'ramping'>, number> = {
  healthy: 0.1,
  declining: 0.75,
  low_engagement: 0.55,
  champion_idle: 0.5,
  features_unused: 0.4,
  workflow_failures: 0.5,
  overdue: 0.45,
};

/**
 * Outcomes of the graduated accounts (ramping ones are still onboarding):
 * graduated one to four days before the end (after their CSM assessments), outcome on the end day.
 * Their own PRNG stream, so events stay byte-identical.
 */
function exampleOutcomes(accounts: readonly ExampleAccount[], scenarios: Record<string, Scenario>, end: number): OutcomeRecordInput[] {
  const random = rng(20_261_121);
  const outcomes: OutcomeRecordInput[] = [];
  for (const a of accounts) {
    const scenario = scenarios[`${a.account_id}/${a.product}`];
    if (scenario === undefined || scenario === 'ramping') continue;
    const lost = random() < LOSS_ODDS[scenario];
    const split = random();
    outcomes.push({
      account_id: a.account_id,
      product: a.product,
      outcome: lost ? (split < 0.6 ? 'churned' : 'downgraded') : split < (scenario === 'healthy' ? 0.4 : 0.15) ? 'expanded' : 'renewed',
      outcome_at: `${dayString(end)}T00:00:00Z`,
      graduated_at: dayString(end - (1 + Math.floor(random() * 4)) * DAY_MS),
    });
  }
  return outcomes;
}

/** Probability that a seat holder is active on a given day, by scenario and profile. */
function activity(profile: Profile, scenario: Scenario, dayIndex: number, days: number, weekday: number): number {
  const weekend = weekday === 0 || weekday === 6;
  const base = profile === 'daily' ? (weekend ? 0.08 : 0.72) : profile === 'weekly' ? (weekend ? 0.02 : 0.2) : weekend ? 0 : 0.06;
  const fromEnd = days - 1 - dayIndex; // 0 on the last day
  switch (scenario) {
    case 'declining':
      // Healthy until six weeks before the end, then fading to about a fifth.
      return fromEnd > 42 ? base : base * (0.2 + 0.8 * (fromEnd / 42));
    case 'low_engagement':
      return base * 0.75;
    case 'ramping':
      return fromEnd > 24 ? 0 : base * (0.4 + 0.6 * ((24 - fromEnd) / 24));
    default:
      return base;
  }
}

export function generateExample(endDay = EXAMPLE_END_DAY, days = EXAMPLE_DAYS): ExampleDataSet {
  const end = Date.parse(`${endDay}T00:00:00Z`);
  if (!Number.isFinite(end)) throw new Error(`end day ${JSON.stringify(endDay)} is not YYYY-MM-DD`);
  const start = end - (days - 1) * DAY_MS;
  const random = rng(20_261_120);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const events: string[] = [];
  const accounts: ExampleAccount[] = [];
  const assessments: ExampleAssessment[] = [];
  const scenarios: Record<string, Scenario> = {};
  const productNames = Object.keys(PRODUCTS);
  let eventSeq = 0;

  ACCOUNT_NAMES.forEach((name, i) => {
    const product = productNames[i % productNames.length]!;
    const spec = PRODUCTS[product]!;
    const scenarioList = SCENARIOS[spec.profile];
    const scenario = scenarioList[Math.floor(i / productNames.length) % scenarioList.length]!;
    scenarios[`${name}/${product}`] = scenario;
    const seats = spec.profile === 'periodic' ? 6 + Math.floor(random() * 6) : 10 + Math.floor(random() * 21);
    // Low-engagement accounts bought far more seats than they use.
    const users = scenario === 'low_engagement' ? Math.ceil(seats * 0.4) : spec.profile === 'periodic' ? seats : seats - Math.floor(random() * 2);
    const userIds = Array.from({ length: users }, (_, u) => `${name}-u${String(u + 1).padStart(2, '0')}`);
    const champion = userIds[0]!;
    const keyUsers = userIds.slice(0, Math.min(3, userIds.length));
    const onboardingStart = scenario === 'ramping' ? end - 24 * DAY_MS : start;
    const target = scenario === 'overdue' ? end - 45 * DAY_MS : onboardingStart + 120 * DAY_MS;
    accounts.push({
      account_id: name,
      account_name: name.replace(/(^|-)(\w)/g, (_m, sep: string, c: string) => `${sep ? ' ' : ''}${c.toUpperCase()}`),
      product,
      licensed_seats: seats,
      onboarding_started_at: dayString(onboardingStart),
      target_graduation_date: dayString(target),
      champion_user_ids: [champion],
      key_user_ids: keyUsers,
      core_features: spec.coreFeatures,
      critical_workflows: spec.criticalWorkflows,
      csm: pick(['Ana Souza', 'Diego Pérez', 'Maria Lima', 'Lucía Gómez']),
    });

    for (let d = 0; d < days; d++) {
      const dayStart = start + d * DAY_MS;
      const weekday = new Date(dayStart).getUTCDay();
      const fromEnd = days - 1 - d;
      for (const user of userIds) {
        let p = activity(spec.profile, scenario, d, days, weekday);
        if (user === champion && scenario === 'champion_idle' && fromEnd < 20) p = 0;
        if (user === champion && p > 0) p = Math.min(1, p * 1.2);
        if (spec.profile === 'periodic' && keyUsers.includes(user)) p = Math.min(1, p * 2.5);
        if (random() >= p) continue;
        const count = 1 + Math.floor(random() * 3);
        for (let k = 0; k < count; k++) {
          const ts = dayStart + Math.floor((7 + random() * 11) * 3_600_000) + Math.floor(random() * 60_000);
          let feature = random() < 0.8 ? pick(spec.coreFeatures) : pick(spec.otherFeatures);
          // One core feature is never touched in the last five weeks.
          if (scenario === 'features_unused' && feature === spec.coreFeatures[spec.coreFeatures.length - 1] && fromEnd < 35) {
            feature = pick(spec.otherFeatures);
          }
          let workflow = '';
          let status = '';
          const runsWorkflow = spec.profile === 'periodic' ? random() < 0.35 : random() < 0.05;
          if (runsWorkflow) {
            workflow = pick(spec.criticalWorkflows);
            const failRate = scenario === 'workflow_failures' ? 0.3 : 0.01;
            status = random() < failRate ? 'failed' : 'success';
          }
          eventSeq++;
          const event = pick(spec.events);
          const timestamp = new Date(ts).toISOString();
          // About one event in five arrives in the Segment/RudderStack track form.
          if (eventSeq % 5 === 0) {
            const properties: Record<string, unknown> = { product, feature };
            if (workflow) Object.assign(properties, { workflow, status });
            events.push(JSON.stringify({ type: 'track', messageId: `ex-${eventSeq}`, userId: user, event, timestamp, context: { groupId: name }, properties }));
          } else {
            const row: Record<string, unknown> = { event_id: `ex-${eventSeq}`, account_id: name, user_id: user, event, timestamp, product, feature };
            if (workflow) Object.assign(row, { workflow, status });
            events.push(JSON.stringify(row));
          }
        }
      }
    }

    // CSM assessments: most accounts fully assessed; every sixth still lacks a stakeholder review.
    const strong = scenario === 'healthy' || scenario === 'ramping';
    const dims: Array<ExampleAssessment['dimension']> = i % 6 === 5 ? ['technical', 'knowledge', 'value'] : ['technical', 'knowledge', 'value', 'stakeholder'];
    for (const dimension of dims) {
      const score = Math.max(3, Math.min(10, (strong ? 8 : 6) + Math.floor(random() * 3) - (dimension === 'stakeholder' && scenario === 'champion_idle' ? 3 : 0)));
      assessments.push({
        account_id: name,
        product,
        dimension,
        score,
        evidence: `${dimension} review for ${name}: ${score >= 8 ? 'criteria met' : score >= 6 ? 'mostly met, follow-ups open' : 'significant gaps'}`,
        assessed_by: accounts[accounts.length - 1]!.csm,
        assessed_at: `${dayString(end - (5 + Math.floor(random() * 20)) * DAY_MS)}T15:00:00Z`,
      });
    }
  });

  // A few malformed lines, so the quick start shows what rejection looks like.
  events.push('{"event_id": "ex-bad-1", "account_id": "acme"');
  events.push(JSON.stringify({ event_id: 'ex-bad-2', account_id: 'acme', user_id: 'acme-u01', event: 'record_viewed', timestamp: 'last tuesday', product: 'crm' }));
  events.push(JSON.stringify({ messageId: 'ex-bad-3', userId: 'globex-u01', event: 'report_viewed', timestamp: `${endDay}T10:00:00Z` }));

  return { endDay, events, accounts, assessments, outcomes: exampleOutcomes(accounts, scenarios, end), scenarios };
}

export function writeExample(dataSet: ExampleDataSet, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const ndjson = (rows: Array<string | object>) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
  writeFileSync(join(dir, 'events.ndjson'), ndjson(dataSet.events));
  writeFileSync(join(dir, 'accounts.ndjson'), ndjson(dataSet.accounts));
  writeFileSync(join(dir, 'assessments.ndjson'), ndjson(dataSet.assessments));
  writeFileSync(join(dir, 'outcomes.ndjson'), ndjson(dataSet.outcomes));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { end: { type: 'string', default: EXAMPLE_END_DAY }, out: { type: 'string', default: join('examples', 'data') } } });
  const dataSet = generateExample(values.end);
  writeExample(dataSet, values.out!);
  process.stdout.write(`${dataSet.events.length} events, ${dataSet.accounts.length} accounts, ${dataSet.assessments.length} assessments, ${dataSet.outcomes.length} outcomes → ${values.out}\n`);
}
