// @ts-check
// One account-product: why it ranks where it does, what to do next, and the form to record an assessment.
import { api, ApiError } from '../api.js';
import { LineChart } from '../charts.js';
import { BandPill, DIMENSIONS, FLAG_LABEL, FlagChip, accountLabel, capital, fmt, html, pct, useEffect, useState } from '../lib.js';
import { Ratios, trendWords } from './portfolio.js';

/** @param {string | undefined} iso */
const when = (iso) => (iso ? iso.slice(0, 16).replace('T', ' ') + ' UTC' : '');

/** @param {{ r: any }} props */
function Hero({ r }) {
  const g = r.graduation;
  const f = r.freshness;
  return html`<div class="hero">
    <div class="title">
      <h1>${accountLabel(r)}</h1>
      <div class="meta"><span><span class="chip type">${r.product_type}</span> ${r.product}</span><span>${r.licensed_seats} licensed seats</span>
        ${r.csm ? html`<span>CSM ${r.csm}</span>` : null}<span>as of ${r.as_of}</span></div>
      ${f ? html`<div class="meta small" data-testid="freshness">
        <span>Last scored ${when(f.scored_at)}</span><span>Last event ${f.last_event_on ?? 'none in a year'}</span></div>` : null}
      ${f && f.stale ? html`<div class="stale-box" role="alert" data-testid="stale-warning">
        No events for ${f.days_without_events === null ? 'over a year' : `${f.days_without_events} days`}: check the integration before reading this as churn.</div>` : null}
    </div>
    <div class="hero-score">
      <div class="big-score num" data-testid="graduation-score">${fmt(g.score, 2)}<small> / 10</small></div>
      <div>${BandPill(g.band)} ${g.ready ? html`<span class="chip ok">ready to graduate</span>` : null}</div>
      <div class="muted small">risk <strong class="num">${fmt(r.risk ? r.risk.score : null, 1)}</strong></div>
    </div>
  </div>`;
}

/** @param {{ r: any }} props */
function FlagsCard({ r }) {
  if (!r.flags.length) return null;
  return html`<section class="card" data-testid="open-flags"><h2>Open flags</h2>
    <ul class="flag-list">${r.flags.map((/** @type {any} */ f) => html`<li data-flag=${f.code}>${FlagChip(f)} <span class="muted small">${f.age}</span><div>${f.message}</div></li>`)}</ul>
  </section>`;
}

/** @param {{ risk: any }} props */
function WhyRank({ risk }) {
  const parts = (risk && risk.parts) || [];
  return html`<section class="card" data-testid="why-rank">
    <div class="card-head"><h2>Why this rank</h2><span class="muted small">risk ${fmt(risk ? risk.score : null, 1)}</span></div>
    ${parts.length
      ? html`<table class="metrics"><tbody>${parts.map((/** @type {any} */ p) => html`<tr><td>${p.text}</td><td class="value num">+${fmt(p.points, 1)}</td></tr>`)}</tbody></table>`
      : html`<p class="muted">Nothing raises the risk: no open flag, scorecard complete.</p>`}
  </section>`;
}

/** @param {{ forecast: any[] | undefined }} props */
function Forecast({ forecast }) {
  if (!forecast || forecast.length === 0) return null;
  const open = forecast.filter((f) => f.status !== 'met');
  return html`<section class="card" data-testid="forecast"><div class="card-head"><h2>Forecast at the current pace</h2></div>
    <ul class="forecast">${open.map((f) => html`<li class=${f.status}>${f.text}</li>`)}</ul></section>`;
}

