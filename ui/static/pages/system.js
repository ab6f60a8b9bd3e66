// System (#/system, admin): every camera's stream figures, the host's CPU, memory and disk, the
// retention forecast in words, and plots of the last hour from the ring of samples nvrd keeps. The
// page reads GET /api/system once; after that nvrd pushes the figures over the SSE stream (a "system"
// message, admins only, at each new point of the sampler's ring) and the page appends the new point to
// its plots.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from '../components/html.js';
import { get } from '../api.js';
import { on } from '../sse.js';
import { timeOfDay, clock24 } from '../components/when.js';

const mbit = (bps) => (bps / 1e6).toFixed(2) + ' Mbit/s';
const num = (v, d = 1) => (v === null || v === undefined ? '—' : v.toFixed(d));
function bytes(n) {
  if (!n) return '0 B';
  const u = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

const COLOURS = ['#1f6feb', '#e3b341', '#1b7f3b', '#c62828', '#8250df', '#0a7ea4', '#bf3989', '#6e7781'];

/** Plot draws one uPlot chart of the samples: series is [{label, value(sample)}]. */
function Plot({ title, samples, series, unit }) {
  const box = useRef(null);
  const plot = useRef(null);
  const data = () => [samples.map((s) => Date.parse(s.at) / 1000), ...series.map((se) => samples.map((s) => {
    const v = se.value(s); return v === undefined ? null : v;
  }))];
  const labels = series.map((s) => s.label).join('|');
  useEffect(() => {
    const el = box.current;
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue('--muted').trim() || '#888';
    const width = () => Math.max(240, el.clientWidth);
    const u = new uPlot({
      width: width(), height: 170,
      fmtDate: (tpl) => uPlot.fmtDate(clock24(tpl)),
      scales: { x: { time: true }, y: { range: (_, min, max) => [0, Math.max(max * 1.15 || 0, 1)] } },
      axes: [{ stroke: fg, grid: { stroke: 'rgba(128,128,128,.2)' } },
        { stroke: fg, grid: { stroke: 'rgba(128,128,128,.2)' }, size: 50 }],
      legend: { show: true, live: false },
      cursor: { points: { show: false } },
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: false, points: { show: false } }))],
    }, data(), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: width(), height: 170 }));
    ro.observe(el);
    return () => { ro.disconnect(); u.destroy(); plot.current = null; };
  }, [labels]);
  useEffect(() => { if (plot.current) plot.current.setData(data()); }, [samples]);
  return html`<figure class="sys-plot">
    <figcaption>${title}${unit ? html` <span class="muted">(${unit})</span>` : ''}</figcaption>
    <div ref=${box} class="plot" role="img" aria-label=${`${title}, the last hour`}></div>
  </figure>`;
}

function stateClass(s) {
  return s === 'streaming' ? 'ok' : s === 'disabled' ? '' : 'bad';
}

function CameraRow({ c }) {
  return html`<tr data-camera=${c.id}>
    <th scope="row">${c.name}</th>
    <td><span class=${'badge state ' + stateClass(c.state)}>${c.state}</span>${c.error && html`<div class="error small">${c.error}</div>`}</td>
    <td>${c.state === 'streaming' ? mbit(c.bitrate_bps) : '—'}</td>
    <td>${num(c.fps)}</td>
    <td>${c.keyframe_interval_s ? num(c.keyframe_interval_s) + ' s' : '—'}</td>
    <td>${c.width ? `${c.width}×${c.height}` : '—'}${c.codec ? ' ' + c.codec.toUpperCase() : ''}</td>
    <td>${c.restarts}</td>
    <td>${c.viewers}</td>
    <td>${c.dropped_packets}</td>
    <td>${c.worker_cpu_percent === null ? '—' : num(c.worker_cpu_percent) + ' %'}</td>
    <td>${bytes(c.disk_bytes)}</td>
  </tr>`;
}

