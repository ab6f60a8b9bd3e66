// Events (#/events?camera=&kind=&label=&since=&until=&hide=1&ev=): newest first, filters kept in the
// address, more loaded as the list scrolls (the API's ?before= paging), new events pushed by the SSE
// stream; ev= opens one in the player, from its pre-roll, with ← and → to the newer and older ones.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { EventThumb, kindWords, scoreWords, durationWords } from '../components/EventThumb.js';
import { RecordingPlayer } from '../components/RecordingPlayer.js';
import { get, post, del } from '../api.js';
import { watchEvents } from '../sse.js';
import { dateTime } from '../components/when.js';

const PAGE = 30;
const KINDS = ['motion', 'object', 'qr', 'manual', 'offline', 'tamper'];

/** hashQuery is the query part of the address's hash (#/events?a=b). */
function hashQuery() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : location.hash.slice(i + 1));
}

/** setHashQuery writes the filters (and the open event) into the address. */
function setHashQuery(q) {
  for (const [k, v] of [...q.entries()]) if (!v) q.delete(k);
  const s = q.toString();
  location.hash = '#/events' + (s ? '?' + s : '');
}

// datetime-local values are local times without a zone; the API wants RFC 3339.
const toLocalInput = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};
const fromLocalInput = (v) => (v ? new Date(v).toISOString() : '');

/** matches says whether an event pushed live belongs in the list the filters show. */
function matches(ev, f) {
  if (f.camera && ev.camera !== f.camera) return false;
  if (f.kind && ev.kind !== f.kind) return false;
  if (f.label && !(ev.labels || []).includes(f.label)) return false;
  const t = Date.parse(ev.start);
  if (f.since && t < Date.parse(f.since)) return false;
  if (f.until && t >= Date.parse(f.until)) return false;
  if (f.hide && ev.reviewed) return false;
  return true;
}

function apiQuery(f, before) {
  const q = new URLSearchParams({ limit: String(PAGE) });
  for (const k of ['camera', 'kind', 'label', 'since', 'until']) if (f[k]) q.set(k, f[k]);
  if (f.hide) q.set('reviewed', 'hide');
  if (before) q.set('before', before);
  return 'api/events?' + q.toString();
}

function Filters({ f, cameras }) {
  const set = (k, v) => { const q = hashQuery(); q.set(k, v); q.delete('ev'); setHashQuery(q); };
  return html`<form class="ev-filters" onSubmit=${(e) => e.preventDefault()} aria-label="Filters">
    <div class="field"><label for="f-camera">Camera</label>
      <select id="f-camera" value=${f.camera} onChange=${(e) => set('camera', e.target.value)}>
        <option value="">All cameras</option>
        ${(cameras || []).map((c) => html`<option value=${c.id}>${c.name}</option>`)}
      </select></div>
    <div class="field"><label for="f-kind">Kind</label>
      <select id="f-kind" value=${f.kind} onChange=${(e) => set('kind', e.target.value)}>
        <option value="">All kinds</option>
        ${KINDS.map((k) => html`<option value=${k}>${kindWords[k]}</option>`)}
      </select></div>
    <div class="field"><label for="f-label">Label</label>
      <input id="f-label" value=${f.label} placeholder="person, car, …" onChange=${(e) => set('label', e.target.value.trim())} /></div>
    <div class="field"><label for="f-since">From</label>
      <input id="f-since" type="datetime-local" value=${toLocalInput(f.since)} onChange=${(e) => set('since', fromLocalInput(e.target.value))} /></div>
    <div class="field"><label for="f-until">To</label>
      <input id="f-until" type="datetime-local" value=${toLocalInput(f.until)} onChange=${(e) => set('until', fromLocalInput(e.target.value))} /></div>
    <div class="field check"><input id="f-hide" type="checkbox" checked=${f.hide} onChange=${(e) => set('hide', e.target.checked ? '1' : '')} />
      <label for="f-hide">Hide reviewed</label></div>
  </form>`;
}

