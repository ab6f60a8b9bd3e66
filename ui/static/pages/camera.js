// Single view (#/camera/{id}): one camera large, with fullscreen, snapshot download, record now and
// its last events.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { LiveTile } from '../components/LiveTile.js';
import { PtzPad, PtzPresets } from '../components/PtzControls.js';
import { ExportLinks } from '../components/ExportLinks.js';
import { statusLine } from '../components/status.js';
import { get, post, cameraPath } from '../api.js';
import { watchEvents } from '../sse.js';
import { dateTime } from '../components/when.js';

/** CameraPage shows one camera. */
export function CameraPage({ user, cameras, id }) {
  const box = useRef(null);
  const [status, setStatus] = useState(null);
  const [events, setEvents] = useState(null);
  const [evError, setEvError] = useState('');
  const [msg, setMsg] = useState('');
  const [ptzError, setPtzError] = useState('');
  const cam = cameras && cameras.find((c) => c.id === id);
  const perm = (user.cameras && user.cameras[id]) || {};
  const admin = user.role === 'admin';
  // PTZ for an admin when the camera has an ONVIF address, for a viewer with the ptz permission.
  const ptz = cam && (admin ? !!cam.onvif : !!perm.ptz);
  const recordings = admin || !!perm.recordings;

  const loadEvents = () => get(`api/events?camera=${encodeURIComponent(id)}&limit=10`)
    .then((e) => { setEvents(e || []); setEvError(''); }, (e) => setEvError(e.message));
  useEffect(() => { loadEvents(); return watchEvents(id, () => loadEvents()); }, [id]);

  const fullscreen = () => {
    const el = box.current && box.current.querySelector('.tile');
    if (!el) return;
    if (document.fullscreenElement) document.exitFullscreen();
    else el.requestFullscreen().catch((e) => setMsg('Fullscreen is not allowed here: ' + e.message));
  };
  useEffect(() => {
    const onKey = (e) => {
      if (/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
      if (e.key === 'f') fullscreen();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const recordNow = async () => {
    setMsg('');
    try {
      await post(cameraPath(id, '/record'), { seconds: 30 });
      setMsg('Recording the next 30 seconds (with pre-roll).');
    } catch (e) { setMsg(e.message); }
  };

  if (!cameras) return html`<main><p class="muted">Loading…</p></main>`;
  if (!cam) return html`<main class="narrow"><p class="error" role="alert">There is no camera ${id} that you may see.</p><p><a href="#/">Back to the grid</a></p></main>`;
  return html`<main class="single">
    <div class="toolbar">
      <a href="#/" class="button">← Grid</a>
      <h1 id="cam-name">${cam.name}</h1>
      <span class="spacer"></span>
      <button onClick=${fullscreen}>Fullscreen</button>
      <a class="button" href=${cameraPath(id, '/snapshot.jpg')} download=${cam.name + '.jpg'}>Snapshot</a>
      <button onClick=${recordNow}>Record now</button>
      <a class="button" href=${'#/timeline/' + encodeURIComponent(id)}>Timeline</a>
      ${user.role === 'admin' && html`<a class="button" href=${'#/cameras/' + encodeURIComponent(id)}>Settings</a>`}
    </div>
    ${msg && html`<p class="note" role="status">${msg}</p>`}
    <div ref=${box}><${LiveTile} key=${cam.id} camera=${cam} big=${true} onStatus=${setStatus}>
      ${ptz && html`<${PtzPad} id=${id} onError=${setPtzError} />`}
    </${LiveTile}></div>
    ${ptzError && html`<p class="error" role="alert">${ptzError}</p>`}
    <p id="cam-status" class="muted status-line">${statusLine(status)}</p>
    ${ptz && html`<${PtzPresets} id=${id} />`}
    ${recordings && html`<${ExportLinks} camera=${cam} />`}
    <section class="card">
      <h2>Last events</h2>
      ${evError ? html`<p class="error">${evError}</p>`
        : !events ? html`<p class="muted">Loading…</p>`
        : events.length === 0 ? html`<p class="muted">No events yet.</p>`
        : html`<ul class="events">${events.map((e) => html`<li key=${e.id}>
            <span class="badge">${e.kind}</span> ${dateTime(e.start)}
            ${e.labels && e.labels.length ? ' · ' + e.labels.join(', ') : ''}${e.text ? ' · ' + e.text : ''}
            ${e.recording && html` · <a href=${e.recording}>recording</a>`}
          </li>`)}</ul>`}
    </section>
  </main>`;
}
