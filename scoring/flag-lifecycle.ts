import type { FlagCode, FlagTransition, Severity, TransitionKind } from '../schemas/flags.js';
import type { FlagStateRecord } from './inputs.js';
import type { FlagCondition } from './flag-rules.js';
import { flagId, transitionId } from './flag-ids.js';
import { FLAG_TITLES } from './wording.js';

/**
 * Flag lifecycle with hysteresis:
 *  - a flag that is not open opens when its condition is `active`;
 *  - an open flag resolves only when its condition is `cleared` (for threshold
 *    rules: past the threshold by the configured margin), otherwise it stays
 *    open, even if the metric is back on the good side of the bare threshold;
 *  - an open flag whose condition still holds emits `updated` only when its severity or its subjects
 *    change, or when its number moves by at least `update_min_change`
 *    since the last transition.
 * Transitions compare against the state after the latest transition on or
 * before the scored day, so re-scoring a day with the same data yields none.
 */

export interface OpenFlag {
  id: string;
  code: FlagCode;
  severity: Severity;
  message: string;
  /** The flag's number in a few characters, for a chip. */
  short: string;
  value: number;
  subjects: string[];
  opened_on: string;
  /** True while the condition itself no longer holds but has not cleared the hysteresis margin. */
  held: boolean;
}

export interface LifecycleResult {
  open: OpenFlag[];
  transitions: FlagTransition[];
  states: FlagStateRecord[];
}

export interface LifecycleContext {
  accountId: string;
  product: string;
  asOf: string;
  /** ISO-8601 time of the pass. */
  occurredAt: string;
  updateMinChange: number;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function applyLifecycle(
  conditions: readonly FlagCondition[],
  previous: ReadonlyMap<FlagCode, FlagStateRecord>,
  ctx: LifecycleContext,
): LifecycleResult {
  const open: OpenFlag[] = [];
  const transitions: FlagTransition[] = [];
  const states: FlagStateRecord[] = [];
  for (const c of conditions) {
    const id = flagId(ctx.accountId, ctx.product, c.code);
    const prev = previous.get(c.code);
    const wasOpen = prev?.state === 'open';
    let kind: TransitionKind | undefined;
    if (!wasOpen && c.active) kind = 'opened';
    else if (wasOpen && c.cleared) kind = 'resolved';
    else if (wasOpen && c.active) {
      // A held flag (condition gone, margin not yet cleared) stays as last published: no updates while it hovers.
      const moved = c.tracksValue && Math.abs(c.value - prev.value) >= ctx.updateMinChange;
      if (c.severity !== prev.severity || !sameList(c.subjects, prev.subjects) || moved) kind = 'updated';
    }
    const openedOn = kind === 'opened' ? ctx.asOf : (prev?.opened_on ?? ctx.asOf);
    const stillOpen = kind === 'opened' || kind === 'updated' || (wasOpen && kind === undefined);
    const held = stillOpen && !c.active;
    const message = held ? `${c.message} (back on the good side of the threshold; stays open until it clears it by the margin)` : c.message;
    if (stillOpen) {
      open.push({ id, code: c.code, severity: c.severity, message, short: c.short, value: c.value, subjects: c.subjects, opened_on: openedOn, held });
    }
    if (kind === undefined) continue;
    const sequence = (prev?.sequence ?? 0) + 1;
    const text = kind === 'resolved' ? `Resolved: ${c.message || `${FLAG_TITLES[c.code]} no longer applies`}` : message;
    transitions.push({
      transition_id: transitionId(id, sequence, kind, ctx.asOf),
      flag_id: id,
      account_id: ctx.accountId,
      product: ctx.product,
      code: c.code,
      kind,
      severity: c.severity,
      message: text,
      value: c.value,
      subjects: c.subjects,
      sequence,
      as_of: ctx.asOf,
      occurred_at: ctx.occurredAt,
    });
    states.push({
      flag_id: id,
      account_id: ctx.accountId,
      product: ctx.product,
      code: c.code,
      state: kind === 'resolved' ? 'resolved' : 'open',
      severity: c.severity,
      message: text,
      value: c.value,
      subjects: c.subjects,
      sequence,
      opened_on: openedOn,
      last_changed_on: ctx.asOf,
    });
  }
  return { open, transitions, states };
}
