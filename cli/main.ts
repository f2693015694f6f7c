import { Command } from 'commander';
import { registerConsume } from './commands/consume.js';
import { registerDlq } from './commands/dlq.js';
import { registerIngest } from './commands/ingest.js';
import { registerMigrate } from './commands/migrate.js';
import { registerSchema } from './commands/schema.js';
import { registerScore } from './commands/score.js';
import { registerReport } from './commands/report.js';
import { registerAccounts } from './commands/accounts.js';
import { registerAssess } from './commands/assess.js';
import { registerExplain } from './commands/explain.js';
import { registerServe } from './commands/serve.js';
import { registerOutcomes } from './commands/outcomes.js';
import { registerCalibrate } from './commands/calibrate.js';
import { EXIT, exitCodeOf, isCommanderError, reportError, type RunEnv } from './program.js';

export { processRunEnv } from './run-env.js';
export type { RunEnv } from './run-env.js';

/** Builds the `usage-readiness` command line. Every subcommand lives in `cli/commands/`. */
export function buildProgram(run: RunEnv): Command {
  const program = new Command('usage-readiness')
    .description('Onboarding-graduation readiness from product telemetry (Kafka → ClickHouse → flags and scorecard).')
    .option('--verbose', 'debug logs, and stack traces on errors', false)
    .option('--quiet', 'only warnings and errors in the log', false)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => run.stdout(s.trimEnd()), writeErr: (s) => run.stderr(s.trimEnd()) })
    .addHelpText(
      'after',
      '\nConfiguration comes from environment variables (see README).\nExit codes: 0 ok, 1 runtime failure, 2 usage error.',
    );
  for (const register of [registerIngest, registerConsume, registerDlq, registerMigrate, registerSchema, registerScore, registerReport, registerExplain, registerAccounts, registerAssess, registerOutcomes, registerCalibrate, registerServe]) register(program, run);
  for (const sub of program.commands) sub.exitOverride().showHelpAfterError();
  return program;
}

export async function main(argv: string[], run: RunEnv): Promise<number> {
  const program = buildProgram(run);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCodeOf(program);
  } catch (error) {
    if (isCommanderError(error)) {
      // --help and --version exit through here with code 0.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    return reportError(error, run, argv.includes('--verbose'));
  }
}