function EventItem({ ev, camName, open }) {
  const q = hashQuery(); q.set('ev', ev.id);
  const when = dateTime(ev.start);
  return html`<li class=${'ev-item' + (ev.reviewed ? ' reviewed' : '') + (open ? ' open' : '')} data-event=${ev.id}>
    <a href=${'#/events?' + q.toString()} aria-label=${`${kindWords[ev.kind] || ev.kind} event on ${camName} at ${when}`}>
      <${EventThumb} ev=${ev} />
      <div class="ev-text">
        <div class="ev-chips">
          <span class=${'badge kind-' + ev.kind}>${kindWords[ev.kind] || ev.kind}</span>
          ${(ev.labels || []).map((l) => html`<span class="badge label">${l}</span>`)}
          ${ev.reviewed && html`<span class="badge">Reviewed</span>`}
        </div>
        <div class="ev-cam">${camName}</div>
        <div class="muted ev-meta"><time datetime=${ev.start}>${when}</time> · ${durationWords(ev)}${scoreWords(ev) ? ' · ' + scoreWords(ev) : ''}</div>
        ${ev.text && html`<div class="ev-qr">${ev.text}</div>`}
      </div>
    </a>
  </li>`;
}

// MAX_OBJECTS bounds the object events whose boxes one player draws (each costs a request).
const MAX_OBJECTS = 12;

/**
 * useSightings fetches the sightings of object events (GET /api/events/{ev}) and keeps them by event
 * id, times in ms: a Map with an entry once an event's answer came ([] when it has none or failed).
 * An event is fetched again when it ends (its last sightings are written then).
 */
function useSightings(evs) {
  const [got, setGot] = useState(() => new Map());
  const key = evs.map((e) => `${e.id}:${e.end || ''}`).join(',');
  useEffect(() => {
    let gone = false;
    for (const { id } of evs) {
      get('api/events/' + encodeURIComponent(id)).then((e) => (e.sightings || []).map((s) => ({ ...s, t: Date.parse(s.t) })), () => [])
        .then((ss) => { if (!gone) setGot((old) => new Map(old).set(id, ss)); });
    }
    return () => { gone = true; };
  }, [key]);
  return got;
}

