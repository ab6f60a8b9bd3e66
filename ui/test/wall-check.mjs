// The video wall in headless Chromium (Debian's), as a display with no login would open it:
//   NVR_WALL='#/wall?token=...&cams=...' NVR_OTHER=<camera not on the wall> node wall-check.mjs MODE BASEURL SHOTDIR
// MODE "play": the wall's tiles play; the token's answers on other routes. MODE "fx": also reads the
// effect canvases' pixels (grey, blocks, motion light) and each effect's frame rate.
// → one JSON line on stdout: {errors, csp, fatal, result}.
import { launch } from './lib.mjs';

const [mode, base, dir] = process.argv.slice(2);
const env = process.env;
const wall = env.NVR_WALL;
const token = new URLSearchParams(wall.split('?')[1]).get('token');
const out = { errors: [], csp: [], result: {} };
const step = (s) => process.stderr.write(`wall-check: ${s}\n`);
// A page that hangs must still answer: report what there is after 180 s.
setTimeout(() => { out.fatal = out.fatal || 'wall-check timed out (the page hangs)'; console.log(JSON.stringify(out)); process.exit(0); }, 180000).unref();
const browser = await launch(['--enable-unsafe-swiftshader']);

const tiles = (page) => page.evaluate(() => [...document.querySelectorAll('.wall [data-camera]')].map((el) => {
  const v = el.querySelector('video');
  return { id: el.dataset.camera, t: v.currentTime, w: v.videoWidth, playing: el.classList.contains('playing'),
    state: (el.querySelector('.tile-bar .badge:last-child') || {}).textContent };
}));

// stats reads a tile's effect canvas (or its video) in the page and returns: the largest and mean
// |R-G|,|G-B|,|R-B| (0 for grey), the share of bright pixels, and the share of pixels equal to the
// top-left pixel of their 16x16 block (1 when pixelated by 16).
const stats = (page, i, video) => page.evaluate(({ i, video }) => {
  const cell = document.querySelectorAll('.wall .wall-cell')[i];
  const src = (!video && cell.querySelector('canvas.fx')) || cell.querySelector('video');
  const c = document.createElement('canvas');
  const w = c.width = cell.clientWidth;
  const h = c.height = cell.clientHeight;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(src, 0, 0, w, h);
  const d = g.getImageData(0, 0, w, h).data;
  let chroma = 0, bright = 0, same = 0, n = 0, max = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const k = (y * w + x) * 4;
      const r = d[k], gg = d[k + 1], b = d[k + 2];
      const ch = Math.max(Math.abs(r - gg), Math.abs(gg - b), Math.abs(r - b));
      chroma += ch; if (ch > max) max = ch;
      if ((r + gg + b) / 3 > 150) bright++;
      const j = ((y - (y % 16)) * w + (x - (x % 16))) * 4;
      if (Math.abs(r - d[j]) + Math.abs(gg - d[j + 1]) + Math.abs(b - d[j + 2]) <= 9) same++;
      n++;
    }
  }
  return { from: src.tagName.toLowerCase(), meanChroma: +(chroma / n).toFixed(2), maxChroma: max, bright: +(bright / n).toFixed(4), blockSame: +(same / n).toFixed(4) };
}, { i, video });

try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) out.csp.push(m.text());
    else if (m.type() === 'error') step('console: ' + m.text().slice(0, 300));
  });
  await page.goto(base + '/' + wall);
  const deadline = Date.now() + 60000;
  let first = null;
  for (;;) {
    const ts = await tiles(page);
    if (ts.length && ts.every((t) => t.playing && t.w > 0 && t.t > 0)) {
      if (!first) first = ts;
      else if (ts.every((t, i) => t.t > first[i].t)) { out.result.tiles = ts; break; }
    }
    if (Date.now() > deadline) { out.fatal = 'the wall did not play: ' + JSON.stringify(ts); break; }
    await page.waitForTimeout(500);
  }
  out.result.url = page.url().replace(token, '<token>');
  out.result.loginPage = page.url().includes('login.html');
  // The token as a script would use it: everything but its own cameras' live routes is refused.
  out.result.answers = await page.evaluate(async ({ token, cams, other }) => {
    const h = { Authorization: 'Bearer ' + token };
    const ask = async (p) => (await fetch(p, { headers: h })).status;
    const r = {};
    for (const p of ['api/me', 'api/cameras', 'api/events', 'api/recordings', 'api/users', 'api/tokens', 'api/stream', 'metrics',
      `api/cameras/${cams[0]}`, `api/cameras/${cams[0]}/recordings.m3u8`, `api/cameras/${other}/status`, `api/cameras/${other}/snapshot.jpg`,
      `api/cameras/${cams[0]}/status`]) r[p] = await ask(p);
    r['POST api/tokens'] = (await fetch('api/tokens', { method: 'POST', headers: h, body: '{"name":"x"}' })).status;
    return r;
  }, { token, cams: new URLSearchParams(wall.split('?')[1]).get('cams').split(','), other: env.NVR_OTHER });
  step('tiles play');
  if (mode === 'fx' && !out.fatal) {
    await page.waitForFunction(() => document.querySelectorAll('.wall canvas.fx.live').length >= Number(3), null, { timeout: 30000 }).catch(() => {});
    await page.waitForTimeout(1500); // the motion effect's past frame
    out.result.fxNote = await page.evaluate(() => [...document.querySelectorAll('.fx-note')].map((e) => e.textContent));
    step('effects: ' + JSON.stringify(out.result.fxNote));
    out.result.pixels = [];
    for (let i = 0; i < 4; i++) out.result.pixels.push(await stats(page, i));
    out.result.video0 = await stats(page, 0, true);
    // motion: the brightest of several samples (the ball sweeps; one sample may fall between frames)
    out.result.motionBright = [0, 0, 0, 0];
    for (let k = 0; k < 6; k++) {
      for (const i of [1, 2]) out.result.motionBright[i] = Math.max(out.result.motionBright[i], (await stats(page, i)).bright);
      await page.waitForTimeout(200);
    }
    step('pixels read');
    out.result.fps = await page.evaluate(async () => {
      const cs = [...document.querySelectorAll('.wall canvas.fx')];
      const a = cs.map((c) => Number(c.dataset.frames || 0));
      const vs = [...document.querySelectorAll('.wall video')].map((v) => v.getVideoPlaybackQuality().totalVideoFrames);
      await new Promise((r) => setTimeout(r, 5000));
      const vs2 = [...document.querySelectorAll('.wall video')].map((v) => v.getVideoPlaybackQuality().totalVideoFrames);
      return { effects: cs.map((c, i) => ({ chain: c.dataset.chain, fps: +((Number(c.dataset.frames || 0) - a[i]) / 5).toFixed(1) })),
        videoFps: vs.map((v, i) => +((vs2[i] - v) / 5).toFixed(1)) };
    });
  }
  if (!out.fatal) {
    for (const [w, h] of [[1280, 800], [390, 844]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(1500);
      await page.screenshot({ path: `${dir}/wall-${mode}-${w}x${h}.png` });
    }
  }
} catch (e) {
  out.fatal = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
