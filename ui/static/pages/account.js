// Account (#/account, every user): change one's own password, see and end one's own sessions, and one's
// own API tokens. Changing the password ends every other session (the server does it; the list shows it).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { Field } from '../components/Field.js';
import { get, patch, del, logout } from '../api.js';
import { Tokens } from './users.js';
import { dateTime as when } from '../components/when.js';

function Sessions({ version }) {
  const [list, setList] = useState(null);
  const [err, setErr] = useState('');
  const [said, setSaid] = useState('');
  const load = () => get('api/sessions').then((s) => { setList(s || []); setErr(''); }, (e) => setErr(e.message));
  useEffect(() => { load(); }, [version]);
  const end = (s) => del('api/sessions/' + encodeURIComponent(s.id))
    .then(() => { setSaid(`The session from ${when(s.created)} is logged out.`); load(); }, (e) => setErr(e.message));
  return html`<section class="card" aria-labelledby="sessions-h">
    <h2 id="sessions-h">Your sessions</h2>
    <p class="muted">Every browser where you are logged in. End one you do not recognise, then change your password.</p>
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${said && html`<p class="note" role="status">${said}</p>`}
    ${!list && !err && html`<p class="muted">Loading…</p>`}
    ${list && list.length === 0 && html`<p class="muted">No browser sessions (you came with an API token).</p>`}
    ${list && list.length > 0 && html`<ul class="list sessions">${list.map((s) => html`<li key=${s.id}>
      <span>Logged in ${when(s.created)}${s.current ? html` <span class="badge">this browser</span>` : ''}</span>
      <span class="muted">until ${when(s.expires)}</span>
      ${s.current
        ? html`<button onClick=${logout}>Log out here</button>`
        : html`<button class="danger" aria-label=${'End the session from ' + when(s.created)} onClick=${() => end(s)}>End session</button>`}
    </li>`)}</ul>`}
  </section>`;
}

function Password({ user, onChanged }) {
  const empty = { current: '', next: '', again: '' };
  const [f, setF] = useState(empty);
  const [msg, setMsg] = useState(null);
  const [errs, setErrs] = useState({});
  const submit = async (ev) => {
    ev.preventDefault();
    setMsg(null); setErrs({});
    if (f.next !== f.again) { setErrs({ again: 'The two new passwords differ; type the same one twice.' }); return; }
    try {
      await patch('api/users/' + encodeURIComponent(user.user), { current_password: f.current, password: f.next });
      setF(empty);
      setMsg('Your password is changed. Every other session of yours was logged out; this one stays.');
      onChanged();
    } catch (e) {
      if (/shorter|longer/i.test(e.message)) setErrs({ next: e.message }); else setErrs({ current: e.message });
    }
  };
  return html`<form class="card" onSubmit=${submit} aria-labelledby="pw-h">
    <h2 id="pw-h">Change your password</h2>
    <input type="text" name="username" value=${user.user} autocomplete="username" hidden readonly />
    <${Field} label="Current password" id="pw-current" type="password" value=${f.current} error=${errs.current}
      onInput=${(v) => setF({ ...f, current: v })} required autocomplete="current-password" />
    <div class="row2">
      <${Field} label="New password" id="pw-new" type="password" minlength="8" value=${f.next} error=${errs.next}
        onInput=${(v) => setF({ ...f, next: v })} required autocomplete="new-password" hint="At least 8 characters." />
      <${Field} label="New password again" id="pw-again" type="password" minlength="8" value=${f.again} error=${errs.again}
        onInput=${(v) => setF({ ...f, again: v })} required autocomplete="new-password" />
    </div>
    ${msg && html`<p class="note" role="status">${msg}</p>`}
    <div class="actions"><button type="submit" class="primary">Change password</button></div>
  </form>`;
}

/** AccountPage is the logged-in user's own account. */
export function AccountPage({ user }) {
  const [version, setVersion] = useState(0);
  return html`<main class="narrow">
    <section class="card">
      <h1>Your account</h1>
      <p>You are logged in as <strong>${user.user}</strong> (${user.role === 'admin' ? 'administrator' : 'viewer'}).</p>
    </section>
    <${Password} user=${user} onChanged=${() => setVersion((v) => v + 1)} />
    <${Sessions} version=${version} />
    <${Tokens} mine=${user.user} />
  </main>`;
}
