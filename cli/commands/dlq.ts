import type { Command } from 'commander';
import { replayDeadLetters, requireKafka } from '../../runtime/index.js';
import { UsageError } from '../../schemas/errors.js';
import { DEFAULT_PRODUCT_HELP } from '../event-options.js';
import { formatReasons } from '../reasons.js';
import { action, EXIT, type RunEnv } from '../program.js';
import { PRODUCTS_HELP } from '../readiness-options.js';

interface ReplayFlags {
  fromTopic?: string | boolean;
  file?: string;
  dlq?: string;
  defaultProduct?: string;
  products?: string;
  json: boolean;
}

export function registerDlq(program: Command, run: RunEnv): void {
  const dlq = program.command('dlq').description('dead-lettered input: re-submit it after a fix');
  dlq
    .command('replay')
    .description('re-validate dead-lettered messages and store those that now pass, then exit')
    .option('--from-topic [topic]', 'read the dead-letter topic (default KAFKA_DLQ_TOPIC) from its beginning to its current end')
    .option('--file <path>', 'read a DLQ file written by ingest --dlq')
    .option('--dlq <path>', 'write messages that still fail here (NDJSON, the ingest --dlq format); default: they are only counted')
    .option('--default-product <name>', DEFAULT_PRODUCT_HELP)
    .option('--products <path>', PRODUCTS_HELP)
    .option('--json', 'print one JSON summary object as the last stdout line', false)
    .action(
      action(program, run, async (ctx, opts: ReplayFlags) => {
        const fromTopic = opts.fromTopic !== undefined && opts.fromTopic !== false;
        if (fromTopic === (opts.file !== undefined)) {
          throw new UsageError('dlq replay needs exactly one source: --from-topic [topic] or --file <path>');
        }
        const kafkaConfig = fromTopic ? requireKafka(ctx, 'dlq replay --from-topic') : undefined;
        const runtime = await ctx.runtime({ products: opts.products });
        const source = kafkaConfig ? { topic: typeof opts.fromTopic === 'string' ? opts.fromTopic : kafkaConfig.dlqTopic } : { file: opts.file! };
        const summary = await replayDeadLetters(runtime, source, { dlqPath: opts.dlq, defaultProduct: opts.defaultProduct });
        ctx.logger.info(summary, 'replay finished');
        if (opts.json) {
          run.stdout(JSON.stringify(summary));
        } else {
          const reasons = formatReasons(summary.rejectedByReason);
          run.stdout(
            `${summary.source}: ${summary.received} replayed, ${summary.accepted} accepted, ${summary.rejected} still rejected` +
              `${reasons ? ` (${reasons})` : ''}, ${summary.dropped} dropped in ${summary.durationMs} ms` +
              (summary.rejected > 0 && opts.dlq ? `; still rejected in ${opts.dlq}` : '') +
              (summary.complete ? '' : '; the topic read stopped early (see the log)'),
          );
        }
        return summary.complete ? EXIT.OK : EXIT.FAILURE;
      }),
    );
}
