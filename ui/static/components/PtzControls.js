// PTZ controls drawn over the single view's video: pan/tilt arrows, zoom in/out and stop, the arrow
// keys (+ and - zoom), and the camera's presets (go to, save). A move lasts while its button or key is
// held: the page repeats the move every second (nvrd stops a move by itself when no repeat comes, so
// a page that goes away mid-move stops the camera within a few seconds) and sends stop on release.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { Field } from './Field.js';
import { get, post, cameraPath } from '../api.js';

const SPEED = 0.5;
const RENEW_MS = 1000; // well inside nvrd's automatic stop (onvif.Service.MoveTimeout, 4 s)
const MOVES = {
  up: { label: 'Tilt up', glyph: '▲', v: { pan: 0, tilt: SPEED, zoom: 0 } },
  down: { label: 'Tilt down', glyph: '▼', v: { pan: 0, tilt: -SPEED, zoom: 0 } },
  left: { label: 'Pan left', glyph: '◀', v: { pan: -SPEED, tilt: 0, zoom: 0 } },
  right: { label: 'Pan right', glyph: '▶', v: { pan: SPEED, tilt: 0, zoom: 0 } },
  in: { label: 'Zoom in', glyph: '+', v: { pan: 0, tilt: 0, zoom: SPEED } },
  out: { label: 'Zoom out', glyph: '−', v: { pan: 0, tilt: 0, zoom: -SPEED } },
};
const KEYS = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right', '+': 'in', '=': 'in', '-': 'out' };

/** usePTZ returns {held, start(name), stop()} driving camera id's continuous moves; onError gets sentences. */
function usePTZ(id, onError) {
  const [held, setHeld] = useState('');
  const st = useRef({ held: '', timer: 0, queue: Promise.resolve() });
  // Requests go one after another, so a stop never overtakes the move it ends.
  const send = (body) => {
    st.current.queue = st.current.queue.then(() => post(cameraPath(id, '/ptz'), body)).catch((e) => onError(e.message));
    return st.current.queue;
  };
  const stop = () => {
    const s = st.current;
    if (!s.held) return;
    clearInterval(s.timer);
    s.held = '';
    setHeld('');
    send({ stop: true });
  };
  const start = (name) => {
    const s = st.current;
    if (s.held === name) return;
    clearInterval(s.timer);
    s.held = name;
    setHeld(name);
    onError('');
    send({ move: MOVES[name].v });
    s.timer = setInterval(() => { if (s.held === name) send({ move: MOVES[name].v }); }, RENEW_MS);
  };
  useEffect(() => {
    const off = () => stop();
    const vis = () => { if (document.visibilityState === 'hidden') stop(); };
    addEventListener('blur', off);
    document.addEventListener('visibilitychange', vis);
    return () => { removeEventListener('blur', off); document.removeEventListener('visibilitychange', vis); stop(); };
  }, [id]);
  return { held, start, stop, send };
}

/** PtzPad is the on-video part: arrows, zoom and stop, plus the arrow keys while the page is open. */
export function PtzPad({ id, onError }) {
  const ptz = usePTZ(id, onError);
  useEffect(() => {
    const typing = (e) => /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName) || e.ctrlKey || e.metaKey || e.altKey;
    const down = (e) => {
      const m = KEYS[e.key];
      if (!m || typing(e)) return;
      e.preventDefault();
      if (!e.repeat) ptz.start(m);
    };
    const up = (e) => { if (KEYS[e.key] && !typing(e)) ptz.stop(); };
    addEventListener('keydown', down);
    addEventListener('keyup', up);
    return () => { removeEventListener('keydown', down); removeEventListener('keyup', up); };
  }, [id]);
  const btn = (name, area) => html`<button type="button" aria-label=${MOVES[name].label} title=${MOVES[name].label}
    aria-pressed=${ptz.held === name} style=${area ? 'grid-area:' + area : ''}
    onPointerDown=${(e) => { e.preventDefault(); e.currentTarget.setPointerCapture && e.currentTarget.setPointerCapture(e.pointerId); ptz.start(name); }}
    onPointerUp=${ptz.stop} onPointerCancel=${ptz.stop} onLostPointerCapture=${ptz.stop}
    onKeyDown=${(e) => { if ((e.key === 'Enter' || e.key === ' ') && !e.repeat) { e.preventDefault(); e.stopPropagation(); ptz.start(name); } }}
    onKeyUp=${(e) => { if (e.key === 'Enter' || e.key === ' ') ptz.stop(); }}>${MOVES[name].glyph}</button>`;
  return html`<div class="ptz" role="group" aria-label="Pan, tilt and zoom">
    <div class="ptz-pad">
      ${btn('up', '1 / 2')}${btn('left', '2 / 1')}
      <button type="button" aria-label="Stop" title="Stop" style="grid-area: 2 / 2" onClick=${() => (ptz.held ? ptz.stop() : ptz.send({ stop: true }))}>■</button>
      ${btn('right', '2 / 3')}${btn('down', '3 / 2')}
    </div>
    <div class="ptz-zoom">${btn('out')}${btn('in')}</div>
  </div>`;
}

/** PtzPresets lists the camera's presets with Go to, and saves the current position under a name. */
export function PtzPresets({ id }) {
  const [presets, setPresets] = useState(null);
  const [pick, setPick] = useState('');
  const [name, setName] = useState('');
  const [msg, setMsg] = useState('');
  const [error, setError] = useState('');
  const load = () => get(cameraPath(id, '/ptz/presets')).then((p) => {
    setPresets(p || []);
    if (p && p.length && !p.some((x) => x.token === pick)) setPick(p[0].token);
  }, (e) => { setPresets([]); setError(e.message); });
  useEffect(() => { load(); }, [id]);
  const go = async () => {
    setMsg(''); setError('');
    try {
      await post(cameraPath(id, '/ptz'), { preset: pick });
      const p = presets.find((x) => x.token === pick);
      setMsg(`Moving to ${p ? p.name || p.token : pick}.`);
    } catch (e) { setError(e.message); }
  };
  const save = async (ev) => {
    ev.preventDefault();
    setMsg(''); setError('');
    try {
      await post(cameraPath(id, '/ptz'), { save_preset: name.trim() });
      setMsg(`Saved this position as ${name.trim()}.`);
      setName('');
      load();
    } catch (e) { setError(e.message); }
  };
  return html`<section class="card" aria-labelledby="ptz-h">
    <h2 id="ptz-h">Presets</h2>
    <p class="muted">Hold an arrow on the video (or an arrow key; + and − zoom) to move the camera; it stops when you let go.</p>
    <div class="ptz-presets">
      ${presets === null ? html`<p class="muted">Loading presets…</p>`
        : presets.length === 0 ? html`<p class="muted">This camera has no presets yet.</p>`
        : html`<div class="field"><label for="ptz-preset">Preset</label>
            <select id="ptz-preset" value=${pick} onChange=${(e) => setPick(e.target.value)}>
              ${presets.map((p) => html`<option value=${p.token} selected=${p.token === pick}>${p.name || p.token}</option>`)}
            </select></div>
          <button type="button" onClick=${go}>Go to preset</button>`}
    </div>
    <form class="inline" onSubmit=${save}>
      <${Field} label="New preset name" value=${name} onInput=${setName} required maxlength="64" autocomplete="off" />
      <button type="submit">Save preset</button>
    </form>
    ${msg && html`<p class="note" role="status">${msg}</p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}
