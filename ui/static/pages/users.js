// Users (#/users, admin): users with their roles, per-camera permissions and password resets, camera
// groups, and API tokens.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { Field, Select } from '../components/Field.js';
import { get, post, patch, del } from '../api.js';
import { GroupsCard } from './users-groups.js';
import { dateTime } from '../components/when.js';

// The per-camera permissions a viewer can have, as the API names them, with their column and words.
const PERMS = [
  ['live', 'Live', 'Live', 'watch live'],
  ['recordings', 'Recordings', 'Recordings', 'play and export recordings'],
  ['ptz', 'PTZ', 'PTZ', 'pan, tilt and zoom'],
  ['record', 'Record', 'Record now', 'start a recording'],
];

function Perms({ cameras, value, onChange, prefix }) {
  const v = value || {};
  const set = (id, k, on) => onChange({ ...v, [id]: { ...(v[id] || {}), [k]: on } });
  if (!cameras || cameras.length === 0) return html`<p class="muted">No cameras yet.</p>`;
  return html`<table class="perms"><thead><tr><th scope="col">Camera</th>
      ${PERMS.map(([k, col, , what]) => html`<th scope="col" title=${'May ' + what}>${col}</th>`)}</tr></thead>
    <tbody>${cameras.map((c) => html`<tr key=${c.id}><th scope="row">${c.name}</th>
      ${PERMS.map(([k, , name]) => html`<td><input type="checkbox" id=${`${prefix}-${c.id}-${k}`}
        aria-label=${`${name} of ${c.name}`}
        checked=${!!(v[c.id] && v[c.id][k])} onChange=${(e) => set(c.id, k, e.target.checked)} /></td>`)}
    </tr>`)}</tbody></table>`;
}

// ResetPassword sets another user's password (an administrator's reset): their sessions all end.
function ResetPassword({ name }) {
  const [pw, setPw] = useState('');
  const [msg, setMsg] = useState(null);
  const submit = async (ev) => {
    ev.preventDefault();
    try {
      await patch('api/users/' + encodeURIComponent(name), { password: pw });
      setPw('');
      setMsg({ ok: true, text: `The password of ${name} is changed; they are logged out everywhere.` });
    } catch (e) { setMsg({ ok: false, text: e.message }); }
  };
  return html`<form class="inline reset" onSubmit=${submit}>
    <${Field} label=${'New password for ' + name} id=${'reset-' + name} type="password" minlength="8" value=${pw}
      onInput=${setPw} required autocomplete="new-password" />
    <button type="submit">Reset password</button>
    ${msg && html`<p class=${msg.ok ? 'note' : 'error'} role=${msg.ok ? 'status' : 'alert'}>${msg.text}</p>`}
  </form>`;
}

/** Tokens lists, creates (secret shown once) and revokes API tokens: every token for an administrator on
 * the Users page, or only the user's own (mine: their name) on the account page. */
export function Tokens({ mine }) {
  const [list, setList] = useState(null);
  const [err, setErr] = useState('');
  const [name, setName] = useState('');
  const [secret, setSecret] = useState(null);
  const load = () => get('api/tokens').then((t) => { setList((t || []).filter((x) => !mine || x.user === mine)); setErr(''); }, (e) => setErr(e.message));
  useEffect(() => { load(); }, []);
  const create = async (ev) => {
    ev.preventDefault();
    try { setSecret(await post('api/tokens', { name: name.trim() })); setName(''); load(); } catch (e) { setErr(e.message); }
  };
  return html`<section class="card">
    <h2>${mine ? 'Your API tokens' : 'API tokens'}</h2>
    ${mine && html`<p class="muted">A token lets a script or a wall display act as you (<code>Authorization: Bearer …</code>). Revoke one you no longer use.</p>`}
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${secret && html`<div class="note" role="status"><p>Copy this token now; it is shown only once:</p><code class="secret">${secret.token || secret.secret}</code></div>`}
    ${list && (list.length === 0 ? html`<p class="muted">No tokens.</p>` : html`<ul class="list">${list.map((t) => html`<li key=${t.id}>
      <span>${t.name || t.id}</span><span class="muted">${mine ? 'created ' + dateTime(t.created) : t.user || ''}${t.kind === 'wall' ? ' · wall: ' + (t.cameras || []).join(', ') : ''}</span>
      <button class="danger" aria-label=${'Revoke token ' + (t.name || t.id)} onClick=${() => del('api/tokens/' + encodeURIComponent(t.id)).then(load, (e) => setErr(e.message))}>Revoke</button></li>`)}</ul>`)}
    <form class="inline" onSubmit=${create}>
      <${Field} label="Token name" id="token-name" value=${name} onInput=${setName} required />
      <button type="submit">Create token</button>
    </form>
    ${!mine && html`<p><a href="#/wall">Make wall link</a> <span class="muted">(a token that may only show chosen cameras live, for a display without a login)</span></p>`}
  </section>`;
}

