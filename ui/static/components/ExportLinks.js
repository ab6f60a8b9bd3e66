// Export of a span of one camera's recordings: the MP4 (remuxed, never re-encoded) and, next to it,
// its signed manifest (.sig) that `nvrd verify clip.mp4 clip.mp4.sig` checks.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { cameraPath } from '../api.js';

const pad = (n) => String(n).padStart(2, '0');
/** localInput formats a Date for <input type="datetime-local">. */
const localInput = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** ExportLinks props: camera ({id, name}). */
export function ExportLinks({ camera }) {
  const now = new Date();
  const [from, setFrom] = useState(localInput(new Date(now - 10 * 60000)));
  const [to, setTo] = useState(localInput(now));
  const a = new Date(from); const b = new Date(to);
  const bad = isNaN(a) || isNaN(b) ? 'Enter both times.' : b <= a ? 'The end must be after the start.' : '';
  const q = bad ? '' : `?since=${encodeURIComponent(a.toISOString())}&until=${encodeURIComponent(b.toISOString())}`;
  const file = `${camera.name}-${from.replace('T', '-').replace(/:/g, '')}`.replace(/[^\w.-]+/g, '_');
  return html`<section class="card" aria-labelledby="export-h">
    <h2 id="export-h">Export</h2>
    <div class="row2">
      <div class="field"><label for="export-from">From</label>
        <input id="export-from" type="datetime-local" value=${from} onInput=${(e) => setFrom(e.target.value)} /></div>
      <div class="field"><label for="export-to">To</label>
        <input id="export-to" type="datetime-local" value=${to} onInput=${(e) => setTo(e.target.value)} /></div>
    </div>
    ${bad ? html`<p class="field-error" role="alert">${bad}</p>` : html`<div class="export-links">
      <a class="button primary" href=${cameraPath(camera.id, '/export.mp4') + q} download=${file + '.mp4'}>Download MP4</a>
      <a class="button" href=${cameraPath(camera.id, '/export.mp4.sig') + q} download=${file + '.mp4.sig'}>Download signature (.sig)</a>
    </div>`}
    <p class="hint">The signature proves the clip came from this nvr unchanged: check it with <code>nvrd verify ${file}.mp4 ${file}.mp4.sig</code>. Export spans that have ended; a span still being recorded changes.</p>
  </section>`;
}
