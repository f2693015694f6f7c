import type { WhatIfResult } from '../runtime/index.js';
import type { CalibrationResult, Retention } from '../scoring/index.js';
import { renderRows } from './report-table.js';

/** Terminal rendering of `calibrate`: retention with 95% intervals per group, sweeps, and the what-if beside the current thresholds. */

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const interval = (r: Retention) => (r.ci_low === null || r.ci_high === null ? '–' : `${pct(r.ci_low)}–${pct(r.ci_high)}`);
const cells = (r: Retention) => [String(r.accounts), String(r.retained), pct(r.retention), interval(r), r.lift === null ? '–' : r.lift.toFixed(2), r.sufficient ? '' : 'insufficient sample'];
const HEAD = ['accounts', 'retained', 'retention', '95% interval', 'lift', ''];
const table = (first: string[], rows: string[][]) => renderRows([...first, ...HEAD], rows, undefined, () => undefined);

export function calibrationTable(c: CalibrationResult): string[] {
  const out: string[] = [];
  out.push(
    `Outcomes: ${c.coverage.outcomes}; at graduation: ${c.coverage.calibrated}; without a graduation day: ${c.coverage.no_graduation_day}; without a snapshot near graduation: ${c.coverage.no_snapshot}`,
    `Overall retention: ${pct(c.overall.retention)} (${c.overall.retained} of ${c.overall.accounts}, 95% ${interval(c.overall)})`,
    `Ready at graduation: ${pct(c.readiness_vs_time.ready_at_graduation.retention)} (n=${c.readiness_vs_time.ready_at_graduation.accounts}); graduated by the target date: ${pct(c.readiness_vs_time.graduated_on_time.retention)} (n=${c.readiness_vs_time.graduated_on_time.accounts})`,
    '',
    'By band at graduation',
    ...table(['band'], c.by_band.map((b) => [b.band, ...cells(b)])),
    '',
    'By criterion at graduation',
    ...table(['criterion', 'met'], c.by_criterion.map((b) => [b.criterion, b.met ? 'met' : 'not met', ...cells(b)])),
    '',
    'By flag at graduation',
    ...table(['flag', 'state'], c.by_flag.filter((f) => c.by_flag.some((g) => g.flag === f.flag && g.open && g.accounts > 0)).map((b) => [b.flag, b.open ? 'open' : 'closed', ...cells(b)])),
    '',
    'Graduated by the target date',
    ...table(['on time'], c.by_on_time.map((b) => [b.on_time ? 'on time' : 'late', ...cells(b)])),
    '',
    'Threshold sweeps (retention at or above vs below each candidate)',
    ...renderRows(
      ['type', 'threshold', 'current', 'suggested', 'at or above', 'below', 'difference', 'status'],
      c.threshold_sweeps.map((s) => [
        s.product_type,
        s.threshold,
        s.current.join(', ') || '–',
        s.suggestion ? String(s.suggestion.value) : '–',
        s.suggestion ? `${pct(s.suggestion.at_or_above.retention)} (n=${s.suggestion.at_or_above.accounts})` : '–',
        s.suggestion ? `${pct(s.suggestion.below.retention)} (n=${s.suggestion.below.accounts})` : '–',
        s.suggestion?.difference === null || s.suggestion === null ? '–' : pct(s.suggestion.difference),
        s.status === 'suggested' ? (s.suggestion?.intervals_overlap ? 'suggested (intervals overlap)' : 'suggested') : `insufficient: ${s.reason}`,
      ]),
      undefined,
      () => undefined,
    ),
  );
  return out;
}

export function whatIfTable(w: WhatIfResult): string[] {
  const side = (label: string, a: Retention, b: Retention) => [label, String(a.accounts), pct(a.retention), interval(a), String(b.accounts), pct(b.retention), interval(b)];
  const head = ['group', 'current n', 'current retention', 'current 95%', 'candidate n', 'candidate retention', 'candidate 95%'];
  const rows = [
    side('overall', w.current.overall, w.candidate.overall),
    ...w.current.by_band.map((b, i) => side(`band ${b.band}`, b, w.candidate.by_band[i]!)),
    ...w.current.by_criterion.map((b) => {
      const c = w.candidate.by_criterion.find((x) => x.criterion === b.criterion && x.met === b.met);
      return side(`${b.criterion} ${b.met ? 'met' : 'not met'}`, b, c ?? { ...b, accounts: 0, retained: 0, retention: null, ci_low: null, ci_high: null });
    }),
  ];
  return [`What-if: ${w.rescored} graduations re-scored (${w.skipped} skipped); ${w.method}`, ...renderRows(head, rows, undefined, () => undefined)];
}
