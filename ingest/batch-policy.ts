/**
 * When a pending batch is sealed, as pure rules. BATCH_MAX_ROWS is a maximum: a fetch larger
 * than the room left is split across batches.
 */

export interface BatchLimits {
  batchMaxRows: number;
  batchMaxWaitMs: number;
}

/** How many of `incoming` records fit in a batch that holds `held`. */
export function roomFor(held: number, incoming: number, limits: BatchLimits): number {
  return Math.max(0, Math.min(incoming, limits.batchMaxRows - held));
}

/** A batch is due when full, or when its first record is `batchMaxWaitMs` old (`aged`: its timer fired). */
export function isDue(held: number, firstAt: number, now: number, aged: boolean, limits: BatchLimits): boolean {
  if (held === 0) return false;
  return aged || held >= limits.batchMaxRows || now - firstAt >= limits.batchMaxWaitMs;
}
