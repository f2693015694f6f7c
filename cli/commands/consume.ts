import type { Command } from 'commander';
import { parseOptionsFor, requireKafka, startConsuming } from '../../runtime/index.js';
import { INGEST_STOP_TIMEOUT_MS } from '../../schemas/config.js';
import { DEFAULT_PRODUCT_HELP } from '../event-options.js';
import { action, EXIT, type RunEnv } from '../program.js';
import { PRODUCTS_HELP } from '../readiness-options.js';

export function registerConsume(program: Command, run: RunEnv): void {
  program
    .command('consume')
    .description('consume product events and account records from Kafka into the store until SIGTERM/SIGINT, as serve does (needs KAFKA_BROKERS); METRICS_PORT serves its metrics')
    .option('--default-product <name>', DEFAULT_PRODUCT_HELP)
    .option('--products <path>', PRODUCTS_HELP)
    .option('--json', 'on exit, print one JSON summary object as the last stdout line', false)
    .action(
      action(program, run, async (ctx, opts: { defaultProduct?: string; products?: string; json: boolean }) => {
        requireKafka(ctx, 'consume');
        const { signal, dispose } = run.shutdownSignal();
        let exitTimer: NodeJS.Timeout | undefined;
        let stalled = false;
        try {
          const runtime = await ctx.runtime({ products: opts.products });
          const consuming = await startConsuming(runtime, { parse: parseOptionsFor(runtime, opts.defaultProduct) });
          const { ingestion } = consuming;
          if (consuming.metricsEndpoint) run.stdout(`metrics on ${consuming.metricsEndpoint.url}`);
          void signal.then(() => {
            // The consumer stores and commits what it holds within INGEST_STOP_TIMEOUT_MS, else leaves it
            // to be read again. Whatever still holds the event loop after that (a client's own retry
            // timers, a stalled socket) must not keep the stopped process alive.
            exitTimer = setTimeout(() => process.exit(process.exitCode ?? EXIT.OK), INGEST_STOP_TIMEOUT_MS + 5_000).unref();
          });
          // `finished` rejects when the consumer cannot start or fails for good: exit 1.
          const stopSignal = await Promise.race([signal, ingestion.events.finished.then(() => 'stopped')]).catch(async (error: unknown) => {
            await consuming.stop().catch(() => undefined);
            throw error;
          });
          ctx.logger.info({ signal: stopSignal }, 'shutting down: storing and committing what is in flight');
          const stopStarted = Date.now();
          await consuming.stop();
          // A stop that used up its grace period gave up on a stalled client, whose retry timers and
          // sockets may still hold the event loop: the exit timer is left to end the process.
          stalled = Date.now() - stopStarted >= INGEST_STOP_TIMEOUT_MS;
          const status = ingestion.events.status();
          ctx.logger.info(status, 'consumer stopped');
          if (opts.json) run.stdout(JSON.stringify(status));
          else run.stdout(`consumed ${status.received} messages: ${status.accepted} accepted, ${status.rejected} rejected, ${status.dropped} dropped`);
          return EXIT.OK;
        } finally {
          // Stopped in time: nothing left to cut short (and main() may run on in its caller's process).
          if (!stalled) clearTimeout(exitTimer);
          dispose();
        }
      }),
    );
}