function Player({ ev, cam, user, index, count, related, onMove, onReviewed, onDeleted, onClose }) {
  const [msg, setMsg] = useState('');
  // confirm holds the event as the server has it now (its recording may have been linked since the list
  // loaded), so the question says truly what a delete takes.
  const [confirm, setConfirm] = useState(null);
  useEffect(() => { setMsg(''); setConfirm(null); }, [ev.id]);
  const askDelete = () => get('api/events/' + encodeURIComponent(ev.id)).then(setConfirm, (e) => setMsg(e.message));
  const pre = ((cam && cam.record && cam.record.pre_roll_s) || 0) * 1000;
  const postRoll = ((cam && cam.record && cam.record.post_roll_s) || 0) * 1000;
  const from = Date.parse(ev.start) - pre;
  const until = ev.end ? Date.parse(ev.end) + postRoll : Date.now();
  // Boxes are drawn where each object was seen: this event's own, and those of the camera's object events
  // inside the span played (a motion event shows the dog that walked through it). Each object's box is
  // that of its sighting nearest the playhead; an event stored before sightings were shows its best box
  // over its span.
  const objects = [ev, ...related].filter((e) => e.kind === 'object' && e.camera === ev.camera)
    .filter((e) => (e.end ? Date.parse(e.end) : Infinity) >= from && Date.parse(e.start) <= until)
    .slice(0, MAX_OBJECTS);
  const sightings = useSightings(objects);
  const overlays = objects.flatMap((e) => {
    const ss = sightings.get(e.id);
    if (ss && ss.length) return [{ sightings: ss }];
    if (!ss || !e.boxes || !e.boxes.length) return []; // not fetched yet, or nothing to draw
    return [{ from: Date.parse(e.start), until: e.end ? Date.parse(e.end) : Infinity, boxes: e.boxes.slice(0, 1) }];
  });
  const toggle = async () => {
    setMsg('');
    try {
      const path = `api/events/${encodeURIComponent(ev.id)}/reviewed`;
      if (ev.reviewed) await del(path); else await post(path);
      onReviewed(ev, !ev.reviewed);
    } catch (e) { setMsg(e.message); }
  };
  const remove = async () => {
    setMsg('');
    try { await del(`api/events/${encodeURIComponent(ev.id)}`); onDeleted(ev); } catch (e) { setMsg(e.message); }
  };
  const camName = cam ? cam.name : ev.camera;
  return html`<section class="card ev-player" aria-label="Event player">
    <div class="title-row">
      <h2>${kindWords[ev.kind] || ev.kind} on ${camName}</h2>
      <button class="link" onClick=${onClose}>Close</button>
    </div>
    <p class="muted">${dateTime(ev.start)} · ${durationWords(ev)}${scoreWords(ev) ? ' · ' + scoreWords(ev) : ''}
      ${ev.labels && ev.labels.length ? ' · ' + ev.labels.join(', ') : ''} · plays from ${Math.round(pre / 1000)} s before</p>
    <${RecordingPlayer} key=${ev.id} camera=${ev.camera} from=${from} until=${until} overlays=${overlays} />
    <div class="actions">
      <button onClick=${() => onMove(-1)} disabled=${index <= 0} title="Newer event (←)">← Newer</button>
      <button onClick=${() => onMove(1)} disabled=${index < 0 || index >= count - 1} title="Older event (→)">Older →</button>
      <button class="primary" onClick=${toggle}>${ev.reviewed ? 'Mark not reviewed' : 'Mark reviewed'}</button>
      ${user.role === 'admin' && !confirm && html`<button class="danger" onClick=${askDelete} disabled=${!ev.end}
        title=${ev.end ? 'Delete this event' : 'An event can be deleted once it has ended'}>Delete</button>`}
    </div>
    ${confirm && html`<div class="confirm" role="alertdialog" aria-label="Delete this event">
      <p>Delete this event? ${confirm.recording ? 'Its recording stays: footage goes only by retention, with the other events it holds.' : 'It has no recording; only the event and its snapshot go.'}</p>
      <div class="actions"><button class="danger" onClick=${remove}>Delete event</button>
        <button onClick=${() => setConfirm(null)}>Cancel</button></div>
    </div>`}
    ${msg && html`<p class="error" role="alert">${msg}</p>`}
  </section>`;
}

