import { parseAccountLine, type AccountRecord } from '../schemas/accounts.js';
import { decodeJsonBytes } from '../schemas/json-bytes.js';
import { parseOutcome, type OutcomeBounds, type OutcomeRecord } from '../schemas/outcome.js';
import type { ProductsConfig } from '../schemas/products.js';
import { parseNdjsonLines, type LoadSummary } from '../scoring/index.js';
import { insertAccounts, insertOutcomes, readOutcomes, type StoredOutcome, type Store } from '../transforms/index.js';

/** Loading NDJSON account records and outcomes: each line validated on its own, the valid ones stored. */

/** Loads account records (re-loading a record replaces it); products must be listed in the products file. */
export async function loadAccountsNdjson(store: Store, products: ProductsConfig, text: string, source: string): Promise<LoadSummary & { records: AccountRecord[] }> {
  const known = new Set(Object.keys(products.products));
  const { valid, rejected, lines } = parseNdjsonLines(text, (l) => parseAccountLine(l, known));
  await insertAccounts(store, valid, source);
  return { source, lines, loaded: valid.length, rejected, records: valid };
}

/** Loads outcomes (a re-loaded outcome replaces the earlier one). */
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

/** Records one validated outcome (replacing an earlier one of the account-product) and returns it as stored. */
export async function recordOutcome(store: Store, outcome: OutcomeRecord, source: string): Promise<StoredOutcome> {
  await insertOutcomes(store, [outcome], source);
  const [stored] = await readOutcomes(store, { accountId: outcome.account_id, product: outcome.product });
  return stored!;
}
