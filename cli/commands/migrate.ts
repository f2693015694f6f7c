import type { Command } from 'commander';
import { migrate } from '../../transforms/index.js';
import { action, type RunEnv } from '../program.js';

export function registerMigrate(program: Command, run: RunEnv): void {
  program
    .command('migrate')
    .description('create or upgrade the ClickHouse tables (also done automatically at start)')
    .option('--json', 'print the result as JSON', false)
    .action(
      action(program, run, async (ctx, opts: { json: boolean }) => {
        const store = await ctx.store(); // applies pending migrations
        const report = await migrate(store); // reports the current version
        if (opts.json) run.stdout(JSON.stringify({ store: store.kind, database: store.database, version: report.current }));
        else run.stdout(`${store.kind} store, database ${store.database}: schema at version ${report.current}`);
      }),
    );
}
