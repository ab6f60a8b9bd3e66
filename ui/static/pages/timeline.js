// Timeline (#/timeline, #/timeline/{camera}; ?day=YYYY-MM-DD&from=&to= in ms): one row per camera for a
// day, zoomable from 24 h to a minute; a click plays the cameras ticked "Play" (up to four) from that
// instant, kept at the same wall-clock time by one master clock; speeds, next/previous event, export.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { get, cameraPath } from '../api.js';
import { watchEvents } from '../sse.js';
import { TimelineRows, clock } from '../components/TimelineRows.js';
import { DayPicker, dayKey } from '../components/DayPicker.js';
import { ExportPanel } from '../components/ExportPanel.js';
import { Playback } from '../components/playback.js';
import { CodecNotice } from '../components/codecs.js';

const SPEEDS = [0.5, 1, 2, 4, 8, 16];
const DRIFT_MS = 250; // a follower further than this from the master clock is moved to it

function hashQuery() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : location.hash.slice(i + 1));
}

function startOfDay(d) { return new Date(d.getFullYear(), d.getMonth(), d.getDate()); }

/** wallText is the wall clock shown under a video. */
function wallText(ms) {
  if (ms == null) return '—';
  const d = new Date(ms);
  return `${d.toLocaleDateString()} ${clock(ms)}.${String(Math.floor(d.getMilliseconds() / 100))}`;
}

/** Player is one camera's video with its wall clock; it hands its Playback to register. */
function Player({ cam, register, status, wall }) {
  const video = useRef(null);
  useEffect(() => {
    const p = new Playback(video.current, cam.id, (s) => status(cam.id, s));
    register(cam.id, p);
    return () => { p.destroy(); register(cam.id, null); };
  }, [cam.id]);
  return html`<figure class="tl-player" data-player=${cam.id}>
    <div class="tile"><video ref=${video} muted playsinline aria-label=${'Recording of ' + cam.name}></video></div>
    <figcaption><strong>${cam.name}</strong>
      <span class="wallclock" data-wall-camera=${cam.id} data-ms=${wall == null ? '' : Math.round(wall)}>${wallText(wall)}</span></figcaption>
  </figure>`;
}

