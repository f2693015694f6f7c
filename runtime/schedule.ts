import cron from 'node-cron';
import { ConfigError } from '../schemas/errors.js';
import { utcToday } from '../schemas/day.js';
import { runScoringPass, type PassResult, type ScoringContext } from './scoring-pass.js';

/** The in-service schedule, run by the leader: a scoring pass for today (UTC) on the SCORING_CRON expression. */

/** Disables the schedule (and the start-up pass): the service then scores only when asked (assessments). */
export const SCORING_CRON_OFF = 'off';

export interface ScoringSchedule {
  /** False when the schedule is off: this process does not score on its own. */
  readonly scheduled: boolean;
  /** Runs one pass now (outside the schedule), e.g. at start. */
  runNow(): Promise<PassResult>;
  stop(): Promise<void>;
}

export interface ScheduleOptions {
  /** Cron expression (5 or 6 fields), or `off`. */
  cron: string;
  onResult?: (result: PassResult) => void;
  onError?: (error: unknown) => void;
}

export function startScoringSchedule(ctx: ScoringContext, options: ScheduleOptions): ScoringSchedule {
  const expression = options.cron;
  const scheduled = expression !== SCORING_CRON_OFF;
  const check = scheduled ? cron.validateDetailed(expression) : { valid: true, errors: [] };
  if (!check.valid) {
    throw new ConfigError(`SCORING_CRON ${JSON.stringify(expression)} is not a cron expression: ${check.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  }
  const now = ctx.now ?? (() => new Date());
  let running: Promise<PassResult> | undefined;
  const runOnce = async (): Promise<PassResult> => {
    // Never two passes at once: a slow pass makes the next tick wait for it.
    if (running) return running;
    running = runScoringPass(ctx, utcToday(now()));
    try {
      const result = await running;
      options.onResult?.(result);
      return result;
    } finally {
      running = undefined;
    }
  };
  const tick = async () => {
    try {
      await runOnce();
    } catch (error) {
      if (options.onError) options.onError(error);
      else ctx.logger?.error({ err: error }, 'scheduled scoring pass failed');
    }
  };
  const task = scheduled ? cron.schedule(expression, tick, { timezone: 'UTC', name: 'readiness-scoring', noOverlap: true }) : undefined;
  return {
    scheduled,
    runNow: runOnce,
    async stop() {
      await task?.stop();
      await task?.destroy();
      if (running) await running.catch(() => undefined);
    },
  };
}
