import { DIMENSIONS } from '../schemas/products.js';
import type { ReadinessReport } from './report.js';

/**
 * What changed between two snapshots of one account-product: which inputs
 * moved, which flags opened or resolved, and whether the cause is the data,
 * the configuration (a different config hash) or both.
 */

export interface InputChange {
  /** Dotted path in the report, e.g. `ratios.weekly`, `graduation.dimensions.value`. */
  field: string;
  before: unknown;
  after: unknown;
}

export type ChangeCause = 'none' | 'data' | 'configuration' | 'data_and_configuration';

export interface Explanation {
  from: string | null;
  to: string;
  cause: ChangeCause;
  config_changed: boolean;
  /** Inputs (telemetry metrics, CSM scores) that moved. */
  inputs: InputChange[];
  /** Results (usage, graduation) that moved. */
  results: InputChange[];
  flags_opened: string[];
  flags_resolved: string[];
  summary: string;
}

const INPUT_FIELDS = [
  'licensed_seats',
  'active_users.daily_avg',
  'active_users.weekly',
  'active_users.monthly',
  'ratios.daily',
  'ratios.weekly',
  'ratios.monthly',
  'trend.weekly_active',
  'trend.relative_slope',
  'core_features.activated',
  'core_features.regular',
  'core_features.total',
  'key_users.active',
  'champions.active',
  'workflows.runs',
  'workflows.successes',
  ...DIMENSIONS.filter((d) => d !== 'usage').map((d) => `graduation.dimensions.${d}.score`),
  'graduation.dimensions.usage.source',
  'onboarding.target_graduation_date',
];

const RESULT_FIELDS = ['usage.complete', 'usage.score', 'graduation.score', 'graduation.band', 'graduation.ready'];

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function diff(before: ReadinessReport, after: ReadinessReport, fields: readonly string[]): InputChange[] {
  const changes: InputChange[] = [];
  for (const field of fields) {
    const b = at(before, field);
    const a = at(after, field);
    if (JSON.stringify(b) !== JSON.stringify(a)) changes.push({ field, before: b ?? null, after: a ?? null });
  }
  return changes;
}

export function explainChange(before: ReadinessReport | undefined, after: ReadinessReport): Explanation {
  if (!before) {
    return {
      from: null,
      to: after.as_of,
      cause: 'none',
      config_changed: false,
      inputs: [],
      results: [],
      flags_opened: after.flags.map((f) => f.code),
      flags_resolved: [],
      summary: 'first snapshot: nothing to compare with',
    };
  }
  const inputs = diff(before, after, INPUT_FIELDS);
  const results = diff(before, after, RESULT_FIELDS);
  const beforeCodes = new Set(before.flags.map((f) => f.code));
  const afterCodes = new Set(after.flags.map((f) => f.code));
  const opened = [...afterCodes].filter((c) => !beforeCodes.has(c));
  const resolved = [...beforeCodes].filter((c) => !afterCodes.has(c));
  const configChanged = before.config_hash !== after.config_hash;
  const dataChanged = inputs.length > 0;
  const cause: ChangeCause = configChanged ? (dataChanged ? 'data_and_configuration' : 'configuration') : dataChanged ? 'data' : 'none';
  const parts: string[] = [];
  if (inputs.length > 0) parts.push(`inputs moved: ${inputs.map((c) => `${c.field} ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`).join(', ')}`);
  if (configChanged) parts.push(`configuration changed (${before.config_hash} → ${after.config_hash})`);
  if (opened.length > 0) parts.push(`flags opened: ${opened.join(', ')}`);
  if (resolved.length > 0) parts.push(`flags resolved: ${resolved.join(', ')}`);
  if (parts.length === 0) parts.push('no change');
  return {
    from: before.as_of,
    to: after.as_of,
    cause,
    config_changed: configChanged,
    inputs,
    results,
    flags_opened: opened,
    flags_resolved: resolved,
    summary: parts.join('; '),
  };
}
