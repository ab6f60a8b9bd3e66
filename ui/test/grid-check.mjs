// The live grid under load (issue 11's benchmark), in headless Chromium (Debian's):
//   NVR_USER=.. NVR_PASSWORD=.. NVR_SECONDS=30 [NVR_PLAYER={mpegts.js options}] node grid-check.mjs BASEURL
// → one JSON line on stdout.
// Logs in, opens the #/ grid ("Fit all") with the cache off, and reports: the bytes of HTML, JS and CSS
// the grid page loaded (as sent, and gzipped here), the time from navigation to the first picture in
// each tile, then over NVR_SECONDS: CPU of the browser's whole process tree (utime+stime from
// /proc/<pid>/stat, in % of one core), decoded and dropped frames of every tile
// (getVideoPlaybackQuality), how many tiles advanced, and the page's JS heap (CDP Performance metrics).
import { launch, fillLogin } from './lib.mjs';
import fs from 'node:fs';
import zlib from 'node:zlib';

const base = process.argv[2];
const env = process.env;
const seconds = Number(env.NVR_SECONDS || 30);
const browser = await launch();
const out = { errors: [], weight: { files: 0, bytes: 0, gzipBytes: 0, byType: {} } };

// tree is pid and all its descendants, from /proc/*/stat.
function tree(root) {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const all = [root];
  for (let i = 0; i < all.length; i++) all.push(...(kids.get(all[i]) || []));
  return all;
}

// ticks is utime+stime of the processes, in clock ticks (1/100 s).
function ticks(pids) {
  let sum = 0;
  for (const p of pids) {
    try {
      const s = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      sum += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return sum;
}

const tiles = (page) => page.evaluate(() => [...document.querySelectorAll('[data-camera] video')].map((v) => {
  const q = v.getVideoPlaybackQuality();
  return { t: v.currentTime, w: v.videoWidth, frames: q.totalVideoFrames, dropped: q.droppedVideoFrames };
}));

try {
  const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e)));
  await page.addInitScript(() => { try { localStorage.setItem('nvr-layout', 'fit'); } catch { /* about:blank */ } });
  // NVR_PLAYER: mpegts.js options laid over the tile's own (as in latency-check.mjs).
  await page.addInitScript((over) => {
    if (!over) return;
    let lib;
    Object.defineProperty(window, 'mpegts', {
      configurable: true,
      get() { return lib; },
      set(v) { lib = v; const create = v.createPlayer.bind(v); v.createPlayer = (src, cfg) => create(src, { ...cfg, ...over }); },
    });
  }, env.NVR_PLAYER ? JSON.parse(env.NVR_PLAYER) : null);
  await page.goto(base + '/');
  await page.waitForURL(/login\.html/, { timeout: 60000 });
  await fillLogin(page, env.NVR_USER || '', env.NVR_PASSWORD || '');
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: 60000 });
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 60000 });

  // Page weight: a cold load of the grid page (cache off), every document, script and stylesheet.
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const bodies = [];
  const onResponse = (r) => {
    const type = r.request().resourceType();
    if (['document', 'script', 'stylesheet'].includes(type)) bodies.push(r.body().then((b) => [type, r.url(), b], () => null));
  };
  page.on('response', onResponse);
  await page.goto('about:blank');
  const t0 = Date.now();
  await page.goto(base + '/#/');
  // Time to first picture: poll every tile until each shows one (or 60 s).
  const first = {};
  let n = 0;
  while (Date.now() - t0 < 60000) {
    const ts = await tiles(page);
    n = ts.length;
    ts.forEach((x, i) => { if (first[i] === undefined && x.w > 0 && x.t > 0) first[i] = Date.now() - t0; });
    if (n > 0 && Object.keys(first).length === n) break;
    await page.waitForTimeout(50);
  }
  page.off('response', onResponse);
  for (const r of await Promise.all(bodies)) {
    if (!r) continue;
    const [type, , body] = r;
    const gz = zlib.gzipSync(body, { level: 9 }).length;
    out.weight.files++;
    out.weight.bytes += body.length;
    out.weight.gzipBytes += gz;
    out.weight.byType[type] = (out.weight.byType[type] || 0) + gz;
  }
  out.tiles = n;
  out.firstPictureMs = Object.values(first).sort((a, b) => a - b);

  // The measuring window.
  // Chromium is this script's child: its tree is ours without this node process.
  const browserTree = () => tree(process.pid).filter((p) => p !== process.pid);
  await cdp.send('Performance.enable');
  const s0 = await tiles(page);
  const c0 = ticks(browserTree());
  const w0 = Date.now();
  await page.waitForTimeout(seconds * 1000);
  const s1 = await tiles(page);
  const c1 = ticks(browserTree());
  const wall = (Date.now() - w0) / 1000;
  out.processes = browserTree().length;
  out.cpuPct = (c1 - c0) / wall; // ticks are 1/100 s: ticks per second = % of one core
  // A tile that reconnected has a new player on its video element: its counters started again at 0.
  const delta = (k) => s1.reduce((a, x, i) => a + (s0[i] && x[k] >= s0[i][k] ? x[k] - s0[i][k] : x[k]), 0);
  out.frames = delta('frames');
  out.dropped = delta('dropped');
  out.playedS = delta('t') / wall;
  out.advanced = s1.filter((x, i) => s0[i] && x.t > s0[i].t + 0.5 * seconds).length;
  // At the end: tiles showing a picture, and tiles whose placeholder says they are reconnecting.
  out.playingAtEnd = await page.locator('.tile.playing').count();
  out.reconnectingAtEnd = await page.locator('.tile .placeholder', { hasText: 'reconnecting' }).count();
  const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
  out.jsHeapUsed = m.JSHeapUsedSize;
  out.jsHeapTotal = m.JSHeapTotalSize;
  if (env.NVR_SHOT) await page.screenshot({ path: env.NVR_SHOT });
} catch (e) {
  out.fatal = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
