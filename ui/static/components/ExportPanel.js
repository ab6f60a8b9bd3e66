// Export of a span of one camera as MP4 (no re-encoding): POST /api/cameras/{id}/exports starts a job
// on the server, its progress (segments done) arrives as Server-Sent Events from /api/exports/{job},
// the finished file downloads as <camera>_<YYYYMMDD-HHMMSS>.mp4 with its signature beside it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { post, del, cameraPath } from '../api.js';

const pad = (n) => String(n).padStart(2, '0');
/** localInput formats ms for an <input type="datetime-local" step="1">. */
export const localInput = (ms) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

/** ExportPanel exports [selection] of one of cameras; onRange(from, to) follows edits of the fields. */
export function ExportPanel({ cameras, camera, selection, onRange }) {
  const [cam, setCam] = useState(camera || (cameras[0] && cameras[0].id) || '');
  const [job, setJob] = useState(null);
  const [msg, setMsg] = useState('');
  const src = useRef(null);
  useEffect(() => { if (camera) setCam(camera); }, [camera]);
  // Leaving the page ends the job: a running export is cancelled, a finished file removed on the server.
  const jobId = useRef('');
  useEffect(() => () => {
    if (src.current) src.current.close();
    if (jobId.current) del('api/exports/' + encodeURIComponent(jobId.current)).catch(() => {});
  }, []);

  const from = selection ? localInput(selection[0]) : '';
  const to = selection ? localInput(selection[1]) : '';
  const setField = (which, v) => {
    const t = new Date(v).getTime();
    if (Number.isNaN(t)) return;
    const a = which === 'from' ? t : selection ? selection[0] : t - 30000;
    const b = which === 'to' ? t : selection ? selection[1] : t + 30000;
    onRange(Math.min(a, b), Math.max(a, b));
  };

  const download = (j) => {
    const a = document.createElement('a');
    a.href = j.file; a.download = j.name;
    document.body.appendChild(a); a.click(); a.remove();
  };
  const start = async () => {
    setMsg('');
    if (!selection) { setMsg('Pick a span first: shift-drag on the timeline, click an event, or fill From and To.'); return; }
    const q = `?since=${encodeURIComponent(new Date(selection[0]).toISOString())}&until=${encodeURIComponent(new Date(selection[1]).toISOString())}`;
    try {
      if (jobId.current) del('api/exports/' + encodeURIComponent(jobId.current)).catch(() => {});
      const j = await post(cameraPath(cam, '/exports' + q));
      jobId.current = j.id;
      setJob(j);
      if (src.current) src.current.close();
      const es = new EventSource('api/exports/' + encodeURIComponent(j.id));
      src.current = es;
      es.addEventListener('progress', (m) => {
        const p = JSON.parse(m.data);
        setJob(p);
        if (p.state !== 'running') {
          es.close();
          if (p.state === 'done') download(p);
        }
      });
      es.onerror = () => { if (es.readyState === EventSource.CLOSED) setMsg('Lost the export\'s progress; it may still finish.'); };
    } catch (e) { setMsg(e.message); }
  };
  const cancel = async () => {
    if (!job) return;
    if (src.current) src.current.close();
    try { await del('api/exports/' + encodeURIComponent(job.id)); jobId.current = ''; } catch (e) { setMsg(e.message); }
    setJob({ ...job, state: 'canceled' });
  };

  const running = job && job.state === 'running';
  const frac = job && job.segments_total ? job.segments_done / job.segments_total : 0;
  return html`<section class="card export">
    <h2>Export</h2>
    <div class="row3">
      <div class="field"><label for="ex-cam">Camera</label>
        <select id="ex-cam" value=${cam} onChange=${(e) => setCam(e.target.value)}>
          ${cameras.map((c) => html`<option value=${c.id}>${c.name}</option>`)}</select></div>
      <div class="field"><label for="ex-from">From</label>
        <input id="ex-from" type="datetime-local" step="1" value=${from} onChange=${(e) => setField('from', e.target.value)} /></div>
      <div class="field"><label for="ex-to">To</label>
        <input id="ex-to" type="datetime-local" step="1" value=${to} onChange=${(e) => setField('to', e.target.value)} /></div>
    </div>
    <div class="actions">
      <button class="primary" onClick=${start} disabled=${running}>Export MP4</button>
      ${running && html`<button onClick=${cancel}>Cancel export</button>`}
      ${selection && html`<span class="muted">${Math.round((selection[1] - selection[0]) / 1000)} s selected</span>`}
    </div>
    ${job && html`<div class="export-job">
      <progress aria-label="Export progress" max=${job.segments_total || 1} value=${job.segments_done}></progress>
      <span class="muted" role="status">${job.state === 'running' ? `${job.segments_done} of ${job.segments_total} segments · ${(job.bytes_done / 1e6).toFixed(1)} MB (${Math.round(frac * 100)} %)`
        : job.state === 'done' ? html`Done: <a href=${job.file} download=${job.name}>${job.name}</a> (${(job.bytes_done / 1e6).toFixed(1)} MB, ${Math.round(job.footage_s)} s) · <a href=${job.signature} download=${job.name + '.sig'}>signature (.sig)</a>`
        : job.state === 'canceled' ? 'Export cancelled.' : job.error || job.state}</span>
    </div>`}
    ${msg && html`<p class="error" role="alert">${msg}</p>`}
  </section>`;
}
