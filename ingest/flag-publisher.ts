import type { FlagTransition } from '../schemas/flags.js';
import type { FlagSink } from '../scoring/flag-sink.js';
import type { KafkaClient } from './kafka-client.js';

/**
 * Publishes flag transitions to the flags topic as JSON, keyed by account id
 * so one account's transitions stay in order on one partition. Consumers
 * de-duplicate on `transition_id` (delivery is at-least-once).
 */

const CHUNK = 500;

export function kafkaFlagSink(kafka: KafkaClient, topic: string): FlagSink {
  return {
    async publish(transitions: readonly FlagTransition[]) {
      for (let i = 0; i < transitions.length; i += CHUNK) {
        await kafka.sendMessages(
          topic,
          transitions.slice(i, i + CHUNK).map((t) => ({
            key: t.account_id,
            value: JSON.stringify(t),
            headers: { 'content-type': 'application/json', 'transition-id': t.transition_id },
          })),
        );
      }
    },
  };
}
