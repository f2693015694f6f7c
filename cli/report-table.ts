import { reportRisk, type Band, type ProductTypeRollup, type ReadinessReport } from '../scoring/index.js';

/** Terminal rendering of readiness reports: aligned columns, coloured bands, a sparkline of weekly actives. */

const BARS = '▁▂▃▄▅▆▇█';

/** One bar per value, scaled to the largest (all-zero: lowest bars). */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (max === 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))])).join('');
}

const COLOURS: Record<Band, string> = { ready: '\u001b[32m', close: '\u001b[33m', not_ready: '\u001b[31m', incomplete: '\u001b[90m' };
const RESET = '\u001b[0m';

function pad(text: string, width: number): string {
  const visible = [...text].length;
  return visible >= width ? text : text + ' '.repeat(width - visible);
}

export function renderRows(header: string[], rows: string[][], colourColumn: number | undefined, colourOf: (row: number) => string | undefined): string[] {
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[], row?: number) =>
    cells
      .map((c, i) => {
        const padded = pad(c, widths[i]!);
        const colour = row !== undefined && i === colourColumn ? colourOf(row) : undefined;
        return colour ? `${colour}${padded}${RESET}` : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map((r, i) => line(r, i))];
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function reportTable(reports: readonly ReadinessReport[], colour: boolean): string[] {
  const header = ['account', 'product', 'type', 'risk', 'band', 'score', 'ready', 'usage', 'daily', 'weekly', 'monthly', 'trend (6 wk)', 'flags'];
  const rows = reports.map((r) => [
    r.account_id,
    r.product,
    r.product_type,
    reportRisk(r).score.toFixed(1),
    r.graduation.band,
    r.graduation.score === null ? '—' : r.graduation.score.toFixed(2),
    r.graduation.ready ? 'yes' : 'no',
    r.usage.score.toFixed(2),
    pct(r.ratios.daily),
    pct(r.ratios.weekly),
    pct(r.ratios.monthly),
    `${sparkline(r.trend.weekly_active)} ${r.trend.relative_slope >= 0 ? '+' : ''}${r.trend.relative_slope.toFixed(2)}`,
    r.flags.map((f) => (f.severity === 'red' ? `!${f.code}` : f.code)).join(' ') || '—',
  ]);
  return renderRows(header, rows, colour ? 4 : undefined, (i) => COLOURS[reports[i]!.graduation.band]);
}

const signedPct = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(Math.round(x * 1000) / 10)}%`;

export function rollupTable(rollups: readonly ProductTypeRollup[]): string[] {
  const header = ['type', 'accounts', 'ready', 'attention', 'close', 'not_ready', 'incomplete', 'median daily', 'weekly', 'monthly', 'weekly ratio (12 wk medians)', 'weekly IQR', 'median slope/wk', 'declining', 'flags (share of accounts)'];
  const rows = rollups.map((r) => {
    const last = r.trend[r.trend.length - 1];
    return [
      r.product_type,
      String(r.accounts),
      String(r.ready),
      String(r.needs_attention),
      String(r.bands.close),
      String(r.bands.not_ready),
      String(r.bands.incomplete),
      r.median_ratios.daily === null ? '—' : pct(r.median_ratios.daily),
      r.median_ratios.weekly === null ? '—' : pct(r.median_ratios.weekly),
      r.median_ratios.monthly === null ? '—' : pct(r.median_ratios.monthly),
      r.trend.length === 0 ? '—' : `${sparkline(r.trend.map((w) => w.weekly_ratio.median))} ${pct(last!.weekly_ratio.median)}`,
      last ? `${pct(last.weekly_ratio.p25)}–${pct(last.weekly_ratio.p75)}` : '—',
      last ? signedPct(last.median_relative_slope) : '—',
      last ? pct(last.share_declining) : '—',
      Object.entries(r.flag_share)
        .filter(([, share]) => share > 0)
        .map(([code, share]) => `${code} ${pct(share)}`)
        .join(', ') || '—',
    ];
  });
  return renderRows(header, rows, undefined, () => undefined);
}
