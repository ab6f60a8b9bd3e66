// The latest event of each camera, for the live tiles' label ("person 2 min ago"): fetched once per
// camera from GET /api/events, then kept current by the push stream's event messages. One clock ticks
// the "… ago" words while anyone listens.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { on, watchEvents } from '../sse.js';

const latest = new Map(); // camera id → event
const listeners = new Map(); // camera id → Set of fns
let ticker = 0;
let offPush = null;
let now = Date.now();
const tickers = new Set();

const startOf = (e) => Date.parse(e.start) || 0;

function offer(e) {
  if (!e || !e.camera) return;
  const cur = latest.get(e.camera);
  if (cur && cur.id !== e.id && startOf(cur) > startOf(e)) return;
  latest.set(e.camera, e);
  for (const fn of listeners.get(e.camera) || []) fn(e);
}

function load(id) {
  get(`api/events?camera=${encodeURIComponent(id)}&limit=1`)
    .then((list) => { if (list && list[0]) offer(list[0]); }, () => {}); // no recordings permission: no label
}

function subscribe(id, fn) {
  if (!offPush) {
    offPush = watchEvents('', (m) => offer(m.event));
    let first = true; // after the stream reconnects, what it missed meanwhile is fetched again
    on('open', () => { if (!first) for (const c of listeners.keys()) load(c); first = false; });
  }
  if (!listeners.has(id)) {
    listeners.set(id, new Set());
    load(id);
  }
  listeners.get(id).add(fn);
  if (latest.has(id)) fn(latest.get(id));
  return () => listeners.get(id).delete(fn);
}

function tick(fn) {
  tickers.add(fn);
  if (!ticker) ticker = setInterval(() => { now = Date.now(); for (const f of tickers) f(now); }, 15000);
  return () => {
    tickers.delete(fn);
    if (tickers.size === 0) { clearInterval(ticker); ticker = 0; }
  };
}

/** eventWord names what an event saw: its label for objects, else its kind in words. */
export function eventWord(e) {
  if (e.labels && e.labels.length) return e.labels[0];
  return { motion: 'motion', qr: 'QR code', manual: 'recording', offline: 'offline', tamper: 'tampering' }[e.kind] || e.kind;
}

/** ago says how long ago t (ms) was, in short words. */
export function ago(t, at = Date.now()) {
  const s = Math.max(0, Math.round((at - t) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

/** eventLabel is a tile's words for event e: "person now" while it lasts, else "person 2 min ago". */
export function eventLabel(e, at = Date.now()) {
  if (!e) return '';
  if (!e.end || Date.parse(e.end) > at) return `${eventWord(e)} now`; // open, or a manual recording's planned end
  return `${eventWord(e)} ${ago(Date.parse(e.end) || startOf(e), at)}`;
}

/** useLastEvent returns the words of camera id's latest event ('' when it has none), kept current. */
export function useLastEvent(id) {
  const [ev, setEv] = useState(latest.get(id) || null);
  const [at, setAt] = useState(now);
  useEffect(() => (id ? subscribe(id, setEv) : undefined), [id]); // '': none (the video wall)
  useEffect(() => tick(setAt), []);
  return { label: eventLabel(ev, Math.max(at, Date.now())), event: ev };
}
