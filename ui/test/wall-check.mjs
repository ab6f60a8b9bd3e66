// The video wall in headless Chromium (Debian's), as a display with no login would open it:
//   NVR_WALL='#/wall?token=...&cams=...' NVR_OTHER=<camera not on the wall> node wall-check.mjs MODE BASEURL SHOTDIR
// MODE "play": the wall's tiles play; the token's answers on other routes. MODE "fx": also reads the
// effect canvases' pixels (grey, blocks, motion light) and each effect's frame rate, then gives tile 3 a
// clock alone and reads what the page shows there (a screenshot) and the canvas. MODE "panel": opens
// the effects panel by its labels, moves tile 1's "Pixelate size" slider to 32 and adds a text overlay,
// reading the pixels and the URL after each step; screenshots with the panel open, light and dark.
// MODE "restart": once the tiles play it prints {"playing":[...]} and waits for a line on stdin (the
// test kills a worker or stops nvrd meanwhile), then for each line: "shot" screenshots the wall as it
// is now (the reconnecting state) and prints {"shot":n}; "back" waits until every tile plays again
// (currentTime advancing) and prints {"back":[...], "seen":[badges shown since]}; "done" ends.
// Dialogs and alert elements are counted all along (a wall never shows one).
// MODE "soak": plays the wall for NVR_SOAK_SECONDS, sampling every NVR_SOAK_EVERY seconds (default 5)
// after a forced garbage collection (CDP): JS heap used, DOM nodes of the document, CDP's node and
// event-listener counts, and tiles playing → result.samples. With NVR_SOAK_HEAPDIFF=1 it also takes a
// heap snapshot after the first sample and after the last and puts the object kinds (constructor names)
// whose count grew most in result.heapDiff, with the console messages the page logged (result.console).
// → one JSON line on stdout: {errors, csp, fatal, result}.
import { launch } from './lib.mjs';
import readline from 'node:readline';

const [mode, base, dir] = process.argv.slice(2);
const env = process.env;
const wall = env.NVR_WALL;
const token = new URLSearchParams(wall.split('?')[1]).get('token');
const out = { errors: [], csp: [], result: {} };
const step = (s) => process.stderr.write(`wall-check: ${s}\n`);
// A page that hangs must still answer: report what there is after 180 s.
setTimeout(() => { out.fatal = out.fatal || 'wall-check timed out (the page hangs)'; console.log(JSON.stringify(out)); process.exit(0); }, mode === 'restart' ? 420000 : mode === 'soak' ? 180000 + 1000 * Number(env.NVR_SOAK_SECONDS || 60) : 180000).unref();
const rl = readline.createInterface({ input: process.stdin });
const lines = [];
let waiter = null;
rl.on('line', (l) => { if (waiter) { const w = waiter; waiter = null; w(l); } else lines.push(l); });
const nextLine = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((res) => { waiter = res; }));
const browser = await launch(['--enable-unsafe-swiftshader']);

// SAMPLE: the soak's reading in the page: the document's elements and the tiles playing.
const SAMPLE = "({ dom: document.getElementsByTagName('*').length, playing: document.querySelectorAll('.wall [data-camera].playing').length })";

// heapCounts takes a heap snapshot (after a forced GC) and returns Map "type name" → {count, size}.
const heapCounts = async (cdp) => {
  const chunks = [];
  const onChunk = (e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const snap = JSON.parse(chunks.join(''));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const m = new Map();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]];
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(string)' : snap.strings[snap.nodes[i + iName]];
    const key = type + ' ' + String(name).slice(0, 60);
    const e = m.get(key) || { count: 0, size: 0 };
    e.count++;
    e.size += snap.nodes[i + iSize];
    m.set(key, e);
  }
  return m;
};
// heapDiff: the kinds whose count or size grew most from a to b.
const heapDiff = (a, b) => [...b].map(([k, v]) => {
  const o = a.get(k) || { count: 0, size: 0 };
  return { kind: k, count: v.count - o.count, bytes: v.size - o.size, total: v.count };
}).filter((d) => d.count > 0 || d.bytes > 0).sort((x, y) => y.bytes - x.bytes || y.count - x.count).slice(0, 15);

const tiles = (page) => page.evaluate(() => [...document.querySelectorAll('.wall [data-camera]')].map((el) => {
  const v = el.querySelector('video');
  return { id: el.dataset.camera, t: v.currentTime, w: v.videoWidth, playing: el.classList.contains('playing'),
    state: (el.querySelector('.tile-bar .badge:last-child') || {}).textContent };
}));

