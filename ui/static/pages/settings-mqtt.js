// Settings → MQTT: the broker connection, topic prefix and Home Assistant discovery, and how the
// connection is doing. The password is never sent back: the field stays empty and says whether one is set.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { Field } from '../components/Field.js';
import { get, put } from '../api.js';

const fields = ['enabled', 'url', 'user', 'tls', 'tls_insecure', 'topic_prefix', 'client_id', 'discovery', 'discovery_prefix'];

function pick(v) { const o = {}; for (const k of fields) o[k] = v[k]; return o; }

function State({ v }) {
  if (!v.enabled) return html`<p class="muted" role="status">MQTT is off.</p>`;
  if (v.connected) return html`<p role="status"><span class="badge ok">Connected</span> to ${v.url}; ${v.published} messages sent${v.dropped ? `, ${v.dropped} dropped` : ''}.</p>`;
  if (v.last_error) return html`<p class="error" role="status"><span class="badge bad">Not connected</span> ${v.last_error}</p>`;
  return html`<p class="muted" role="status">Connecting to ${v.url}…</p>`;
}

/** MQTTSection edits /api/settings/mqtt. */
export function MQTTSection() {
  const [v, setV] = useState(null);
  const [form, setForm] = useState(null);
  const [password, setPassword] = useState('');
  const [clearPw, setClearPw] = useState(false);
  const [err, setErr] = useState('');
  const [msg, setMsg] = useState('');
  const load = () => get('api/settings/mqtt').then((x) => { setV(x); setForm((f) => f || pick(x)); setErr(''); }, (e) => setErr(e.message));
  useEffect(() => { load(); }, []);
  // The connection comes up (or fails) a moment after a save: look again then.
  useEffect(() => { if (!msg) return undefined; const t = setTimeout(load, 2500); return () => clearTimeout(t); }, [msg]);
  if (!form) return err ? html`<p class="error" role="alert">${err}</p>` : html`<p class="muted">Loading…</p>`;
  const set = (k) => (val) => setForm({ ...form, [k]: val });
  const save = async (ev) => {
    ev.preventDefault();
    setErr(''); setMsg('');
    const body = pick(form);
    if (password) body.password = password; else if (clearPw) body.password = '';
    try {
      const x = await put('api/settings/mqtt', body);
      setV(x); setForm(pick(x)); setPassword(''); setClearPw(false);
      setMsg('Saved. ' + (x.enabled ? 'Connecting with the new settings…' : 'MQTT is off.'));
    } catch (e) { setErr(e.message); }
  };
  return html`<form onSubmit=${save}>
    ${v && html`<${State} v=${v} />`}
    <${Field} type="checkbox" label="Connect to an MQTT broker" id="mqtt-enabled" value=${form.enabled} onInput=${set('enabled')} />
    <${Field} label="Broker URL" id="mqtt-url" value=${form.url} onInput=${set('url')} placeholder="mqtt://192.168.1.10:1883"
      hint="mqtt://, mqtts:// (TLS), ws:// or wss://" />
    <div class="row2">
      <${Field} label="MQTT user" id="mqtt-user" value=${form.user} onInput=${set('user')} autocomplete="off" />
      <${Field} type="password" label="MQTT password" id="mqtt-password" value=${password} onInput=${setPassword} autocomplete="new-password"
        placeholder=${v && v.password_set ? 'unchanged' : ''}
        hint=${v && v.password_set ? 'A password is saved; type a new one to replace it.' : 'No password is saved.'} />
    </div>
    ${v && v.password_set && html`<${Field} type="checkbox" label="Remove the saved password" id="mqtt-clear-password" value=${clearPw} onInput=${setClearPw} />`}
    <${Field} type="checkbox" label="Use TLS" id="mqtt-tls" value=${form.tls} onInput=${set('tls')} hint="Also on an mqtt:// URL." />
    <${Field} type="checkbox" label="Accept any broker certificate (unsafe)" id="mqtt-tls-insecure" value=${form.tls_insecure} onInput=${set('tls_insecure')} />
    <div class="row2">
      <${Field} label="Topic prefix" id="mqtt-prefix" value=${form.topic_prefix} onInput=${set('topic_prefix')} hint="Topics are prefix/camera/…; default nvr." />
      <${Field} label="Client ID" id="mqtt-client-id" value=${form.client_id} onInput=${set('client_id')} hint="Empty: nvr-prefix." />
    </div>
    <${Field} type="checkbox" label="Home Assistant discovery" id="mqtt-discovery" value=${form.discovery} onInput=${set('discovery')}
      hint="Each camera appears in Home Assistant as a device with motion, object, switch and snapshot entities." />
    <${Field} label="Discovery prefix" id="mqtt-discovery-prefix" value=${form.discovery_prefix} onInput=${set('discovery_prefix')} />
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${msg && html`<p class="note" role="status">${msg}</p>`}
    <div class="actions"><button class="primary" type="submit">Save MQTT settings</button>
      <button type="button" onClick=${load}>Check connection</button></div>
  </form>`;
}
