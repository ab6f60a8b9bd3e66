// Glass-to-glass latency of the app's own live tile (issue 11), in headless Chromium (Debian's):
//   NVR_USER=.. NVR_PASSWORD=.. node latency-check.mjs PLAN.json → one JSON line on stdout.
// The camera is testcam's WhiteSecond: its one white picture leaves at every whole second of the wall
// clock. The page draws the tile's video into a tiny canvas every few milliseconds; the time past the
// whole second at which the tile turns white is the latency (same machine, so the clocks agree).
// requestVideoFrameCallback does not fire in headless Chromium without a GPU, hence the timer.
//
// PLAN: {"runs": [{"name", "base" (nvrd's URL), "seconds", "warmup", "player" (mpegts.js options laid
// over the tile's own, or null for the tile's as they are)}], "rounds": N}. Every run is played
// `rounds` times in turn (a, b, c, a, b, c), each time on a new page, and its figures are merged, so
// the variants of one plan share the machine's load alike.
import { launch, fillLogin } from './lib.mjs';
import fs from 'node:fs';

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const env = process.env;
const browser = await launch();
const out = { errors: [], runs: {} };

async function login(page, base) {
  await page.goto(base + '/');
  await page.waitForURL(/login\.html/, { timeout: 60000 });
  await fillLogin(page, env.NVR_USER || '', env.NVR_PASSWORD || '');
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: 60000 });
}

// measure samples the first tile for `seconds` and returns what it saw.
function measure(seconds) {
  return new Promise((resolve) => {
    const v = document.querySelector('[data-camera] video');
    const c = document.createElement('canvas');
    c.width = 8; c.height = 8;
    const g = c.getContext('2d', { willReadFrequently: true });
    const now = () => performance.timeOrigin + performance.now();
    const r = { whites: [], samples: 0, stalls: 0, maxStallMs: 0, waiting: 0, seeking: 0, maxRate: v.playbackRate, lags: [], gaps: [] };
    const onWait = () => { r.waiting++; };
    const onSeek = () => { r.seeking++; };
    v.addEventListener('waiting', onWait);
    v.addEventListener('seeking', onSeek);
    const q0 = v.getVideoPlaybackQuality();
    const t0 = now();
    const ct0 = v.currentTime;
    let white = false;
    let lastSample = t0;
    let lastCT = v.currentTime;
    let lastCTChange = t0;
    let lastLag = 0;
    const id = setInterval(() => {
      const t = now();
      r.gaps.push(Math.round(t - lastSample));
      lastSample = t;
      g.drawImage(v, 0, 0, 8, 8);
      const d = g.getImageData(0, 0, 8, 8).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
      const lum = sum / (3 * 64);
      r.samples++;
      if (!white && lum > 160) { white = true; r.whites.push([Math.round(t), Math.round((t % 1000) * 10) / 10]); }
      else if (white && lum < 60) white = false;
      if (v.currentTime !== lastCT) {
        const stall = t - lastCTChange;
        if (stall > 200) r.stalls++;
        r.maxStallMs = Math.max(r.maxStallMs, stall);
        lastCT = v.currentTime;
        lastCTChange = t;
      }
      r.maxRate = Math.max(r.maxRate, v.playbackRate);
      if (t - lastLag > 250) {
        lastLag = t;
        const b = v.buffered;
        if (b.length) r.lags.push(Math.round((b.end(b.length - 1) - v.currentTime) * 1000));
      }
      if (t - t0 < seconds * 1000) return;
      clearInterval(id);
      v.removeEventListener('waiting', onWait);
      v.removeEventListener('seeking', onSeek);
      const q1 = v.getVideoPlaybackQuality();
      r.frames = q1.totalVideoFrames - q0.totalVideoFrames;
      r.dropped = q1.droppedVideoFrames - q0.droppedVideoFrames;
      r.playedS = v.currentTime - ct0;
      r.wallS = (now() - t0) / 1000;
      r.maxStallMs = Math.round(Math.max(r.maxStallMs, now() - lastCTChange));
      r.config = window.nvrPlayerConfig || null;
      // The biggest append of each whole second after t0: the white keyframe reaching the browser.
      const biggest = (list) => {
        const bySecond = new Map();
        for (const [at, n] of list) {
          if (at < t0) continue;
          const sec = Math.floor(at / 1000);
          const cur = bySecond.get(sec);
          if (!cur || n > cur[1]) bySecond.set(sec, [at, n]);
        }
        return [...bySecond.values()].map(([at]) => Math.round((at % 1000) * 10) / 10);
      };
      r.appends = biggest(window.nvrAppends);
      r.appendCount = window.nvrAppends.filter(([at]) => at >= t0).length;
      r.messages = biggest(window.nvrMessages);
      const gs = r.gaps.sort((a, b) => a - b);
      r.sampleGapP50 = gs[Math.floor(gs.length / 2)] || 0;
      r.sampleGapP99 = gs[Math.floor(gs.length * 0.99)] || 0;
      delete r.gaps;
      resolve(r);
    }, 2);
  });
}

