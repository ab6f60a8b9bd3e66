// Audit log (#/audit, administrators): who did what, from where, when and on which camera, filtered by
// user, camera, action and time range over GET /api/audit (oldest first), a page at a time.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { Field, Select } from '../components/Field.js';
import { get } from '../api.js';
import { dateTime } from '../components/when.js';

const PAGE = 50;
// The actions nvrd writes (store/audit.go), in the words the page shows.
const ACTIONS = [
  ['login_ok', 'Login'], ['login_failed', 'Failed login'], ['live_start', 'Live view started'],
  ['live_stop', 'Live view stopped'], ['recording_play', 'Recording played'], ['export', 'Export'],
  ['snapshot', 'Snapshot downloaded'], ['record_start', 'Recording started'], ['settings_change', 'Settings changed'],
  ['user_change', 'User changed'], ['token_use', 'Token used'],
];
const actionWords = Object.fromEntries(ACTIONS);
const pad = (n) => String(n).padStart(2, '0');
const localInput = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** AuditPage lists the audit log with filters and paging. */
export function AuditPage({ user, cameras }) {
  const [f, setF] = useState({ user: '', camera: '', action: '', from: localInput(new Date(Date.now() - 24 * 3600e3)), to: '' });
  const [applied, setApplied] = useState(f);
  // cursors[i] is where page i starts: the time of the last entry before it and the ids already shown at that time.
  const [cursors, setCursors] = useState([null]);
  const [rows, setRows] = useState(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');
  const [gen, setGen] = useState(0); // finished loads (data-gen: tests wait on it)
  const page = cursors.length - 1;
  const set = (k) => (v) => setF({ ...f, [k]: v });

  useEffect(() => {
    if (user.role !== 'admin') return;
    const cur = cursors[page];
    const q = new URLSearchParams();
    for (const k of ['user', 'camera', 'action']) if (applied[k].trim()) q.set(k, applied[k].trim());
    const since = cur ? cur.at : applied.from && new Date(applied.from).toISOString();
    if (since) q.set('since', since);
    if (applied.to) q.set('until', new Date(applied.to).toISOString());
    q.set('limit', String(PAGE + 1 + (cur ? cur.ids.length : 0)));
    setRows(null); setError('');
    get('api/audit?' + q).then((list) => {
      const fresh = (list || []).filter((e) => !cur || !cur.ids.includes(e.id));
      setMore(fresh.length > PAGE);
      setRows(fresh.slice(0, PAGE));
      setGen((g) => g + 1);
    }, (e) => { setError(e.message); setRows([]); setGen((g) => g + 1); });
  }, [applied, cursors]);

  if (user.role !== 'admin') return html`<main class="narrow"><p class="error" role="alert">Only an administrator may read the audit log.</p></main>`;
  const apply = (ev) => {
    ev.preventDefault();
    if (f.from && f.to && new Date(f.to) <= new Date(f.from)) { setError('The end of the time range must be after its start.'); return; }
    setApplied({ ...f }); setCursors([null]);
  };
  const next = () => {
    const last = rows[rows.length - 1];
    const prev = cursors[page];
    const sameTime = rows.filter((e) => e.at === last.at).map((e) => e.id);
    const ids = prev && prev.at === last.at ? [...prev.ids, ...sameTime] : sameTime;
    setCursors([...cursors, { at: last.at, ids }]);
  };
  const camName = (id) => { const c = cameras && cameras.find((x) => x.id === id); return c ? c.name : id; };
  const camOptions = [['', 'Any camera'], ...(cameras || []).map((c) => [c.id, c.name])];
  return html`<main>
    <h1>Audit log</h1>
    <form class="card audit-filters" onSubmit=${apply} aria-label="Filters">
      <${Field} label="User name" id="audit-user" value=${f.user} onInput=${set('user')} autocomplete="off" />
      <${Select} label="Camera" id="audit-camera" value=${f.camera} onInput=${set('camera')} options=${camOptions} />
      <${Select} label="Action" id="audit-action" value=${f.action} onInput=${set('action')} options=${[['', 'Any action'], ...ACTIONS]} />
      <${Field} label="From" id="audit-from" type="datetime-local" value=${f.from} onInput=${set('from')} />
      <${Field} label="To" id="audit-to" type="datetime-local" value=${f.to} onInput=${set('to')} />
      <div class="field"><button type="submit" class="primary">Show</button></div>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <section class="card audit-results" aria-busy=${!rows} data-gen=${gen}>
      ${!rows ? html`<p class="muted">Loading…</p>`
        : rows.length === 0 ? html`<p class="muted" role="status">${page > 0 ? 'No more entries.' : 'No audit entries match these filters in this time range.'}</p>`
        : html`<div class="table-wrap"><table class="audit">
            <thead><tr><th scope="col">When</th><th scope="col">User</th><th scope="col">From</th><th scope="col">Action</th><th scope="col">Camera</th><th scope="col">Detail</th></tr></thead>
            <tbody>${rows.map((e) => html`<tr key=${e.id}>
              <td class="when">${dateTime(e.at)}</td><td class="who">${e.user || html`<span class="muted">—</span>`}</td>
              <td class="addr">${e.addr}</td><td class="what">${actionWords[e.action] || e.action}</td><td>${e.camera ? camName(e.camera) : ''}</td><td>${e.detail}</td>
            </tr>`)}</tbody></table></div>`}
      <div class="pager actions">
        <button type="button" disabled=${page === 0} onClick=${() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <span class="muted">Page ${page + 1}</span>
        <button type="button" disabled=${!more} onClick=${next}>Next page</button>
      </div>
    </section>
  </main>`;
}
