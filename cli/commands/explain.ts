import type { Command } from 'commander';
import { ReadinessError, ERROR_CODES, UsageError } from '../../schemas/errors.js';
import { accountReport } from '../../scoring/index.js';
import { action, type RunEnv } from '../program.js';
import { dayOption } from '../readiness-options.js';

const CAUSES = {
  none: 'nothing changed',
  data: 'the data changed (same configuration)',
  configuration: 'the configuration changed (same data)',
  data_and_configuration: 'both the data and the configuration changed',
} as const;

const show = (value: unknown) => (Array.isArray(value) ? value.join(', ') : value === null ? '—' : String(value));

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
        const store = await ctx.store();
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
        run.stdout(`cause: ${CAUSES[e.cause]}`);
        for (const [title, changes] of [
          ['inputs that moved', e.inputs],
          ['results that moved', e.results],
        ] as const) {
          if (changes.length === 0) continue;
          run.stdout(`${title}:`);
          for (const c of changes) run.stdout(`  ${c.field}: ${show(c.before)} → ${show(c.after)}`);
        }
        if (e.flags_opened.length > 0) run.stdout(`flags opened: ${e.flags_opened.join(', ')}`);
        if (e.flags_resolved.length > 0) run.stdout(`flags resolved: ${e.flags_resolved.join(', ')}`);
      }),
    );
}
