/**
 * NDJSON records (account records, assessments, outcomes): every line is
 * validated on its own; invalid lines are reported with their number and
 * reason, and the valid ones are still kept.
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
