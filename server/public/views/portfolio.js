// @ts-check
// Portfolio: KPI cards that filter, search, CSM and other filters, sortable columns, CSV download, paging.
import { api, downloadCsv } from '../api.js';
import { Sparkline } from '../charts.js';
import { BANDS, BAND_LABEL, BandPill, FLAG_LABEL, FlagChip, accountHref, accountLabel, fmt, html, isDeclining, pct, useEffect, useState } from '../lib.js';

const PAGE = 25;
/** Filter and sort parameters the list understands, kept in the address (#/?…). */
export const LIST_PARAMS = ['q', 'csm', 'product_type', 'band', 'flag', 'ready', 'needs_attention', 'sort', 'order', 'offset'];

/**
 * Moves the list to new parameters. Reads the current ones from the address, not from a
 * rendered view's closure, so a control on a view about to be replaced cannot undo a newer change.
 * @param {unknown} _rendered the parameters the calling view was rendered with (unused, see above)
 * @param {Record<string, string | number | undefined>} change
 */
function navigate(_rendered, change) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const next = new URLSearchParams();
  for (const k of LIST_PARAMS) {
    const v = k in change ? change[k] : params.get(k);
    if (v !== undefined && v !== null && v !== '' && !(k === 'offset' && Number(v) === 0)) next.set(k, String(v));
  }
  const qs = next.toString();
  location.hash = `#/${qs ? `?${qs}` : ''}`;
}

/** The API query of the list for these parameters (paging left to the caller). @param {URLSearchParams} params */
function listQuery(params) {
  const q = new URLSearchParams();
  for (const k of LIST_PARAMS) {
    const v = params.get(k);
    if (v && k !== 'offset') q.set(k, v);
  }
  return q;
}

/** KPI cards: each is a filter; the active one is pressed. @param {{ summary: any, params: URLSearchParams }} props */
function Kpis({ summary, params }) {
  const sum = (/** @type {(t: any) => number} */ f) => summary.items.reduce((/** @type {number} */ s, /** @type {any} */ t) => s + f(t), 0);
  const cards = [
    { key: 'ready', label: 'Ready to graduate', value: sum((t) => t.ready), filter: { ready: 'true' }, cls: 'ready' },
    { key: 'close', label: 'Close', value: sum((t) => t.bands.close || 0), filter: { band: 'close' }, cls: 'close' },
    { key: 'attention', label: 'Needs attention', value: sum((t) => t.needs_attention), filter: { needs_attention: 'true' }, cls: 'not_ready' },
    { key: 'incomplete', label: 'Incomplete', value: sum((t) => t.bands.incomplete || 0), filter: { band: 'incomplete' }, cls: 'incomplete' },
  ];
  const cleared = { ready: '', band: '', needs_attention: '', offset: 0 };
  return html`<div class="grid kpis">
    <div class="card kpi"><div class="label">Account-products</div><div class="value num">${sum((t) => t.accounts)}</div></div>
    ${cards.map((c) => {
      const active = Object.entries(c.filter).every(([k, v]) => params.get(k) === v);
      return html`<button type="button" class=${`card kpi ${c.cls}${active ? ' active' : ''}`} aria-pressed=${active} data-kpi=${c.key}
        onClick=${() => navigate(params, { ...cleared, ...(active ? {} : c.filter) })}>
        <div class="label">${c.label}</div><div class="value num">${c.value}</div>
      </button>`;
    })}
  </div>`;
}

/** @param {{ params: URLSearchParams, csms: string[], types: string[] }} props */
function Filters({ params, csms, types }) {
  const [q, setQ] = useState(params.get('q') || '');
  useEffect(() => setQ(params.get('q') || ''), [params.get('q')]);
  /** @param {string} name @param {string} label @param {Array<[string, string]>} options */
  const select = (name, label, options) => html`<label>${label}
    <select name=${name} data-filter=${name} value=${params.get(name) || ''} onChange=${(/** @type {any} */ e) => navigate(params, { [name]: e.currentTarget.value, offset: 0 })}>
      <option value="">All</option>
      ${options.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
    </select></label>`;
  return html`<form class="filters" role="search" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); navigate(params, { q, offset: 0 }); }}>
    <label>Search accounts
      <input type="search" name="q" data-filter="q" value=${q} placeholder="name or id" onInput=${(/** @type {any} */ e) => setQ(e.currentTarget.value)} />
    </label>
    ${select('csm', 'CSM owner', csms.map((c) => [c, c]))}
    ${select('product_type', 'Product type', types.map((t) => [t, t]))}
    ${select('band', 'Band', BANDS.map((b) => [b, BAND_LABEL[b] || b]))}
    ${select('flag', 'Open flag', /** @type {Array<[string, string]>} */ (Object.entries(FLAG_LABEL)))}
    <button type="submit">Search</button>
  </form>`;
}

