import type { Command } from 'commander';
import { createKafkaClient, startEventConsumer } from '../../ingest/index.js';
import type { KafkaConfig } from '../../schemas/config.js';
import { UsageError } from '../../schemas/errors.js';
import type { CommandContext } from '../context.js';
import { eventOptions, DEFAULT_PRODUCT_HELP } from '../event-options.js';
import { action, EXIT, type RunEnv } from '../program.js';
import { PRODUCTS_HELP } from '../readiness-options.js';
import { shutdownSignal } from '../shutdown-signal.js';

/** Kafka settings, or a usage error naming the variable that enables them. */
export function requireKafka(ctx: CommandContext, what: string): KafkaConfig {
  if (!ctx.config.kafka) {
    throw new UsageError(`${what} needs a Kafka broker: set KAFKA_BROKERS (comma-separated host:port list)`);
  }
  return ctx.config.kafka;
}

export function registerConsume(program: Command, run: RunEnv): void {
  program
    .command('consume')
    .description('consume product events from Kafka into the store until SIGTERM/SIGINT (needs KAFKA_BROKERS)')
    .option('--default-product <name>', DEFAULT_PRODUCT_HELP)
    .option('--products <path>', PRODUCTS_HELP)
    .option('--json', 'on exit, print one JSON summary object as the last stdout line', false)
    .action(
      action(program, run, async (ctx, opts: { defaultProduct?: string; products?: string; json: boolean }) => {
        const kafkaConfig = requireKafka(ctx, 'consume');
        const parse = await eventOptions(ctx, opts);
        const { signal, dispose } = shutdownSignal();
        const store = await ctx.store();
        const kafka = createKafkaClient(kafkaConfig, ctx.logger);
        try {
          const consumer = startEventConsumer({
            kafka,
            store,
            config: ctx.config.ingest,
            parse,
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
