import type { Command } from 'commander';
import { createKafkaClient, startEventConsumer } from '../../ingest/index.js';
import type { KafkaConfig } from '../../schemas/config.js';
import { UsageError } from '../../schemas/errors.js';
import type { CommandContext } from '../context.js';
import { action, EXIT, type RunEnv } from '../program.js';

/** Kafka settings, or a usage error naming the variable that enables them. */
export function requireKafka(ctx: CommandContext, what: string): KafkaConfig {
  if (!ctx.config.kafka) {
    throw new UsageError(`${what} needs a Kafka broker: set KAFKA_BROKERS (comma-separated host:port list)`);
  }
  return ctx.config.kafka;
}

/** Resolves on the first SIGTERM or SIGINT. */
function shutdownSignal(): { signal: Promise<NodeJS.Signals>; dispose: () => void } {
  let dispose = () => undefined as void;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals) => resolve(s);
    process.once('SIGTERM', on);
    process.once('SIGINT', on);
    dispose = () => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
    };
  });
  return { signal, dispose };
}

export function registerConsume(program: Command, run: RunEnv): void {
  program
    .command('consume')
    .description('consume product events from Kafka into the store until SIGTERM/SIGINT (needs KAFKA_BROKERS)')
    .option('--default-product <name>', 'product for events that name none', '')
    .option('--json', 'on exit, print one JSON summary object as the last stdout line', false)
    .action(
      action(program, run, async (ctx, opts: { defaultProduct: string; json: boolean }) => {
        const kafkaConfig = requireKafka(ctx, 'consume');
        const { signal, dispose } = shutdownSignal();
        const store = await ctx.store();
        const kafka = createKafkaClient(kafkaConfig, ctx.logger);
        try {
          const consumer = startEventConsumer({
            kafka,
            store,
            config: ctx.config.ingest,
            parse: {
              maxBytes: ctx.config.ingest.maxEventBytes,
              maxFutureSkewMs: ctx.config.ingest.maxFutureSkewMs,
              defaultProduct: opts.defaultProduct,
            },
            logger: ctx.logger,
          });
          consumer.ready.then(
            () => ctx.logger.info({ topics: kafkaConfig.eventsTopics, groupId: kafkaConfig.groupId }, 'consuming'),
            () => undefined,
          );
          // `finished` rejects when the consumer cannot start or fails for good: exit 1.
          const stopSignal = await Promise.race([signal, consumer.finished.then(() => 'stopped')]).catch(async (error: unknown) => {
            await consumer.stop().catch(() => undefined);
            throw error;
          });
          ctx.logger.info({ signal: stopSignal }, 'shutting down: storing and committing what is in flight');
          await consumer.stop();
          const status = consumer.status();
          ctx.logger.info(status, 'consumer stopped');
          if (opts.json) run.stdout(JSON.stringify(status));
          else run.stdout(`consumed ${status.received} messages: ${status.accepted} accepted, ${status.rejected} rejected, ${status.dropped} dropped`);
          return EXIT.OK;
        } finally {
          dispose();
          await kafka.close();
        }
      }),
    );
}
