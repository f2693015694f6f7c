import type { FlagTransition } from '../schemas/flags.js';

/**
 * Where a scoring pass sends the flag transitions it recorded (Kafka topic,
 * webhooks, Server-Sent Events…). A pass calls `publish` once per chunk of
 * account-products with that chunk's new transitions, in order, before storing
 * them: a crash in between re-publishes the same transition ids on the next
 * pass (at-least-once), never loses one.
 */
export interface FlagSink {
  publish(transitions: readonly FlagTransition[]): Promise<void>;
}

/** Publishes nowhere (no Kafka configured). */
export const noFlagSink: FlagSink = { publish: async () => undefined };

/** Publishes to every sink in turn; the first failure fails the publish. */
export function fanOutSink(...sinks: FlagSink[]): FlagSink {
  return {
    async publish(transitions) {
      for (const sink of sinks) await sink.publish(transitions);
    },
  };
}
