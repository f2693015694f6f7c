import { DIMENSIONS } from '../schemas/products.js';
import type { ReadinessReport } from './report.js';
import { FLAG_TITLES, list, percent, trendPhrase } from './wording.js';

/**
 * What changed between two snapshots of one account-product: which inputs
 * moved and where each came from (telemetry, a CSM assessment, the account
 * record, the configuration), which results and flags followed, in words
 * beside the machine-readable fields.
 */

/** Where a moved input comes from. */
export type ChangeSource = 'telemetry' | 'assessment' | 'account' | 'configuration';

export interface InputChange {
  /** Dotted path in the report, e.g. `ratios.weekly`, `graduation.dimensions.value`. */
  field: string;
  before: unknown;
  after: unknown;
  source: ChangeSource | 'result';
  /** The change in words ("Weekly active 13% → 16% of seats"). */
  text: string;
}

/** Kept for API clients: `data` covers telemetry, assessments and the account record together. */
export type ChangeCause = 'none' | 'data' | 'configuration' | 'data_and_configuration';

export interface Explanation {
  from: string | null;
  to: string;
  cause: ChangeCause;
  /** Every source that moved something, in a fixed order. */
  causes: ChangeSource[];
  config_changed: boolean;
  /** Inputs (telemetry metrics, CSM scores, account record) that moved. */
  inputs: InputChange[];
  /** Results (usage, graduation) that moved. */
  results: InputChange[];
  flags_opened: string[];
  flags_resolved: string[];
  /** The whole change in one or two sentences. */
  summary: string;
}

type Field = { path: string; source: ChangeSource | 'result'; text: (before: unknown, after: unknown) => string };

const num = (v: unknown) => (typeof v === 'number' ? String(Math.round(v * 100) / 100) : v === null || v === undefined ? '—' : String(v));
const pct = (v: unknown) => (typeof v === 'number' ? percent(v) : '—');
const yesNo = (v: unknown) => (v === true ? 'yes' : v === false ? 'no' : '—');
const arrow = (label: string, f: (v: unknown) => string) => (b: unknown, a: unknown) => `${label} ${f(b)} → ${f(a)}`;
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const SOURCE_WORDS: Record<ChangeSource, string> = {
  telemetry: 'product usage (telemetry)',
  assessment: 'a CSM assessment',
  account: 'the account record',
  configuration: 'the configuration (thresholds or weights)',
};

const INPUT_FIELDS: Field[] = [
  { path: 'licensed_seats', source: 'account', text: arrow('Licensed seats', num) },
  { path: 'onboarding.target_graduation_date', source: 'account', text: arrow('Target graduation date', num) },
  { path: 'active_users.daily_avg', source: 'telemetry', text: arrow('Daily active users (average)', num) },
  { path: 'active_users.weekly', source: 'telemetry', text: arrow('Weekly active users', num) },
  { path: 'active_users.monthly', source: 'telemetry', text: arrow('Monthly active users', num) },
  { path: 'ratios.daily', source: 'telemetry', text: (b, a) => `Daily active ${pct(b)} → ${pct(a)} of seats` },
  { path: 'ratios.weekly', source: 'telemetry', text: (b, a) => `Weekly active ${pct(b)} → ${pct(a)} of seats` },
  { path: 'ratios.monthly', source: 'telemetry', text: (b, a) => `Monthly active ${pct(b)} → ${pct(a)} of seats` },
  {
    path: 'trend.weekly_active',
    source: 'telemetry',
    text: (b, a) => `Weekly active users of the last 6 weeks ${Array.isArray(b) ? b.join(', ') : '—'} → ${Array.isArray(a) ? a.join(', ') : '—'}`,
  },
  {
    path: 'trend.relative_slope',
    source: 'telemetry',
    text: (b, a) => `Trend ${typeof b === 'number' ? trendPhrase(b, 6) : '—'} → ${typeof a === 'number' ? trendPhrase(a, 6) : '—'}`,
  },
  { path: 'core_features.activated', source: 'telemetry', text: arrow('Core features used in 4 weeks', num) },
  { path: 'core_features.regular', source: 'telemetry', text: arrow('Core features used regularly', num) },
  { path: 'core_features.total', source: 'account', text: arrow('Core features listed', num) },
  { path: 'key_users.active', source: 'telemetry', text: arrow('Active key users', num) },
  { path: 'champions.active', source: 'telemetry', text: arrow('Active champions', num) },
  { path: 'workflows.runs', source: 'telemetry', text: arrow('Critical-workflow runs', num) },
  { path: 'workflows.successes', source: 'telemetry', text: arrow('Critical-workflow successes', num) },
  ...DIMENSIONS.filter((d) => d !== 'usage').map(
    (d): Field => ({ path: `graduation.dimensions.${d}.score`, source: 'assessment', text: arrow(`${capital(d)} score`, num) }),
  ),
  {
    path: 'graduation.dimensions.usage.source',
    source: 'assessment',
    text: (b, a) => `Usage score ${a === 'override' ? 'now set by a CSM override' : b === 'override' ? 'back to telemetry (override removed)' : `source ${num(b)} → ${num(a)}`}`,
  },
];

