// LiveTile plays one camera live (MPEG-TS over WebSocket into mpegts.js) with its name, state,
// recording dot, motion activity and latest event drawn over it. It is the one live view of the app: the grid and the
// single view both use it. A tile streams only while it is on screen and the tab is visible; when the
// stream breaks (camera or worker restart) it says why and reconnects by itself.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { loadMpegts, liveURL } from './mpegts.js';
import { watchCamera, watchMotion } from '../sse.js';
import { stateWords } from './status.js';
import { useLastEvent } from './lastEvent.js';
import { liveLoader } from './liveLoader.js';
import { dateTime } from './when.js';
import { canPlayCodec } from './codecs.js';

const STALL_MS = 6000; // no new picture for this long while playing → reconnect

function useVisible(ref) {
  const [onScreen, setOnScreen] = useState(true);
  const [tabVisible, setTabVisible] = useState(document.visibilityState !== 'hidden');
  useEffect(() => {
    const io = new IntersectionObserver((es) => setOnScreen(es[es.length - 1].isIntersecting), { rootMargin: '100px' });
    io.observe(ref.current);
    const vis = () => setTabVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', vis);
    return () => { io.disconnect(); document.removeEventListener('visibilitychange', vis); };
  }, []);
  return onScreen && tabVisible;
}

/** LiveTile props: camera ({id, name, enabled, sub_url?}), onStatus (called with each status), onOpen,
 * big, stream ('sub' plays the substream), children (drawn over the video, e.g. PTZ controls).
 * The video wall (no login) also gives: watch (a status source in place of the push stream), url (the
 * live socket's address), calm (a broken stream only says "reconnecting"; no events or motion badges),
 * onVideo (called with the <video> element, for effects drawn from it). */
