// Camera settings (#/cameras/{id}): every setting of GET/PATCH /api/cameras/{id}, with the server's
// sentence beside the field it is about; enable/disable; delete with a confirmation.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { Field, Select } from '../components/Field.js';
import { MotionGraph } from '../components/MotionGraph.js';
import { ZoneEditor } from '../components/ZoneEditor.js';
import { get, patch, del, cameraPath } from '../api.js';

// Which field a server sentence is about, by the words it uses.
const FIELD_WORDS = [
  ['name', /\bname\b/i], ['url', /\burl\b|address|rtsp/i], ['pre', /pre.?roll/i], ['post', /post.?roll/i],
  ['age', /max_age|retention|days/i], ['threshold', /threshold/i], ['frames', /min.?frames/i],
  ['idle', /idle/i], ['zones', /zone|mask|polygon|corner/i], ['labels', /label/i], ['recordOn', /record_on/i], ['mode', /mode/i],
];
const fieldOf = (msg) => (FIELD_WORDS.find(([, re]) => re.test(msg)) || ['form'])[0];

const num = (v) => (v === '' || v === undefined ? 0 : Number(v));

// The settings that have a default, with the words for their value and the value that unsets them.
const DEFAULTABLE = {
  'record.max_age_days': { words: (v) => `${v} days`, zero: 0 },
  'motion.threshold': { words: (v) => String(v), zero: 0 },
  'motion.min_frames': { words: (v) => `${v} keyframe${v === 1 ? '' : 's'}`, zero: 0 },
  'detect.labels': { words: (v) => (v || []).join(', '), zero: [] },
  'detect.idle_interval_s': { words: (v) => `${v} s`, zero: 0 },
  'detect.record_on': { words: (v) => RECORD_ON_WORDS[v] || v, zero: '' },
};
const RECORD_ON_WORDS = { motion: 'motion', objects: 'motion with a listed object', either: 'motion or objects' };
const at = (o, path) => path.split('.').reduce((x, k) => (x == null ? undefined : x[k]), o);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** CameraSettingsPage edits one camera. */
export function CameraSettingsPage({ user, id, reload }) {
  const [cam, setCam] = useState(null);
  const [loadError, setLoadError] = useState('');
  const [errors, setErrors] = useState({});
  const [saved, setSaved] = useState('');
  const [confirming, setConfirming] = useState(false);

  useEffect(() => { get(cameraPath(id)).then(setCam, (e) => setLoadError(e.message)); }, [id]);
  if (user.role !== 'admin') return html`<main class="narrow"><p class="error">Only an administrator may change cameras.</p></main>`;
  if (loadError) return html`<main class="narrow"><p class="error" role="alert">${loadError}</p><p><a href="#/">Back to the grid</a></p></main>`;
  if (!cam) return html`<main class="narrow"><p class="muted">Loading…</p></main>`;

  const upd = (path) => (v) => {
    const c = structuredClone(cam);
    let o = c;
    for (const k of path.slice(0, -1)) o = o[k] = o[k] || {};
    o[path[path.length - 1]] = v;
    setCam(c); setSaved('');
  };
  // A defaultable field's hint says whether it is at the default and what the default is; a field moved
  // off the default offers the way back (saved as unset, so it follows the default if that changes).
  const dv = cam.default_values || {};
  const defHint = (path, text) => {
    const d = DEFAULTABLE[path];
    if (!d || !(path in dv)) return text;
    const cur = at(cam, path);
    const isDef = same(path === 'detect.labels' ? (cur || []) : cur, dv[path]);
    const lead = text ? text + ' ' : '';
    if (isDef) return html`${lead}<span class="at-default">This is the default (${d.words(dv[path])}).</span>`;
    return html`${lead}The default is ${d.words(dv[path])}.
      <button type="button" class="link" aria-label=${'Use the default for ' + path.split('.').pop().replace(/_/g, ' ')}
        onClick=${() => upd(path.split('.'))(structuredClone(dv[path]))}>Use the default</button>`;
  };
  const send = async (body, what) => {
    setErrors({}); setSaved('');
    try {
      setCam(await patch(cameraPath(id), body));
      setSaved(what);
      reload();
    } catch (e) { setErrors({ [fieldOf(e.message)]: e.message }); }
  };
  // Dragging the graph's line saves the threshold at once and keeps the form's other edits.
  const setThreshold = async (v) => {
    setErrors({}); setSaved('');
    try {
      const c = await get(cameraPath(id));
      const out = await patch(cameraPath(id), { motion: { ...c.motion, threshold: v } });
      setCam((cur) => ({ ...cur, motion: { ...cur.motion, threshold: out.motion.threshold } }));
      setSaved(`Threshold set to ${out.motion.threshold}.`);
    } catch (e) { setErrors({ threshold: e.message }); }
  };
  const save = (ev) => {
    ev.preventDefault();
    const c = structuredClone(cam);
    c.record.pre_roll_s = num(c.record.pre_roll_s); c.record.post_roll_s = num(c.record.post_roll_s);
    c.record.max_age_days = num(c.record.max_age_days);
    c.motion.threshold = num(c.motion.threshold); c.motion.min_frames = num(c.motion.min_frames);
    c.detect.idle_interval_s = num(c.detect.idle_interval_s);
    // A setting put back to its default is sent unset, so it keeps following the default.
    for (const [path, d] of Object.entries(DEFAULTABLE)) {
      if (!(path in dv) || !same(at(c, path) ?? (path === 'detect.labels' ? [] : undefined), dv[path])) continue;
      const keys = path.split('.');
      at(c, keys.slice(0, -1).join('.'))[keys[keys.length - 1]] = structuredClone(d.zero);
    }
    delete c.id; delete c.defaults; delete c.default_values;
    send(c, 'Saved. The camera uses the new settings now.');
  };
  const remove = async () => {
    try { await del(cameraPath(id)); await reload(); location.hash = '#/'; } catch (e) { setErrors({ form: e.message }); setConfirming(false); }
  };
  const labels = (cam.detect.labels || []).join(', ');
  const minScore = Object.entries(cam.detect.min_score || {}).map(([k, v]) => `${k}=${v}`).join(', ');
  return html`<main class="narrow">
    <form class="card" onSubmit=${save}>
      <div class="title-row">
        <h1>${cam.name}</h1>
        <a class="button" href=${'#/camera/' + encodeURIComponent(id)}>Live view</a>
      </div>
      <p class=${'enable-row ' + (cam.enabled ? 'muted' : 'warning')}>${cam.enabled ? 'This camera is enabled.' : 'This camera is disabled: nothing is streamed or recorded.'}
        <button type="button" onClick=${() => send({ enabled: !cam.enabled }, cam.enabled ? 'Disabled.' : 'Enabled.')}>${cam.enabled ? 'Disable' : 'Enable'}</button></p>
      <fieldset><legend>Camera</legend>
        <${Field} label="Name" value=${cam.name} onInput=${upd(['name'])} error=${errors.name} required />
        <${Field} label="URL" value=${cam.url} onInput=${upd(['url'])} error=${errors.url} required autocomplete="off" />
      </fieldset>
      <fieldset><legend>Recording</legend>
        <${Select} label="Recording mode" value=${cam.record.mode} onInput=${upd(['record', 'mode'])} error=${errors.mode}
          options=${[['events', 'On events'], ['continuous', 'Continuous'], ['off', 'Off']]} />
        <div class="row3">
          <${Field} label="Pre-roll (s)" type="number" min="0" value=${cam.record.pre_roll_s} onInput=${upd(['record', 'pre_roll_s'])} error=${errors.pre} />
          <${Field} label="Post-roll (s)" type="number" min="0" value=${cam.record.post_roll_s} onInput=${upd(['record', 'post_roll_s'])} error=${errors.post} />
          <${Field} label="Keep (days)" hint=${defHint('record.max_age_days', '')} type="number" min="0" value=${cam.record.max_age_days} onInput=${upd(['record', 'max_age_days'])} error=${errors.age} />
        </div>
      </fieldset>
      <fieldset><legend>Motion</legend>
        <${Field} label="Motion detection" type="checkbox" value=${cam.motion.enabled} onInput=${upd(['motion', 'enabled'])} />
        <div class="row2">
          <${Field} label="Threshold" hint=${defHint('motion.threshold', 'The motion score that counts as motion.')} type="number" step="any" min="0" value=${cam.motion.threshold} onInput=${upd(['motion', 'threshold'])} error=${errors.threshold} />
          <${Field} label="Minimum frames" hint=${defHint('motion.min_frames', 'Keyframes in a row above the threshold that start an event.')} type="number" min="0" value=${cam.motion.min_frames} onInput=${upd(['motion', 'min_frames'])} error=${errors.frames} />
        </div>
        <${MotionGraph} id=${id} threshold=${num(cam.motion.threshold)}
          onThreshold=${setThreshold} />
        <h3>Zones and masks</h3>
        <${ZoneEditor} src=${cameraPath(id, '/snapshot.jpg')} zones=${cam.motion.zones} masks=${cam.motion.masks}
          onChange=${({ zones, masks }) => { setCam({ ...cam, motion: { ...cam.motion, zones, masks } }); setSaved(''); }} />
        ${errors.zones && html`<p class="field-error" role="alert">${errors.zones}</p>`}
      </fieldset>
      <fieldset><legend>QR codes</legend>
        <${Field} label="Read QR codes" type="checkbox" value=${cam.qr.enabled} onInput=${upd(['qr', 'enabled'])} />
      </fieldset>
      <fieldset><legend>Object detection</legend>
        <${Field} label="Object detection" type="checkbox" value=${cam.detect.enabled} onInput=${upd(['detect', 'enabled'])} />
        <${Field} label="Labels" hint=${defHint('detect.labels', 'Comma-separated.')} value=${labels} error=${errors.labels}
          onInput=${(v) => upd(['detect', 'labels'])(v.split(',').map((s) => s.trim()).filter(Boolean))} />
        <${Field} label="Minimum scores" hint="For example person=0.6, car=0.5; empty uses the detector's default." value=${minScore}
          onInput=${(v) => upd(['detect', 'min_score'])(Object.fromEntries(v.split(',').map((s) => s.split('=').map((x) => x.trim())).filter((p) => p[0] && p[1] !== undefined && p[1] !== '').map(([k, x]) => [k, Number(x)])))} />
        <div class="row2">
          <${Field} label="Idle interval (s)" hint=${defHint('detect.idle_interval_s', 'How often to look for objects without motion.')} type="number" min="0" value=${cam.detect.idle_interval_s} onInput=${upd(['detect', 'idle_interval_s'])} error=${errors.idle} />
          <${Select} label="Record on" value=${cam.detect.record_on || dv['detect.record_on'] || 'motion'} onInput=${upd(['detect', 'record_on'])} error=${errors.recordOn}
            hint=${defHint('detect.record_on', '')}
            options=${[['motion', 'Motion'], ['objects', 'Motion with a listed object'], ['either', 'Motion or objects']]} />
        </div>
      </fieldset>
      ${errors.form && html`<p class="error" role="alert">${errors.form}</p>`}
      ${Object.keys(errors).length > 0 && !errors.form && html`<p class="error" role="alert">Not saved: see the field marked above.</p>`}
      ${saved && html`<p class="note" role="status">${saved}</p>`}
      <div class="actions">
        <button type="submit" class="primary">Save</button>
        <span class="spacer"></span>
        <button type="button" class="danger" onClick=${() => setConfirming(true)}>Delete camera</button>
      </div>
      ${confirming && html`<div class="confirm" role="alertdialog" aria-label="Delete camera">
        <p>Delete <strong>${cam.name}</strong>? nvr stops streaming and recording it now. Recordings already made are not deleted by this.</p>
        <div class="actions"><button type="button" class="danger" onClick=${remove}>Delete</button>
          <button type="button" onClick=${() => setConfirming(false)}>Cancel</button></div>
      </div>`}
    </form>
  </main>`;
}