const RESULT_FIELDS: Field[] = [
  { path: 'usage.complete', source: 'result', text: arrow('Usage complete', yesNo) },
  { path: 'usage.score', source: 'result', text: arrow('Usage score', num) },
  { path: 'graduation.score', source: 'result', text: arrow('Graduation score', num) },
  { path: 'graduation.band', source: 'result', text: (b, a) => `Band ${String(b).replace('_', ' ')} → ${String(a).replace('_', ' ')}` },
  { path: 'graduation.ready', source: 'result', text: arrow('Ready to graduate', yesNo) },
];

const SOURCE_ORDER: ChangeSource[] = ['telemetry', 'assessment', 'account', 'configuration'];

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function diff(before: ReadinessReport, after: ReadinessReport, fields: readonly Field[]): InputChange[] {
  const changes: InputChange[] = [];
  for (const f of fields) {
    const b = at(before, f.path) ?? null;
    const a = at(after, f.path) ?? null;
    if (JSON.stringify(b) !== JSON.stringify(a)) changes.push({ field: f.path, before: b, after: a, source: f.source, text: f.text(b, a) });
  }
  return changes;
}

const titles = (codes: readonly string[]) => list(codes.map((c) => FLAG_TITLES[c as keyof typeof FLAG_TITLES] ?? c));

export function explainChange(before: ReadinessReport | undefined, after: ReadinessReport): Explanation {
  if (!before) {
    return {
      from: null,
      to: after.as_of,
      cause: 'none',
      causes: [],
      config_changed: false,
      inputs: [],
      results: [],
      flags_opened: after.flags.map((f) => f.code),
      flags_resolved: [],
      summary: 'First snapshot: nothing earlier to compare with.',
    };
  }
  const inputs = diff(before, after, INPUT_FIELDS);
  // A ratio that moved only because the seat count did is the account record's doing, not usage's.
  const movedPaths = new Set(inputs.map((c) => c.field));
  for (const c of inputs) {
    const window = c.field.startsWith('ratios.') ? c.field.slice('ratios.'.length) : undefined;
    const usersPath = window === 'daily' ? 'active_users.daily_avg' : `active_users.${window}`;
    if (window && movedPaths.has('licensed_seats') && !movedPaths.has(usersPath)) c.source = 'account';
  }
  const results = diff(before, after, RESULT_FIELDS);
  const beforeCodes = new Set(before.flags.map((f) => f.code));
  const afterCodes = new Set(after.flags.map((f) => f.code));
  const opened = [...afterCodes].filter((c) => !beforeCodes.has(c));
  const resolved = [...beforeCodes].filter((c) => !afterCodes.has(c));
  const configChanged = before.config_hash !== after.config_hash;
  const dataChanged = inputs.length > 0;
  const cause: ChangeCause = configChanged ? (dataChanged ? 'data_and_configuration' : 'configuration') : dataChanged ? 'data' : 'none';
  const moved = new Set<ChangeSource>(inputs.map((c) => c.source as ChangeSource));
  if (configChanged) moved.add('configuration');
  const causes = SOURCE_ORDER.filter((s) => moved.has(s));

  const sentences: string[] = [];
  if (causes.length === 0) sentences.push('Nothing changed.');
  else sentences.push(`Changed by ${list(causes.map((c) => SOURCE_WORDS[c]))}.`);
  const mainResults = results.filter((r) => r.field === 'graduation.score' || r.field === 'graduation.band' || r.field === 'graduation.ready');
  if (mainResults.length > 0) sentences.push(`${mainResults.map((r) => r.text).join('; ')}.`);
  if (opened.length > 0) sentences.push(`Opened: ${titles(opened)}.`);
  if (resolved.length > 0) sentences.push(`Resolved: ${titles(resolved)}.`);
  return {
    from: before.as_of,
    to: after.as_of,
    cause,
    causes,
    config_changed: configChanged,
    inputs,
    results,
    flags_opened: opened,
    flags_resolved: resolved,
    summary: sentences.join(' '),
  };
}