/** UsersPage lists, adds and removes users and tokens. */
export function UsersPage({ user, cameras }) {
  const [users, setUsers] = useState(null);
  const [err, setErr] = useState('');
  const [form, setForm] = useState({ name: '', password: '', role: 'viewer', cameras: {} });
  const [formErr, setFormErr] = useState('');
  const [said, setSaid] = useState('');
  const [chain] = useState({ p: Promise.resolve() });
  const load = () => get('api/users').then((u) => { setUsers(u || []); setErr(''); }, (e) => setErr(e.message));
  useEffect(() => { if (user.role === 'admin') load(); }, []);
  if (user.role !== 'admin') return html`<main class="narrow"><p class="error">Only an administrator may manage users.</p></main>`;
  const add = async (ev) => {
    ev.preventDefault();
    setFormErr('');
    try {
      await post('api/users', { name: form.name.trim(), password: form.password, role: form.role, cameras: form.role === 'admin' ? undefined : form.cameras });
      setForm({ name: '', password: '', role: 'viewer', cameras: {} });
      load();
    } catch (e) { setFormErr(e.message); }
  };
  const remove = (name) => {
    if (!confirm(`Remove the user ${name}? They are logged out at once.`)) return;
    del('api/users/' + encodeURIComponent(name)).then(load, (e) => setErr(e.message));
  };
  // A click shows at once; the changes go to the server one after another, so quick clicks lose none.
  const setPerms = (name, cams) => {
    setSaid('');
    setUsers((us) => us.map((u) => (u.name === name ? { ...u, cameras: cams } : u)));
    chain.p = chain.p.then(() => patch('api/users/' + encodeURIComponent(name), { cameras: cams }))
      .then(() => { setSaid(`Permissions of ${name} saved.`); }, (e) => { setErr(e.message); load(); });
  };
  return html`<main class="narrow">
    <section class="card">
      <h1>Users</h1>
      ${err && html`<p class="error" role="alert">${err}</p>`}
      ${said && html`<p class="note" role="status">${said}</p>`}
      ${!users && !err && html`<p class="muted">Loading…</p>`}
      ${users && html`<ul class="list users">${users.map((u) => html`<li key=${u.name}>
        <details><summary><strong>${u.name}</strong> <span class="badge">${u.role}</span></summary>
          ${u.role !== 'admin' && html`<${Perms} prefix=${'u-' + u.name} cameras=${cameras} value=${u.cameras} onChange=${(c) => setPerms(u.name, c)} />`}
          ${u.role === 'admin' && html`<p class="muted">An administrator may do everything with every camera.</p>`}
          ${u.name !== user.user
            ? html`<${ResetPassword} name=${u.name} />
              <div class="actions"><button class="danger" onClick=${() => remove(u.name)}>Remove ${u.name}</button></div>`
            : html`<p>Change your own password on <a href="#/account">your account page</a>.</p>`}
        </details></li>`)}</ul>`}
    </section>
    <form class="card" onSubmit=${add}>
      <h2>Add user</h2>
      <div class="row2">
        <${Field} label="User name" id="new-user-name" value=${form.name} onInput=${(v) => setForm({ ...form, name: v })} required autocomplete="off" />
        <${Field} label="Password" id="new-user-password" type="password" minlength="8" value=${form.password} onInput=${(v) => setForm({ ...form, password: v })} required autocomplete="new-password" />
      </div>
      <${Select} label="Role" id="new-user-role" value=${form.role} onInput=${(v) => setForm({ ...form, role: v })}
        options=${[['viewer', 'Viewer: sees only the cameras below'], ['admin', 'Administrator: everything']]} />
      ${form.role !== 'admin' && html`<${Perms} prefix="new" cameras=${cameras} value=${form.cameras} onChange=${(c) => setForm({ ...form, cameras: c })} />`}
      ${formErr && html`<p class="error" role="alert">${formErr}</p>`}
      <div class="actions"><button type="submit" class="primary">Add user</button></div>
    </form>
    <${GroupsCard} cameras=${cameras} />
    <${Tokens} />
  </main>`;
}
