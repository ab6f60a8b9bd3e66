// The page's one Server-Sent Events connection (GET /api/stream): camera status changes, motion scores
// and events, handed to subscribers. It reconnects by itself. While nvrd has no stream route (older
// servers answer 404), camera statuses are fetched every few seconds instead, for the cameras
// someone listens to, so a tile still never lies about its state.
import { get, cameraPath } from './api.js';

const listeners = { camera: new Set(), motion: new Set(), event: new Set(), open: new Set(), system: new Set() };
const watched = new Map(); // camera id → number of status listeners (fallback only)
let source = null;
let fallbackTimer = 0;
let retry = 1000;
let started = false;

const cameraOf = (d) => d.id || d.camera || (d.event && d.event.camera) || '';

function emit(kind, data) {
  for (const fn of listeners[kind]) {
    try { fn(data); } catch (e) { console.error(e); }
  }
}

function connect() {
  source = new EventSource('api/stream', { withCredentials: true });
  source.onopen = () => { retry = 1000; stopFallback(); emit('open', {}); };
  for (const kind of ['camera', 'motion', 'event', 'system']) {
    source.addEventListener(kind, (m) => {
      let d;
      try { d = JSON.parse(m.data); } catch { return; }
      // A camera message is {camera, status}: hand out the status with its camera's id.
      if (kind === 'camera' && d.status) d = { ...d.status, id: d.camera };
      emit(kind, d);
    });
  }
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    source.close();
    source = null;
    startFallback();
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 30000);
  };
}

async function pollOnce() {
  for (const id of watched.keys()) {
    try {
      const s = await get(cameraPath(id, '/status'));
      emit('camera', { ...s, id });
    } catch (e) {
      emit('camera', { id, state: 'error', error: e.message });
    }
  }
}

function startFallback() {
  if (fallbackTimer) return;
  pollOnce();
  fallbackTimer = setInterval(pollOnce, 3000);
}

function stopFallback() {
  clearInterval(fallbackTimer);
  fallbackTimer = 0;
}

/** on subscribes fn to one kind of message ('camera', 'motion', 'event', 'open', 'system' (admins: the
 * system page's figures every 10 s)); it returns the unsubscribe. */
export function on(kind, fn) {
  if (!started) { started = true; connect(); }
  listeners[kind].add(fn);
  return () => listeners[kind].delete(fn);
}

/** watchCamera calls fn with every status of camera id; it returns the unsubscribe. */
export function watchCamera(id, fn) {
  watched.set(id, (watched.get(id) || 0) + 1);
  const off = on('camera', (d) => { if (cameraOf(d) === id) fn(d); });
  // The current state once; changes come pushed.
  get(cameraPath(id, '/status')).then((s) => fn({ ...s, id }), (e) => fn({ id, state: 'error', error: e.message }));
  return () => {
    off();
    const n = (watched.get(id) || 1) - 1;
    if (n) watched.set(id, n); else watched.delete(id);
  };
}

/** watchMotion calls fn with every motion message of camera id. */
export const watchMotion = (id, fn) => on('motion', (d) => { if (cameraOf(d) === id) fn(d); });

/** watchEvents calls fn with every event message ({type, event}) of camera id ('' for all). */
export const watchEvents = (id, fn) => on('event', (d) => { if (!id || cameraOf(d) === id) fn(d); });
