// The timeline's rows: one per camera, over the visible window [from, to): recorded spans, the gaps
// between them, event markers coloured by kind and the motion strip, with a time axis and the playhead.
// The wheel or a pinch zooms around the pointer, a drag pans, a click (or a dragged playhead) seeks,
// a shift-drag selects a span (for an export) and a click on a marker selects its event.
import { useRef, useState } from 'preact/hooks';
import { html } from './html.js';

const TICKS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600].map((s) => s * 1000);
const pad = (n) => String(n).padStart(2, '0');

/** clock formats ms as local HH:MM, or HH:MM:SS when seconds matter. */
export function clock(ms, seconds = true) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}` + (seconds ? `:${pad(d.getSeconds())}` : '');
}

function ticks(from, to, width) {
  const want = Math.max(3, Math.floor(width / 80));
  const step = TICKS.find((s) => (to - from) / s <= want) || TICKS[TICKS.length - 1];
  const off = new Date(from).getTimezoneOffset() * 60000; // ticks on local round times
  const out = [];
  // A label too near the right end would be cut off.
  for (let t = Math.ceil((from - off) / step) * step + off; t < to - (to - from) * 0.05; t += step) out.push(t);
  return { out, seconds: step < 60000 };
}

/** TimelineRows draws the rows; see the file comment. */
export function TimelineRows({ cameras, data, from, to, playhead, selection, playing, onView, onSeek, onSelect,
  onTogglePlay, onMarker, bounds }) {
  const tracks = useRef(null);
  const drag = useRef(null);
  // Where a dragged playhead is (drawn there until it is dropped), or null.
  const [dragHead, setDragHead] = useState(null);
  const span = to - from;
  const pct = (t) => `${((t - from) / span) * 100}%`;
  const wpct = (a, b) => `${Math.max(((Math.min(b, to) - Math.max(a, from)) / span) * 100, 0)}%`;

  const timeAt = (clientX) => {
    const r = tracks.current.getBoundingClientRect();
    return from + ((clientX - r.left) / r.width) * span;
  };
  const width = () => (tracks.current ? tracks.current.getBoundingClientRect().width : 1000);

  // Zoom by factor around time t, between one minute and the bounds (a day).
  const zoom = (factor, t) => {
    const [lo, hi] = bounds;
    const ns = Math.min(Math.max(span * factor, 60000), hi - lo);
    let nf = t - ((t - from) / span) * ns;
    nf = Math.min(Math.max(nf, lo), hi - ns);
    onView(nf, nf + ns);
  };
  const pan = (f0, dms) => {
    const [lo, hi] = bounds;
    const nf = Math.min(Math.max(f0 - dms, lo), hi - span);
    onView(nf, nf + span);
  };

  const onWheel = (e) => {
    e.preventDefault();
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) { pan(from, (e.deltaX / width()) * span); return; }
    zoom(Math.exp(e.deltaY * 0.0015), timeAt(e.clientX));
  };

  const onDown = (e) => {
    if (e.button !== 0 && e.pointerType === 'mouse') return;
    tracks.current.setPointerCapture(e.pointerId);
    const d = drag.current || { pointers: new Map() };
    d.pointers.set(e.pointerId, e.clientX);
    if (d.pointers.size === 1) {
      // A finger is wider than a mouse pointer: the playhead is easier to pick up by touch.
      const grab = e.pointerType === 'touch' ? 20 : 8;
      const nearHead = playhead != null && Math.abs(e.clientX - (tracks.current.getBoundingClientRect().left + ((playhead - from) / span) * width())) < grab;
      Object.assign(d, { x0: e.clientX, from0: from, moved: false, mode: e.shiftKey ? 'select' : nearHead ? 'head' : 'pan', t0: timeAt(e.clientX) });
    } else if (d.pointers.size === 2) {
      const xs = [...d.pointers.values()];
      Object.assign(d, { mode: 'pinch', dist0: Math.abs(xs[0] - xs[1]) || 1, span0: span, from0: from, mid: timeAt((xs[0] + xs[1]) / 2) });
    }
    drag.current = d;
  };
  const onMove = (e) => {
    const d = drag.current;
    if (!d || !d.pointers.has(e.pointerId)) return;
    d.pointers.set(e.pointerId, e.clientX);
    if (d.mode === 'pinch' && d.pointers.size === 2) {
      const xs = [...d.pointers.values()];
      const f = d.dist0 / (Math.abs(xs[0] - xs[1]) || 1);
      const [lo, hi] = bounds;
      const ns = Math.min(Math.max(d.span0 * f, 60000), hi - lo);
      let nf = d.mid - ((d.mid - d.from0) / d.span0) * ns;
      nf = Math.min(Math.max(nf, lo), hi - ns);
      onView(nf, nf + ns);
      d.moved = true;
      return;
    }
    if (Math.abs(e.clientX - d.x0) > 4) d.moved = true;
    if (!d.moved) return;
    if (d.mode === 'pan') pan(d.from0, ((e.clientX - d.x0) / width()) * span);
    else if (d.mode === 'select') onSelect(Math.min(d.t0, timeAt(e.clientX)), Math.max(d.t0, timeAt(e.clientX)));
    else if (d.mode === 'head') setDragHead(timeAt(e.clientX));
  };
  const onUp = (e) => {
    const d = drag.current;
    if (!d || !d.pointers.has(e.pointerId)) return;
    d.pointers.delete(e.pointerId);
    if (d.pointers.size > 0) { d.mode = 'none'; return; }
    drag.current = null;
    setDragHead(null);
    if (d.mode === 'head' && d.moved) onSeek(timeAt(e.clientX));
    else if (!d.moved && d.mode !== 'none' && d.mode !== 'pinch') {
      const m = e.target.closest && e.target.closest('.tl-mark');
      if (m) onMarker(m.dataset.camera, Number(m.dataset.start), Number(m.dataset.end));
      else onSeek(timeAt(e.clientX), e.target.closest('.tl-row') && e.target.closest('.tl-row').dataset.tlCamera);
    }
  };

  const tk = ticks(from, to, width());
  const head = dragHead != null ? dragHead : playhead;
  return html`<div class="tl" role="group" aria-label="Timeline">
    <div class="tl-head"><span class="tl-name muted">${clock(from, span < 600000)} – ${clock(to, span < 600000)}</span>
      <div class="tl-axis" aria-hidden="true">${tk.out.map((t) => html`<span class="tl-tick" style=${{ left: pct(t) }}>${clock(t, tk.seconds)}</span>`)}</div>
    </div>
    <div class="tl-body">
      <div class="tl-names">${cameras.map((c) => html`<label class="tl-name" key=${c.id} title=${c.name}>
        <input type="checkbox" checked=${playing.includes(c.id)} aria-label=${'Play ' + c.name}
          disabled=${!playing.includes(c.id) && playing.length >= 4} onChange=${() => onTogglePlay(c.id)} />
        <span>${c.name}</span></label>`)}</div>
      <div class="tl-tracks" ref=${tracks} onWheel=${onWheel} onPointerDown=${onDown} onPointerMove=${onMove}
        onPointerUp=${onUp} onPointerCancel=${onUp}>
        ${cameras.map((c) => {
          const d = data[c.id];
          const spans = (d && d.spans) || [];
          const gaps = [];
          for (let i = 1; i < spans.length; i++) gaps.push([Date.parse(spans[i - 1].end), Date.parse(spans[i].start)]);
          const act = (d && d.activity) || '';
          const runs = [];
          for (let i = 0; i < act.length;) {
            let j = i;
            while (j < act.length && act[j] === act[i]) j++;
            if (act[i] !== '0') runs.push([i, j, Number(act[i])]);
            i = j;
          }
          const step = d ? d.step * 1000 : 0;
          const ds = d ? Date.parse(d.since) : from;
          return html`<div class="tl-row" key=${c.id} data-tl-camera=${c.id}>
            ${d && d.error && html`<span class="tl-err error">${d.error}</span>`}
            ${spans.map((s) => html`<div class="tl-span" data-start=${Date.parse(s.start)} data-end=${Date.parse(s.end)}
              style=${{ left: pct(Math.max(Date.parse(s.start), from)), width: wpct(Date.parse(s.start), Date.parse(s.end)) }}></div>`)}
            ${gaps.map(([a, b]) => html`<div class="tl-gap" data-start=${a} data-end=${b} title=${`No recording ${clock(a)}–${clock(b)}`}
              style=${{ left: pct(Math.max(a, from)), width: wpct(a, b) }}></div>`)}
            ${runs.map(([i, j, v]) => html`<div class="tl-activity" style=${{ left: pct(ds + i * step), width: wpct(ds + i * step, ds + j * step), opacity: 0.25 + v / 12 }}></div>`)}
            ${((d && d.events) || []).map((m) => {
              const a = Date.parse(m.start); const b = Date.parse(m.end);
              return html`<div class=${'tl-mark kind-' + m.kind} data-camera=${c.id} data-start=${a} data-end=${b}
                title=${`${m.kind}${m.count ? ' ×' + m.count : ''} at ${clock(a)}`} style=${{ left: pct(a), width: wpct(a, b) }}></div>`;
            })}
            ${selection && html`<div class="tl-sel" style=${{ left: pct(Math.max(selection[0], from)), width: wpct(selection[0], selection[1]) }}></div>`}
            ${head != null && head >= from && head <= to && html`<div class="tl-playhead" style=${{ left: pct(head) }}></div>`}
          </div>`;
        })}
      </div>
    </div>
    <p class="tl-legend muted"><span class="sw rec"></span> recorded <span class="sw gap"></span> no recording
      <span class="sw kind-motion"></span> motion <span class="sw kind-object"></span> object <span class="sw kind-qr"></span> QR
      <span class="sw kind-manual"></span> manual <span class="sw kind-offline"></span> offline
      <span class="tl-hint">Wheel or pinch to zoom, drag to pan, click to play, shift-drag to select for export.</span></p>
  </div>`;
}
