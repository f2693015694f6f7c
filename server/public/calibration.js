// Calibration view: do the graduation criteria predict retention? Retention by readiness at
// graduation with 95% intervals, and threshold sweeps; figures below the minimum sample are
// shown greyed and labelled, never as findings. Reads GET /v1/calibration.
import { api } from './api.js';

const BAND_LABEL = { ready: 'Ready', close: 'Close', not_ready: 'Not ready', incomplete: 'Incomplete' };
const THRESHOLD_LABEL = {
  daily_ratio_min: 'Daily active ratio',
  weekly_ratio_min: 'Weekly active ratio',
  monthly_ratio_min: 'Monthly active ratio',
  workflow_success_min: 'Critical-workflow success rate',
  declining_relative_slope: 'Declining-usage slope',
  onboarding_days: 'Onboarding days',
};
const label = (code) => code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return node;
}

const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
const interval = (r) => (r.ci_low === null ? '—' : `${pct(r.ci_low)} – ${pct(r.ci_high)}`);

/** A 0–100% track with the 95% interval as a band and the retention as a tick. */
function intervalBar(r) {
  const track = el('div', { class: 'cal-track', role: 'img', 'aria-label': `retention ${pct(r.retention)}, 95% interval ${interval(r)}` });
  if (r.retention === null) return track;
  const range = el('div', { class: 'cal-range' });
  range.style.left = `${r.ci_low * 100}%`;
  range.style.width = `${Math.max(0.5, (r.ci_high - r.ci_low) * 100)}%`;
  const tick = el('div', { class: 'cal-tick' });
  tick.style.left = `${r.retention * 100}%`;
  track.append(range, tick);
  return track;
}

function retentionRow(first, r) {
  return el(
    'tr',
    { class: r.sufficient ? '' : 'cal-insufficient', 'data-sufficient': String(r.sufficient) },
    first.map((c) => el('td', {}, c)),
    el('td', { class: 'num' }, r.accounts),
    el('td', { class: 'num' }, pct(r.retention)),
    el('td', { class: 'cal-bar-cell' }, intervalBar(r), el('div', { class: 'small muted' }, interval(r))),
    el('td', { class: 'num' }, r.lift === null ? '—' : `×${r.lift.toFixed(2)}`),
    el('td', { class: 'small muted' }, r.sufficient ? '' : 'insufficient sample'),
  );
}

function retentionTable(heads, rows) {
  return el(
    'div',
    { class: 'cal-scroll' },
    el(
      'table',
      { class: 'cal-table' },
      el('thead', {}, el('tr', {}, [...heads, 'Accounts', 'Retention', '95% interval', 'Lift', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, rows),
    ),
  );
}

function card(title, note, ...body) {
  return el('section', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', {}, title), note ? el('span', { class: 'small muted' }, note) : null), ...body);
}

function sweepRow(s) {
  const best = s.suggestion;
  return el(
    'tr',
    { 'data-status': s.status },
    el('td', {}, s.product_type),
    el('td', {}, THRESHOLD_LABEL[s.threshold] || s.threshold),
    el('td', { class: 'num' }, s.current.length ? s.current.join(', ') : '—'),
    el('td', { class: 'num' }, best ? String(best.value) : '—'),
    el('td', { class: 'num' }, best ? `${pct(best.at_or_above.retention)} (n=${best.at_or_above.accounts})` : '—'),
    el('td', { class: 'num' }, best ? `${pct(best.below.retention)} (n=${best.below.accounts})` : '—'),
    el('td', { class: 'small' }, s.status === 'suggested' ? (best.intervals_overlap ? 'Suggested; intervals overlap' : 'Suggested') : `Insufficient: ${s.reason}`),
  );
}

export async function renderCalibration(view) {
  const c = await api('/v1/calibration');
  const m = c.minimums;
  const contrast = c.readiness_vs_time;
  const kpi = (title, r) =>
    el('div', { class: 'card kpi' }, el('div', { class: 'label' }, title), el('div', { class: 'value' }, pct(r.retention)), el('div', { class: 'small muted' }, `${r.retained} of ${r.accounts}; 95% ${interval(r)}`));
  const opened = new Set(c.by_flag.filter((f) => f.open && f.accounts > 0).map((f) => f.flag));
  view.replaceChildren(
    el(
      'div',
      { class: 'grid kpis' },
      kpi('Retention, all graduated', c.overall),
      kpi('Ready at graduation', contrast.ready_at_graduation),
      kpi('Graduated by target date', contrast.graduated_on_time),
    ),
    card(
      'Do the graduation criteria predict retention?',
      `${c.coverage.calibrated} of ${c.coverage.outcomes} outcomes placed at graduation`,
      el(
        'p',
        { class: 'small muted' },
        `Retention = (renewed + expanded) / all with an outcome, by readiness on the graduation day (graduated_at, else ${c.graduation.age_days} days after onboarding start). ` +
          `Bands are 95% Wilson intervals; lift is retention over overall retention. Groups under ${m.group} account-products are greyed: not findings.` +
          (c.coverage.no_snapshot || c.coverage.no_graduation_day ? ` Not placed: ${c.coverage.no_snapshot} without a snapshot near graduation, ${c.coverage.no_graduation_day} without a graduation day.` : ''),
      ),
      retentionTable(['Band at graduation'], c.by_band.map((b) => retentionRow([BAND_LABEL[b.band] || b.band], b))),
    ),
    card('By usage criterion at graduation', null, retentionTable(['Criterion', ''], c.by_criterion.map((r) => retentionRow([label(r.criterion), r.met ? 'met' : 'not met'], r)))),
    card(
      'By red flag at graduation',
      opened.size ? null : 'no flag was open at any graduation',
      retentionTable(['Flag', ''], c.by_flag.filter((f) => opened.has(f.flag)).map((r) => retentionRow([label(r.flag), r.open ? 'open' : 'closed'], r))),
    ),
    card(
      'Which threshold would predict it better?',
      `a value is suggested only with ≥ ${m.sweep_profile} outcomes in the profile, ≥ ${m.sweep_each_outcome} retained and lost, ≥ ${m.sweep_side} on each side`,
      el(
        'div',
        { class: 'cal-scroll' },
        el(
          'table',
          { class: 'cal-table', id: 'calibration-sweeps' },
          el('thead', {}, el('tr', {}, ['Type', 'Threshold', 'Current', 'Suggested', 'At or above', 'Below', 'Status'].map((h) => el('th', {}, h)))),
          el('tbody', {}, c.threshold_sweeps.map(sweepRow)),
        ),
      ),
    ),
  );
}
