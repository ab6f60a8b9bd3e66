// ONVIF picker of the add-camera page: "Find cameras" asks nvrd to discover ONVIF devices on the LAN
// (maker, model, address); the user picks one and gives its account, nvrd reads its media profiles
// with their RTSP URIs, and the chosen main (and sub) stream fill the add-camera form.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { Field } from './Field.js';
import { post } from '../api.js';

const pixels = (p) => (p.width || 0) * (p.height || 0);
const describe = (p) => [p.name || p.token, p.width ? `${p.width}×${p.height}` : '', p.codec].filter(Boolean).join(' · ');

/** OnvifPicker props: onPick({name, url, sub_url, user, password, onvif}); subStreams: offer a substream
 * choice (the form has a sub_url field). */
export function OnvifPicker({ onPick, subStreams }) {
  const [devices, setDevices] = useState(null);
  const [finding, setFinding] = useState(false);
  const [error, setError] = useState('');
  const [dev, setDev] = useState(null);
  const [acct, setAcct] = useState({ user: '', password: '' });
  const [profiles, setProfiles] = useState(null);
  const [main, setMain] = useState('');
  const [sub, setSub] = useState('');
  const [busy, setBusy] = useState(false);

  const find = async () => {
    setFinding(true); setError(''); setDevices(null); setDev(null); setProfiles(null);
    try { setDevices(await post('api/onvif/discover', {})); } catch (e) { setError(e.message); }
    setFinding(false);
  };
  const choose = (d) => { setDev(d); setProfiles(null); setError(''); };
  const streams = async (ev) => {
    ev.preventDefault();
    setBusy(true); setError(''); setProfiles(null);
    try {
      const ps = (await post('api/onvif/profiles', { address: dev.address, user: acct.user, password: acct.password })) || [];
      const withURI = ps.filter((p) => p.rtsp_uri);
      if (!withURI.length) throw new Error('The camera answered but offers no RTSP stream.');
      const byPixels = [...withURI].sort((a, b) => pixels(b) - pixels(a));
      setProfiles(withURI);
      setMain(byPixels[0].token);
      setSub(byPixels.length > 1 ? byPixels[byPixels.length - 1].token : '');
    } catch (e) { setError(e.message); }
    setBusy(false);
  };
  const use = () => {
    const m = profiles.find((p) => p.token === main);
    const s = subStreams && profiles.find((p) => p.token === sub && p.token !== main);
    onPick({ name: [dev.manufacturer, dev.model].filter(Boolean).join(' ') || dev.address, url: m.rtsp_uri,
      sub_url: s ? s.rtsp_uri : '', user: acct.user, password: acct.password, onvif: dev.address });
  };

  return html`<section class="card onvif" aria-labelledby="onvif-h">
    <div class="title-row">
      <h2 id="onvif-h">Find ONVIF cameras</h2>
      <button type="button" onClick=${find} disabled=${finding}>${finding ? 'Searching…' : 'Find cameras'}</button>
    </div>
    <p class="muted">Most cameras answer ONVIF discovery on the local network; pick yours to fill in its stream addresses.</p>
    ${finding && html`<p class="muted" role="status">Asking the network for a few seconds…</p>`}
    ${devices && devices.length === 0 && html`<p class="muted" role="status">No ONVIF camera answered. Check that ONVIF is on in the camera's own settings, or enter its address below.</p>`}
    ${devices && devices.length > 0 && html`<ul class="onvif-list">${devices.map((d) => html`<li key=${d.address}>
        <button type="button" aria-pressed=${dev && dev.address === d.address} onClick=${() => choose(d)}>
          <strong>${[d.manufacturer, d.model].filter(Boolean).join(' ') || 'Unknown camera'}</strong><span class="muted">${d.address}</span>
        </button></li>`)}</ul>`}
    ${dev && html`<form class="onvif-acct" onSubmit=${streams}>
      <p>Account of <strong>${[dev.manufacturer, dev.model].filter(Boolean).join(' ')}</strong> at <code>${dev.address}</code>:</p>
      <div class="row2">
        <${Field} label="ONVIF user" value=${acct.user} onInput=${(v) => setAcct({ ...acct, user: v })} autocomplete="off" />
        <${Field} label="ONVIF password" type="password" value=${acct.password} onInput=${(v) => setAcct({ ...acct, password: v })} autocomplete="new-password" />
      </div>
      <div class="actions"><button type="submit" disabled=${busy}>${busy ? 'Asking the camera…' : 'Get streams'}</button></div>
    </form>`}
    ${profiles && html`<div class="onvif-profiles">
      <fieldset><legend>Main stream (recorded, single view)</legend>
        ${profiles.map((p) => html`<div class="field check"><input type="radio" name="onvif-main" id=${'main-' + p.token}
          checked=${main === p.token} onChange=${() => setMain(p.token)} /><label for=${'main-' + p.token}>${describe(p)}</label>
          <p class="hint"><code>${p.rtsp_uri}</code></p></div>`)}
      </fieldset>
      ${subStreams && profiles.length > 1 && html`<fieldset><legend>Substream (grid and analysis)</legend>
        <div class="field check"><input type="radio" name="onvif-sub" id="sub-none" checked=${!sub} onChange=${() => setSub('')} /><label for="sub-none">None</label></div>
        ${profiles.filter((p) => p.token !== main).map((p) => html`<div class="field check"><input type="radio" name="onvif-sub" id=${'sub-' + p.token}
          checked=${sub === p.token} onChange=${() => setSub(p.token)} /><label for=${'sub-' + p.token}>${describe(p)}</label>
          <p class="hint"><code>${p.rtsp_uri}</code></p></div>`)}
      </fieldset>`}
      <div class="actions"><button type="button" class="primary" onClick=${use}>Use this camera</button></div>
    </div>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}