/** Ratio bars: fill against the completion threshold (tick), with the low-engagement floor marked on the ratio that flag reads. @param {{ r: any }} props */
export function Ratios({ r }) {
  const criteria = r.usage.criteria || [];
  /** @param {string} name */
  const threshold = (name) => {
    const c = criteria.find((/** @type {any} */ x) => x.name === name);
    return c ? c.threshold : null;
  };
  const t = r.thresholds || {};
  return html`<div class="ratios">${['daily', 'weekly', 'monthly'].map((w) => {
    const value = r.ratios[w];
    const need = threshold(`${w}_ratio`);
    const floor = t.primary_ratio === w ? t.low_engagement_ratio : null;
    const state = floor !== null && floor !== undefined && value < floor ? 'below' : need === null ? 'neutral' : value >= need ? '' : 'short';
    const title = `${w} active ${pct(value)} of seats${need !== null ? `, completion needs ${pct(need)}` : ''}${floor !== null && floor !== undefined ? `, low engagement below ${pct(floor)}` : ''}`;
    return html`<div class="ratio" title=${title} aria-label=${title}>
      <span class="name">${w[0]?.toUpperCase()}</span>
      <div class="bar"><div class=${`fill ${state}`} style=${`width:${(Math.max(0, Math.min(1, value || 0)) * 100).toFixed(1)}%`}></div>
        ${need !== null ? html`<div class="tick need" style=${`left:${Math.min(100, need * 100).toFixed(1)}%`}></div>` : null}
        ${floor !== null && floor !== undefined ? html`<div class="tick floor" style=${`left:${Math.min(100, floor * 100).toFixed(1)}%`}></div>` : null}
      </div>
      <span class="num">${pct(value)}</span>
    </div>`;
  })}</div>`;
}

const COLUMNS = [
  { key: 'account_name', label: 'Account' },
  { key: 'risk', label: 'Risk' },
  { key: 'graduation_score', label: 'Band · score' },
  { key: 'ratio_weekly', label: 'Active vs threshold' },
  { key: 'relative_slope', label: 'Weekly active (6 wk)' },
  { key: 'red_flags', label: 'Open flags' },
];