async function runOnce(run) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(`${run.name}: ${e}`));
  // mpegts.js is a UMD bundle that sets window.mpegts: catch it there and lay the run's options over
  // the tile's own, keeping what the player was created with.
  await page.addInitScript((over) => {
    // Every append to Media Source Extensions, with its wall time and size: the white keyframe is the
    // biggest append of its second, so when it reached the browser's media pipeline shows apart from
    // how long the browser then took to show it.
    window.nvrAppends = [];
    const append = SourceBuffer.prototype.appendBuffer;
    SourceBuffer.prototype.appendBuffer = function (data) {
      window.nvrAppends.push([performance.timeOrigin + performance.now(), data.byteLength]);
      if (window.nvrAppends.length > 100000) window.nvrAppends.splice(0, 50000);
      return append.call(this, data);
    };
    // And every live WebSocket message, the same way: when the keyframe left nvrd's socket.
    window.nvrMessages = [];
    const WS = window.WebSocket;
    window.WebSocket = function (...args) {
      const ws = new WS(...args);
      ws.addEventListener('message', (e) => {
        const n = e.data.byteLength || e.data.size || 0;
        window.nvrMessages.push([performance.timeOrigin + performance.now(), n]);
        if (window.nvrMessages.length > 100000) window.nvrMessages.splice(0, 50000);
      });
      return ws;
    };
    window.WebSocket.prototype = WS.prototype;
    Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    let lib;
    Object.defineProperty(window, 'mpegts', {
      configurable: true,
      get() { return lib; },
      set(v) {
        lib = v;
        const create = v.createPlayer.bind(v);
        v.createPlayer = (src, cfg) => {
          const merged = { ...cfg, ...(over || {}) };
          window.nvrPlayerConfig = merged;
          return create(src, merged);
        };
      },
    });
  }, run.player || null);
  try {
    await login(page, run.base);
    await page.goto(run.base + '/#/');
    await page.waitForFunction(() => {
      const v = document.querySelector('[data-camera] video');
      return v && v.videoWidth > 0 && v.currentTime > 0.3;
    }, null, { timeout: 60000, polling: 100 });
    await page.waitForTimeout((run.warmup || 5) * 1000);
    return await page.evaluate(measure, run.seconds || 20);
  } finally {
    await ctx.close();
  }
}

try {
  for (let round = 0; round < (plan.rounds || 1); round++) {
    for (const run of plan.runs) {
      const r = await runOnce(run);
      const acc = out.runs[run.name];
      if (!acc) { out.runs[run.name] = r; continue; }
      acc.whites.push(...r.whites);
      acc.lags.push(...r.lags);
      acc.appends.push(...r.appends);
      acc.messages.push(...r.messages);
      for (const k of ['appendCount', 'samples', 'stalls', 'waiting', 'seeking', 'frames', 'dropped', 'playedS', 'wallS']) acc[k] += r[k];
      for (const k of ['maxStallMs', 'maxRate', 'sampleGapP50', 'sampleGapP99']) acc[k] = Math.max(acc[k], r[k]);
    }
  }
} catch (e) {
  out.fatal = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
