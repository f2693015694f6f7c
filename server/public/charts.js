// Small charts: SVG sparklines drawn here, line charts through the vendored uPlot.

const SVG = 'http://www.w3.org/2000/svg';

/** A sparkline of `values` (oldest first); red when the last value is below the first. */
export function sparkline(values, { width = 110, height = 30 } = {}) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `weekly active users: ${values.join(', ')}`);
  svg.classList.add('spark');
  if (!values || values.length === 0) return svg;
  if (values.length > 1 && values[values.length - 1] < values[0]) svg.classList.add('down');
  const max = Math.max(1, ...values);
  const pad = 2;
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const pts = values.map((v, i) => [pad + i * step, height - pad - (v / max) * (height - 2 * pad)]);
  const line = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const area = `${line} L${pts[pts.length - 1][0].toFixed(1)},${height - pad} L${pad},${height - pad} Z`;
  for (const [cls, d] of [['area', area], ['line', line]]) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('class', cls);
    p.setAttribute('d', d);
    svg.appendChild(p);
  }
  const last = pts[pts.length - 1];
  const dot = document.createElementNS(SVG, 'circle');
  dot.setAttribute('cx', String(last[0]));
  dot.setAttribute('cy', String(last[1]));
  dot.setAttribute('r', '2.4');
  dot.setAttribute('fill', svg.classList.contains('down') ? '#c0392b' : '#2f5aa8');
  svg.appendChild(dot);
  return svg;
}

const dayToSeconds = (day) => Date.parse(`${day}T00:00:00Z`) / 1000;

/**
 * A line chart in `el`. `x` are days (YYYY-MM-DD); each series has a label,
 * colour and values (null for gaps). `thresholds` draws dashed horizontal lines.
 */
export function lineChart(el, { x, series, yRange, thresholds = [], height = 220, bars = false }) {
  el.textContent = '';
  const uPlot = window.uPlot;
  if (!uPlot || x.length === 0) {
    el.innerHTML = '<div class="empty">No history yet</div>';
    return;
  }
  const width = Math.max(320, el.clientWidth || 520);
  const xs = x.map(dayToSeconds);
  const data = [xs, ...series.map((s) => s.values), ...thresholds.map((t) => xs.map(() => t.value))];
  const opts = {
    width,
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
        width: 2,
        fill: s.fill,
        points: { show: x.length < 20, size: 5 },
        spanGaps: true,
        ...(bars && uPlot.paths && uPlot.paths.bars ? { paths: uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } } : {}),
      })),
      ...thresholds.map((t) => ({ label: t.label, stroke: t.color || '#8a96a3', width: 1, dash: [5, 4], points: { show: false } })),
    ],
  };
  const chart = new uPlot(opts, data, el);
  const resize = () => chart.setSize({ width: Math.max(320, el.clientWidth), height });
  window.addEventListener('resize', resize);
  return chart;
}
