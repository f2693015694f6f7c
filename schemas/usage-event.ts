/**
 * The internal event every wire form is normalised to, and the options validation reads. Kept
 * apart from the wire schemas (event.ts) so the zod path and the fast path (event-fast.ts) share
 * them without importing each other.
 */

/** Workflow run outcome, normalised so success rates can be computed. */
export type RunStatus = 'success' | 'failure' | '';
const SUCCESS = new Set(['success', 'succeeded', 'ok', 'completed', 'complete', 'passed', 'done']);
const FAILURE = new Set(['failure', 'failed', 'error', 'errored', 'fail', 'cancelled', 'canceled', 'timeout']);

export function normaliseStatus(raw: string | null | undefined): RunStatus {
  const s = (raw ?? '').trim().toLowerCase();
  if (SUCCESS.has(s)) return 'success';
  if (FAILURE.has(s)) return 'failure';
  return '';
}

/** The one internal event type every source is normalised to. */
export interface UsageEvent {
  eventId: string;
  accountId: string;
  userId: string;
  event: string;
  /** Epoch milliseconds, UTC. */
  timestamp: number;
  product: string;
  feature: string;
  workflow: string;
  status: RunStatus;
  properties: Record<string, unknown>;
}

export interface ParseOptions {
  /** Largest accepted message, bytes. */
  maxBytes: number;
  /** Reject timestamps later than now + this (ms). */
  maxFutureSkewMs: number;
  /** Reject timestamps before this (epoch ms). */
  minTimestampMs: number;
  /** Product assumed when an event names none (single-product deployments). */
  defaultProduct: string;
  /** Clock, injectable for tests. */
  now?: () => number;
}

