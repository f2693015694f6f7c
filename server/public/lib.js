// @ts-check
// The UI library (Preact + hooks + htm in one ES module, served from node_modules: no build step)
// and the small formatting helpers every view shares.
import { html, render, useState, useEffect, useRef, useMemo, useCallback } from '/vendor/htm/standalone.mjs';

export { html, render, useState, useEffect, useRef, useMemo, useCallback };

export const BANDS = /** @type {const} */ (['ready', 'close', 'not_ready', 'incomplete']);
/** @type {Record<string, string>} */
export const BAND_LABEL = { ready: 'Ready', close: 'Close', not_ready: 'Not ready', incomplete: 'Incomplete' };
// Flag titles come from the server's own wording module, so the dashboard and the reports never disagree.
import { FLAG_TITLES } from '/shared/wording.js';
/** @type {Record<string, string>} */
export const FLAG_LABEL = FLAG_TITLES;
export const DIMENSIONS = ['technical', 'knowledge', 'usage', 'value', 'stakeholder'];

/** @param {number | null | undefined} n @param {number} [d] */
export const fmt = (n, d = 1) => (n === null || n === undefined || Number.isNaN(n) ? '—' : Number(n).toFixed(d));
/** @param {number | null | undefined} n */
export const pct = (n) => (n === null || n === undefined ? '—' : `${Math.round(n * 100)}%`);
/** @param {string} s */
export const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);
/** @param {{ account_name: string | null, account_id: string }} r */
export const accountLabel = (r) => r.account_name || r.account_id;
/** @param {string} account @param {string} product */
export const accountHref = (account, product) => `#/accounts/${encodeURIComponent(account)}/${encodeURIComponent(product)}`;

/** The one declining rule: the report's own `declining_usage` flag (the sparkline and the chip agree). @param {{ flags: Array<{ code: string }> }} r */
export const isDeclining = (r) => r.flags.some((f) => f.code === 'declining_usage');

/** @param {string} band */
export function BandPill(band) {
  return html`<span class=${`pill ${band}`} data-band=${band}>${BAND_LABEL[band] || band}</span>`;
}

/** @param {{ code: string, severity: string, label?: string, message?: string, age?: string }} f */
export function FlagChip(f) {
  return html`<span class=${`chip ${f.severity}`} data-flag=${f.code} title=${f.message || ''}>${f.label || FLAG_LABEL[f.code] || f.code}</span>`;
}
