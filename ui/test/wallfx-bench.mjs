// Frame rate and CPU of every wall effect in headless Chromium (software GL), for BenchmarkWallEffects:
//   NVR_WALL='#/wall?token=...&cams=ONE&layout=1x1' NVR_SECONDS=8 NVR_EFFECTS='grayscale,pixelate:12,...' node wallfx-bench.mjs BASEURL
// One tile plays throughout; its chain is changed in the URL (live, the video keeps playing) to each
// effect in turn, with the plain video (no effect, no pixi) first and last as the same-run baseline.
// For each: rendered frames/s (the effect canvas's renders), new video pictures drawn/s, the video's
// decoded frames/s, and the CPU of the browser's process tree from /proc (% of one core).
// → one JSON line on stdout: {fatal, errors, load: [before, after], runs: [{fx, renderFps, drawnFps, videoFps, cpuPct}]}.
import { readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [base] = process.argv.slice(2);
const env = process.env;
const seconds = Number(env.NVR_SECONDS || 8);
const effects = (env.NVR_EFFECTS || 'grayscale').split(';');
const out = { errors: [], runs: [], load: [readFileSync('/proc/loadavg', 'utf8').trim()] };
const step = (s) => process.stderr.write(`wallfx-bench: ${s}\n`);
const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--autoplay-policy=no-user-gesture-required', '--enable-unsafe-swiftshader'],
});

// tree: the browser's process and all its descendants (renderer, GPU process with SwiftShader, ...).
const tree = (root) => {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const all = [root];
  for (let i = 0; i < all.length; i++) all.push(...(kids.get(all[i]) || []));
  return all;
};
const ticks = (pids) => pids.reduce((sum, pid) => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return sum + Number(f[11]) + Number(f[12]);
  } catch { return sum; }
}, 0);
const HZ = 100; // USER_HZ on Linux

try {
  const [vw, vh] = (env.NVR_VIEWPORT || '1280x720').split('x').map(Number); // the tile's size
  const page = await browser.newPage({ viewport: { width: vw, height: vh } });
  page.on('pageerror', (e) => out.errors.push(String(e)));
  await page.goto(base + '/' + env.NVR_WALL);
  await page.waitForFunction(() => { const v = document.querySelector('.wall video'); return v && v.currentTime > 1; }, null, { timeout: 60000 });
  for (const fx of ['', ...effects, '']) {
    await page.evaluate((fx) => {
      const [path, qs] = location.hash.split('?');
      const u = new URLSearchParams(qs);
      if (fx) u.set('fx', fx); else u.delete('fx');
      location.hash = path + '?' + u.toString();
    }, fx);
    if (fx) await page.waitForFunction(() => { const c = document.querySelector('.wall canvas.fx.live'); return c && c.dataset.drawn === c.dataset.chain && Number(c.dataset.frames) > 10; }, null, { timeout: 30000 });
    else await page.waitForFunction(() => !document.querySelector('.wall canvas.fx'), null, { timeout: 10000 });
    await page.waitForTimeout(1500); // settle: shaders compiled, textures made
    const read = () => page.evaluate(() => {
      const c = document.querySelector('.wall canvas.fx');
      const v = document.querySelector('.wall video');
      return { renders: Number(c?.dataset.renders || 0), frames: Number(c?.dataset.frames || 0), video: v.getVideoPlaybackQuality().totalVideoFrames, t: performance.now() };
    });
    const pids = tree(process.pid).filter((p) => p !== process.pid); // Chromium is this script's child
    const a = await read();
    const c0 = ticks(pids);
    const t0 = Date.now();
    await page.waitForTimeout(seconds * 1000);
    const c1 = ticks(pids);
    const wall = (Date.now() - t0) / 1000;
    const b = await read();
    const s = (b.t - a.t) / 1000;
    const r = { fx: fx || 'none', renderFps: +((b.renders - a.renders) / s).toFixed(1), drawnFps: +((b.frames - a.frames) / s).toFixed(1),
      videoFps: +((b.video - a.video) / s).toFixed(1), cpuPct: +((100 * (c1 - c0)) / HZ / wall).toFixed(1), processes: pids.length };
    if (!fx) { r.renderFps = r.videoFps; r.drawnFps = r.videoFps; } // the plain video draws each decoded picture
    out.runs.push(r);
    step(JSON.stringify(r));
  }
  out.load.push(readFileSync('/proc/loadavg', 'utf8').trim());
} catch (e) {
  out.fatal = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