/** @param {{ params: URLSearchParams }} props */
function Header({ params }) {
  const sort = params.get('sort') || 'risk';
  const order = params.get('order') || (sort === 'risk' ? 'desc' : 'asc');
  return html`<thead><tr>${COLUMNS.map((c) => {
    const active = sort === c.key;
    const next = active ? (order === 'asc' ? 'desc' : 'asc') : c.key === 'risk' || c.key === 'red_flags' ? 'desc' : 'asc';
    return html`<th scope="col" aria-sort=${active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" class="sort" data-sort=${c.key} onClick=${() => navigate(params, { sort: c.key, order: next, offset: 0 })}>
        ${c.label}${active ? (order === 'asc' ? ' ▲' : ' ▼') : ''}
      </button></th>`;
  })}</tr></thead>`;
}

/** @param {{ r: any }} props */
function Row({ r }) {
  const href = accountHref(r.account_id, r.product);
  const declining = isDeclining(r);
  const fresh = r.freshness;
  const open = () => (location.hash = href);
  return html`<tr class=${`row band-${r.graduation.band}`} data-account=${r.account_id} data-product=${r.product} tabindex="0"
    onClick=${open} onKeyDown=${(/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter' && e.target === e.currentTarget) open(); }}>
    <td data-label="Account">
      <a class="account-name" href=${href} onClick=${(/** @type {Event} */ e) => e.stopPropagation()}>${accountLabel(r)}</a>
      <div class="muted small">${r.product} · ${r.product_type} · ${r.licensed_seats} seats${r.csm ? ` · ${r.csm}` : ''}</div>
      ${fresh && fresh.stale ? html`<div class="stale small" data-stale="">No events for ${fresh.days_without_events === null ? 'a year' : `${fresh.days_without_events} days`}</div>` : null}
    </td>
    <td data-label="Risk" class="num"><div class="score" data-risk="">${fmt(r.risk ? r.risk.score : null, 0)}</div>
      <div class="muted small why">${r.risk && r.risk.parts[0] ? r.risk.parts[0].text : 'nothing raises it'}</div></td>
    <td data-label="Band · score">${BandPill(r.graduation.band)} <span class="num" data-score="">${fmt(r.graduation.score, 2)}</span>
      ${r.graduation.ready ? html`<div class="small met">✓ graduates</div>` : null}
      <div class="muted small">usage ${fmt(r.usage.score, 1)}</div></td>
    <td data-label="Active vs threshold"><${Ratios} r=${r} /></td>
    <td data-label="Weekly active (6 wk)"><${Sparkline} values=${r.trend.weekly_active} declining=${declining} />
      <div class=${`small ${declining ? 'unmet' : 'muted'}`}>${trendWords(r.trend.relative_slope)}</div></td>
    <td data-label="Open flags">${r.flags.length ? r.flags.map(FlagChip) : html`<span class="chip ok">No flags</span>`}</td>
  </tr>`;
}

/** @param {number} rel */
export function trendWords(rel) {
  const p = Math.round(Math.abs(rel) * 100);
  return p === 0 ? 'flat' : `${rel < 0 ? 'down' : 'up'} ${p}% a week`;
}

/** @param {{ params: URLSearchParams, refresh: number, setAsOf: (d: string | null) => void, onError: (e: unknown) => void }} props */
export function Portfolio({ params, refresh, setAsOf, onError }) {
  const [data, setData] = useState(/** @type {{ list: any, summary: any } | null} */ (null));
  const key = params.toString();
  useEffect(() => {
    let current = true;
    const q = listQuery(params);
    q.set('limit', String(PAGE));
    q.set('offset', params.get('offset') || '0');
    Promise.all([api(`/v1/readiness?${q}`), api('/v1/product-types/summary')]).then(
      ([list, summary]) => {
        // A later navigation superseded this one while it loaded: its answer must not overwrite the newer view.
        if (!current) return;
        setData({ list, summary });
        setAsOf(list.as_of);
        document.body.dataset.ready = 'true';
      },
      (error) => current && onError(error),
    );
    return () => {
      current = false;
    };
  }, [key, refresh]);
  if (!data) return html`<div class="card empty">Loading…</div>`;
  const { list, summary } = data;
  const csms = [...new Set(list.items.map((/** @type {any} */ r) => r.csm).filter(Boolean).concat(params.get('csm') ? [params.get('csm')] : []))].sort();
  const last = Math.min(list.total, list.offset + list.items.length);
  return html`
    <${Kpis} summary=${summary} params=${params} />
    <section class="card">
      <div class="card-head"><h2>Portfolio</h2>
        <span class="muted small">${params.get('sort') && params.get('sort') !== 'risk' ? 'Sorted by the chosen column' : 'Highest risk first'}</span>
        <button type="button" data-testid="download-csv" onClick=${() => downloadCsv(`/v1/readiness?${listQuery(params)}`, 'readiness.csv').catch(onError)}>Download CSV</button>
      </div>
      <${Filters} params=${params} csms=${csms} types=${summary.items.map((/** @type {any} */ t) => t.product_type)} />
      <div class="table-wrap">
        <table class="portfolio" data-testid="portfolio">
          <${Header} params=${params} />
          <tbody>${list.items.length ? list.items.map((/** @type {any} */ r) => html`<${Row} key=${`${r.account_id}/${r.product}`} r=${r} />`) : html`<tr><td colspan="6" class="empty">No account matches these filters</td></tr>`}</tbody>
        </table>
      </div>
      <div class="pager">
        <span class="num">${list.total ? `${list.offset + 1}–${last} of ${list.total}` : '0 results'}</span>
        <button type="button" disabled=${list.offset === 0} onClick=${() => navigate(params, { offset: Math.max(0, list.offset - PAGE) })}>Previous</button>
        <button type="button" disabled=${last >= list.total} onClick=${() => navigate(params, { offset: list.offset + PAGE })}>Next</button>
      </div>
    </section>`;
}
