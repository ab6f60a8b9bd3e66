// Settings → Webhooks: rules that POST matching events to a URL, signed with the rule's secret, and
// the delivery log (last status, error in words, attempts). "Send test" queues a test message.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { Field, Select } from '../components/Field.js';
import { get, post, patch, del } from '../api.js';
import { dateTime as when } from '../components/when.js';

const kinds = [['', 'Any kind'], ['motion', 'Motion'], ['object', 'Object'], ['qr', 'QR code'], ['manual', 'Manual recording'], ['offline', 'Camera offline'], ['tamper', 'Tampering']];
const changes = [['new', 'When it starts'], ['update', 'When it changes'], ['end', 'When it ends']];
const empty = { name: '', url: '', camera: '', kind: '', label: '', min_score: 0, types: ['new', 'end'], secret: '' };

const stateBadge = { delivered: 'ok', failed: 'bad', pending: 'warn' };

function summary(r, cameras) {
  const cam = r.camera ? (cameras.find((c) => c.id === r.camera) || { name: r.camera }).name : 'any camera';
  const kind = (kinds.find(([k]) => k === r.kind) || ['', r.kind])[1].toLowerCase();
  const bits = [cam, kind];
  if (r.label) bits.push(r.label);
  if (r.min_score > 0) bits.push(`score ≥ ${r.min_score}`);
  bits.push(r.types.join(', '));
  return bits.join(' · ');
}

function Delivery({ d, rules }) {
  const r = rules.find((x) => x.id === d.webhook);
  return html`<li class="delivery" key=${d.id}>
    <span class="badge ${stateBadge[d.state] || ''}">${d.state}</span>
    <span><strong>${d.type}</strong>${d.event ? ` of event ${d.event}` : ''} to ${r ? (r.name || r.url) : 'webhook ' + d.webhook}</span>
    <span class="muted">${when(d.updated)} · ${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}${d.last_status ? ` · HTTP ${d.last_status}` : ''}${d.next ? ` · next try ${when(d.next)}` : ''}</span>
    ${d.error && html`<span class="error delivery-error">${d.error}</span>`}
  </li>`;
}

