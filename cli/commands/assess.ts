import type { Command } from 'commander';
import { parseAssessment } from '../../schemas/assessment.js';
import { UsageError } from '../../schemas/errors.js';
import { loadAssessmentsNdjson, recordAssessment } from '../../runtime/index.js';
import { EXIT, action, type RunEnv } from '../program.js';
import { readInput } from '../input-file.js';
import { PRODUCTS_HELP } from '../readiness-options.js';

interface AssessOptions {
  dimension?: string;
  score?: string;
  evidence?: string;
  by?: string;
  reason?: string;
  at?: string;
  file?: string;
  products?: string;
  json: boolean;
}

export function registerAssess(program: Command, run: RunEnv): void {
  program
    .command('assess')
    .description('record a CSM assessment (0–10) of one scorecard dimension and re-score the account-product; or load many with --file')
    .argument('[account]', 'account id')
    .argument('[product]', 'product name')
    .option('--dimension <dimension>', 'technical, knowledge, value, stakeholder, or usage (an override; needs --reason); required without --file')
    .option('--score <n>', 'score from 0 to 10; required without --file')
    .option('--evidence <text>', 'what the score is based on; required without --file')
    .option('--by <name>', 'who assessed; required without --file')
    .option('--reason <text>', 'why the telemetry usage score is overridden (required for --dimension usage)')
    .option('--at <time>', 'when it was assessed, ISO-8601 with zone; default: now')
    .option('--file <path>', 'NDJSON file of assessments (or - for stdin) instead of one on the command line')
    .option('--products <path>', PRODUCTS_HELP)
    .option('--json', 'print the result as JSON', false)
    .action(
      action(program, run, async (ctx, account: string | undefined, product: string | undefined, opts: AssessOptions) => {
        const runtime = await ctx.runtime({ products: opts.products });
        const { products } = runtime;
        if (opts.file !== undefined) {
          if (account !== undefined || opts.dimension !== undefined) throw new UsageError('--file loads assessments from a file; give no account, product or --dimension with it');
          const text = await readInput(opts.file, run.stdin);
          const summary = await loadAssessmentsNdjson(runtime.scoring(), text, opts.file);
          for (const r of summary.rejected) run.stderr(`${opts.file}: line ${r.line}: ${r.reason}`);
          if (opts.json) run.stdout(JSON.stringify({ source: summary.source, lines: summary.lines, loaded: summary.loaded, rejected: summary.rejected, rescored: summary.reports.length }));
          else run.stdout(`${opts.file}: ${summary.loaded} assessments recorded, ${summary.rejected.length} rejected (of ${summary.lines} lines); ${summary.reports.length} account-products re-scored`);
          return summary.rejected.length > 0 ? EXIT.FAILURE : EXIT.OK;
        }
        if (account === undefined || product === undefined) throw new UsageError('give ACCOUNT and PRODUCT (or --file PATH)');
        const missing = (['dimension', 'score', 'evidence', 'by'] as const).filter((k) => opts[k] === undefined);
        if (missing.length > 0) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
        if (!(product in products.products)) throw new UsageError(`product ${JSON.stringify(product)} is not in ${products.source} (${Object.keys(products.products).join(', ')})`);
        const score = opts.score!.trim() === '' ? Number.NaN : Number(opts.score);
        const parsed = parseAssessment({
          account_id: account,
          product,
          dimension: opts.dimension,
          score: Number.isFinite(score) ? score : opts.score,
          evidence: opts.evidence,
          assessed_by: opts.by,
          assessed_at: opts.at ?? new Date().toISOString(),
          ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        });
        if (!parsed.ok) throw new UsageError(`invalid assessment: ${parsed.reason.replaceAll('assessed_by', '--by').replaceAll('assessed_at', '--at')}`);
        const result = await recordAssessment(runtime.scoring(), parsed.value);
        const report = result.report;
        if (opts.json) {
          run.stdout(JSON.stringify({ assessment: result.stored, report: report ?? null }));
        } else {
          run.stdout(`recorded ${parsed.value.dimension} ${parsed.value.score} for ${account}/${product} (${result.stored.assessment_id})`);
          if (report) {
            const g = report.graduation;
            run.stdout(`${report.as_of}: graduation ${g.score ?? '—'} (${g.band}), ready: ${g.ready ? 'yes' : 'no'}${g.blockers.length ? ` — ${g.blockers.join('; ')}` : ''}`);
          }
        }
        return EXIT.OK;
      }),
    );
}
