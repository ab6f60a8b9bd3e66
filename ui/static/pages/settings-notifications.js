// Settings → Notifications: this browser's Web Push subscription (the service worker sw.js shows
// them, with the snapshot where the browser can), its filters and quiet period, and the user's other
// subscribed browsers.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { Field } from '../components/Field.js';
import { get, post, patch, del } from '../api.js';
import { dateOnly } from '../components/when.js';

const kinds = [['motion', 'Motion'], ['object', 'Objects'], ['qr', 'QR codes'], ['manual', 'Manual recordings'], ['offline', 'Camera offline'], ['tamper', 'Tampering']];

/** keyBytes turns the base64url VAPID key into the bytes pushManager.subscribe wants. */
function keyBytes(b64) {
  const s = atob((b64 + '='.repeat((4 - (b64.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** unsupported says in a sentence why this browser cannot get notifications here, or ''. */
function unsupported() {
  if (!window.isSecureContext) return 'Notifications need a secure page: open nvr over HTTPS (or on localhost).';
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) return 'This browser cannot receive push notifications.';
  if (Notification.permission === 'denied') return 'Notifications are blocked for this site in the browser settings.';
  return '';
}

function browserName() {
  const ua = navigator.userAgent;
  const b = (ua.match(/(Firefox|Edg|Chrome|Safari)\/[\d.]+/) || ['browser'])[0].replace('Edg', 'Edge').split('.')[0];
  const os = (ua.match(/\((?:[^;)]*; )?([^;)]+)/) || ['', ''])[1];
  return `${b} on ${os}`.slice(0, 100);
}

function Filters({ cameras, f, setF }) {
  const toggle = (k, v, on) => setF({ ...f, [k]: on ? [...f[k], v] : f[k].filter((x) => x !== v) });
  return html`<div>
    <fieldset class="checks"><legend>Cameras</legend><p class="hint">None ticked: every camera you may see.</p>
      ${cameras.map((c) => html`<${Field} type="checkbox" label=${c.name} id=${'np-cam-' + c.id} value=${f.cameras.includes(c.id)} onInput=${(on) => toggle('cameras', c.id, on)} />`)}
    </fieldset>
    <fieldset class="checks"><legend>Kinds</legend><p class="hint">None ticked: every kind.</p>
      ${kinds.map(([k, label]) => html`<${Field} type="checkbox" label=${label} id=${'np-kind-' + k} value=${f.kinds.includes(k)} onInput=${(on) => toggle('kinds', k, on)} />`)}
    </fieldset>
    <div class="row2">
      <${Field} label="Labels" id="np-labels" value=${f.labels} onInput=${(v) => setF({ ...f, labels: v })} placeholder="person, car" hint="Objects only; empty: any." />
      <${Field} type="number" label="Quiet period (minutes)" id="np-quiet" value=${f.quiet} min="0" max="1440" onInput=${(v) => setF({ ...f, quiet: v })}
        hint="At most one notification per camera in this time." />
    </div>
  </div>`;
}

const toBody = (f) => ({ cameras: f.cameras, kinds: f.kinds, labels: f.labels.split(',').map((s) => s.trim()).filter(Boolean), quiet_s: Math.round((Number(f.quiet) || 0) * 60) });
const fromSub = (s) => ({ cameras: s.cameras, kinds: s.kinds, labels: s.labels.join(', '), quiet: s.quiet_s / 60 });

/** NotificationsSection subscribes this browser to /api/push and lists the user's subscriptions. */
export function NotificationsSection({ cameras: cams }) {
  const cameras = cams || [];
  const [subs, setSubs] = useState(null);
  const [endpoint, setEndpoint] = useState(null); // this browser's subscription, if any
  const [f, setF] = useState({ cameras: [], kinds: [], labels: '', quiet: 5 });
  const [err, setErr] = useState('');
  const [msg, setMsg] = useState('');
  const why = unsupported();
  const load = async () => {
    try {
      const list = await get('api/push/subscriptions');
      setSubs(list || []);
      if (!why) {
        const reg = await navigator.serviceWorker.getRegistration();
        const s = reg && await reg.pushManager.getSubscription();
        setEndpoint(s ? s.endpoint : null);
        const mine = s && (list || []).find((x) => x.endpoint === s.endpoint);
        if (mine) setF(fromSub(mine));
      }
    } catch (e) { setErr(e.message); }
  };
  useEffect(() => { load(); }, []);
  const mine = subs && endpoint && subs.find((x) => x.endpoint === endpoint);
  const subscribe = async () => {
    setErr(''); setMsg('');
    try {
      const { public_key: key } = await get('api/push/vapid-key');
      if (await Notification.requestPermission() !== 'granted') throw new Error('Notifications were not allowed for this site.');
      const reg = await navigator.serviceWorker.register('sw.js');
      await navigator.serviceWorker.ready;
      let s = await reg.pushManager.getSubscription();
      if (!s) {
        try {
          s = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
        } catch (e) {
          throw new Error(`The browser's push service did not take the subscription (${e.message}). It must be reachable from this browser.`);
        }
      }
      await post('api/push/subscriptions', { ...s.toJSON(), name: browserName(), ...toBody(f) });
      setMsg('This browser gets notifications now.');
      load();
    } catch (e) { setErr(e.message); }
  };
  const save = () => patch('api/push/subscriptions/' + mine.id, toBody(f)).then(() => { setMsg('Saved.'); load(); }, (e) => setErr(e.message));
  const remove = async (s) => {
    setErr(''); setMsg('');
    try {
      await del('api/push/subscriptions/' + s.id);
      if (s.endpoint === endpoint) {
        const reg = await navigator.serviceWorker.getRegistration();
        const cur = reg && await reg.pushManager.getSubscription();
        if (cur) await cur.unsubscribe();
      }
      load();
    } catch (e) { setErr(e.message); }
  };
  return html`<div>
    <p class="hint">Get a notification with the picture on this device when something happens; clicking it opens the event.</p>
    ${why && html`<p class="warning" role="status">${why}</p>`}
    ${mine ? html`<p role="status"><span class="badge ok">Subscribed</span> This browser gets notifications.</p>`
      : !why && html`<p class="muted" role="status">This browser is not subscribed.</p>`}
    <${Filters} cameras=${cameras} f=${f} setF=${setF} />
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${msg && html`<p class="note" role="status">${msg}</p>`}
    <div class="actions">
      ${mine ? html`<button class="primary" onClick=${save}>Save notification filters</button>
        <button onClick=${() => remove(mine)}>Unsubscribe this browser</button>`
        : html`<button class="primary" onClick=${subscribe} disabled=${!!why}>Subscribe this browser</button>`}
    </div>
    ${subs && subs.filter((s) => s.endpoint !== endpoint).length > 0 && html`<h3>Your other browsers</h3>
      <ul class="list">${subs.filter((s) => s.endpoint !== endpoint).map((s) => html`<li key=${s.id}>
        <span>${s.name || 'A browser'}</span><span class="muted">since ${dateOnly(s.created)}</span>
        <button class="danger" onClick=${() => remove(s)} aria-label=${'Remove ' + (s.name || 'browser')}>Remove</button></li>`)}</ul>`}
  </div>`;
}
