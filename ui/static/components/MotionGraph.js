// MotionGraph draws a camera's motion score of the last 2 minutes (pushed by the SSE stream) with the
// threshold as a line the user drags; the keyframes at or above it are marked.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './html.js';
import { watchMotion } from '../sse.js';
import { clock24 } from './when.js';

const WINDOW_S = 120;

/** MotionGraph props: camera id, threshold (0 = the default, 2), onThreshold(value) when a drag ends. */
export function MotionGraph({ id, threshold, onThreshold }) {
  const box = useRef(null);
  const plot = useRef(null);
  const data = useRef({ t: [], s: [] });
  const th = useRef(threshold || 2);
  const [shown, setShown] = useState(threshold || 2);
  const [count, setCount] = useState(0);
  const lastProp = useRef(threshold);
  if (lastProp.current !== threshold && !dragging()) { lastProp.current = threshold; th.current = threshold || 2; }

  function dragging() { return plot.current && plot.current.nvrDrag; }

  const series = () => {
    const { t, s } = data.current;
    const now = Date.now() / 1000;
    // The window's ends carry no score, so the threshold line spans the whole 2 minutes.
    const xs = [now - WINDOW_S, ...t, Math.max(now, t.length ? t[t.length - 1] : now)];
    const ys = [null, ...s, null];
    return [xs, ys, xs.map(() => th.current), ys.map((v) => (v !== null && v >= th.current ? v : null))];
  };

  useEffect(() => {
    const el = box.current;
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue('--muted').trim() || '#888';
    const opts = {
      width: Math.max(280, el.clientWidth), height: 200,
      fmtDate: (tpl) => uPlot.fmtDate(clock24(tpl)),
      scales: {
        x: { time: true, range: () => { const now = Date.now() / 1000; return [now - WINDOW_S, now]; } },
        y: { range: (u, min, max) => [0, Math.max((max || 0) * 1.15, th.current * 1.5, 1)] },
      },
      axes: [{ stroke: fg, grid: { stroke: 'rgba(128,128,128,.2)' } }, { stroke: fg, grid: { stroke: 'rgba(128,128,128,.2)' } }],
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      series: [{}, { label: 'Motion score', stroke: '#1f6feb', width: 2, spanGaps: true, points: { show: false } },
        { label: 'Threshold', stroke: '#e3b341', width: 2, dash: [6, 4], points: { show: false } },
        { label: 'Over the threshold', stroke: 'transparent', points: { show: true, size: 7, fill: '#c62828', stroke: '#c62828' } }],
    };
    opts.hooks = { draw: [(u) => { el.dataset.thresholdY = String(Math.round(u.valToPos(th.current, 'y'))); }] };
    const u = new uPlot(opts, series(), el);
    plot.current = u;
    // Drag the threshold line: press near it, move, let go.
    const over = u.over;
    const yAt = (e) => u.posToVal(e.clientY - over.getBoundingClientRect().top, 'y');
    const down = (e) => {
      const py = u.valToPos(th.current, 'y');
      if (Math.abs(e.clientY - over.getBoundingClientRect().top - py) > 12) return;
      u.nvrDrag = true;
      over.setPointerCapture(e.pointerId);
      e.preventDefault();
    };
    const move = (e) => {
      const py = u.valToPos(th.current, 'y');
      over.style.cursor = u.nvrDrag || Math.abs(e.clientY - over.getBoundingClientRect().top - py) <= 12 ? 'ns-resize' : '';
      if (!u.nvrDrag) return;
      th.current = Math.max(0.1, Math.round(yAt(e) * 10) / 10);
      setShown(th.current);
      u.setData(series());
    };
    const up = () => {
      if (!u.nvrDrag) return;
      u.nvrDrag = false;
      onThreshold(th.current);
    };
    over.addEventListener('pointerdown', down);
    over.addEventListener('pointermove', move);
    over.addEventListener('pointerup', up);
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(280, el.clientWidth), height: 200 }));
    ro.observe(el);
    const off = watchMotion(id, (m) => {
      const d = data.current;
      const t = m.time ? Date.parse(m.time) / 1000 : Date.now() / 1000;
      d.t.push(t); d.s.push(m.score);
      while (d.t.length && d.t[0] < t - WINDOW_S) { d.t.shift(); d.s.shift(); }
      u.setData(series());
      setCount(d.t.length);
    });
    return () => { off(); ro.disconnect(); u.destroy(); };
  }, [id]);
  useEffect(() => { if (plot.current && !dragging()) { setShown(threshold || 2); plot.current.setData(series()); } }, [threshold]);

  return html`<div class="motion-graph">
    <div ref=${box} class="plot" role="img" aria-label=${`Motion score of the last 2 minutes; threshold ${shown}`}></div>
    <p class="hint">Drag the dashed line to set the threshold (now ${shown}); red points are keyframes at or above it.
      ${count === 0 ? ' Waiting for motion scores…' : ''}</p>
  </div>`;
}
