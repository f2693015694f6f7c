import type { Command } from 'commander';
import { UsageError } from '../../schemas/errors.js';
import { latestReports, productTypeSummary } from '../../runtime/index.js';
import { reportsCsv } from '../../scoring/index.js';
import { action, type RunEnv } from '../program.js';
import { dayOption, PRODUCTS_HELP } from '../readiness-options.js';
import { reportTable, rollupTable } from '../report-table.js';

interface ReportOptions {
  asOf?: string;
  account?: string;
  product?: string;
  format: string;
  by?: string;
  products?: string;
}

export function registerReport(program: Command, run: RunEnv): void {
  program
    .command('report')
    .description('print stored readiness reports, most at risk first (run `score` first)')
    .option('--as-of <day>', 'reports of this day, YYYY-MM-DD (UTC); default: each account-product\'s latest snapshot')
    .option('--account <id>', 'only this account (default: every account)')
    .option('--product <name>', 'only this product (default: every product)')
    .option('--format <format>', 'table, json (one JSON array on stdout) or csv (one row per account-product, with a header)', 'table')
    .option('--products <path>', PRODUCTS_HELP)
    .option('--by <grouping>', 'product-type: per product type, accounts per band, median ratios, flag shares and the 12-week usage trend (default: one row per account-product)')
    .action(
      action(program, run, async (ctx, opts: ReportOptions) => {
        const asOf = dayOption('--as-of', opts.asOf);
        if (!['table', 'json', 'csv'].includes(opts.format)) throw new UsageError(`--format ${JSON.stringify(opts.format)} must be table, json or csv`);
        if (opts.format === 'csv' && opts.by !== undefined) throw new UsageError('--format csv lists account-products; it does not combine with --by');
        if (opts.by !== undefined && opts.by !== 'product-type') throw new UsageError(`--by ${JSON.stringify(opts.by)} must be product-type`);
        const { store, products } = await ctx.runtime({ products: opts.products });
        const reports = await latestReports(store, { asOf, accountId: opts.account, product: opts.product });
        if (reports.length === 0) {
          run.stderr(`no readiness snapshots${asOf ? ` for ${asOf}` : ''}${opts.account ? ` of account ${opts.account}` : ''}; run \`usage-readiness score\` first`);
        }
        if (opts.by === 'product-type') {
          const { items: rollups } = await productTypeSummary(store, products, { asOf });
          if (opts.format === 'json') run.stdout(JSON.stringify(rollups));
          else for (const line of rollupTable(rollups)) run.stdout(line);
          return;
        }
        if (opts.format === 'json') {
          run.stdout(JSON.stringify(reports));
          return;
        }
        if (opts.format === 'csv') {
          // stdout() adds the line end the CSV's last row already has.
          run.stdout(reportsCsv(reports).replace(/\r?\n$/, ''));
          return;
        }
        const colour = run.stdoutIsTTY && !run.env.NO_COLOR;
        for (const line of reportTable(reports, colour)) run.stdout(line);
      }),
    );
}
