// Plays a camera's recordings from a wall-clock instant: hls.js on the camera's playlist for the span
// after that instant (GET /api/cameras/{id}/recordings.m3u8?since=&until=), started at the offset of
// the instant in its first segment. The wall clock of what is on screen comes from the segments'
// EXT-X-PROGRAM-DATE-TIME, so it stays right across gaps between recordings.
import Hls from 'hls.js';
import { cameraPath } from '../api.js';
import { canPlayCodec, codecOf, unplayableSentence } from './codecs.js';

// How much footage one playlist covers; at its end the next one is loaded from there.
const CHUNK_MS = 2 * 3600 * 1000;

/**
 * Playback drives one <video> element for one camera. onChange({state, message}) reports progress;
 * state 'unplayable' (with codec) is footage in a codec this browser cannot decode.
 */
export class Playback {
  constructor(video, cameraId, onChange) {
    this.video = video;
    this.camera = cameraId;
    const report = onChange || (() => {});
    this.state = 'idle';
    this.onChange = (s) => { this.state = s.state; report(s); };
    this.hls = null;
    this.rate = 1;
    this.gen = 0;
    this.lastWall = null;
    this.video.addEventListener('ended', () => this.next());
  }

  /** fragments are the loaded playlist's segments ({start, duration, programDateTime}). */
  fragments() {
    const lv = this.hls && this.hls.levels && this.hls.levels[0];
    return (lv && lv.details && lv.details.fragments) || [];
  }

  /** wall returns the wall-clock time (ms since 1970) of the picture on screen, or null. */
  wall() {
    const fr = this.fragments();
    if (!fr.length || this.video.readyState < 1) return null;
    const t = this.video.currentTime;
    let f = fr[0];
    for (const x of fr) { if (x.start <= t + 1e-3) f = x; else break; }
    if (f.programDateTime == null) return null;
    const w = f.programDateTime + Math.min(Math.max(t - f.start, 0), f.duration) * 1000;
    this.lastWall = w;
    return w;
  }

  /** position is the media time of wall-clock ms in the loaded playlist, or null outside it. */
  position(ms) {
    for (const f of this.fragments()) {
      if (f.programDateTime == null) continue;
      if (ms >= f.programDateTime && ms < f.programDateTime + f.duration * 1000) return f.start + (ms - f.programDateTime) / 1000;
    }
    return null;
  }

  /** playAt starts playback at wall-clock ms (or the first footage after it). */
  playAt(ms) {
    const gen = ++this.gen;
    this.destroyHls();
    this.onChange({ state: 'loading', message: 'Loading…' });
    const since = new Date(ms).toISOString();
    const until = new Date(ms + CHUNK_MS).toISOString();
    const hls = new Hls({ enableWorker: false, autoStartLoad: false, maxBufferLength: Math.max(20, 10 * this.rate),
      maxMaxBufferLength: 240, backBufferLength: 30 });
    this.hls = hls;
    hls.on(Hls.Events.LEVEL_LOADED, (_, data) => {
      if (gen !== this.gen) return;
      // Footage this browser cannot decode would fail in hls.js without a word: say why instead.
      const codec = codecOf(data.networkDetails);
      if (!canPlayCodec(codec, 'mse')) {
        this.destroyHls();
        this.onChange({ state: 'unplayable', codec, message: unplayableSentence(codec) });
        return;
      }
      const fr = data.details.fragments;
      let pos = 0;
      const f0 = fr[0];
      if (f0 && f0.programDateTime != null && ms > f0.programDateTime) pos = Math.min((ms - f0.programDateTime) / 1000, f0.duration - 0.05);
      hls.startLoad(pos);
      this.video.playbackRate = this.rate;
      this.video.play().then(() => { if (gen === this.gen) this.onChange({ state: 'playing', message: '' }); },
        (e) => { if (gen === this.gen && e.name !== 'AbortError') this.onChange({ state: 'error', message: 'The browser did not play: ' + e.message }); });
    });
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (gen !== this.gen) return;
      const code = data.response && data.response.code;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR && data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR) {
        this.destroyHls();
        this.onChange({ state: 'empty', message: code === 404 ? 'No recording from this time on.' : 'The recording could not be loaded.' });
        return;
      }
      if (data.fatal) {
        this.destroyHls();
        this.onChange({ state: 'error', message: 'Playback failed: ' + data.details });
      }
    });
    hls.loadSource(cameraPath(this.camera, `/recordings.m3u8?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`));
    hls.attachMedia(this.video);
  }

  /** next loads the footage after the end of the current playlist. */
  next() {
    const fr = this.fragments();
    const last = fr[fr.length - 1];
    if (!last || last.programDateTime == null) return;
    const end = last.programDateTime + last.duration * 1000;
    if (end > Date.now() - 1000) { this.onChange({ state: 'ended', message: 'End of the recording.' }); return; }
    this.playAt(end + 1);
  }

  /** seekWall shows wall-clock ms: a seek inside the loaded playlist, else a new one. */
  seekWall(ms) {
    const p = this.position(ms);
    if (p == null) { this.playAt(ms); return; }
    this.video.currentTime = p;
    if (this.video.paused) this.video.play().catch(() => {});
  }

  setRate(r) {
    this.rate = r;
    this.video.playbackRate = r;
    // Keep about the same seconds of wall time buffered at any speed (16× eats 20 s of video in 1.25 s).
    if (this.hls) this.hls.config.maxBufferLength = Math.max(20, 10 * r);
  }

  pause() { this.video.pause(); }
  resume() { if (this.hls) this.video.play().catch(() => {}); }

  destroyHls() {
    if (this.hls) { this.hls.destroy(); this.hls = null; }
  }

  destroy() { this.gen++; this.destroyHls(); }
}
