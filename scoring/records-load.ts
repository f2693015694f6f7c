import { parseAccountLine } from '../schemas/accounts.js';
import type { AccountRecord } from '../schemas/accounts.js';
import { parseAssessmentLine, type Assessment } from '../schemas/assessment.js';
import type { ProductsConfig } from '../schemas/products.js';
import { insertAccounts, readAccounts, type Store } from '../transforms/index.js';
import { assessmentTimeProblem, recordAssessments, type RecordedAssessments } from './assess.js';
import type { ScoringContext } from './pass.js';

/**
 * NDJSON loading of account records and assessments: every line is validated
 * on its own; invalid lines are reported with their number and reason and the
 * valid ones are still stored.
 */

export interface RejectedLine {
  line: number;
  reason: string;
}

export interface LoadSummary {
  source: string;
  lines: number;
  loaded: number;
  rejected: RejectedLine[];
}

function* numberedLines(text: string): Generator<{ line: number; text: string }> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.replace(/\r$/, '');
    if (t.trim() !== '') yield { line: i + 1, text: t };
  }
}

/** Validates each non-blank line on its own: the valid values, and each rejected line's number and reason. */
export function parseNdjsonLines<T>(text: string, parse: (line: string) => { ok: true; value: T } | { ok: false; reason: string }) {
  const valid: T[] = [];
  const rejected: RejectedLine[] = [];
  let lines = 0;
  for (const l of numberedLines(text)) {
    lines++;
    const r = parse(l.text);
    if (r.ok) valid.push(r.value);
    else rejected.push({ line: l.line, reason: r.reason });
  }
  return { valid, rejected, lines };
}

/** Loads account records (re-loading a record replaces it); products must be listed in the products file. */
export async function loadAccountsNdjson(store: Store, products: ProductsConfig, text: string, source: string): Promise<LoadSummary & { records: AccountRecord[] }> {
  const known = new Set(Object.keys(products.products));
  const { valid, rejected, lines } = parseNdjsonLines(text, (l) => parseAccountLine(l, known));
  await insertAccounts(store, valid, source);
  return { source, lines, loaded: valid.length, rejected, records: valid };
}

/** Parses NDJSON assessments without storing them. */
export function parseAssessmentsNdjson(text: string): { valid: Assessment[]; rejected: RejectedLine[]; lines: number } {
  return parseNdjsonLines(text, parseAssessmentLine);
}

/**
 * Loads NDJSON assessments: lines naming an account-product without an account
 * record are rejected too; the valid ones are stored and their account-products re-scored.
 */
export async function loadAssessmentsNdjson(
  ctx: ScoringContext,
  text: string,
  source: string,
): Promise<LoadSummary & Pick<RecordedAssessments, 'reports' | 'transitions'>> {
  const known = new Set((await readAccounts(ctx.store)).map((a) => `${a.account_id}\u0000${a.product}`));
  const now = (ctx.now ?? (() => new Date()))();
  const valid: Assessment[] = [];
  const rejected: RejectedLine[] = [];
  let lines = 0;
  for (const l of numberedLines(text)) {
    lines++;
    const r = parseAssessmentLine(l.text);
    const timeProblem = r.ok ? assessmentTimeProblem(r.value, now) : undefined;
    if (!r.ok) rejected.push({ line: l.line, reason: r.reason });
    else if (timeProblem) rejected.push({ line: l.line, reason: timeProblem });
    else if (!known.has(`${r.value.account_id}\u0000${r.value.product}`)) {
      rejected.push({ line: l.line, reason: `no account record for account ${r.value.account_id}, product ${r.value.product}` });
    } else valid.push(r.value);
  }
  const recorded = await recordAssessments(ctx, valid, { scoreUnscored: false });
  return { source, lines, loaded: valid.length, rejected: rejected.sort((a, b) => a.line - b.line), reports: recorded.reports, transitions: recorded.transitions };
}
