// CSM dashboard: portfolio, account and product-type views over the /v1 API (hash routes).
import { api, ApiError, captureToken, clearToken, followFlags, setToken } from './api.js';
import { renderCalibration } from './calibration.js';
import { lineChart, sparkline } from './charts.js';

const view = document.getElementById('view');
const BANDS = ['ready', 'close', 'not_ready', 'incomplete'];
const BAND_LABEL = { ready: 'Ready', close: 'Close', not_ready: 'Not ready', incomplete: 'Incomplete' };
const FLAG_LABEL = {
  low_engagement: 'Low engagement',
  declining_usage: 'Declining usage',
  usage_below_threshold: 'Usage below threshold',
  core_features_unused: 'Core features unused',
  champion_inactive: 'Champion inactive',
  key_users_inactive: 'Key users inactive',
  workflow_failures: 'Workflow failures',
  onboarding_overdue: 'Onboarding overdue',
};
const DIMENSIONS = ['technical', 'knowledge', 'usage', 'value', 'stakeholder'];
const PAGE = 25;

// ---------- DOM helpers (text only: data never becomes markup) ----------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

const fmt = (n, d = 1) => (n === null || n === undefined || Number.isNaN(n) ? '—' : Number(n).toFixed(d));
const pct = (n) => (n === null || n === undefined ? '—' : `${Math.round(n * 100)}%`);
const bandPill = (band) => h('span', { class: `pill ${band}`, 'data-band': band }, BAND_LABEL[band] || band);
const flagChip = (f) => h('span', { class: `chip ${f.severity}`, title: f.message || '' }, f.label || FLAG_LABEL[f.code] || f.code);
const accountLabel = (r) => r.account_name || r.account_id;

let toastTimer;
function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 4000);
}

function showError(error) {
  if (error instanceof ApiError && error.status === 401) return showTokenPrompt();
  view.replaceChildren(h('div', { class: 'card' }, h('div', { class: 'error-box' }, `Could not load: ${error.message}`)));
}

function showTokenPrompt() {
  const tpl = document.getElementById('token-prompt');
  view.replaceChildren(tpl.content.cloneNode(true));
  document.getElementById('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = new FormData(e.target).get('token');
    if (value) setToken(String(value).trim());
    startLive();
    route();
  });
}

// ---------- usage thresholds ----------

/** Ratio criteria of a report: value and threshold per window (threshold null when not a criterion for the profile). */
function ratioRows(r) {
  const criteria = (r.usage && r.usage.criteria) || [];
  const threshold = (name) => {
    const c = criteria.find((x) => x.name === name);
    return c ? c.threshold : null;
  };
  const ratios = r.ratios || {};
  return [
    { key: 'D', name: 'daily', value: ratios.daily, threshold: threshold('daily_ratio') },
    { key: 'W', name: 'weekly', value: ratios.weekly, threshold: threshold('weekly_ratio') },
    { key: 'M', name: 'monthly', value: ratios.monthly, threshold: threshold('monthly_ratio') },
  ];
}

function ratioBar(row, scale = 1) {
  const width = Math.max(0, Math.min(1, (row.value || 0) / scale)) * 100;
  const state = row.threshold === null || row.threshold === undefined ? 'neutral' : row.value >= row.threshold ? '' : 'below';
  const bar = h('div', { class: 'bar' }, h('div', { class: `fill ${state}`, style: `width:${width.toFixed(1)}%` }));
  if (row.threshold !== null && row.threshold !== undefined) {
    bar.appendChild(h('div', { class: 'tick', style: `left:${Math.min(100, (row.threshold / scale) * 100).toFixed(1)}%`, title: `threshold ${pct(row.threshold)}` }));
  }
  return bar;
}

