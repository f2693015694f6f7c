import type { Command } from 'commander';
import { UsageError } from '../../schemas/errors.js';
import { calibrate, calibrateWhatIf, loadProductsFile } from '../../runtime/index.js';
import { calibrationTable, whatIfTable } from '../calibration-table.js';
import { action, type RunEnv } from '../program.js';

interface CalibrateOptions {
  format: string;
  products?: string;
}

export function registerCalibrate(program: Command, run: RunEnv): void {
  program
    .command('calibrate')
    .description('retention by readiness at graduation (band, criteria, flags, on time) with 95% intervals, and threshold sweeps; needs outcomes (`outcomes load`) and stored snapshots (`score`)')
    .option('--format <format>', 'table or json (json: one JSON object on stdout)', 'table')
    .option('--products <candidate>', 'what-if: also re-score each graduation under this candidate products file and under the current one (PRODUCTS_FILE), nothing stored; default: no what-if')
    .action(
      action(program, run, async (ctx, opts: CalibrateOptions) => {
        if (opts.format !== 'table' && opts.format !== 'json') throw new UsageError(`--format ${JSON.stringify(opts.format)} must be table or json`);
        const candidate = opts.products === undefined ? undefined : await loadProductsFile(opts.products);
        const { store, products } = await ctx.runtime();
        const options = { store, products, graduationAgeDays: ctx.config.calibration.graduationAgeDays };
        const result = await calibrate(options);
        const whatIf = candidate ? await calibrateWhatIf(options, candidate) : undefined;
        if (result.coverage.outcomes === 0) run.stderr('no outcomes stored; load them with `usage-readiness outcomes load FILE`');
        if (opts.format === 'json') {
          run.stdout(JSON.stringify(whatIf ? { ...result, what_if: whatIf } : result));
          return;
        }
        for (const line of calibrationTable(result)) run.stdout(line);
        if (whatIf) {
          run.stdout('');
          for (const line of whatIfTable(whatIf)) run.stdout(line);
        }
      }),
    );
}