/** TimelinePage is #/timeline. */
export function TimelinePage({ cameras, camError, id }) {
  const q = hashQuery();
  const initialDay = q.get('day') ? new Date(q.get('day') + 'T00:00:00')
    : startOfDay(Number(q.get('from')) ? new Date(Number(q.get('from'))) : new Date());
  const [day, setDay] = useState(Number.isNaN(initialDay.getTime()) ? startOfDay(new Date()) : initialDay);
  const dayStart = day.getTime();
  const dayEnd = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1).getTime();
  const [view, setView] = useState(() => {
    const f = Number(q.get('from')); const t = Number(q.get('to'));
    return f && t && t > f ? [f, t] : [dayStart, dayEnd];
  });
  const [data, setData] = useState({});
  const [playing, setPlaying] = useState(id ? [id] : []);
  const [wall, setWall] = useState({});
  const [states, setStates] = useState({});
  const [rate, setRate] = useState(1);
  const [paused, setPaused] = useState(false);
  const [selection, setSelection] = useState(null);
  const [msg, setMsg] = useState('');
  const players = useRef(new Map());
  const lastFix = useRef(new Map());
  const pending = useRef(null); // a seek waiting for a player that is being made
  const rowsBox = useRef(null);

  const visible = cameras || [];
  useEffect(() => {
    if (cameras && cameras.length && playing.length === 0) setPlaying([id && cameras.some((c) => c.id === id) ? id : cameras[0].id]);
  }, [cameras]);

  // One API call per row for the visible window, at its resolution (a step per pixel).
  const load = () => {
    if (!cameras) return;
    const [f, t] = view;
    const px = Math.max(200, Math.round(rowsBox.current ? rowsBox.current.getBoundingClientRect().width : 1000));
    const step = Math.max((t - f) / 1000 / px, 0.05);
    for (const c of cameras) {
      get(cameraPath(c.id, `/timeline?since=${encodeURIComponent(new Date(f).toISOString())}&until=${encodeURIComponent(new Date(t).toISOString())}&step=${step.toFixed(3)}`))
        .then((d) => setData((o) => ({ ...o, [c.id]: d })), (e) => setData((o) => ({ ...o, [c.id]: { error: e.message, spans: [], events: [] } })));
    }
  };
  useEffect(() => { const h = setTimeout(load, 120); return () => clearTimeout(h); }, [view[0], view[1], cameras && cameras.map((c) => c.id).join(',')]);
  // New events arrive over the push stream: the rows are asked again.
  useEffect(() => watchEvents('', (m) => { if (m.type !== 'update') load(); }), [view[0], view[1], cameras]);
  // The window and day are kept in the address (shareable, and the back button works).
  useEffect(() => {
    const base = '#/timeline' + (id ? '/' + encodeURIComponent(id) : '');
    const h = `${base}?day=${dayKey(day)}&from=${Math.round(view[0])}&to=${Math.round(view[1])}`;
    if (location.hash !== h) history.replaceState(null, '', h);
  }, [view[0], view[1], dayStart]);

  const pickDay = (d) => { setDay(d); setView([d.getTime(), d.getTime() + 86400000]); setData({}); };

  const register = (cid, p) => {
    if (p) {
      players.current.set(cid, p);
      p.setRate(rate);
      if (pending.current != null) p.playAt(pending.current);
    } else players.current.delete(cid);
  };
  const status = (cid, s) => setStates((o) => ({ ...o, [cid]: s }));
  const master = () => players.current.get(playing[0]);

  /** seekAll plays every ticked camera from wall-clock ms. */
  const seekAll = (ms) => {
    pending.current = ms;
    setPaused(false);
    setMsg('');
    for (const [cid, p] of players.current) { p.playAt(ms); lastFix.current.set(cid, Date.now()); }
    setWall((o) => Object.fromEntries(playing.map((c) => [c, ms])));
  };

  // The master clock: every 200 ms the wall clocks are read, the followers corrected when they drift.
  useEffect(() => {
    const h = setInterval(() => {
      const m = master();
      const w = {};
      for (const [cid, p] of players.current) w[cid] = p.wall();
      setWall(w);
      const mw = m && m.wall();
      if (mw == null || !m || m.video.paused) return;
      for (const [cid, p] of players.current) {
        if (p === m) continue;
        const fw = w[cid];
        const since = Date.now() - (lastFix.current.get(cid) || 0);
        if (since < 1000) continue;
        // One still loading, or without footage at this instant, is left alone (it gets the next seek).
        if (fw == null && p.state !== 'playing') continue;
        if (fw == null || Math.abs(fw - mw) > DRIFT_MS) {
          lastFix.current.set(cid, Date.now());
          p.seekWall(mw + (fw == null ? 300 : 0));
        }
      }
    }, 200);
    return () => clearInterval(h);
  }, [playing.join(',')]);

  const setSpeed = (r) => { setRate(r); for (const p of players.current.values()) p.setRate(r); };
  const togglePause = () => {
    if (paused) { for (const p of players.current.values()) p.resume(); setPaused(false); } else { for (const p of players.current.values()) p.pause(); setPaused(true); }
  };
  const togglePlay = (cid) => {
    setPlaying((o) => {
      if (o.includes(cid)) return o.filter((x) => x !== cid);
      if (o.length >= 4) return o;
      const mw = master() && master().wall();
      pending.current = mw != null ? mw : pending.current;
      return [...o, cid];
    });
  };

  const playhead = (() => { const m = playing[0]; return wall[m] != null ? wall[m] : pending.current; })();
  const markers = () => {
    const all = [];
    for (const c of playing) for (const m of ((data[c] && data[c].events) || [])) all.push(Date.parse(m.start));
    return all.sort((a, b) => a - b);
  };
  const jump = async (dir) => {
    const now = playhead != null ? playhead : view[0];
    let ms = markers();
    let t = dir > 0 ? ms.find((x) => x > now + 1500) : [...ms].reverse().find((x) => x < now - 1500);
    if (t == null) {
      // Not in view: ask the rows over the rest of the day.
      const [a, b] = dir > 0 ? [now + 1500, dayEnd] : [dayStart, now - 1500];
      if (b > a) {
        const rs = await Promise.all(playing.map((c) => get(cameraPath(c, `/timeline?since=${new Date(a).toISOString()}&until=${new Date(b).toISOString()}&step=1`)).catch(() => null)));
        ms = rs.flatMap((r) => (r ? r.events.map((m) => Date.parse(m.start)) : [])).sort((x, y) => x - y);
        t = dir > 0 ? ms[0] : ms[ms.length - 1];
      }
    }
    if (t == null) { setMsg(dir > 0 ? 'No later event on this day.' : 'No earlier event on this day.'); return; }
    const span = view[1] - view[0];
    if (t < view[0] || t > view[1]) { const f = Math.min(Math.max(t - span / 2, dayStart), dayEnd - span); setView([f, f + span]); }
    seekAll(t);
  };

  const onSeek = (ms, cid) => {
    if (cid && !playing.includes(cid) && playing.length < 4) { pending.current = ms; setPlaying([...playing, cid]); }
    seekAll(ms);
  };
  const onMarker = (cid, a, b) => { setSelection([a, Math.max(b, a + 1000)]); onSeek(a, cid); };
  const zoomBy = (f) => {
    const c = playhead != null && playhead >= view[0] && playhead <= view[1] ? playhead : (view[0] + view[1]) / 2;
    const ns = Math.min(Math.max((view[1] - view[0]) * f, 60000), 86400000);
    let nf = c - (c - view[0]) * (ns / (view[1] - view[0]));
    nf = Math.min(Math.max(nf, dayStart), dayEnd - ns);
    setView([nf, nf + ns]);
  };

  if (camError) return html`<main class="narrow"><p class="error" role="alert">${camError}</p></main>`;
  if (!cameras) return html`<main><p class="muted">Loading…</p></main>`;
  if (cameras.length === 0) return html`<main class="narrow"><h1>Timeline</h1><p class="muted">No cameras yet, so nothing is recorded.</p></main>`;
  const playCams = playing.map((c) => cameras.find((x) => x.id === c)).filter(Boolean);
  return html`<main class="timeline">
    <div class="toolbar">
      <h1>Timeline</h1>
      <button aria-label="Previous day" onClick=${() => pickDay(new Date(day.getFullYear(), day.getMonth(), day.getDate() - 1))}>‹</button>
      <${DayPicker} day=${day} cameraIds=${visible.map((c) => c.id)} onPick=${pickDay} />
      <button aria-label="Next day" onClick=${() => pickDay(new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1))}>›</button>
      <span class="spacer"></span>
      <button onClick=${() => zoomBy(0.5)} aria-label="Zoom in">+</button>
      <button onClick=${() => zoomBy(2)} aria-label="Zoom out">−</button>
      <button onClick=${() => setView([dayStart, dayEnd])}>Whole day</button>
    </div>
    <div class="tl-players" style=${{ '--n': Math.max(playCams.length, 1) }}>
      ${playCams.length === 0 ? html`<p class="muted">Tick "Play" beside a camera, then click the timeline.</p>`
        : playCams.map((c) => html`<div key=${c.id}><${Player} cam=${c} register=${register} status=${status} wall=${wall[c.id]} />
          ${states[c.id] && states[c.id].state === 'unplayable' ? html`<${CodecNotice} codec=${states[c.id].codec} />`
            : states[c.id] && states[c.id].message && html`<p class="muted tl-state">${states[c.id].message}</p>`}</div>`)}
    </div>
    <div class="toolbar tl-controls">
      <button onClick=${() => jump(-1)}>Previous event</button>
      <button onClick=${togglePause} aria-pressed=${paused}>${paused ? 'Play' : 'Pause'}</button>
      <button onClick=${() => jump(1)}>Next event</button>
      <label class="speed">Speed <select aria-label="Speed" value=${String(rate)} onChange=${(e) => setSpeed(Number(e.target.value))}>
        ${SPEEDS.map((s) => html`<option value=${String(s)}>${s}×</option>`)}</select></label>
      ${playCams.length > 1 && html`<span class="muted">${playCams.length} cameras in step with ${playCams[0].name}</span>`}
      ${msg && html`<span class="note" role="status">${msg}</span>`}
    </div>
    <div ref=${rowsBox} class="tl-box">
      <${TimelineRows} cameras=${visible} data=${data} from=${view[0]} to=${view[1]} playhead=${playhead} selection=${selection}
        playing=${playing} bounds=${[dayStart, dayEnd]} onView=${(a, b) => setView([a, b])} onSeek=${onSeek}
        onSelect=${(a, b) => setSelection([a, b])} onTogglePlay=${togglePlay} onMarker=${onMarker} />
    </div>
    <${ExportPanel} cameras=${visible} camera=${playing[0]} selection=${selection} onRange=${(a, b) => setSelection([a, b])} />
  </main>`;
}
