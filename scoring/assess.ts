import type { Assessment } from '../schemas/assessment.js';
import { ASSESSMENT_MAX_FUTURE_SKEW_MS } from '../schemas/config.js';
import { instantMs } from '../schemas/day.js';

/** Why an assessment's time cannot be accepted, or undefined when it can. */
export function assessmentTimeProblem(a: Assessment, now: Date): string | undefined {
  const at = instantMs(a.assessed_at);
  return at > now.getTime() + ASSESSMENT_MAX_FUTURE_SKEW_MS ? `assessed_at ${a.assessed_at} is in the future (now is ${now.toISOString()})` : undefined;
}
