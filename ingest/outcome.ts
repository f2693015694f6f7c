import type { UsageEvent } from '../schemas/event.js';
import type { RejectionReason, StepResult } from '../schemas/result.js';

/**
 * The one place where the result of validating an input is acted on, for every source (Kafka
 * events, file and stdin, DLQ replay, the accounts topic): accepted inputs go to the source's batch, dropped ones are
 * counted, rejected ones are counted by reason and handed to the source's `rejected` (which
 * writes the rejection row and the dead-letter copy in the source's own form). Events the store
 * refuses come back here as `store_rejected`.
 */

export interface IngestCounts {
  /** Inputs read: messages, lines or dead-letter entries. */
  received: number;
  accepted: number;
  rejected: number;
  dropped: number;
  rejectedByReason: Partial<Record<RejectionReason, number>>;
}

/** The summary every source reports (the CLI prints it with `--json`). */
export interface IngestSummary extends IngestCounts {
  source: string;
  /** Insert batches written. */
  batches: number;
  /** False when a bounded read (a topic replay) stopped before its end offsets. */
  complete: boolean;
  durationMs: number;
}

export const emptyCounts = (): IngestCounts => ({ received: 0, accepted: 0, rejected: 0, dropped: 0, rejectedByReason: {} });

export interface OutcomeHooks {
  onRecords?(counts: { accepted: number; rejected: number; dropped: number }): void;
  onRejected?(reason: RejectionReason): void;
}

/**
 * What a source does with the inputs of one batch (`T`: its pending batch or writer; `O`: what it
 * keeps of an input to dead-letter it, a Kafka record or a line).
 */
export interface OutcomeTargets<V, O, T> {
  accept(target: T, value: V, origin: O): void;
  /** Writes the rejection row and the dead-letter copy, in the source's own form. */
  reject(target: T, origin: O, reason: RejectionReason, message: string): void | Promise<void>;
}

export class OutcomeHandler<O, T, V = UsageEvent> {
  readonly counts: IngestCounts = emptyCounts();

  constructor(
    private readonly targets: OutcomeTargets<V, O, T>,
    private readonly hooks: OutcomeHooks = {},
  ) {}

  /** Acts on one input's validation result. Resolves once a rejected input's copy is written. */
  handle(result: StepResult<V>, origin: O, target: T): void | Promise<void> {
    this.counts.received++;
    if (result.kind === 'ok') {
      this.counts.accepted++;
      this.targets.accept(target, result.value, origin);
      return undefined;
    }
    if (result.kind === 'drop') {
      this.counts.dropped++;
      return undefined;
    }
    return this.reject(target, origin, result.reason, result.message);
  }

  /** An accepted input the store refused: it moves from accepted to rejected as `store_rejected`. */
  refused(origin: O, message: string, target: T): void | Promise<void> {
    this.counts.accepted--;
    return this.reject(target, origin, 'store_rejected', message);
  }

  private reject(target: T, origin: O, reason: RejectionReason, message: string): void | Promise<void> {
    this.counts.rejected++;
    this.counts.rejectedByReason[reason] = (this.counts.rejectedByReason[reason] ?? 0) + 1;
    this.hooks.onRejected?.(reason);
    return this.targets.reject(target, origin, reason, message);
  }
}