/** @param {{ g: any }} props */
function Scorecard({ g }) {
  return html`<section class="card"><div class="card-head"><h2>Graduation scorecard</h2><span class="muted small">green ≥ 7 · ready ≥ 8.0 · close 6.0–7.9</span></div>
    <table class="dims"><tbody>${DIMENSIONS.map((d) => {
      const dim = g.dimensions[d] || { score: null, weight: 0 };
      const missing = dim.score === null || dim.score === undefined;
      const source = dim.source === 'telemetry' ? 'from telemetry' : dim.source === 'override' ? `CSM override by ${dim.assessed_by}` : dim.assessed_by ? `${dim.assessed_by}, ${when(dim.assessed_at)}` : '';
      return html`<tr class=${missing ? 'missing' : ''} data-dimension=${d}>
        <td><div>${capital(d)}</div><div class="muted small">${missing ? 'missing: needs an assessment' : source}</div></td>
        <td class="weight num">${dim.weight}%</td>
        <td class=${`scorecell num ${missing ? '' : dim.score >= 7 ? 'met' : 'unmet'}`}>${missing ? '—' : fmt(dim.score, 1)}</td>
      </tr>`;
    })}</tbody></table>
    ${g.blockers && g.blockers.length ? html`<h3>Not ready because</h3><ul class="small">${g.blockers.map((/** @type {string} */ b) => html`<li>${b}</li>`)}</ul>` : null}
  </section>`;
}

/** @param {{ r: any }} props */
function Usage({ r }) {
  return html`<section class="card"><div class="card-head"><h2>Usage against thresholds</h2>
      <span><span class="muted small">usage score </span><strong class="num">${fmt(r.usage.score, 1)}</strong> ${r.usage.complete ? html`<span class="chip ok">complete</span>` : html`<span class="chip warning">not complete</span>`}</span></div>
    <${Ratios} r=${r} />
    <p class="muted small legend-line">Tick: completion threshold · dark tick: low-engagement floor of the ratio that flag reads · weekly active ${trendWords(r.trend.relative_slope)} over 6 weeks</p>
    <table class="metrics"><tbody>${r.usage.criteria.map((/** @type {any} */ c) => html`<tr data-criterion=${c.name}>
      <td>${c.name.replace(/_/g, ' ')}</td><td class="value num">${c.name.endsWith('_ratio') || c.name === 'workflow_success' ? pct(c.value) : c.name === 'not_declining' ? trendWords(c.value ?? 0) : pct(c.value)}</td>
      <td class="threshold">${c.threshold === null ? '' : c.name === 'not_declining' ? `flag at −${pct(-c.threshold)}/wk` : `≥ ${pct(c.threshold)}`}</td>
      <td class=${c.met ? 'met' : 'unmet'}>${c.met ? '✓' : '✗'}</td></tr>`)}</tbody></table>
  </section>`;
}

/** Score history; days without a graduation score are marked and the missing dimensions named. @param {{ history: any[] }} props */
function History({ history }) {
  const gaps = history.filter((h) => h.graduation_score === null);
  /** @type {Map<string, string[]>} */
  const byMissing = new Map();
  for (const h of gaps) {
    const k = (h.missing || []).join(', ') || 'unknown';
    byMissing.set(k, [...(byMissing.get(k) || []), h.as_of]);
  }
  return html`<section class="card"><div class="card-head"><h2>Score history</h2><span class="muted small">daily snapshots</span></div>
    <${LineChart} testid="history-chart" x=${history.map((h) => h.as_of)} yRange=${[0, 10]}
      series=${[
        { label: 'graduation score', color: '#17263c', values: history.map((h) => h.graduation_score) },
        { label: 'usage score', color: '#2f80ed', values: history.map((h) => h.usage_score) },
        { label: 'no graduation score', color: '#c0392b', line: false, points: true, values: history.map((h) => (h.graduation_score === null ? 0 : null)) },
      ]}
      thresholds=${[{ label: 'ready (8.0)', value: 8, color: '#1f8a4c' }, { label: 'close (6.0)', value: 6, color: '#b7791f' }]} />
    ${gaps.length ? html`<ul class="small gaps" data-testid="history-gaps">${[...byMissing].map(([missing, days]) => html`<li>No graduation score on ${days.length} day${days.length === 1 ? '' : 's'} (${days[0]}${days.length > 1 ? ` … ${days[days.length - 1]}` : ''}): missing ${missing}</li>`)}</ul>` : null}
  </section>`;
}

