// Add camera (#/cameras/new): name, address, user and password; Test connection asks nvrd to open
// the stream and says what it found or, in one sentence, what is wrong; Save adds it to the grid.
import { useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { Field } from '../components/Field.js';
import { post } from '../api.js';
import { OnvifPicker } from '../components/OnvifPicker.js';

/** target is the address and the credentials as the API takes them (nvrd puts them into the URL). */
function target(f) {
  const t = { url: f.url.trim() };
  if (f.user) t.user = f.user;
  if (f.password) t.password = f.password;
  return t;
}

function ProbeResult({ r }) {
  const v = r.video || {};
  const rows = [
    ['Video', [v.codec, v.profile].filter(Boolean).join(' ')],
    ['Resolution', v.width ? `${v.width}×${v.height}` : ''],
    ['Frame rate', v.fps ? `${Math.round(v.fps * 100) / 100} fps` : ''],
    ['Keyframe interval', v.keyframe_interval_s ? `${v.keyframe_interval_s} s` : ''],
    ['Bitrate', v.bitrate_bps ? `${(v.bitrate_bps / 1e6).toFixed(2)} Mbit/s` : ''],
    ['Audio', r.audio ? `${r.audio.codec}${r.audio.sample_rate ? ', ' + r.audio.sample_rate + ' Hz' : ''}` : 'none'],
  ].filter(([, x]) => x);
  return html`<div class="probe ok" role="status">
    <p><strong>The camera answers.</strong></p>
    <dl>${rows.map(([k, x]) => html`<dt>${k}</dt><dd>${x}</dd>`)}</dl>
    ${(r.warnings || []).map((w) => html`<p class="warning">${w}</p>`)}
  </div>`;
}

/** CameraNewPage is the add-camera form. */
export function CameraNewPage({ user, reload }) {
  const [f, setF] = useState({ name: '', url: '', user: '', password: '' });
  const [probe, setProbe] = useState(null);
  const [probeError, setProbeError] = useState('');
  const [testing, setTesting] = useState(false);
  const [error, setError] = useState('');
  const [saving, setSaving] = useState(false);
  const set = (k) => (v) => { setF({ ...f, [k]: v }); setProbe(null); setProbeError(''); };
  // A camera picked from ONVIF discovery fills the form (sub_url only where the form has that field).
  const picked = (c) => {
    const sub = 'sub_url' in f ? { sub_url: c.sub_url } : {};
    setF({ ...f, name: f.name || c.name, url: c.url, user: c.user, password: c.password, onvif: c.onvif, ...sub });
    setProbe(null); setProbeError('');
    scrollTo(0, 0);
  };
  if (user.role !== 'admin') return html`<main class="narrow"><p class="error">Only an administrator may add cameras.</p></main>`;

  const test = async () => {
    setTesting(true); setProbe(null); setProbeError('');
    try {
      if (!f.url.trim()) throw new Error('Enter the camera\'s address first (rtsp://…).');
      setProbe(await post('api/cameras/probe', target(f)));
    } catch (e) { setProbeError(e.message); }
    setTesting(false);
  };
  const save = async (ev) => {
    ev.preventDefault();
    setSaving(true); setError('');
    try {
      const c = await post('api/cameras', { name: f.name.trim(), ...target(f), ...(f.onvif ? { onvif: f.onvif } : {}) });
      await reload();
      location.hash = '#/camera/' + encodeURIComponent(c.id);
    } catch (e) { setError(e.message); }
    setSaving(false);
  };
  return html`<main class="narrow">
    <form class="card" onSubmit=${save}>
      <h1>Add camera</h1>
      <p class="muted">The camera's RTSP address is in its manual or its own web page, for example <code>rtsp://192.168.1.20:554/stream1</code>.</p>
      <${Field} label="Name" value=${f.name} onInput=${set('name')} required autocomplete="off" placeholder="Porch" />
      <${Field} label="URL" value=${f.url} onInput=${set('url')} required autocomplete="off" inputmode="url" placeholder="rtsp://192.168.1.20:554/stream1" />
      <div class="row2">
        <${Field} label="User" value=${f.user} onInput=${set('user')} autocomplete="off" />
        <${Field} label="Password" type="password" value=${f.password} onInput=${set('password')} autocomplete="new-password" />
      </div>
      ${f.onvif && html`<p class="note">From ONVIF: pan, tilt and zoom go to <code>${f.onvif}</code> with this user and password.</p>`}
      <div class="actions">
        <button type="button" onClick=${test} disabled=${testing}>${testing ? 'Testing…' : 'Test connection'}</button>
        <button type="submit" class="primary" disabled=${saving}>Save</button>
      </div>
      ${testing && html`<p class="muted" role="status">Opening the stream for a few seconds…</p>`}
      ${probe && html`<${ProbeResult} r=${probe} />`}
      ${probeError && html`<p class="error probe-error" role="alert">${probeError}</p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </form>
    <${OnvifPicker} onPick=${picked} subStreams=${'sub_url' in f} />
  </main>`;
}
