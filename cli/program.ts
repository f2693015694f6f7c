import type { Command} from 'commander';
import { CommanderError } from 'commander';
import { isReadinessError, ERROR_CODES } from '../schemas/errors.js';
import { createContext, type CommandContext } from './context.js';
import type { RunEnv } from './run-env.js';

/**
 * Shared plumbing for subcommands: global options, one context per run, and
 * the exit-code contract (0 ok, 1 runtime failure, 2 usage error).
 */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

export type { RunEnv } from './run-env.js';

/** Exit code of the last action run by each program (commander's actions cannot return one). */
const exitCodes = new WeakMap<Command, number>();

/** The exit code the program's action set; 0 when none ran (help, `schema`). */
export function exitCodeOf(program: Command): number {
  return exitCodes.get(program) ?? EXIT.OK;
}

export type Action<A extends unknown[]> = (ctx: CommandContext, ...args: A) => Promise<number | void>;

/** Wraps a subcommand body: builds the context, runs, closes, maps errors to exit codes. */
export function action<A extends unknown[]>(program: Command, run: RunEnv, body: Action<A>) {
  return async (...args: A): Promise<void> => {
    const globals = program.opts<{ verbose?: boolean; quiet?: boolean }>();
    let ctx: CommandContext | undefined;
    try {
      ctx = await createContext({ run, verbose: globals.verbose, quiet: globals.quiet });
      const code = await body(ctx, ...args);
      exitCodes.set(program, code ?? EXIT.OK);
    } catch (error) {
      exitCodes.set(program, reportError(error, run, Boolean(globals.verbose)));
    } finally {
      await ctx?.close().catch(() => undefined);
    }
  };
}

export function reportError(error: unknown, run: RunEnv, verbose: boolean): number {
  const usage = isReadinessError(error) && (error.code === ERROR_CODES.USAGE || error.code === ERROR_CODES.CONFIG_INVALID);
  const message = error instanceof Error ? error.message : String(error);
  const code = isReadinessError(error) ? error.code : 'UNEXPECTED';
  run.stderr(`usage-readiness: error [${code}]: ${message}`);
  if (verbose && error instanceof Error && error.stack) run.stderr(error.stack);
  else if (!usage) run.stderr('(run with --verbose for details)');
  return usage ? EXIT.USAGE : EXIT.FAILURE;
}

export function isCommanderError(error: unknown): error is CommanderError {
  return error instanceof CommanderError;
}