/** WebhooksSection manages /api/settings/webhooks and shows its delivery log. */
export function WebhooksSection({ cameras: cams }) {
  const cameras = cams || [];
  const [rules, setRules] = useState(null);
  const [log, setLog] = useState([]);
  const [form, setForm] = useState(empty);
  const [err, setErr] = useState('');
  const [formErr, setFormErr] = useState('');
  const [created, setCreated] = useState(null);
  const [waiting, setWaiting] = useState(null); // a test delivery being followed
  const load = () => Promise.all([get('api/settings/webhooks'), get('api/settings/webhooks/log?limit=20')])
    .then(([r, l]) => { setRules(r || []); setLog(l || []); setErr(''); return l || []; }, (e) => { setErr(e.message); return []; });
  useEffect(() => { load(); }, []);
  // Follow a test delivery until it is delivered or failed (or has failed once), at most 20 s.
  useEffect(() => {
    if (!waiting) return undefined;
    let n = 0;
    const t = setInterval(async () => {
      const l = await load();
      const d = l.find((x) => x.id === waiting);
      if (++n >= 20 || !d || d.state !== 'pending' || d.attempts > 0) { clearInterval(t); setWaiting(null); }
    }, 1000);
    return () => clearInterval(t);
  }, [waiting]);
  const set = (k) => (v) => setForm({ ...form, [k]: v });
  const toggleType = (t, on) => setForm({ ...form, types: on ? [...form.types, t] : form.types.filter((x) => x !== t) });
  const add = async (ev) => {
    ev.preventDefault();
    setFormErr('');
    const body = { ...form, url: form.url.trim(), min_score: Number(form.min_score) || 0 };
    if (!body.secret) delete body.secret;
    try { setCreated(await post('api/settings/webhooks', body)); setForm(empty); load(); } catch (e) { setFormErr(e.message); }
  };
  const act = (p) => p.then(load, (e) => setErr(e.message));
  const test = (r) => post(`api/settings/webhooks/${r.id}/test`).then((d) => { setWaiting(d.id); load(); }, (e) => setErr(e.message));
  const remove = (r) => { if (confirm(`Delete the webhook to ${r.url} and its delivery log?`)) act(del(`api/settings/webhooks/${r.id}`)); };
  return html`<div>
    <p class="hint">Matching events are POSTed as JSON (<code>{"type","before","after"}</code>, as on MQTT's nvr/events),
      signed: <code>X-NVR-Signature: sha256=HMAC-SHA256(secret, X-NVR-Timestamp + "." + body)</code>. Failed deliveries are retried for 10 minutes.</p>
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${created && html`<div class="note" role="status"><p>Webhook added. Its signing secret is shown only now; give it to the receiver:</p>
      <code class="secret">${created.secret}</code> <button class="link" onClick=${() => setCreated(null)}>Done</button></div>`}
    ${rules && rules.length === 0 && html`<p class="muted">No webhooks yet.</p>`}
    ${rules && rules.length > 0 && html`<ul class="list webhooks">${rules.map((r) => html`<li key=${r.id} class="webhook">
      <div class="webhook-main"><strong>${r.name || r.url}</strong>${r.name && html` <span class="muted url">${r.url}</span>`}
        <span class="muted">${summary(r, cameras)}</span>
        ${r.last && html`<span>Last: <span class="badge ${stateBadge[r.last.state] || ''}">${r.last.state}</span>${r.last.error ? html` <span class="error">${r.last.error}</span>` : ''}</span>`}</div>
      <div class="actions">
        <${Field} type="checkbox" label="On" id=${'wh-on-' + r.id} value=${r.enabled} onInput=${(on) => act(patch(`api/settings/webhooks/${r.id}`, { enabled: on }))} />
        <button onClick=${() => test(r)} aria-label=${'Send test to ' + (r.name || r.url)}>Send test</button>
        <button class="danger" onClick=${() => remove(r)} aria-label=${'Delete webhook ' + (r.name || r.url)}>Delete</button>
      </div></li>`)}</ul>`}
    <form class="subform" onSubmit=${add}>
      <h3>Add a webhook</h3>
      <div class="row2">
        <${Field} label="Webhook URL" id="wh-url" value=${form.url} onInput=${set('url')} placeholder="https://example.org/hook" required />
        <${Field} label="Webhook name" id="wh-name" value=${form.name} onInput=${set('name')} hint="Optional." />
      </div>
      <div class="row2">
        <${Select} label="Camera" id="wh-camera" value=${form.camera} onInput=${set('camera')} options=${[['', 'Any camera'], ...cameras.map((c) => [c.id, c.name])]} />
        <${Select} label="Kind" id="wh-kind" value=${form.kind} onInput=${set('kind')} options=${kinds} />
        <${Field} label="Label" id="wh-label" value=${form.label} onInput=${set('label')} placeholder="person" hint="Objects only; empty: any." />
        <${Field} type="number" label="Minimum score" id="wh-score" value=${form.min_score} onInput=${set('min_score')} min="0" max="1" step="0.05" />
      </div>
      <fieldset class="checks"><legend>Send</legend>
        ${changes.map(([t, label]) => html`<${Field} type="checkbox" label=${label} id=${'wh-type-' + t} value=${form.types.includes(t)} onInput=${(on) => toggleType(t, on)} />`)}
      </fieldset>
      <${Field} type="password" label="Signing secret" id="wh-secret" value=${form.secret} onInput=${set('secret')} autocomplete="new-password" hint="Empty: nvr makes a random one and shows it once." />
      ${formErr && html`<p class="error" role="alert">${formErr}</p>`}
      <div class="actions"><button class="primary" type="submit">Add webhook</button></div>
    </form>
    <h3 class="log-title">Delivery log <button class="link" onClick=${load}>Refresh</button></h3>
    ${log.length === 0 ? html`<p class="muted">Nothing sent yet.</p>` : html`<ul class="list deliveries" aria-label="Delivery log">${log.map((d) => html`<${Delivery} d=${d} rules=${rules || []} />`)}</ul>`}
  </div>`;
}
