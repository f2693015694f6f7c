import type { Command } from 'commander';
import { ReadinessError, ERROR_CODES, UsageError } from '../../schemas/errors.js';
import { accountReport } from '../../runtime/index.js';
import { action, type RunEnv } from '../program.js';
import { dayOption } from '../readiness-options.js';

const SOURCE_TITLES = { telemetry: 'product usage (telemetry)', assessment: 'CSM assessment', account: 'account record', configuration: 'configuration' } as const;

export function registerExplain(program: Command, run: RunEnv): void {
  program
    .command('explain')
    .description("what changed in an account-product's readiness since its previous snapshot, and whether data or configuration changed it")
    .argument('<account>', 'account id')
    .argument('<product>', 'product')
    .option('--as-of <day>', "snapshot to explain, YYYY-MM-DD (UTC); default: the latest")
    .option('--format <format>', 'text or json (json: the explanation object)', 'text')
    .action(
      action(program, run, async (ctx, account: string, product: string, opts: { asOf?: string; format: string }) => {
        const asOf = dayOption('--as-of', opts.asOf);
        if (opts.format !== 'text' && opts.format !== 'json') throw new UsageError(`--format ${JSON.stringify(opts.format)} must be text or json`);
        const { store } = await ctx.runtime();
        const view = await accountReport(store, { accountId: account, product, ...(asOf ? { asOf } : {}) });
        if (!view) {
          throw new ReadinessError(
            ERROR_CODES.NOT_FOUND,
            `no readiness snapshot of account ${account}, product ${product}${asOf ? ` on or before ${asOf}` : ''}; run \`usage-readiness score\` first`,
          );
        }
        const e = view.explanation;
        if (opts.format === 'json') {
          run.stdout(JSON.stringify({ account_id: account, product, ...e }));
          return;
        }
        run.stdout(`${account} / ${product}: ${e.from ?? '(first snapshot)'} → ${e.to}`);
        run.stdout(e.summary);
        for (const source of e.causes) {
          const lines = e.inputs.filter((c) => c.source === source);
          if (lines.length === 0) continue;
          run.stdout(`${SOURCE_TITLES[source]}:`);
          for (const c of lines) run.stdout(`  ${c.text}`);
        }
        if (e.config_changed) run.stdout(`configuration: thresholds or weights differ from the previous snapshot's`);
        if (e.results.length > 0) {
          run.stdout('results:');
          for (const c of e.results) run.stdout(`  ${c.text}`);
        }
      }),
    );
}
