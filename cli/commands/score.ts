import type { Command } from 'commander';
import { daysBetween, utcToday } from '../../schemas/day.js';
import { UsageError } from '../../schemas/errors.js';
import { runScoringPass, runScoringRange, type PassResult, type RangeProgress } from '../../runtime/index.js';
import { action, type RunEnv } from '../program.js';
import { dayOption, PRODUCTS_HELP } from '../readiness-options.js';

interface ScoreOptions {
  asOf?: string;
  from?: string;
  to?: string;
  products?: string;
  json: boolean;
}

const MAX_RANGE_DAYS = 3660;

function progressBar(p: RangeProgress, width = 30): string {
  const filled = Math.round((p.done / p.total) * width);
  return `\r[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${p.done}/${p.total} ${p.as_of}`;
}

function summaryLine(r: Pick<PassResult, 'as_of' | 'scored' | 'skipped' | 'transitions' | 'history_ahead' | 'duration_ms'>): string {
  const ahead = r.history_ahead > 0 ? `; ${r.history_ahead} with flag history after this day: no transitions recorded for them` : '';
  return `${r.as_of}: ${r.scored} account-products scored, ${r.transitions} flag transitions, ${r.skipped.length} skipped (${r.duration_ms} ms)${ahead}`;
}

export function registerScore(program: Command, run: RunEnv): void {
  program
    .command('score')
    .description('compute readiness for a day (or backfill a range): store snapshots, record and publish flag transitions')
    .option('--as-of <day>', 'day to score, YYYY-MM-DD (UTC); default: today')
    .option('--from <day>', 'first day of a backfill range, scored oldest first (with --to; default: none)')
    .option('--to <day>', 'last day of a backfill range (with --from; default: none)')
    .option('--products <path>', PRODUCTS_HELP)
    .option('--json', 'print one JSON summary object per scored day', false)
    .action(
      action(program, run, async (ctx, opts: ScoreOptions) => {
        const asOf = dayOption('--as-of', opts.asOf);
        const from = dayOption('--from', opts.from);
        const to = dayOption('--to', opts.to);
        if ((from === undefined) !== (to === undefined)) throw new UsageError('--from and --to go together');
        if (asOf !== undefined && from !== undefined) throw new UsageError('use either --as-of or --from/--to, not both');
        if (from !== undefined && to !== undefined) {
          if (to < from) throw new UsageError(`--to ${to} is before --from ${from}`);
          if (daysBetween(from, to) >= MAX_RANGE_DAYS) throw new UsageError(`--from/--to spans more than ${MAX_RANGE_DAYS} days`);
        }
        const runtime = await ctx.runtime({ products: opts.products });
        const scoring = runtime.scoring();
        const results: PassResult[] = [];
        if (from !== undefined && to !== undefined) {
          const tty = run.stderrIsTTY;
          results.push(
            ...(await runScoringRange(scoring, { from, to }, (p) => {
              if (tty) run.stderrText(progressBar(p) + (p.done === p.total ? '\n' : ''));
              else run.stderr(`score: ${p.done}/${p.total} ${summaryLine(p.result)}`);
            })),
          );
        } else {
          results.push(await runScoringPass(scoring, asOf ?? utcToday()));
        }
        for (const r of results) {
          if (opts.json) {
            const { transitions, ...rest } = r;
            run.stdout(JSON.stringify({ ...rest, transitions }));
          } else if (from === undefined) {
            run.stdout(summaryLine(r));
            for (const s of r.skipped) run.stderr(`skipped ${s.account_id}/${s.product}: ${s.reason}`);
          }
        }
        if (!opts.json && from !== undefined) {
          const transitions = results.reduce((n, r) => n + r.transitions, 0);
          run.stdout(`${from}..${to}: ${results.length} days scored, ${transitions} flag transitions`);
        }
      }),
    );
}
