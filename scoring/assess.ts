import type { Assessment } from '../schemas/assessment.js';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '../schemas/config.js';
import { instantMs } from '../schemas/day.js';

/** Why an assessment's time cannot be accepted (more than `maxFutureSkewMs` ahead of `now`), or undefined when it can. */
export function assessmentTimeProblem(a: Assessment, now: Date, maxFutureSkewMs = DEFAULT_MAX_FUTURE_SKEW_MS): string | undefined {
  const at = instantMs(a.assessed_at);
  return at > now.getTime() + maxFutureSkewMs ? `assessed_at ${a.assessed_at} is in the future (now is ${now.toISOString()})` : undefined;
}
