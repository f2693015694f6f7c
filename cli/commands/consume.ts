import type { Command } from 'commander';
import { parseOptionsFor, requireKafka, startIngestion } from '../../runtime/index.js';
import { DEFAULT_PRODUCT_HELP } from '../event-options.js';
import { action, EXIT, type RunEnv } from '../program.js';
import { PRODUCTS_HELP } from '../readiness-options.js';

export function registerConsume(program: Command, run: RunEnv): void {
  program
    .command('consume')
    .description('consume product events and account records from Kafka into the store until SIGTERM/SIGINT, as serve does (needs KAFKA_BROKERS)')
    .option('--default-product <name>', DEFAULT_PRODUCT_HELP)
    .option('--products <path>', PRODUCTS_HELP)
    .option('--json', 'on exit, print one JSON summary object as the last stdout line', false)
    .action(
      action(program, run, async (ctx, opts: { defaultProduct?: string; products?: string; json: boolean }) => {
        requireKafka(ctx, 'consume');
        const { signal, dispose } = run.shutdownSignal();
        try {
          const runtime = await ctx.runtime({ products: opts.products });
          const ingestion = startIngestion(runtime, { parse: parseOptionsFor(runtime, opts.defaultProduct) });
          // `finished` rejects when the consumer cannot start or fails for good: exit 1.
          const stopSignal = await Promise.race([signal, ingestion.events.finished.then(() => 'stopped')]).catch(async (error: unknown) => {
            await ingestion.stop().catch(() => undefined);
            throw error;
          });
          ctx.logger.info({ signal: stopSignal }, 'shutting down: storing and committing what is in flight');
          await ingestion.stop();
          const status = ingestion.events.status();
          ctx.logger.info(status, 'consumer stopped');
          if (opts.json) run.stdout(JSON.stringify(status));
          else run.stdout(`consumed ${status.received} messages: ${status.accepted} accepted, ${status.rejected} rejected, ${status.dropped} dropped`);
          return EXIT.OK;
        } finally {
          dispose();
        }
      }),
    );
}