/** SystemPage shows nvrd's health. */
export function SystemPage({ user }) {
  const [sys, setSys] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (user.role !== 'admin') return undefined;
    let gone = false;
    const load = () => get('api/system').then((s) => { if (!gone) { setSys(s); setError(''); } },
      (e) => { if (!gone) setError(e.message); });
    load();
    // Pushed figures: the document without the ring, and the ring's new point.
    const off = on('system', (d) => {
      if (gone) return;
      setSys((prev) => {
        const samples = prev ? prev.samples || [] : [];
        const last = samples.length ? samples[samples.length - 1].at : '';
        const next = d.sample && d.sample.at !== last ? [...samples, d.sample].slice(-360) : samples;
        const { sample, ...rest } = d;
        return { ...rest, samples: next };
      });
      setError('');
    });
    return () => { gone = true; off(); };
  }, []);
  if (user.role !== 'admin') return html`<main class="narrow"><p class="error" role="alert">Only administrators see the system page.</p></main>`;
  if (!sys) return html`<main>${error ? html`<p class="error" role="alert">${error}</p>` : html`<p class="muted">Loading…</p>`}</main>`;
  const h = sys.host;
  const used = h.disk_total_bytes - h.disk_free_bytes;
  const cams = sys.cameras;
  const samples = sys.samples || [];
  return html`<main class="system-page">
    <div class="toolbar"><h1>System</h1><span class="spacer"></span>
      <span class="muted">as of ${timeOfDay(sys.at)}</span></div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <section class="card forecast" aria-label="Retention forecast">
      <h2>Retention forecast</h2>
      <p class="forecast-words">${sys.forecast.sentence}</p>
    </section>
    <section class="card">
      <h2>Host</h2>
      <dl class="sys-host">
        <dt>nvrd CPU</dt><dd>${h.nvrd_cpu_percent === null ? '—' : num(h.nvrd_cpu_percent) + ' % of a core'}</dd>
        <dt>Workers CPU</dt><dd>${h.workers_cpu_percent === null ? '—' : num(h.workers_cpu_percent) + ' % of a core'}</dd>
        <dt>nvrd memory</dt><dd>${bytes(h.nvrd_rss_bytes)}</dd>
        <dt>Host memory</dt><dd>${bytes(h.mem_total_bytes - h.mem_available_bytes)} used of ${bytes(h.mem_total_bytes)}</dd>
        <dt>Disk</dt><dd>${h.disk_error ? html`<span class="error">${h.disk_error}</span>`
          : html`${bytes(h.disk_free_bytes)} free of ${bytes(h.disk_total_bytes)}; recordings ${bytes(h.recordings_bytes)}
            <div class="meter" role="meter" aria-label="Disk used" aria-valuemin="0" aria-valuemax="100"
              aria-valuenow=${h.disk_total_bytes ? Math.round(used / h.disk_total_bytes * 100) : 0}>
              <span style=${`width:${h.disk_total_bytes ? (used / h.disk_total_bytes * 100).toFixed(1) : 0}%`}></span></div>`}</dd>
      </dl>
    </section>
    <section class="card">
      <h2>Cameras</h2>
      ${cams.length === 0 ? html`<p class="muted">No cameras yet. <a href="#/cameras/new">Add camera</a></p>`
        : html`<div class="table-scroll"><table class="sys-cams">
          <thead><tr><th>Camera</th><th>State</th><th>Bitrate</th><th>FPS</th><th>Keyframe every</th><th>Picture</th>
            <th>Restarts</th><th>Viewers</th><th>Dropped packets</th><th>Worker CPU</th><th>Disk</th></tr></thead>
          <tbody>${cams.map((c) => html`<${CameraRow} key=${c.id} c=${c} />`)}</tbody>
        </table></div>`}
    </section>
    <section class="card">
      <h2>The last hour</h2>
      ${samples.length < 2 ? html`<p class="muted">nvrd takes a sample every ${sys.every_s} s; the plots fill in from the first minute after it started.</p>` : ''}
      <div class="sys-plots">
        <${Plot} title="CPU" unit="% of a core" samples=${samples} series=${[
          { label: 'nvrd', value: (s) => s.nvrd_cpu_percent }, { label: 'workers', value: (s) => s.workers_cpu_percent }]} />
        <${Plot} title="Bitrate" unit="Mbit/s" samples=${samples} series=${cams.map((c) => ({
          label: c.name, value: (s) => (s.cameras[c.id] ? s.cameras[c.id].bitrate_bps / 1e6 : null) }))} />
        <${Plot} title="Frame rate" unit="fps" samples=${samples} series=${cams.map((c) => ({
          label: c.name, value: (s) => (s.cameras[c.id] ? s.cameras[c.id].fps : null) }))} />
        <${Plot} title="Host memory in use" unit="GB" samples=${samples} series=${[
          { label: 'used', value: (s) => s.mem_used_bytes / 1e9 }]} />
      </div>
    </section>
  </main>`;
}
