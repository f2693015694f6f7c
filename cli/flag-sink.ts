import { createKafkaClient } from '../ingest/index.js';
import { kafkaFlagSink } from '../ingest/index.js';
import { fanOutSink, noFlagSink, type FlagSink } from '../scoring/index.js';
import { storeWebhookOutbox, webhookOutboxSink } from '../server/index.js';
import type { CommandContext } from './context.js';

/**
 * The flag sink a command publishes to: the flags topic when Kafka is
 * configured, and the webhook outbox when webhooks are (the service delivers
 * them), else none.
 */
export async function flagSinkFor(ctx: CommandContext): Promise<{ sink: FlagSink; close(): Promise<void> }> {
  const sinks: FlagSink[] = [];
  let close = async () => undefined as void;
  const kafka = ctx.config.kafka;
  if (kafka) {
    const client = createKafkaClient(kafka, ctx.logger);
    await client.ensureTopics([{ topic: kafka.flagsTopic }]);
    sinks.push(kafkaFlagSink(client, kafka.flagsTopic));
    close = () => client.close();
  }
  if (ctx.config.webhooks.subscriptions.length > 0) {
    sinks.push(webhookOutboxSink(ctx.config.webhooks, storeWebhookOutbox(await ctx.store())));
  }
  return { sink: sinks.length === 0 ? noFlagSink : fanOutSink(...sinks), close };
}