// stats reads a tile's effect canvas (or its video) in the page and returns: the largest and mean
// |R-G|,|G-B|,|R-B| (0 for grey), the share of bright pixels, and the share of pixels equal to the
// top-left pixel of their 16x16 block (1 when pixelated by 16). With png (a screenshot of the tile,
// base64) it reads that: what the page shows, CSS filters included (a canvas readback of the video
// has none).
const stats = (page, i, video, block = 16, png = '') => page.evaluate(async ({ i, video, block, png }) => {
  const cell = document.querySelectorAll('.wall .wall-cell')[i];
  const src = png ? await window.__image(png)
    : (!video && cell.querySelector('canvas.fx')) || cell.querySelector('video');
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
      const j = ((y - (y % block)) * w + (x - (x % block))) * 4;
      if (Math.abs(r - d[j]) + Math.abs(gg - d[j + 1]) + Math.abs(b - d[j + 2]) <= 9) same++;
      n++;
    }
  }
  return { from: png ? 'screenshot' : src.tagName.toLowerCase(), meanChroma: +(chroma / n).toFixed(2), maxChroma: max, bright: +(bright / n).toFixed(4), blockSame: +(same / n).toFixed(4) };
}, { i, video, block, png });

// setFx sets one wall URL parameter (fx0…fx3) in the page's address, as an edited bookmark would.
const setFx = (page, key, v) => page.evaluate(([key, v]) => {
  const [path, qs] = location.hash.split('?');
  const u = new URLSearchParams(qs);
  u.set(key, v);
  location.hash = path + '?' + u.toString();
}, [key, v]);

// pagePixels is put in the test page (addInitScript): window.__image(png) decodes a screenshot (base64
// PNG, from bytes: a fetch of a data: URL is refused by the page's connect-src) and window.__pixels(src)
// reads the pixels of a canvas, video or screenshot.
const pagePixels = () => {
  window.__image = (png) => createImageBitmap(new Blob([Uint8Array.from(atob(png), (ch) => ch.charCodeAt(0))], { type: 'image/png' }));
  window.__pixels = async (src) => {
    if (typeof src === 'string') src = await window.__image(src);
    const c = document.createElement('canvas');
    c.width = src.width; c.height = src.height;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(src, 0, 0, c.width, c.height);
    return g.getImageData(0, 0, c.width, c.height).data;
  };
};

// snap keeps tile i's canvas pixels in the page (changed() compares with them): the test page's own global.
const snap = (page, i) => page.evaluate((i) => {
  const src = document.querySelectorAll('.wall .wall-cell')[i].querySelector('canvas.fx');
  const c = document.createElement('canvas');
  c.width = src.width; c.height = src.height;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(src, 0, 0);
  window.__wallSnap = { w: c.width, h: c.height, d: g.getImageData(0, 0, c.width, c.height).data };
}, i);
// changed: the share of pixels of tile i's canvas in the rows y0..y1 (fractions of its height) that differ
// from the snap by more than 60 (sum of |dR|+|dG|+|dB|).
const changed = (page, i, y0, y1) => page.evaluate(({ i, y0, y1 }) => {
  const src = document.querySelectorAll('.wall .wall-cell')[i].querySelector('canvas.fx');
  const { w, h, d: a } = window.__wallSnap;
  if (src.width !== w || src.height !== h) return -1;
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(src, 0, 0);
  const b = g.getImageData(0, 0, w, h).data;
  let n = 0, diff = 0;
  for (let y = Math.floor(y0 * h); y < Math.floor(y1 * h); y++) {
    for (let x = 0; x < w; x++) {
      const k = (y * w + x) * 4;
      if (Math.abs(a[k] - b[k]) + Math.abs(a[k + 1] - b[k + 1]) + Math.abs(a[k + 2] - b[k + 2]) > 60) diff++;
      n++;
    }
  }
  return +(diff / n).toFixed(4);
}, { i, y0, y1 });
// fxURL: the effect parameters of the page's URL as the wall reads them (fx=..&fx0=..).
const fxURL = (page) => page.evaluate(() => [...new URLSearchParams(location.hash.split('?')[1])]
  .filter(([k]) => /^fx\d*$/.test(k)).map(([k, v]) => k + '=' + v).join('&'));
