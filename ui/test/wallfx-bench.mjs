// Frame rate and CPU of every wall effect in headless Chromium (software GL), for BenchmarkWallEffects:
//   NVR_WALL='#/wall?token=...&cams=ONE&layout=1x1' NVR_SECONDS=8 NVR_EFFECTS='grayscale,pixelate:12,...' node wallfx-bench.mjs BASEURL
// One tile plays throughout; its chain is changed in the URL (live, the video keeps playing) to each
// effect in turn, with the plain video (no effect, no pixi) first and last as the same-run baseline.
// Each effect is measured once per drawing path of NVR_FXPATHS (default "old,new": fxpath=old in the
// wall's URL is the former path, kept for this comparison; "new" the current one), one right after the
// other, so both see the same machine load. For each: rendered frames/s (the effect canvas's renders),
// new video pictures drawn/s (for a chain of overlays only, drawn over the plain video, the video's),
// the video's decoded frames/s, and the CPU of the browser's process tree from /proc (% of one core),
// also by Chromium process type (renderer, gpu-process, the rest).
// → one JSON line on stdout: {fatal, errors, load: [before, after],
//   runs: [{fx, path, renderFps, drawnFps, videoFps, cpuPct, cpuBy, overlay, clock}]}.
import { readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [base] = process.argv.slice(2);
const env = process.env;
const seconds = Number(env.NVR_SECONDS || 8);
const effects = (env.NVR_EFFECTS || 'grayscale').split(';');
const paths = (env.NVR_FXPATHS || 'old,new').split(',');
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
// kind: a Chromium process's --type= (renderer, gpu-process, utility, ...), "browser" without one.
const kind = (pid) => {
  try { return (/--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')) || [, 'browser'])[1]; } catch { return 'gone'; }
};
const ticksBy = (pids) => {
  const by = {};
  for (const pid of pids) { const k = kind(pid); by[k] = (by[k] || 0) + ticks([pid]); }
  return by;
};

try {
  const [vw, vh] = (env.NVR_VIEWPORT || '1280x720').split('x').map(Number); // the tile's size
  const page = await browser.newPage({ viewport: { width: vw, height: vh } });
  page.on('pageerror', (e) => out.errors.push(String(e)));
  await page.goto(base + '/' + env.NVR_WALL);
  await page.waitForFunction(() => { const v = document.querySelector('.wall video'); return v && v.currentTime > 1; }, null, { timeout: 60000 });
  const plan = [['', ''], ...effects.flatMap((fx) => paths.map((p) => [fx, p])), ['', '']];
  for (const [fx, fxpath] of plan) {
    await page.evaluate(({ fx, fxpath }) => {
      const [path, qs] = location.hash.split('?');
      const u = new URLSearchParams(qs);
      if (fx) u.set('fx', fx); else u.delete('fx');
      if (fxpath === 'old') u.set('fxpath', 'old'); else u.delete('fxpath');
      location.hash = path + '?' + u.toString();
    }, { fx, fxpath });
    if (fx) {
      // On a starved machine an effect may draw only a few pictures a second: it is measured once it has
      // drawn a few, and one that draws none within a minute is reported as such (the run goes on).
      const ok = await page.waitForFunction((p) => {
        // the current path draws colour effects and blur as a CSS filter on the video: no canvas
        const m = document.querySelector('.wall .fx-css');
        if (p !== 'old' && m && m.dataset.filter && !document.querySelector('.wall canvas.fx')) return true;
        const c = document.querySelector('.wall canvas.fx.live');
        return c && c.dataset.path === p && c.dataset.drawn === c.dataset.chain && (c.dataset.overlay === '1' || Number(c.dataset.frames) > 3);
      }, fxpath, { timeout: 60000 }).then(() => true, () => false);
      if (!ok) {
        const r = { fx, path: fxpath, renderFps: 0, drawnFps: 0, videoFps: 0, cpuPct: 0, cpuBy: {}, timeout: true };
        out.runs.push(r);
        step(JSON.stringify(r));
        continue;
      }
    }
    else await page.waitForFunction(() => !document.querySelector('.wall canvas.fx'), null, { timeout: 10000 });
    await page.waitForTimeout(1500); // settle: shaders compiled, textures made
    const read = () => page.evaluate(() => {
      const c = document.querySelector('.wall canvas.fx');
      const v = document.querySelector('.wall video');
      const q = v.getVideoPlaybackQuality();
      return { renders: Number(c?.dataset.renders || 0), frames: Number(c?.dataset.frames || 0), overlay: c?.dataset.overlay === '1',
        clock: c?.dataset.clock || '', css: !!document.querySelector('.wall .fx-css'), video: q.totalVideoFrames - q.droppedVideoFrames, t: performance.now() };
    });
    const pids = tree(process.pid).filter((p) => p !== process.pid); // Chromium is this script's child
    const a = await read();
    const c0 = ticks(pids);
    const by0 = ticksBy(pids);
    const t0 = Date.now();
    await page.waitForTimeout(seconds * 1000);
    const c1 = ticks(pids);
    const by1 = ticksBy(pids);
    const wall = (Date.now() - t0) / 1000;
    const b = await read();
    const s = (b.t - a.t) / 1000;
    const pct = (t) => +((100 * t) / HZ / wall).toFixed(1);
    const cpuBy = Object.fromEntries(Object.keys(by1).map((k) => [k, pct(by1[k] - (by0[k] || 0))]));
    const r = { fx: fx || 'none', path: fx ? fxpath || 'new' : '', renderFps: +((b.renders - a.renders) / s).toFixed(1), drawnFps: +((b.frames - a.frames) / s).toFixed(1),
      videoFps: +((b.video - a.video) / s).toFixed(1), cpuPct: pct(c1 - c0), cpuBy, processes: pids.length, overlay: b.overlay, clock: b.clock, css: b.css };
    // The plain video, overlays drawn over it, and a CSS filter on it (the compositor) show each decoded picture.
    if (!fx || b.overlay || b.css) { r.drawnFps = r.videoFps; if (!fx || (b.css && !b.overlay)) r.renderFps = r.videoFps; }
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