export function LiveTile({ camera, onStatus, onOpen, big, stream, children, watch, url, calm, onVideo }) {
  const box = useRef(null);
  const video = useRef(null);
  const [status, setStatus] = useState(null);
  const [playing, setPlaying] = useState(false);
  const [problem, setProblem] = useState('');
  const [motion, setMotion] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [muted, setMuted] = useState(true); // live tiles start muted
  const [subChosen, setUseSub] = useState(stream === 'sub');
  const visible = useVisible(box);
  const last = useLastEvent(calm ? '' : camera.id);
  const enabled = camera.enabled !== false;
  const hasSub = !!(camera.sub_url || camera.has_sub);
  // The substream plays only where there is one that works: otherwise nvrd serves the main stream, whose
  // codec is the one that counts (an H.265 main stream with no substream still gets its sentence).
  const subFailed = !!(status && status.substream && status.substream.state === 'failed');
  const useSub = subChosen && hasSub && !subFailed;
  // An H.265 main stream this browser's MSE cannot decode is not fetched at all: the tile says why.
  const noHEVC = !useSub && status && status.codec === 'h265' && !canPlayCodec('h265');
  // The first status (from the push stream, at once) says the codec: no player starts before it.
  const wanted = visible && enabled && !noHEVC && !!status && status.state !== 'disabled';
  useEffect(() => { if (video.current) video.current.muted = muted; }, [muted, playing]);

  useEffect(() => { if (onVideo) onVideo(video.current); }, []);
  useEffect(() => (watch || watchCamera)(camera.id, (s) => {
    setStatus(s);
    if (s.analysis && typeof s.analysis.motion_active === 'boolean') setMotion(s.analysis.motion_active);
    if (onStatus) onStatus(s);
  }), [camera.id]);
  useEffect(() => {
    if (calm) return undefined;
    let t = 0;
    const off = watchMotion(camera.id, (m) => {
      const th = (camera.motion && camera.motion.threshold) || 2; // 0 = the detector's default, 2
      const active = m.active !== undefined ? !!m.active : m.score >= th;
      setMotion(active);
      clearTimeout(t);
      t = setTimeout(() => setMotion(false), 3000);
    });
    return () => { off(); clearTimeout(t); };
  }, [camera.id]);

  // One player per attempt while the tile is wanted; any failure schedules the next attempt.
  useEffect(() => {
    if (!wanted) { setPlaying(false); return undefined; }
    const v = video.current;
    v.disableRemotePlayback = true;
    let player = null;
    let dead = false;
    let retryTimer = 0;
    let lastTime = -1;
    let lastChange = Date.now();
    const fail = (why) => {
      if (dead) return;
      dead = true;
      setPlaying(false);
      setProblem(why);
      if (player) { try { player.destroy(); } catch { /* already gone */ } player = null; }
      retryTimer = setTimeout(() => setAttempt((a) => a + 1), Math.min(1000 * 2 ** Math.min(attempt, 3), 5000));
    };
    const watchdog = setInterval(() => {
      if (!player) return;
      if (v.currentTime !== lastTime) { lastTime = v.currentTime; lastChange = Date.now(); return; }
      if (Date.now() - lastChange > STALL_MS) fail('no picture for a few seconds; reconnecting');
    }, 1000);
    const onTime = () => { if (v.currentTime > 0 && v.videoWidth > 0) { setPlaying(true); setProblem(''); } };
    v.addEventListener('timeupdate', onTime);
    loadMpegts().then((mpegts) => {
      if (dead) return;
      if (!mpegts.getFeatureList().mseLivePlayback) {
        setProblem('this browser cannot play live MPEG-TS (no Media Source Extensions)');
        return;
      }
      player = mpegts.createPlayer({ type: 'mpegts', isLive: true, url: (url || liveURL(camera.id)) + (useSub ? ((url || '').includes('?') ? '&' : '?') + 'stream=sub' : '') }, {
        enableWorker: false, enableStashBuffer: false, lazyLoad: false,
        liveBufferLatencyChasing: true, liveBufferLatencyMaxLatency: 0.9, liveBufferLatencyMinRemain: 0.2,
        // Low latency without seeks (BenchmarkGlassToGlass): play 1.1× while over 0.14 s is buffered, down to
        // 0.11 s. mpegts.js appends two pictures every 80 ms (at 25 fps) and checks at each timeupdate
        // (~250 ms), so the buffer swings by about 80 ms below that: a lower target runs it dry (waits).
        liveSync: true, liveSyncMaxLatency: 0.14, liveSyncTargetLatency: 0.11, liveSyncPlaybackRate: 1.1,
        autoCleanupSourceBuffer: true, customLoader: liveLoader(mpegts),
      });
      player.on(mpegts.Events.ERROR, (type, detail) => fail(`the stream broke (${type}: ${detail}); reconnecting`));
      player.on(mpegts.Events.LOADING_COMPLETE, () => fail('the stream ended; reconnecting'));
      player.attachMediaElement(v);
      player.load();
      const p = player.play();
      if (p && p.catch) p.catch(() => {});
    }, (e) => setProblem(e.message));
    return () => {
      dead = true;
      clearTimeout(retryTimer);
      clearInterval(watchdog);
      v.removeEventListener('timeupdate', onTime);
      if (player) { try { player.destroy(); } catch { /* already gone */ } }
    };
  }, [wanted, attempt, camera.id, useSub]);

  const state = stateWords(status, enabled);
  const bad = !enabled || state === 'disabled' || state === 'error' || state === 'reconnecting';
  let reason = '';
  if (!enabled || state === 'disabled') reason = 'This camera is disabled.';
  else if (status && status.error && state !== 'streaming') reason = status.error;
  else if (noHEVC) reason = 'This browser cannot play H.265 live; ' + (hasSub ? 'play the substream instead, or open' : 'open') + ' this camera in a browser that decodes HEVC (Safari, or Chrome and Edge with hardware decoding).';
  else if (!playing && problem) reason = calm ? '' : problem;
  if (calm && enabled && state !== 'disabled') reason = ''; // a wall stays calm: no error text
  const recording = status && status.recording && status.recording.recording;
  const shown = playing ? 'streaming' : calm && (problem || state === 'error') ? 'reconnecting' : noHEVC ? 'H.265' : (state === 'streaming' ? 'connecting' : state);
  const hasAudio = !!(status && status.audio);
  return html`
    <div class=${'tile' + (big ? ' big' : '') + (playing ? ' playing' : '')} data-camera=${camera.id} ref=${box}>
      <video muted=${muted} autoplay playsinline disableremoteplayback aria-label=${'Live view of ' + camera.name} ref=${video}></video>
      ${!playing && html`<div class=${'placeholder' + (bad ? ' bad' : '')}>
        <p>${!enabled || state === 'disabled' ? 'Disabled' : shown === 'connecting' || shown === 'starting' ? 'Connecting…' : shown}</p>
        ${reason && html`<p class="reason">${reason}</p>`}
        ${noHEVC && hasSub && html`<button class="on-video" onClick=${() => setUseSub(true)}>Play the substream</button>`}
      </div>`}
      ${children}
      <div class="tile-bar">
        ${onOpen
          ? html`<a class="tile-name" href=${'#/camera/' + encodeURIComponent(camera.id)}>${camera.name}</a>`
          : html`<span class="tile-name">${camera.name}</span>`}
        <span class="tile-badges">
          ${last.label && html`<span class="badge event" title=${'Latest event: ' + last.label + (last.event ? ' (' + dateTime(last.event.start) + ')' : '')}>${last.label}</span>`}
          ${motion && html`<span class="badge motion" title="Motion">motion</span>`}
          ${recording && html`<span class="rec-dot" role="img" title="Recording" aria-label="Recording"></span>`}
          ${hasAudio && html`<button class="tile-mute" onClick=${() => setMuted(!muted)}>${muted ? 'Unmute' : 'Mute'}</button>`}
          <span class=${'badge state-' + shown}>${shown}</span>
        </span>
      </div>
    </div>`;
}
