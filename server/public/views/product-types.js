// @ts-check
// Product types: readiness per usage profile and, per type, the 12-week usage trend (median and IQR of the weekly-active ratio).
import { api } from '../api.js';
import { LineChart } from '../charts.js';
import { BANDS, BAND_LABEL, FLAG_LABEL, html, pct, useEffect, useState } from '../lib.js';

/** @param {number} x */
const slope = (x) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(Math.round(x * 1000) / 10)}% a week`;

/** @param {{ t: any }} props */
function TypeTrend({ t }) {
  const weeks = t.trend || [];
  const last = weeks[weeks.length - 1];
  return html`<section class="card" data-testid=${`trend-${t.product_type}`}>
    <div class="card-head"><h2>${t.product_type}: weekly active, last ${weeks.length} weeks</h2>
      ${last ? html`<span class="muted small">median ${pct(last.weekly_ratio.median)} (IQR ${pct(last.weekly_ratio.p25)}–${pct(last.weekly_ratio.p75)}) · median trend ${slope(last.median_relative_slope)} · ${pct(last.share_declining)} declining</span>` : null}</div>
    <${LineChart} x=${weeks.map((/** @type {any} */ w) => w.week_end)} height=${200} empty="No trend yet"
      series=${[
        { label: 'median weekly-active ratio', color: '#17263c', values: weeks.map((/** @type {any} */ w) => w.weekly_ratio.median) },
        { label: '25th percentile', color: '#8ba3c7', values: weeks.map((/** @type {any} */ w) => w.weekly_ratio.p25) },
        { label: '75th percentile', color: '#8ba3c7', values: weeks.map((/** @type {any} */ w) => w.weekly_ratio.p75) },
        { label: 'share declining', color: '#c0392b', values: weeks.map((/** @type {any} */ w) => w.share_declining) },
      ]} />
    ${t.products && t.products.length ? html`<table class="rollup"><thead><tr><th scope="col">Product</th><th scope="col">Median weekly</th><th scope="col">IQR</th><th scope="col">Median trend</th><th scope="col">Declining</th></tr></thead>
      <tbody>${t.products.map((/** @type {any} */ p) => {
        const w = p.trend[p.trend.length - 1];
        return html`<tr><td><a href=${`#/?product_type=${encodeURIComponent(t.product_type)}&q=`}>${p.product}</a></td><td class="num">${w ? pct(w.weekly_ratio.median) : '—'}</td>
          <td class="num">${w ? `${pct(w.weekly_ratio.p25)}–${pct(w.weekly_ratio.p75)}` : '—'}</td><td class="num">${w ? slope(w.median_relative_slope) : '—'}</td><td class="num">${w ? pct(w.share_declining) : '—'}</td></tr>`;
      })}</tbody></table>` : null}
  </section>`;
}

/** @param {{ refresh: number, setAsOf: (d: string | null) => void, onError: (e: unknown) => void }} props */
export function ProductTypes({ refresh, setAsOf, onError }) {
  const [summary, setSummary] = useState(/** @type {any} */ (null));
  useEffect(() => {
    let current = true;
    api('/v1/product-types/summary').then(
      (s) => {
        if (!current) return;
        setSummary(s);
        setAsOf(s.as_of);
        document.body.dataset.ready = 'true';
      },
      (error) => current && onError(error),
    );
    return () => {
      current = false;
    };
  }, [refresh]);
  if (!summary) return html`<div class="card empty">Loading…</div>`;
  return html`
    <section class="card"><div class="card-head"><h2>Readiness by product type</h2></div>
      <div class="table-wrap"><table class="rollup" data-testid="rollup">
        <thead><tr><th scope="col">Product type</th><th scope="col">Accounts</th><th scope="col">Bands</th><th scope="col">Ready to graduate</th><th scope="col">Needs attention</th>
          ${BANDS.map((b) => html`<th scope="col">${BAND_LABEL[b]}</th>`)}<th scope="col">Median weekly</th></tr></thead>
        <tbody>${summary.items.map((/** @type {any} */ t) => html`<tr>
          <td><a href=${`#/?product_type=${encodeURIComponent(t.product_type)}`}>${t.product_type}</a></td><td class="num">${t.accounts}</td>
          <td><div class="bandbar" role="img" aria-label=${BANDS.map((b) => `${BAND_LABEL[b]}: ${t.bands[b] || 0}`).join(', ')}>${BANDS.map((b) => html`<span class=${b} style=${`width:${t.accounts ? ((t.bands[b] || 0) / t.accounts) * 100 : 0}%`}></span>`)}</div></td>
          <td class="num">${t.ready}</td><td class="num">${t.needs_attention}</td>
          ${BANDS.map((b) => html`<td class="num">${t.bands[b] || 0}</td>`)}<td class="num">${pct(t.median_ratios.weekly)}</td></tr>`)}</tbody>
      </table></div>
    </section>
    <div class="grid two">${summary.items.map((/** @type {any} */ t) => html`<${TypeTrend} key=${t.product_type} t=${t} />`)}</div>
    <section class="card"><div class="card-head"><h2>Red flags by product type</h2></div>
      <div class="table-wrap"><table class="rollup"><thead><tr><th scope="col">Share of accounts with flag</th>${summary.items.map((/** @type {any} */ t) => html`<th scope="col">${t.product_type}</th>`)}</tr></thead>
        <tbody>${Object.keys(FLAG_LABEL).map((c) => html`<tr><td>${FLAG_LABEL[c]}</td>${summary.items.map((/** @type {any} */ t) => html`<td class="num">${pct(t.flag_share[c] || 0)}</td>`)}</tr>`)}</tbody></table></div>
    </section>`;
}
