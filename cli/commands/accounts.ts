import type { Command } from 'commander';
import { loadAccountsNdjson } from '../../runtime/index.js';
import { EXIT, action, type RunEnv } from '../program.js';
import { readInput } from '../input-file.js';
import { PRODUCTS_HELP } from '../readiness-options.js';

export function registerAccounts(program: Command, run: RunEnv): void {
  const accounts = program.command('accounts').description('account records: licensed seats, dates, champions, key users, core features, critical workflows');
  accounts
    .command('load')
    .description('load account records from NDJSON (one per line; re-loading a record replaces it); invalid lines are reported, valid ones loaded')
    .argument('<file>', 'NDJSON file of account records, or - for stdin')
    .option('--products <path>', PRODUCTS_HELP)
    .option('--json', 'print one JSON summary object', false)
    .action(
      action(program, run, async (ctx, file: string, opts: { products?: string; json: boolean }) => {
        const runtime = await ctx.runtime({ products: opts.products });
        const text = await readInput(file, run.stdin);
        const summary = await loadAccountsNdjson(runtime.store, runtime.products, text, file === '-' ? 'stdin' : `file:${file}`);
        for (const r of summary.rejected) run.stderr(`${file}: line ${r.line}: ${r.reason}`);
        const { records: _records, ...rest } = summary;
        if (opts.json) run.stdout(JSON.stringify({ ...rest, rejected_count: rest.rejected.length }));
        else run.stdout(`${file}: ${summary.loaded} account records loaded, ${summary.rejected.length} rejected (of ${summary.lines} lines)`);
        return summary.rejected.length > 0 ? EXIT.FAILURE : EXIT.OK;
      }),
    );
}
