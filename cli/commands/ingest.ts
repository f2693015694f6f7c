import type { Command } from 'commander';
import { assertInputReadable, ingestEventsFile } from '../../runtime/index.js';
import { DEFAULT_PRODUCT_HELP } from '../event-options.js';
import { formatReasons } from '../reasons.js';
import { action, type RunEnv } from '../program.js';
import { PRODUCTS_HELP } from '../readiness-options.js';

export function registerIngest(program: Command, run: RunEnv): void {
  program
    .command('ingest')
    .description('read NDJSON events from a file (or - for stdin) into the store, then exit')
    .requiredOption('--file <path>', 'NDJSON file of events, or - for stdin')
    .option('--dlq <path>', 'also write rejected lines here as NDJSON: line, reason, message, text (default: none; they are always counted in the rejections table)')
    .option('--default-product <name>', DEFAULT_PRODUCT_HELP)
    .option('--products <path>', PRODUCTS_HELP)
    .option('--json', 'print one JSON summary object as the last stdout line', false)
    .action(
      action(program, run, async (ctx, opts: { file: string; dlq?: string; defaultProduct?: string; products?: string; json: boolean }) => {
        await assertInputReadable(opts.file); // before the runtime opens the store: a typo must not create an empty one
        const runtime = await ctx.runtime({ products: opts.products });
        const summary = await ingestEventsFile(runtime, { path: opts.file, stdin: run.stdin, dlqPath: opts.dlq, defaultProduct: opts.defaultProduct });
        ctx.logger.info(summary, 'ingest finished');
        if (opts.json) {
          run.stdout(JSON.stringify(summary));
        } else {
          const reasons = formatReasons(summary.rejectedByReason);
          run.stdout(
            `${summary.source}: ${summary.accepted} accepted, ${summary.rejected} rejected${reasons ? ` (${reasons})` : ''}, ` +
              `${summary.dropped} dropped, ${summary.batches} batches in ${summary.durationMs} ms` +
              (summary.rejected > 0 && opts.dlq ? `; rejected lines in ${opts.dlq}` : ''),
          );
        }
      }),
    );
}