function ratioCell(r) {
  return h(
    'div',
    { class: 'ratios' },
    ratioRows(r).map((row) =>
      h(
        'div',
        {
          class: 'ratio',
          title: `${row.name} active ratio ${pct(row.value)}${row.threshold !== null && row.threshold !== undefined ? `, threshold ${pct(row.threshold)}` : ' (not a criterion)'}`,
        },
        h('span', { class: 'name' }, row.key),
        ratioBar(row),
        h('span', { class: 'num' }, pct(row.value)),
      ),
    ),
  );
}

// ---------- portfolio ----------

const portfolioState = { product_type: '', band: '', flag: '', ready: '', offset: 0 };

async function renderPortfolio(params) {
  Object.assign(portfolioState, {
    product_type: params.get('product_type') || '',
    band: params.get('band') || '',
    flag: params.get('flag') || '',
    ready: params.get('ready') || '',
    offset: Number(params.get('offset') || 0),
  });
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(portfolioState.offset) });
  for (const k of ['product_type', 'band', 'flag', 'ready']) if (portfolioState[k]) q.set(k, portfolioState[k]);
  const gen = routeGen;
  const [list, summary] = await Promise.all([api(`/v1/readiness?${q}`), api('/v1/product-types/summary')]);
  // A later navigation superseded this one while it loaded: its answer must not overwrite the newer view.
  if (gen !== routeGen) return;
  setAsOf(list.as_of);

  const totals = { ready: 0, close: 0, not_ready: 0, incomplete: 0 };
  let accounts = 0;
  for (const t of summary.items) {
    accounts += t.accounts;
    for (const b of BANDS) totals[b] += (t.bands && t.bands[b]) || 0;
  }
  const kpis = h(
    'div',
    { class: 'grid kpis' },
    h('div', { class: 'card kpi' }, h('div', { class: 'label' }, 'Account-products'), h('div', { class: 'value num' }, accounts)),
    BANDS.map((b) => h('div', { class: `card kpi ${b}` }, h('div', { class: 'label' }, BAND_LABEL[b]), h('div', { class: 'value num' }, totals[b]))),
  );

  const select = (name, label, options) =>
    h(
      'label',
      {},
      label,
      h(
        'select',
        { name, 'data-filter': name, onchange: (e) => navigatePortfolio({ [name]: e.target.value, offset: 0 }) },
        h('option', { value: '' }, 'All'),
        options.map(([value, text]) => h('option', { value, selected: portfolioState[name] === value }, text)),
      ),
    );
  const filters = h(
    'div',
    { class: 'filters' },
    select('product_type', 'Product type', summary.items.map((t) => [t.product_type, t.product_type])),
    select('band', 'Band', BANDS.map((b) => [b, BAND_LABEL[b]])),
    select('flag', 'Open flag', Object.entries(FLAG_LABEL)),
    select('ready', 'Graduation', [['true', 'Ready to graduate'], ['false', 'Not yet']]),
    h('span', { class: 'muted small', style: 'margin-left:auto' }, 'Highest risk first'),
  );

  const rows = list.items.map((r) =>
    h(
      'tr',
      {
        class: `row band-${r.graduation.band}`,
        'data-account': r.account_id,
        'data-product': r.product,
        onclick: () => (location.hash = `#/accounts/${encodeURIComponent(r.account_id)}/${encodeURIComponent(r.product)}`),
      },
      h('td', {}, h('div', { class: 'account-name' }, accountLabel(r)), h('div', { class: 'muted small' }, `${r.product} · ${r.licensed_seats} seats`)),
      h('td', { class: 'num' }, h('div', { class: 'score', 'data-risk': '' }, fmt(r.risk ? r.risk.score : null, 0)), h('div', { class: 'muted small' }, r.risk && r.risk.parts[0] ? r.risk.parts[0].text : '')),
      h('td', {}, h('span', { class: 'chip type' }, r.product_type)),
      h('td', {}, bandPill(r.graduation.band), r.graduation.ready ? h('div', { class: 'small met', style: 'margin-top:3px' }, '✓ graduates') : null),
      h('td', { class: 'num' }, h('div', { class: 'score', 'data-score': '' }, fmt(r.graduation.score, 2)), h('div', { class: 'muted small' }, `usage ${fmt(r.usage.score, 1)}`)),
      h('td', {}, ratioCell(r)),
      h('td', {}, sparkline((r.trend && r.trend.weekly_active) || [])),
      h('td', {}, r.flags.length ? r.flags.map(flagChip) : h('span', { class: 'chip ok' }, 'No flags')),
    ),
  );
  const table = h(
    'table',
    { class: 'portfolio', 'data-testid': 'portfolio' },
    h('thead', {}, h('tr', {}, ['Account', 'Risk', 'Type', 'Band', 'Score', 'Active ratios vs threshold', 'Weekly active (6 wk)', 'Open flags'].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: '8', class: 'empty' }, 'No account matches these filters'))),
  );
  const last = Math.min(list.total, list.offset + list.items.length);
  const pager = h(
    'div',
    { class: 'pager' },
    h('span', { class: 'num' }, list.total ? `${list.offset + 1}–${last} of ${list.total}` : '0 results'),
    h('button', { disabled: list.offset === 0, onclick: () => navigatePortfolio({ offset: Math.max(0, list.offset - PAGE) }) }, 'Previous'),
    h('button', { disabled: last >= list.total, onclick: () => navigatePortfolio({ offset: list.offset + PAGE }) }, 'Next'),
  );
  view.replaceChildren(kpis, h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Portfolio')), filters, table, pager));
}

