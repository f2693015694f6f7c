/**
 * The outcome of one pipeline step for one input: accepted, dead-lettered
 * (kept with its reason so it can be replayed after a fix) or dropped
 * (deliberately ignored, e.g. a Segment `identify` call).
 */
export const REJECTION_REASONS = [
  'invalid_utf8',
  'invalid_json',
  'oversized',
  'schema_violation',
  'future_timestamp',
  'timestamp_out_of_range',
  /** JSON nested deeper than MAX_JSON_DEPTH (schemas/text.ts). */
  'too_deep',
  /** Valid to the schema but refused by the store as a statement error; the engine's message is kept. */
  'store_rejected',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const DROP_REASONS = ['not_a_track_call'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface Ok<T> {
  readonly kind: 'ok';
  readonly value: T;
}
export interface DeadLetter {
  readonly kind: 'dead_letter';
  readonly reason: RejectionReason;
  /** Human-readable detail: which field, what was wrong. */
  readonly message: string;
}
export interface Drop {
  readonly kind: 'drop';
  readonly reason: DropReason;
  readonly message: string;
}
export type StepResult<T> = Ok<T> | DeadLetter | Drop;

export const ok = <T>(value: T): Ok<T> => ({ kind: 'ok', value });
export const deadLetter = (reason: RejectionReason, message: string): DeadLetter => ({ kind: 'dead_letter', reason, message });
export const drop = (reason: DropReason, message: string): Drop => ({ kind: 'drop', reason, message });

export const isOk = <T>(r: StepResult<T>): r is Ok<T> => r.kind === 'ok';
export const isDeadLetter = <T>(r: StepResult<T>): r is DeadLetter => r.kind === 'dead_letter';
export const isDrop = <T>(r: StepResult<T>): r is Drop => r.kind === 'drop';