/** @param {{ r: any }} props */
function WeeklyChart({ r }) {
  const weeks = r.trend.weekly_active;
  const days = weeks.map((/** @type {number} */ _, /** @type {number} */ i) => new Date(Date.parse(`${r.as_of}T00:00:00Z`) - (weeks.length - 1 - i) * 7 * 86400000).toISOString().slice(0, 10));
  const weekly = r.usage.criteria.find((/** @type {any} */ c) => c.name === 'weekly_ratio');
  const t = r.thresholds || {};
  const thresholds = [];
  if (weekly) thresholds.push({ label: `completion: ${pct(weekly.threshold)} of seats`, value: weekly.threshold * r.licensed_seats, color: '#1f8a4c' });
  if (t.primary_ratio === 'weekly' && t.low_engagement_ratio !== null) thresholds.push({ label: `low engagement below ${pct(t.low_engagement_ratio)}`, value: t.low_engagement_ratio * r.licensed_seats, color: '#c0392b' });
  return html`<section class="card"><div class="card-head"><h2>Weekly active users</h2><span class="muted small">last 6 weekly windows · ${trendWords(r.trend.relative_slope)}</span></div>
    <${LineChart} testid="trend-chart" x=${days} series=${[{ label: 'weekly active users', color: '#2f5aa8', fill: 'rgba(47,90,168,0.10)', values: weeks }]}
      thresholds=${thresholds} yRange=${[0, Math.max(r.licensed_seats, ...weeks) * 1.05]} /></section>`;
}

const SOURCE_LABEL = /** @type {Record<string, string>} */ ({ telemetry: 'Product usage', assessment: 'CSM assessment', account: 'Account record', configuration: 'Configuration', result: 'Result' });

/** @param {{ e: any }} props */
function Explanation({ e }) {
  const items = [...(e && e.inputs ? e.inputs : []), ...(e && e.results ? e.results : [])];
  return html`<section class="card" data-testid="explanation"><div class="card-head"><h2>What changed since the previous snapshot</h2>${e && e.from ? html`<span class="muted small">${e.from} → ${e.to}</span>` : null}</div>
    ${!e || !e.from ? html`<p class="muted">No earlier snapshot to compare with yet.</p>` : html`<div class="explanation"><p>${e.summary}</p>
      ${[...(e.causes || []), 'result'].map((source) => {
        const list = items.filter((c) => c.source === source);
        return list.length ? html`<div data-source=${source}><h3>${SOURCE_LABEL[source] || source}</h3><ul>${list.map((c) => html`<li>${c.text}</li>`)}</ul></div>` : null;
      })}</div>`}
  </section>`;
}

/** @param {{ transitions: any[] }} props */
function Timeline({ transitions }) {
  const items = [...transitions].sort((a, b) => (a.occurred_at < b.occurred_at ? 1 : -1)).slice(0, 30);
  return html`<section class="card"><div class="card-head"><h2>Flag timeline</h2></div>
    ${items.length ? html`<ul class="timeline">${items.map((t) => html`<li><span class="when num">${t.as_of}</span><span><span class=${`chip ${t.kind === 'resolved' ? 'ok' : t.severity}`}>${t.kind}</span></span>
      <span><strong>${FLAG_LABEL[t.code] || t.code}</strong><div class="muted small">${t.message}</div></span></li>`)}</ul>` : html`<p class="muted">No flag transitions recorded.</p>`}
  </section>`;
}