/** EventsPage lists events with filters, live arrivals and a player. */
export function EventsPage({ user, cameras }) {
  const hash = location.hash;
  const f = useMemo(() => {
    const q = hashQuery();
    return { camera: q.get('camera') || '', kind: q.get('kind') || '', label: q.get('label') || '',
      since: q.get('since') || '', until: q.get('until') || '', hide: q.get('hide') === '1', ev: q.get('ev') || '' };
  }, [hash]);
  const key = apiQuery(f, '');
  const [list, setList] = useState(null);
  const [error, setError] = useState('');
  const [more, setMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const listRef = useRef([]);
  listRef.current = list || [];
  const fRef = useRef(f);
  fRef.current = f;
  const sentinel = useRef(null);

  const load = async (before) => {
    setLoading(true);
    try {
      const page = await get(apiQuery(fRef.current, before));
      setList((old) => {
        const base = before ? old || [] : [];
        const seen = new Set(base.map((e) => e.id));
        return [...base, ...page.filter((e) => !seen.has(e.id))];
      });
      setMore(page.length === PAGE);
      setError('');
    } catch (e) {
      if (before && e.status === 404) { setMore(false); } else setError(e.message);
    } finally { setLoading(false); }
  };
  useEffect(() => { setList(null); setMore(true); load(''); }, [key]);

  // New and changed events, pushed.
  useEffect(() => watchEvents('', (m) => {
    const ev = m.event;
    if (!ev) return;
    setList((old) => {
      if (!old) return old;
      const i = old.findIndex((e) => e.id === ev.id);
      if (i >= 0) {
        const next = old.slice();
        next[i] = { ...ev, reviewed: old[i].reviewed };
        return next;
      }
      if (!matches(ev, fRef.current)) return old;
      return [ev, ...old].sort((a, b) => Date.parse(b.start) - Date.parse(a.start) || Number(b.id) - Number(a.id));
    });
  }), []);

  // Infinite scroll: the sentinel under the list loads the next page when it comes into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !more) return undefined;
    const io = new IntersectionObserver((es) => {
      if (es.some((e) => e.isIntersecting) && !loading && listRef.current.length) load(listRef.current[listRef.current.length - 1].id);
    }, { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [more, loading, list && list.length]);

  const camById = useMemo(() => new Map((cameras || []).map((c) => [c.id, c])), [cameras]);
  const items = list || [];
  const index = items.findIndex((e) => e.id === f.ev);
  // An event linked to directly that the list does not hold (older, or outside the filters) is fetched.
  const [single, setSingle] = useState(null);
  const [singleError, setSingleError] = useState('');
  useEffect(() => {
    setSingleError('');
    if (!f.ev || !list || index >= 0 || (single && single.id === f.ev)) return;
    get(`api/events/${encodeURIComponent(f.ev)}`).then(setSingle, (e) => { setSingle(null); setSingleError(e.message); });
  }, [f.ev, list && index < 0]);
  const open = index >= 0 ? items[index] : single && single.id === f.ev ? single : null;
  const go = (id) => { const q = hashQuery(); q.set('ev', id || ''); setHashQuery(q); };
  const move = (d) => { const n = items[index + d]; if (n) go(n.id); };

  // ← newer, → older, Esc closes; one listener that always sees this render's list.
  const keys = useRef(null);
  keys.current = { ev: f.ev, move, go };
  useEffect(() => {
    const onKey = (e) => {
      const k = keys.current;
      if (!k.ev || e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
      if (e.key === 'ArrowLeft') { e.preventDefault(); k.move(-1); }
      else if (e.key === 'ArrowRight') { e.preventDefault(); k.move(1); }
      else if (e.key === 'Escape') k.go('');
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const onReviewed = (ev, on) => {
    if (index < 0) { setSingle({ ...ev, reviewed: on }); return; }
    if (on && f.hide) {
      const next = items[index + 1] || items[index - 1];
      setList((old) => old.filter((e) => e.id !== ev.id));
      go(next ? next.id : '');
      return;
    }
    setList((old) => old.map((e) => (e.id === ev.id ? { ...e, reviewed: on } : e)));
  };
  const onDeleted = (ev) => {
    if (index < 0) { setSingle(null); go(''); return; }
    const next = items[index + 1] || items[index - 1];
    setList((old) => old.filter((e) => e.id !== ev.id));
    go(next ? next.id : '');
  };

  return html`<main class="events-page">
    <div class="toolbar"><h1>Events</h1><span class="spacer"></span>
      <span class="muted">${list && items.length ? `${items.length}${more ? "+" : ""} shown` : ""}</span></div>
    <${Filters} f=${f} cameras=${cameras} />
    ${f.ev && !open && singleError && html`<p class="note" role="status">${singleError} <button class="link" onClick=${() => go('')}>Close</button></p>`}
    ${open && html`<${Player} ev=${open} cam=${camById.get(open.camera)} user=${user} index=${index} count=${items.length}
      related=${items.filter((e) => e.id !== open.id && e.camera === open.camera && e.kind === 'object')}
      onMove=${move} onReviewed=${onReviewed} onDeleted=${onDeleted} onClose=${() => go('')} />`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!list && !error ? html`<p class="muted">Loading…</p>`
      : list && items.length === 0 ? html`<section class="card empty"><p><strong>No events${f.camera || f.kind || f.label || f.since || f.until || f.hide ? ' match these filters' : ' yet'}.</strong></p>
          <p class="muted">Motion, objects, QR codes, manual recordings, cameras going offline and covered lenses appear here as they happen.</p></section>`
      : html`<ul class="ev-list" aria-label="Events">${items.map((ev) => html`<${EventItem} key=${ev.id} ev=${ev} open=${ev.id === f.ev}
          camName=${camById.has(ev.camera) ? camById.get(ev.camera).name : ev.camera} />`)}</ul>`}
    ${list && more && html`<p ref=${sentinel} class="muted ev-more">${loading ? 'Loading more…' : ' '}</p>`}
    ${list && !more && items.length > 0 && html`<p class="muted ev-more">That is all.</p>`}
  </main>`;
}
