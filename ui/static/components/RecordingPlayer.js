// RecordingPlayer plays a camera's recorded footage over a span with the wall-clock time under the
// video and, optionally, object boxes drawn over it: each object's box of the sighting nearest the
// playhead's wall clock, none where the object was not seen. It plays the
// span as one MP4 remuxed by nvrd (GET /api/cameras/{id}/export.mp4), which every browser plays without
// a library; the playlist of the span (recordings.m3u8, its #EXT-X-PROGRAM-DATE-TIME) gives the wall
// clock of the first frame. A player built on hls.js can take its place: same props.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { cameraPath } from '../api.js';
import { canPlayCodec, codecOf, CodecNotice } from './codecs.js';

/** firstSegmentTime reads the program date-time of a playlist's first segment (ms since the epoch). */
export function firstSegmentTime(m3u8) {
  const m = /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(m3u8);
  return m ? Date.parse(m[1]) : NaN;
}

/** wallWords formats a wall-clock time with milliseconds cut to tenths: "2026-12-02 06:40:01.2". */
export function wallWords(ms) {
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${Math.floor(d.getMilliseconds() / 100)}`;
}

/**
 * sightingReach is how far from a sighting (ms) its box is still drawn: about three quarters of the
 * usual spacing of the sightings (a keyframe interval, or the detector's idle interval), so a box
 * shows between two keyframes the object was seen on and not across one it was missed on.
 */
export function sightingReach(sightings) {
  const gaps = [];
  for (let i = 1; i < sightings.length; i++) gaps.push(sightings[i].t - sightings[i - 1].t);
  if (gaps.length === 0) return 1000;
  gaps.sort((a, b) => a - b);
  return Math.min(5000, Math.max(600, 0.75 * gaps[Math.floor(gaps.length / 2)]));
}

/** nearestSighting is the sighting (sorted by t) nearest to ms, or null when none is within reach. */
export function nearestSighting(sightings, reach, ms) {
  let lo = 0, hi = sightings.length - 1;
  if (hi < 0) return null;
  while (lo < hi) { // the first sighting at or after ms
    const mid = (lo + hi) >> 1;
    if (sightings[mid].t < ms) lo = mid + 1; else hi = mid;
  }
  let best = sightings[lo];
  if (lo > 0 && Math.abs(sightings[lo - 1].t - ms) <= Math.abs(best.t - ms)) best = sightings[lo - 1];
  return Math.abs(best.t - ms) <= reach ? best : null;
}

/** boxesAt is the boxes to draw at wall-clock ms: [{label, score, box, t}]. */
export function boxesAt(overlays, ms) {
  if (isNaN(ms)) return [];
  return overlays.flatMap((o) => {
    if (o.sightings) {
      const s = nearestSighting(o.sightings, o.reach ?? sightingReach(o.sightings), ms);
      return s ? [s] : [];
    }
    return ms >= o.from - 500 && ms <= o.until + 500 ? o.boxes : [];
  });
}

/**
 * RecordingPlayer props: camera (id), from and until (ms since the epoch), overlays: one per object,
 * either {sightings: [{t (ms), label, score, box: [x1, y1, x2, y2] as fractions]}], sorted by t;
 * optional reach (ms)} drawn at the sighting nearest the wall clock, or (an event stored before
 * sightings were) {from, until, boxes: [...]} drawn while the wall clock is in [from, until];
 * onClock(ms) on every clock update.
 */
export function RecordingPlayer({ camera, from, until, overlays = [], onClock }) {
  const video = useRef(null);
  const [start, setStart] = useState(NaN); // wall clock of the MP4's first frame
  const [clock, setClock] = useState(NaN);
  const [error, setError] = useState('');
  const [blocked, setBlocked] = useState(''); // the codec of footage this browser cannot play

  useEffect(() => {
    let gone = false;
    setStart(NaN); setClock(NaN); setError(''); setBlocked('');
    const q = `?since=${new Date(from).toISOString()}&until=${new Date(until).toISOString()}`;
    fetch(cameraPath(camera, '/recordings.m3u8') + q, { credentials: 'same-origin' })
      .then(async (r) => {
        const text = await r.text();
        if (gone) return;
        if (!r.ok) {
          let msg = `The server answered ${r.status}.`;
          try { msg = JSON.parse(text).error || msg; } catch { /* not JSON */ }
          setError(r.status === 404 ? 'There is no recording of this moment (recording was off, or retention deleted it).' : msg);
          return;
        }
        const codec = codecOf(r);
        if (!canPlayCodec(codec, 'file')) { setBlocked(codec); return; }
        const t0 = firstSegmentTime(text);
        if (isNaN(t0)) { setError('The recording has no wall-clock times.'); return; }
        setStart(t0);
      }, () => { if (!gone) setError('nvrd does not answer; is it running?'); });
    return () => { gone = true; };
  }, [camera, from, until]);

  // The clock: headless and background browsers do not run requestVideoFrameCallback, so poll.
  useEffect(() => {
    if (isNaN(start)) return undefined;
    const tick = () => {
      const v = video.current;
      if (!v) return;
      const ms = start + v.currentTime * 1000;
      setClock(ms);
      if (onClock) onClock(ms);
    };
    tick();
    const id = setInterval(tick, 200);
    return () => clearInterval(id);
  }, [start]);

  const src = isNaN(start) ? '' : cameraPath(camera, '/export.mp4') +
    `?since=${new Date(start).toISOString()}&until=${new Date(until).toISOString()}`;
  const shown = boxesAt(overlays, clock);
  const pct = (v) => `${(v * 100).toFixed(2)}%`;
  return html`<div class="rec-player">
    <div class="rec-video">
      ${src ? html`<video ref=${video} src=${src} autoplay muted playsinline controls
        onError=${() => setError('The browser cannot play this recording.')}></video>`
        : html`<div class="rec-wait">${error || blocked ? '' : 'Loading the recording…'}</div>`}
      ${src && shown.length > 0 && html`<svg class="rec-boxes" viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
        ${shown.map((b, i) => html`<rect key=${i} x=${b.box[0]} y=${b.box[1]} data-t=${b.t ?? ''}
          width=${b.box[2] - b.box[0]} height=${b.box[3] - b.box[1]} />`)}
      </svg>`}
      ${src && shown.map((b, i) => html`<span key=${'l' + i} class="rec-box-label" style=${{ left: pct(b.box[0]), top: pct(b.box[1]) }}>
        ${b.label}${b.score ? ` ${Math.round(b.score * 100)} %` : ''}</span>`)}
    </div>
    ${blocked ? html`<${CodecNotice} codec=${blocked} download=${cameraPath(camera, '/export.mp4') +
        `?since=${new Date(from).toISOString()}&until=${new Date(until).toISOString()}`} />`
      : error ? html`<p class="error" role="alert">${error}</p>`
      : html`<p class="wallclock" aria-label="Wall clock" data-wall=${isNaN(clock) ? '' : String(Math.round(clock))}>
          ${isNaN(clock) ? '—' : wallWords(clock)}</p>`}
  </div>`;
}
