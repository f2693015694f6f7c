// @ts-check
// Charts: SVG sparklines as components, line charts through the vendored uPlot (a global from its IIFE build).
import { html, useEffect, useRef } from './lib.js';

/**
 * Weekly actives (oldest first) as a sparkline. Red exactly when the report's
 * declining rule holds (`declining`), never from the shape alone.
 * @param {{ values: number[], declining: boolean, width?: number, height?: number }} props
 */
export function Sparkline({ values, declining, width = 110, height = 30 }) {
  const label = `weekly active users: ${values.join(', ')}${declining ? ' (declining)' : ''}`;
  if (values.length === 0) return html`<svg class="spark" width=${width} height=${height} role="img" aria-label=${label}></svg>`;
  const max = Math.max(1, ...values);
  const pad = 2;
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const pts = values.map((v, i) => [pad + i * step, height - pad - (v / max) * (height - 2 * pad)]);
  const line = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${(x ?? 0).toFixed(1)},${(y ?? 0).toFixed(1)}`).join(' ');
  const last = pts[pts.length - 1] ?? [0, 0];
  const area = `${line} L${(last[0] ?? 0).toFixed(1)},${height - pad} L${pad},${height - pad} Z`;
  return html`<svg class=${`spark${declining ? ' down' : ''}`} width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${label}>
    <path class="area" d=${area} /><path class="line" d=${line} /><circle class="dot" cx=${last[0]} cy=${last[1]} r="2.4" />
  </svg>`;
}

/** @param {string} day */
const dayToSeconds = (day) => Date.parse(`${day}T00:00:00Z`) / 1000;

/**
 * @typedef {{ label: string, color: string, values: Array<number | null>, fill?: string, points?: boolean, line?: boolean }} Series
 * @typedef {{ label: string, value: number, color?: string }} Threshold
 */

/**
 * A line chart over days. Series with `line: false` draw markers only (e.g. days without a score).
 * @param {{ x: string[], series: Series[], thresholds?: Threshold[], yRange?: [number, number], height?: number, testid?: string, empty?: string }} props
 */
export function LineChart({ x, series, thresholds = [], yRange, height = 220, testid, empty = 'No history yet' }) {
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));
  useEffect(() => {
    const el = ref.current;
    const uPlot = /** @type {any} */ (window).uPlot;
    if (!el || !uPlot || x.length === 0) return undefined;
    const width = () => Math.max(200, el.clientWidth || 320);
    const xs = x.map(dayToSeconds);
    const data = [xs, ...series.map((s) => s.values), ...thresholds.map((t) => xs.map(() => t.value))];
    const chart = new uPlot(
      {
        width: width(),
        height,
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: yRange ? { range: yRange } : { auto: true } },
        axes: [
          { stroke: '#52606d', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e4e7eb' } },
          { stroke: '#52606d', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e4e7eb' }, size: 44 },
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: s.line === false ? 0 : 2,
            fill: s.fill,
            points: { show: s.points ?? x.length < 20, size: s.line === false ? 8 : 5, fill: s.color },
            spanGaps: false,
          })),
          ...thresholds.map((t) => ({ label: t.label, stroke: t.color || '#8a96a3', width: 1, dash: [5, 4], points: { show: false } })),
        ],
      },
      data,
      el,
    );
    const resize = () => chart.setSize({ width: width(), height });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.destroy();
    };
  }, [JSON.stringify({ x, series, thresholds, yRange })]);
  if (x.length === 0) return html`<div class="chart" data-testid=${testid}><div class="empty">${empty}</div></div>`;
  return html`<div class="chart" data-testid=${testid} ref=${ref}></div>`;
}
