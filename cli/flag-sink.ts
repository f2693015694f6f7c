import { createKafkaClient } from '../ingest/index.js';
import { kafkaFlagSink } from '../ingest/index.js';
import { noFlagSink, type FlagSink } from '../scoring/index.js';
import type { CommandContext } from './context.js';

/** The flag sink a command publishes to: the flags topic when Kafka is configured, else none. */
export async function flagSinkFor(ctx: CommandContext): Promise<{ sink: FlagSink; close(): Promise<void> }> {
  const kafka = ctx.config.kafka;
  if (!kafka) return { sink: noFlagSink, close: async () => undefined };
  const client = createKafkaClient(kafka, ctx.logger);
  await client.ensureTopics([{ topic: kafka.flagsTopic }]);
  return { sink: kafkaFlagSink(client, kafka.flagsTopic), close: () => client.close() };
}
