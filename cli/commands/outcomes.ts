import type { Command } from 'commander';
import { loadOutcomesNdjson } from '../../runtime/index.js';
import { EXIT, action, type RunEnv } from '../program.js';
import { readInput } from '../input-file.js';

export function registerOutcomes(program: Command, run: RunEnv): void {
  const outcomes = program
    .command('outcomes')
    .description('account-product outcomes (renewed, expanded, churned, downgraded) that calibration compares with readiness at graduation');
  outcomes
    .command('load')
    .description('load outcomes from NDJSON (one per line; a later record for the same account-product replaces it); invalid lines are reported, valid ones loaded')
    .argument('<file>', 'NDJSON file of outcomes, or - for stdin')
    .option('--json', 'print one JSON summary object', false)
    .action(
      action(program, run, async (ctx, file: string, opts: { json: boolean }) => {
        const text = await readInput(file, run.stdin);
        const { store } = await ctx.runtime();
        const summary = await loadOutcomesNdjson(
          store,
          { now: () => new Date(), maxFutureSkewMs: ctx.config.ingest.maxFutureSkewMs, maxBytes: ctx.config.ingest.maxEventBytes },
          text,
          file === '-' ? 'stdin' : `file:${file}`,
        );
        for (const r of summary.rejected) run.stderr(`${file}: line ${r.line}: ${r.reason}`);
        const { records: _records, ...rest } = summary;
        if (opts.json) run.stdout(JSON.stringify({ ...rest, rejected_count: rest.rejected.length }));
        else run.stdout(`${file}: ${summary.loaded} outcomes loaded, ${summary.rejected.length} rejected (of ${summary.lines} lines)`);
        return summary.rejected.length > 0 ? EXIT.FAILURE : EXIT.OK;
      }),
    );
}
