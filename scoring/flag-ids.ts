import { createHash } from 'node:crypto';
import type { FlagCode, TransitionKind } from '../schemas/flags.js';

const digest = (parts: readonly (string | number)[], length: number) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, length);

/** Stable for the whole life of a flag: the same (account, product, code) always gets the same id. */
export function flagId(accountId: string, product: string, code: FlagCode): string {
  return `fl_${digest([accountId, product, code], 20)}`;
}

/** Unique per transition and deterministic, so recording or publishing it twice is recognisable downstream. */
export function transitionId(flag: string, sequence: number, kind: TransitionKind, asOf: string): string {
  return `tr_${digest([flag, sequence, kind, asOf], 24)}`;
}