function navigatePortfolio(change) {
  const next = { ...portfolioState, ...change };
  const q = new URLSearchParams();
  for (const k of ['product_type', 'band', 'flag', 'ready']) if (next[k]) q.set(k, next[k]);
  if (next.offset) q.set('offset', String(next.offset));
  const qs = q.toString();
  location.hash = `#/${qs ? `?${qs}` : ''}`;
}

// ---------- account view ----------

function scorecard(g) {
  const rows = DIMENSIONS.map((d) => {
    const dim = (g.dimensions && g.dimensions[d]) || { score: null, weight: 0 };
    const missing = dim.score === null || dim.score === undefined;
    const green = !missing && dim.score >= 7;
    const source = dim.source === 'telemetry' ? 'from telemetry' : dim.source === 'override' ? 'CSM override' : dim.assessed_by ? `by ${dim.assessed_by}` : '';
    return h(
      'tr',
      { class: missing ? 'missing' : '', 'data-dimension': d },
      h('td', {}, h('div', {}, d[0].toUpperCase() + d.slice(1)), h('div', { class: 'muted small' }, missing ? 'missing: needs an assessment' : source)),
      h('td', { class: 'weight num' }, `${dim.weight}%`),
      h('td', { style: 'width:40%' }, ratioBar({ value: missing ? 0 : dim.score, threshold: 7 }, 10)),
      h('td', { class: `scorecell num ${missing ? '' : green ? 'met' : 'unmet'}` }, missing ? '—' : fmt(dim.score, 1)),
    );
  });
  const blockers = (g.blockers || []).length ? h('ul', { class: 'small' }, g.blockers.map((b) => h('li', {}, b))) : null;
  return h(
    'section',
    { class: 'card' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Graduation scorecard'), h('span', { class: 'muted small' }, 'green ≥ 7 · ready ≥ 8.0 · close 6.0–7.9')),
    h('table', { class: 'dims' }, h('tbody', {}, rows)),
    g.missing && g.missing.length ? h('p', { class: 'muted small' }, `Missing dimensions: ${g.missing.join(', ')}`) : null,
    blockers ? h('div', {}, h('h3', { style: 'margin-top:12px' }, 'Not ready because'), blockers) : null,
  );
}

function usageTable(r) {
  const rows = [];
  for (const row of ratioRows(r)) {
    rows.push([`${row.name[0].toUpperCase()}${row.name.slice(1)} active ratio`, pct(row.value), row.threshold === null || row.threshold === undefined ? 'not a criterion' : `≥ ${pct(row.threshold)}`, row.threshold === null || row.threshold === undefined ? null : row.value >= row.threshold]);
  }
  const au = r.active_users || {};
  rows.push(['Active users (daily avg / weekly / monthly)', `${fmt(au.daily_avg, 1)} / ${au.weekly ?? '—'} / ${au.monthly ?? '—'}`, `${r.licensed_seats} seats`, null]);
  const cf = r.core_features || {};
  const regularCriterion = ((r.usage && r.usage.criteria) || []).find((c) => c.name === 'core_features_regular');
  rows.push(['Core features regular', `${cf.regular ?? '—'} of ${cf.total ?? '—'}`, regularCriterion ? 'all' : 'not a criterion', regularCriterion ? regularCriterion.met : null]);
  for (const c of (r.usage && r.usage.criteria) || []) {
    if (c.name === 'key_users_active') rows.push(['Key users active (30 days)', pct(c.value), 'all', c.met]);
    if (c.name === 'workflow_success') rows.push(['Critical-workflow success rate', pct(c.value), `≥ ${pct(c.threshold)}`, c.met]);
    if (c.name === 'not_declining') rows.push(['Usage trend not declining', r.trend ? `${fmt(r.trend.relative_slope * 100, 1)}% / week` : '—', 'not declining', c.met]);
  }
  return h(
    'section',
    { class: 'card' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', {}, 'Usage against thresholds'),
      h('span', {}, h('span', { class: 'muted small' }, 'usage score '), h('strong', { class: 'num' }, fmt(r.usage.score, 1)), ' ', r.usage.complete ? h('span', { class: 'chip ok' }, 'complete') : h('span', { class: 'chip warning' }, 'not complete')),
    ),
    h(
      'table',
      { class: 'metrics' },
      h(
        'tbody',
        {},
        rows.map(([name, value, threshold, met]) =>
          h('tr', {}, h('td', {}, name), h('td', { class: 'value num' }, value), h('td', { class: 'threshold' }, threshold), h('td', { class: met === null ? '' : met ? 'met' : 'unmet' }, met === null ? '' : met ? '✓' : '✗')),
        ),
      ),
    ),
  );
}

const SOURCE_LABEL = { telemetry: 'Product usage', assessment: 'CSM assessment', account: 'Account record', configuration: 'Configuration', result: 'Result' };

function explanationCard(e) {
  const body = h('div', { class: 'explanation' });
  if (!e || !e.from) {
    body.appendChild(h('p', { class: 'muted' }, 'No earlier snapshot to compare with yet.'));
  } else {
    body.appendChild(h('p', {}, e.summary || ''));
    const groups = [...(e.causes || []), 'result'];
    for (const source of groups) {
      const items = [...(e.inputs || []), ...(e.results || [])].filter((c) => c.source === source);
      if (!items.length) continue;
      body.appendChild(h('div', { 'data-source': source }, h('h3', { style: 'margin-top:10px' }, SOURCE_LABEL[source] || source), h('ul', {}, items.map((c) => h('li', {}, c.text)))));
    }
  }
  return h(
    'section',
    { class: 'card', 'data-testid': 'explanation' },
    h('div', { class: 'card-head' }, h('h2', {}, 'What changed since the previous snapshot'), e && e.from ? h('span', { class: 'muted small' }, `${e.from} → ${e.to}`) : null),
    body,
  );
}

function riskCard(risk) {
  const parts = (risk && risk.parts) || [];
  return h(
    'section',
    { class: 'card', 'data-testid': 'why-rank' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Why this rank'), h('span', { class: 'muted small' }, `risk ${fmt(risk ? risk.score : null, 1)}`)),
    parts.length
      ? h('table', { class: 'metrics' }, h('tbody', {}, parts.map((p) => h('tr', {}, h('td', {}, p.text), h('td', { class: 'value num' }, `+${fmt(p.points, 1)}`)))))
      : h('p', { class: 'muted' }, 'Nothing raises the risk: no open flag, scorecard complete.'),
  );
}

function timelineCard(transitions) {
  const items = [...transitions].sort((a, b) => (a.occurred_at < b.occurred_at ? 1 : -1)).slice(0, 30);
  return h(
    'section',
    { class: 'card' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Flag timeline')),
    items.length
      ? h(
          'ul',
          { class: 'timeline' },
          items.map((t) =>
            h('li', {}, h('span', { class: 'when num' }, t.as_of), h('span', {}, h('span', { class: `chip ${t.kind === 'resolved' ? 'ok' : t.severity}` }, t.kind)), h('span', {}, h('strong', {}, FLAG_LABEL[t.code] || t.code), h('div', { class: 'muted small' }, t.message))),
          ),
        )
      : h('p', { class: 'muted' }, 'No flag transitions recorded.'),
  );
}

function assessmentForm(r, onDone) {
  const error = (name) => h('div', { class: 'field-error', 'data-error-for': name });
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'assessment-form' },
    h(
      'div',
      { class: 'form-row' },
      h('label', {}, 'Dimension', h('select', { name: 'dimension' }, DIMENSIONS.map((d) => h('option', { value: d, selected: d === 'value' }, d === 'usage' ? 'usage (override, needs reason)' : d))), error('dimension')),
      h('label', {}, 'Score (0–10)', h('input', { name: 'score', type: 'number', min: '0', max: '10', step: '0.5', required: true }), error('score')),
    ),
    h('label', {}, 'Evidence', h('textarea', { name: 'evidence', required: true, placeholder: 'What you observed, e.g. ROI review signed off by the sponsor' }), error('evidence')),
    h(
      'div',
      { class: 'form-row' },
      h('label', {}, 'Assessed by', h('input', { name: 'assessed_by', required: true, value: localStorage.getItem('usage-readiness.assessor') || '' }), error('assessed_by')),
      h('label', {}, 'Reason (usage override only)', h('input', { name: 'reason' }), error('reason')),
    ),
    h('div', { class: 'field-error', 'data-error-for': 'form' }),
    h('div', {}, h('button', { type: 'submit', class: 'primary' }, 'Record assessment and rescore')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    const data = new FormData(form);
    const body = {
      dimension: data.get('dimension'),
      score: data.get('score') === '' ? undefined : Number(data.get('score')),
      evidence: String(data.get('evidence') || ''),
      assessed_by: String(data.get('assessed_by') || ''),
    };
    if (data.get('reason')) body.reason = String(data.get('reason'));
    localStorage.setItem('usage-readiness.assessor', body.assessed_by);
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const result = await api(`/v1/accounts/${encodeURIComponent(r.account_id)}/products/${encodeURIComponent(r.product)}/assessments`, { method: 'POST', body });
      onDone(result);
    } catch (err) {
      if (err instanceof ApiError && err.details.length) {
        for (const d of err.details) {
          const slot = form.querySelector(`[data-error-for="${CSS.escape(d.field)}"]`) || form.querySelector('[data-error-for="form"]');
          slot.textContent = d.message;
        }
      } else {
        form.querySelector('[data-error-for="form"]').textContent = err.message;
      }
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Record an assessment')), form);
}

async function renderAccount(account, product, flash) {
  const gen = routeGen;
  const detail = await api(`/v1/accounts/${encodeURIComponent(account)}/products/${encodeURIComponent(product)}/readiness`);
  if (gen !== routeGen) return;
  const r = detail.report;
  setAsOf(r.as_of);
  const g = r.graduation;
  const hero = h(
    'div',
    { class: 'hero' },
    h(
      'div',
      { class: 'title' },
      h('h1', {}, accountLabel(r)),
      h('div', { class: 'meta' }, h('span', {}, h('span', { class: 'chip type' }, r.product_type), ` ${r.product}`), h('span', {}, `${r.licensed_seats} licensed seats`), r.csm ? h('span', {}, `CSM ${r.csm}`) : null, h('span', {}, `as of ${r.as_of}`)),
    ),
    h('div', { style: 'margin-left:auto; text-align:right' }, h('div', { class: `big-score num ${flash ? 'changed' : ''}`, 'data-testid': 'graduation-score' }, fmt(g.score, 2), h('small', {}, ' / 10')), h('div', { style: 'margin-top:6px' }, bandPill(g.band), ' ', g.ready ? h('span', { class: 'chip ok' }, 'ready to graduate') : null)),
  );
  const trendEl = h('div', { class: 'chart', 'data-testid': 'trend-chart' });
  const historyEl = h('div', { class: 'chart', 'data-testid': 'history-chart' });
  const flags = r.flags.length ? h('div', { style: 'margin-bottom:16px' }, r.flags.map(flagChip), r.flags.map((f) => h('div', { class: 'small', style: 'margin-top:4px', 'data-flag': f.code }, h('strong', {}, FLAG_LABEL[f.code] || f.code), ` (${f.age || ''}): ${f.message}`))) : null;
  view.replaceChildren(
    h('a', { href: '#/', class: 'back' }, '← Portfolio'),
    hero,
    flags ? h('section', { class: 'card' }, h('h2', { style: 'margin-bottom:8px' }, 'Open flags'), flags) : '',
    riskCard(r.risk),
    h('div', { class: 'grid two', style: 'margin-top:16px' }, scorecard(g), usageTable(r)),
    h(
      'div',
      { class: 'grid two', style: 'margin-top:16px' },
      h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Weekly active users'), h('span', { class: 'muted small' }, 'last 6 weekly windows')), trendEl),
      h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Score history'), h('span', { class: 'muted small' }, 'daily snapshots')), historyEl),
    ),
    h('div', { class: 'grid two', style: 'margin-top:16px' }, explanationCard(detail.explanation), timelineCard(detail.transitions || [])),
    h('div', { style: 'margin-top:16px' }, assessmentForm(r, (result) => {
      const before = result.previous && result.previous.score;
      const after = result.report && result.report.graduation.score;
      toast(`Assessment recorded. Score ${fmt(before, 2)} → ${fmt(after, 2)}`);
      void renderAccount(account, product, true);
    })),
  );
  // Weekly windows end on as_of and step back 7 days each.
  const weeks = (r.trend && r.trend.weekly_active) || [];
  const weekDays = weeks.map((_, i) => new Date(Date.parse(`${r.as_of}T00:00:00Z`) - (weeks.length - 1 - i) * 7 * 86400000).toISOString().slice(0, 10));
  const weeklyThreshold = ratioRows(r).find((x) => x.name === 'weekly').threshold;
  lineChart(trendEl, {
    x: weekDays,
    series: [{ label: 'weekly active users', color: '#2f5aa8', fill: 'rgba(47,90,168,0.10)', values: weeks }],
    thresholds: weeklyThreshold ? [{ label: `weekly threshold (${pct(weeklyThreshold)} of seats)`, value: weeklyThreshold * r.licensed_seats, color: '#1f8a4c' }] : [],
    yRange: [0, Math.max(r.licensed_seats, ...weeks) * 1.05],
  });
  const history = detail.history || [];
  lineChart(historyEl, {
    x: history.map((s) => s.as_of),
    series: [
      { label: 'graduation score', color: '#17263c', values: history.map((s) => s.graduation_score) },
      { label: 'usage score', color: '#2f80ed', values: history.map((s) => s.usage_score) },
    ],
    thresholds: [{ label: 'ready (8.0)', value: 8, color: '#1f8a4c' }, { label: 'close (6.0)', value: 6, color: '#b7791f' }],
    yRange: [0, 10],
  });
}

// ---------- product types ----------

async function renderProductTypes() {
  const gen = routeGen;
  const summary = await api('/v1/product-types/summary');
  if (gen !== routeGen) return;
  setAsOf(summary.as_of);
  const codes = Object.keys(FLAG_LABEL);
  const bandBar = (bands, total) =>
    h('div', { class: 'bandbar', title: BANDS.map((b) => `${BAND_LABEL[b]}: ${bands[b] || 0}`).join(', ') }, BANDS.map((b) => h('span', { class: b, style: `width:${total ? ((bands[b] || 0) / total) * 100 : 0}%` })));
  const table = h(
    'table',
    { class: 'rollup', 'data-testid': 'rollup' },
    h('thead', {}, h('tr', {}, ['Product type', 'Accounts', 'Bands', ...BANDS.map((b) => BAND_LABEL[b]), 'Ready to graduate', 'Median daily', 'Median weekly', 'Median monthly'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      summary.items.map((t) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/?product_type=${encodeURIComponent(t.product_type)}` }, t.product_type)),
          h('td', { class: 'num' }, t.accounts),
          h('td', {}, bandBar(t.bands, t.accounts)),
          BANDS.map((b) => h('td', { class: 'num' }, (t.bands && t.bands[b]) || 0)),
          h('td', { class: 'num' }, t.ready ?? '—'),
          ['daily', 'weekly', 'monthly'].map((k) => h('td', { class: 'num' }, pct(t.median_ratios && t.median_ratios[k]))),
        ),
      ),
    ),
  );
  const flagTable = h(
    'table',
    { class: 'rollup' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Share of accounts with flag'), summary.items.map((t) => h('th', {}, t.product_type)))),
    h('tbody', {}, codes.map((c) => h('tr', {}, h('td', {}, FLAG_LABEL[c]), summary.items.map((t) => h('td', { class: 'num' }, pct((t.flag_share && t.flag_share[c]) || 0)))))),
  );
  view.replaceChildren(
    h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Readiness by product type')), table, h('div', { class: 'legend' }, BANDS.map((b) => h('span', {}, h('i', { style: `background:var(--${b.replace('_', '-')})` }), BAND_LABEL[b])))),
    h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Red flags by product type')), flagTable),
  );
}

// ---------- shell ----------

function setAsOf(day) {
  document.getElementById('as-of').textContent = day ? `scored as of ${day}` : '';
}

function setNav(name) {
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === name);
}

let routeGen = 0;
async function route() {
  routeGen++;
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'accounts' && parts.length === 3) {
      setNav('');
      await renderAccount(parts[1], parts[2], false);
    } else if (parts[0] === 'calibration') {
      setNav('calibration');
      await renderCalibration(view);
    } else if (parts[0] === 'product-types') {
      setNav('product-types');
      await renderProductTypes();
    } else {
      setNav('portfolio');
      await renderPortfolio(params);
    }
    document.body.dataset.ready = 'true';
  } catch (error) {
    showError(error);
  }
}

let stopLive;
function startLive() {
  if (stopLive) stopLive();
  const live = document.getElementById('live');
  let refresh;
  stopLive = followFlags({
    onState: (on) => {
      live.className = `live ${on ? 'on' : 'off'}`;
      live.querySelector('.live-text').textContent = on ? 'live' : 'reconnecting';
    },
    onTransition: (t) => {
      toast(`${t.account_id} / ${t.product}: ${FLAG_LABEL[t.code] || t.code} ${t.kind}`);
      // Coalesce bursts (a scoring pass emits many transitions) into one refresh.
      clearTimeout(refresh);
      refresh = setTimeout(() => void route(), 800);
    },
  });
}

window.addEventListener('hashchange', () => void route());
captureToken();
document.getElementById('live').addEventListener('dblclick', () => {
  clearToken();
  showTokenPrompt();
});
startLive();
void route();