const chainOf = (page, i) => page.evaluate((i) => (document.querySelectorAll('.wall .wall-cell')[i].querySelector('canvas.fx') || {}).dataset?.chain, i);
const waitChain = (page, i, re) => page.waitForFunction(({ i, re }) => {
  const c = document.querySelectorAll('.wall .wall-cell')[i].querySelector('canvas.fx');
  return c && new RegExp(re).test(c.dataset.chain || '') && c.dataset.drawn === c.dataset.chain;
}, { i, re }, { timeout: 15000 });
// videoFilter is tile i's video's CSS filter (CssEffects'); waitFilter waits until it matches re.
const videoFilter = (page, i) => page.evaluate((i) => document.querySelectorAll('.wall .wall-cell')[i].querySelector('video').style.filter, i);
const waitFilter = (page, i, re) => page.waitForFunction(({ i, re }) =>
  new RegExp(re).test(document.querySelectorAll('.wall .wall-cell')[i].querySelector('video').style.filter), { i, re }, { timeout: 15000 });

try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.addInitScript(pagePixels);
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
    // Tile 0 (grayscale, a CSS filter on its video): what the page shows there, from a screenshot, its
    // name and coloured state badge (the tile's bar, not the picture) masked in black.
    const cell0 = page.locator('.wall .wall-cell').nth(0);
    const shot0 = (await cell0.screenshot({ mask: [cell0.locator('.tile-bar')], maskColor: '#000' })).toString('base64');
    out.result.pixels.push(await stats(page, 0, false, 16, shot0));
    for (let i = 1; i < 4; i++) out.result.pixels.push(await stats(page, i));
    out.result.css0 = await page.evaluate(() => {
      const cell = document.querySelectorAll('.wall .wall-cell')[0];
      const m = cell.querySelector('.fx-css');
      const c = cell.querySelector('canvas.fx');
      return { filter: m ? m.dataset.filter : '', videoFilter: cell.querySelector('video').style.filter, canvasOverlay: !!c && c.dataset.overlay === '1' };
    });
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
  if (mode === 'fx' && !out.fatal) {
    // A clock alone (tile 3, the colour pattern): drawn on a transparent canvas over the plain video.
    // What the page shows (a screenshot of the tile) is the colour video; the canvas holds the text only.
    await setFx(page, 'fx3', 'clock:10:50:50');
    await page.waitForFunction(() => {
      const c = document.querySelectorAll('.wall .wall-cell')[3].querySelector('canvas.fx');
      return c && c.dataset.chain === 'clock:10:50:50' && c.dataset.drawn === c.dataset.chain;
    }, null, { timeout: 15000 });
    await page.waitForTimeout(1000);
    const cell = page.locator('.wall .wall-cell').nth(3);
    const png = (await cell.screenshot()).toString('base64');
    out.result.overlay = await page.evaluate(async (png) => {
      const fx = document.querySelectorAll('.wall .wall-cell')[3].querySelector('canvas.fx');
      const d = await window.__pixels(png);
      let chroma = 0;
      for (let k = 0; k < d.length; k += 4) chroma += Math.max(Math.abs(d[k] - d[k + 1]), Math.abs(d[k + 1] - d[k + 2]), Math.abs(d[k] - d[k + 2]));
      const a = await window.__pixels(fx);
      let drawn = 0;
      for (let k = 3; k < a.length; k += 4) if (a[k] > 0) drawn++;
      return { overlay: fx.dataset.overlay === '1', shownChroma: +(chroma / (d.length / 4)).toFixed(2), canvasDrawn: +(drawn / (a.length / 4)).toFixed(4) };
    }, png);
    step('clock alone: ' + JSON.stringify(out.result.overlay));
  }
  if (mode === 'fx' && !out.fatal) {
    // An animated effect (hue cycle, 20°/s) on tile 3 (the still colour pattern) changes what the page
    // shows over 3 s; a fixed hue of 90° on the same tile, just before, does not. 20°/s and 3 s (plus the
    // screenshots' own time, a second or more here) keep the turn between the shots well away from a
    // whole circle (18 s), which would show the same colours again.
    const cell = page.locator('.wall .wall-cell').nth(3);
    const shot = async () => (await cell.screenshot({ mask: [cell.locator('.tile-bar')], maskColor: '#000' })).toString('base64');
    const diff = (a, b) => page.evaluate(async ([a, b]) => {
      const [x, y] = [await window.__pixels(a), await window.__pixels(b)];
      if (x.length !== y.length) return -1;
      let d = 0;
      for (let k = 0; k < x.length; k += 4) d += Math.abs(x[k] - y[k]) + Math.abs(x[k + 1] - y[k + 1]) + Math.abs(x[k + 2] - y[k + 2]);
      return +(d / (x.length / 4) / 3).toFixed(2);
    }, [a, b]);
    const r = {};
    for (const [key, fx] of [['fixed', 'hue:90'], ['cycle', 'huecycle:20']]) {
      await setFx(page, 'fx3', fx);
      await waitFilter(page, 3, 'hue-rotate');
      await page.waitForTimeout(800);
      const f1 = await videoFilter(page, 3);
      const a = await shot();
      await page.waitForTimeout(3000);
      const f2 = await videoFilter(page, 3);
      r[key] = { filters: [f1, f2], diff: await diff(a, await shot()) };
    }
    out.result.hueCycle = r;
    step('hue cycle: ' + JSON.stringify(r));
  }
  if (mode === 'panel' && !out.fatal) {
    const r = out.result;
    await page.waitForFunction(() => document.querySelector('.wall .wall-cell canvas.fx.live'), null, { timeout: 30000 });
    await page.waitForTimeout(1000);
    r.before = { chain: await chainOf(page, 0), url: await fxURL(page), block32: (await stats(page, 0, false, 32)).blockSame };
    await page.getByRole('button', { name: 'Effects' }).click();
    await page.getByLabel('Tile', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Pixelate size').fill('32');
    await waitChain(page, 0, '^pixelate:32$');
    await page.waitForTimeout(500);
    r.slider = { chain: await chainOf(page, 0), url: await fxURL(page), block32: (await stats(page, 0, false, 32)).blockSame };
    step('slider moved: ' + JSON.stringify(r.slider));
    await snap(page, 0);
    await page.getByLabel('Add effect').selectOption({ label: 'Text' });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByLabel('Text', { exact: true }).fill('HELLO WALL');
    await waitChain(page, 0, 'text=HELLO WALL');
    await page.waitForTimeout(500);
    // the text's default place is the bottom centre (down 90 %): its rows change, the top half does not
    r.text = { chain: await chainOf(page, 0), url: await fxURL(page), bottom: await changed(page, 0, 0.75, 1), top: await changed(page, 0, 0, 0.5) };
    step('text added: ' + JSON.stringify(r.text));
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [w, h] of [[1280, 800], [390, 844]]) {
        await page.setViewportSize({ width: w, height: h });
        await page.waitForTimeout(1200);
        await page.screenshot({ path: `${dir}/wall-panel-${scheme}-${w}x${h}.png` });
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Remove Text' }).click();
    await waitChain(page, 0, '^pixelate:32$');
    await page.waitForTimeout(500);
    r.removed = { chain: await chainOf(page, 0), url: await fxURL(page), bottom: await changed(page, 0, 0.75, 1) };
    // A CSS chain through the panel, on tile 2 (no effects yet): Hue puts hue-rotate on its video (no
    // canvas), the slider changes the degrees, Remove makes the video plain again; the URL follows.
    const css = async () => ({ filter: await videoFilter(page, 1), url: await fxURL(page),
      canvas: await page.evaluate(() => !!document.querySelectorAll('.wall .wall-cell')[1].querySelector('canvas.fx')) });
    await page.getByLabel('Tile', { exact: true }).selectOption({ index: 2 });
    await page.getByLabel('Add effect').selectOption({ label: 'Hue' });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await waitFilter(page, 1, 'hue-rotate');
    r.cssAdded = await css();
    await page.getByLabel('Hue', { exact: true }).fill('200');
    await waitFilter(page, 1, 'hue-rotate\\(200deg\\)');
    r.cssSlider = await css();
    await page.getByRole('button', { name: 'Remove Hue' }).click();
    await waitFilter(page, 1, '^$');
    r.cssRemoved = await css();
    step('css chain: ' + JSON.stringify([r.cssAdded, r.cssSlider, r.cssRemoved]));
    await page.getByRole('button', { name: 'Hide' }).click();
    r.hiddenPanel = await page.locator('.wall-panel').count();
  }
  if (mode === 'soak' && !out.fatal) {
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    const secs = Number(env.NVR_SOAK_SECONDS || 60);
    const every = 1000 * Number(env.NVR_SOAK_EVERY || 5);
    const t0 = Date.now();
    out.result.samples = [];
    const diff = !!env.NVR_SOAK_HEAPDIFF;
    let counts0 = null;
    const logged = new Map();
    page.on('console', (m) => { const k = m.type() + ' ' + m.text().replace(/[\d.]+/g, 'N').slice(0, 80); logged.set(k, (logged.get(k) || 0) + 1); });
    while (Date.now() - t0 < secs * 1000) {
      await cdp.send('HeapProfiler.collectGarbage');
      const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
      const usage = await cdp.send('Runtime.getHeapUsage');
      // One expression, the same text every time (V8's compilation cache): a fresh function per sample
      // (page.evaluate) would leave its own compiled code and feedback in the heap being measured.
      const { result } = await cdp.send('Runtime.evaluate', { expression: SAMPLE, returnByValue: true });
      const { dom, playing } = result.value;
      out.result.samples.push({ s: +((Date.now() - t0) / 1000).toFixed(1), heap: m.JSHeapUsedSize, used: usage.usedSize, dom, nodes: m.Nodes,
        listeners: m.JSEventListeners, playing });
      if (diff && !counts0) counts0 = await heapCounts(cdp);
      await page.waitForTimeout(every);
    }
    if (diff) {
      out.result.heapDiff = heapDiff(counts0, await heapCounts(cdp));
      out.result.console = [...logged].sort((a, b) => b[1] - a[1]).slice(0, 10);
      for (const d of out.result.heapDiff) step(`heap: ${d.kind}: +${d.count} (${d.total}), +${d.bytes} B`);
      for (const [k, n] of out.result.console) step(`console ×${n}: ${k}`);
    }
    step('soak: ' + out.result.samples.length + ' samples');
  }
  if (mode === 'restart' && !out.fatal) {
    out.result.dialogs = 0;
    page.on('dialog', (d) => { out.result.dialogs++; d.dismiss().catch(() => {}); });
    const seen = new Set();
    let alerts = 0;
    const look = async () => {
      const ts = await tiles(page);
      for (const t of ts) seen.add(t.state);
      alerts = Math.max(alerts, await page.evaluate(() => document.querySelectorAll('[role=alert], [role=alertdialog], dialog[open], .error').length));
      return ts;
    };
    console.log(JSON.stringify({ playing: out.result.tiles }));
    let shots = 0;
    // One read of the next command stays pending across the looks: a fresh nextLine() each time would
    // drop the waiter of the one before, and a command arriving during a look() went to that dropped
    // promise and was lost (the test then waited for "back" until its end: a flake seen in CI).
    let pending = null;
    const idle = Symbol('idle');
    for (;;) {
      pending = pending || nextLine();
      const cmd = await Promise.race([pending, new Promise((r) => setTimeout(() => r(idle), 300))]);
      if (cmd === idle) { await look(); continue; }
      pending = null;
      if (cmd === 'done') break;
      if (cmd === 'shot') {
        await look();
        for (const [w, h] of [[1280, 800], [390, 844]]) {
          await page.setViewportSize({ width: w, height: h });
          await page.waitForTimeout(700);
          await page.screenshot({ path: `${dir}/wall-reconnecting-${++shots}-${w}x${h}.png` });
        }
        await page.setViewportSize({ width: 1280, height: 800 });
        console.log(JSON.stringify({ shot: shots, seen: [...seen] }));
        continue;
      }
      // "back": every tile plays again, its currentTime advancing over two looks
      const until = Date.now() + 120000;
      let firstBack = null;
      let back = null;
      while (Date.now() < until) {
        const ts = await look();
        if (ts.length && ts.every((t) => t.playing && t.t > 0)) {
          if (!firstBack) firstBack = ts;
          else if (ts.every((t, i) => t.t > firstBack[i].t + 0.5)) { back = ts; break; }
        } else firstBack = null;
        await page.waitForTimeout(500);
      }
      console.log(JSON.stringify({ back, seen: [...seen], alerts, dialogs: out.result.dialogs }));
      seen.clear();
    }
    out.result.alerts = alerts;
  }
  if (!out.fatal) {
    // the effects wall in both colour schemes; the other modes in the default one
    for (const scheme of mode === 'fx' ? ['light', 'dark'] : ['']) {
      if (scheme) await page.emulateMedia({ colorScheme: scheme });
      for (const [w, h] of [[1280, 800], [390, 844]]) {
        await page.setViewportSize({ width: w, height: h });
        await page.waitForTimeout(1500);
        await page.screenshot({ path: `${dir}/wall-${mode}${scheme ? '-' + scheme : ''}-${w}x${h}.png` });
      }
    }
  }
} catch (e) {
  out.fatal = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
rl.close(); // stdin stays open (the test's pipe): without this the script would never end
