import type { Command } from 'commander';
import { migrationStatements, schemaVersion } from '../../runtime/index.js';
import { action, type RunEnv } from '../program.js';

export function registerMigrate(program: Command, run: RunEnv): void {
  program
    .command('migrate')
    .description('create or upgrade the ClickHouse tables (also done automatically at start)')
    .option('--json', 'print the result as JSON', false)
    .option(
      '--print',
      'print the SQL of every migration for this configuration (CLICKHOUSE_DATABASE, CLICKHOUSE_CLUSTER) without connecting or running it',
      false,
    )
    .action(
      action(program, run, async (ctx, opts: { json: boolean; print: boolean }) => {
        if (opts.print) {
          const { database, cluster } = ctx.config.store;
          const script = migrationStatements(ctx.config.store);
          if (opts.json) run.stdout(JSON.stringify({ database, cluster: cluster ?? null, statements: script.filter((s) => !s.startsWith('--')) }));
          else for (const statement of script) run.stdout(statement.startsWith('--') ? `\n${statement}` : `${statement};`);
          return;
        }
        const runtime = await ctx.runtime(); // applies pending migrations
        const version = await schemaVersion(runtime);
        const { store } = runtime;
        if (opts.json) run.stdout(JSON.stringify({ store: store.kind, database: store.database, version }));
        else run.stdout(`${store.kind} store, database ${store.database}: schema at version ${version}`);
      }),
    );
}
