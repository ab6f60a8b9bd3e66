// RecordingPlayer plays a camera's recorded footage over a span with the wall-clock time under the
// video and, optionally, boxes drawn over it while the wall clock is inside their time. It plays the
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
 * RecordingPlayer props: camera (id), from and until (ms since the epoch), overlays: [{from, until,
 * boxes: [{label, score, box: [x1, y1, x2, y2] as fractions]}] drawn while the wall clock is in
 * [from, until]; onClock(ms) on every clock update.
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
  const shown = isNaN(clock) ? [] : overlays.filter((o) => clock >= o.from - 500 && clock <= o.until + 500);
  return html`<div class="rec-player">
    <div class="rec-video">
      ${src ? html`<video ref=${video} src=${src} autoplay muted playsinline controls
        onError=${() => setError('The browser cannot play this recording.')}></video>`
        : html`<div class="rec-wait">${error || blocked ? '' : 'Loading the recording…'}</div>`}
      ${shown.length > 0 && html`<svg class="rec-boxes" viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
        ${shown.flatMap((o) => o.boxes.map((b, i) => html`<rect key=${i} x=${b.box[0]} y=${b.box[1]}
          width=${b.box[2] - b.box[0]} height=${b.box[3] - b.box[1]} />`))}
      </svg>`}
    </div>
    ${blocked ? html`<${CodecNotice} codec=${blocked} download=${cameraPath(camera, '/export.mp4') +
        `?since=${new Date(from).toISOString()}&until=${new Date(until).toISOString()}`} />`
      : error ? html`<p class="error" role="alert">${error}</p>`
      : html`<p class="wallclock" aria-label="Wall clock" data-wall=${isNaN(clock) ? '' : String(Math.round(clock))}>
          ${isNaN(clock) ? '—' : wallWords(clock)}</p>`}
  </div>`;
}