/** @param {{ r: any, onDone: (result: any) => void }} props */
function AssessmentForm({ r, onDone }) {
  const [dimension, setDimension] = useState('value');
  const [errors, setErrors] = useState(/** @type {Record<string, string>} */ ({}));
  const [busy, setBusy] = useState(false);
  const current = r.graduation.dimensions[dimension] || {};
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    const form = /** @type {HTMLFormElement} */ (e.currentTarget);
    const data = new FormData(form);
    /** @type {Record<string, unknown>} */
    const body = { dimension, score: data.get('score') === '' ? undefined : Number(data.get('score')), evidence: String(data.get('evidence') || ''), assessed_by: String(data.get('assessed_by') || '') };
    if (data.get('reason')) body.reason = String(data.get('reason'));
    localStorage.setItem('usage-readiness.assessor', String(body.assessed_by));
    setBusy(true);
    setErrors({});
    try {
      onDone(await api(`/v1/accounts/${encodeURIComponent(r.account_id)}/products/${encodeURIComponent(r.product)}/assessments`, { method: 'POST', body }));
    } catch (err) {
      if (err instanceof ApiError && err.details.length) setErrors(Object.fromEntries(err.details.map((d) => [d.field, d.message])));
      else setErrors({ form: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };
  /** @param {string} name */
  const err = (name) => html`<div class="field-error" data-error-for=${name}>${errors[name] || ''}</div>`;
  return html`<section class="card"><div class="card-head"><h2>Record an assessment</h2></div>
    <table class="metrics current-scores" data-testid="current-scores"><thead><tr><th scope="col">Dimension</th><th scope="col">Current</th><th scope="col">Set by</th><th scope="col">When</th></tr></thead>
      <tbody>${DIMENSIONS.map((d) => {
        const dim = r.graduation.dimensions[d] || {};
        return html`<tr data-dimension=${d}><td>${capital(d)}</td><td class="num">${fmt(dim.score, 1)}</td>
          <td>${dim.source === 'telemetry' ? 'telemetry' : dim.assessed_by || '—'}</td><td class="small">${dim.assessed_at ? when(dim.assessed_at) : dim.source === 'telemetry' ? `scored ${r.as_of}` : 'never'}</td></tr>`;
      })}</tbody></table>
    <form class="stack" data-testid="assessment-form" onSubmit=${submit}>
      <div class="form-row">
        <label>Dimension<select name="dimension" value=${dimension} onChange=${(/** @type {any} */ e) => setDimension(e.currentTarget.value)}>
          ${DIMENSIONS.map((d) => html`<option value=${d}>${d === 'usage' ? 'usage (override, needs reason)' : d}</option>`)}</select>${err('dimension')}</label>
        <label>Score (0–10)<input name="score" type="number" min="0" max="10" step="0.5" required />${err('score')}</label>
      </div>
      <p class="muted small" data-testid="current-score">Now: ${fmt(current.score, 1)}${current.assessed_by ? ` by ${current.assessed_by} on ${when(current.assessed_at)}` : current.source === 'telemetry' ? ' from telemetry' : ' (never assessed)'}</p>
      <label>Evidence<textarea name="evidence" required placeholder="What you observed, e.g. ROI review signed off by the sponsor"></textarea>${err('evidence')}</label>
      <div class="form-row">
        <label>Assessed by<input name="assessed_by" required value=${localStorage.getItem('usage-readiness.assessor') || ''} />${err('assessed_by')}</label>
        <label>Reason (usage override only)<input name="reason" />${err('reason')}</label>
      </div>
      ${err('form')}
      <div><button type="submit" class="primary" disabled=${busy}>Record assessment and rescore</button></div>
    </form></section>`;
}

/** @param {{ account: string, product: string, refresh: number, reload: () => void, setAsOf: (d: string | null) => void, onError: (e: unknown) => void, toast: (m: string) => void }} props */
export function Account({ account, product, refresh, reload, setAsOf, onError, toast }) {
  const [detail, setDetail] = useState(/** @type {any} */ (null));
  useEffect(() => {
    let current = true;
    api(`/v1/accounts/${encodeURIComponent(account)}/products/${encodeURIComponent(product)}/readiness`).then(
      (d) => {
        if (!current) return;
        setDetail(d);
        setAsOf(d.report.as_of);
        document.body.dataset.ready = 'true';
      },
      (error) => current && onError(error),
    );
    return () => {
      current = false;
    };
  }, [account, product, refresh]);
  if (!detail) return html`<div class="card empty">Loading…</div>`;
  const r = detail.report;
  return html`
    <a href="#/" class="back">← Portfolio</a>
    <${Hero} r=${r} />
    <div class="grid two">
      <div class="stack"><${FlagsCard} r=${r} /><${WhyRank} risk=${r.risk} /><${Forecast} forecast=${r.forecast} /></div>
      <div class="stack"><${Scorecard} g=${r.graduation} /><${Usage} r=${r} /></div>
    </div>
    <div class="grid two"><${WeeklyChart} r=${r} /><${History} history=${detail.history || []} /></div>
    <div class="grid two"><${Explanation} e=${detail.explanation} /><${Timeline} transitions=${detail.transitions || []} /></div>
    <${AssessmentForm} r=${r} onDone=${(/** @type {any} */ result) => {
      toast(`Assessment recorded. Score ${fmt(result.previous && result.previous.score, 2)} → ${fmt(result.report && result.report.graduation.score, 2)}`);
      reload();
    }} />`;
}
