import { decodeJsonBytes } from '../schemas/json-bytes.js';
import { parseOutcome, type OutcomeBounds, type OutcomeRecord } from '../schemas/outcome.js';
import { insertOutcomes, type Store } from '../transforms/index.js';
import { parseNdjsonLines, type LoadSummary } from './records-load.js';

/**
 * NDJSON loading of outcomes, like account records: each line validated on
 * its own, rejected lines reported with their number and reason, the valid
 * ones stored (a re-loaded outcome replaces the earlier one).
 */
export async function loadOutcomesNdjson(
  store: Store,
  limits: OutcomeBounds & { maxBytes: number },
  text: string,
  source: string,
): Promise<LoadSummary & { records: OutcomeRecord[] }> {
  const { valid, rejected, lines } = parseNdjsonLines(text, (line) => {
    const decoded = decodeJsonBytes(line, limits.maxBytes);
    return decoded.kind === 'ok' ? parseOutcome(decoded.value, limits) : { ok: false, reason: decoded.message };
  });
  await insertOutcomes(store, valid, source);
  return { source, lines, loaded: valid.length, rejected, records: valid };
}
