// Drives the #/timeline page's gestures in headless Chromium (Debian's) as a person does: a dragged
// playhead, a two-finger pinch (CDP touch events), 1× against 16×, and an export cancelled part way.
//   node timeline-gestures-check.mjs BASEURL OUTDIR
// Environment: NVR_USER, NVR_PASSWORD; CAM_A (id); FROM, TO (the window, ms); START (ms, the start of
// A's footage); DROP (ms inside A's footage, where the playhead is dropped, unless it is already near); EXPORT_FROM, EXPORT_TO (ms,
// a span of A to export; nvrd paces its export so it takes seconds). Prints one JSON line: {errors,
// csp, fatal, result}; the Go test judges it (internal/e2e/timeline_gestures_test.go).
import { chromium } from 'playwright-core';

const [base, outDir] = process.argv.slice(2);
const env = process.env;
const num = (k) => Number(env[k]);
const A = env.CAM_A;
const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
});
const out = { errors: [], csp: [], result: {} };
const res = out.result;

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, hasTouch: true, ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(`${e} ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : ''}`));
  page.on('console', (m) => {
    const api = /\/api\//.test(m.location().url || '');
    if (m.type() === 'error' && !(api && /status of (4\d\d|503)/.test(m.text()))) out.errors.push(`${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const seen = JSON.parse(sessionStorage.getItem('nvr-csp') || '[]');
      seen.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
      sessionStorage.setItem('nvr-csp', JSON.stringify(seen));
    });
  });
  return page;
}

async function login(page, path) {
  await page.goto(base + path);
  await page.waitForURL(/login\.html/, { timeout: 30000 });
  await page.getByLabel('User name').fill(env.NVR_USER);
  await page.getByLabel('Password').fill(env.NVR_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: 30000 });
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 30000 });
}

const wallOf = (page) => page.evaluate((id) => {
  const el = document.querySelector(`[data-wall-camera="${id}"]`);
  return el && el.dataset.ms ? Number(el.dataset.ms) : null;
}, A);

// waitWall waits until the wall clock is moving (and near, when given, within 2.5 s) and returns it.
async function waitWall(page, near = null, timeout = 30000) {
  const t0 = Date.now();
  let first = null;
  for (;;) {
    const w = await wallOf(page);
    const playing = await page.evaluate((id) => { const v = document.querySelector(`[data-player="${id}"] video`); return !!v && !v.paused && v.readyState >= 3; }, A);
    if (w != null && playing && (near == null || Math.abs(w - near) < 2500)) {
      if (first == null) first = w;
      else if (w !== first) return w;
    }
    if (Date.now() - t0 > timeout) throw new Error(`no moving wall clock${near ? ' near ' + new Date(near).toISOString() : ''} within ${timeout / 1000} s (last ${w && new Date(w).toISOString()})`);
    await page.waitForTimeout(100);
  }
}

// rateOver is how many wall-clock ms the picture advances per real ms over about ms (first and last
// change of the shown clock, which is updated every 200 ms).
async function rateOver(page, ms) {
  const seen = [];
  const t0 = Date.now();
  let last = null;
  while (Date.now() - t0 < ms) {
    const w = await wallOf(page);
    if (w != null && w !== last) { seen.push([w, Date.now()]); last = w; }
    await page.waitForTimeout(40);
  }
  if (seen.length < 2) return 0;
  const [a, b] = [seen[0], seen[seen.length - 1]];
  return (b[0] - a[0]) / (b[1] - a[1]);
}

const win = (page) => page.evaluate(() => { const q = new URLSearchParams(location.hash.split('?')[1]); return [Number(q.get('from')), Number(q.get('to'))]; });
const xOf = (page, ms) => page.evaluate((ms) => {
  const r = document.querySelector('.tl-tracks').getBoundingClientRect();
  const q = new URLSearchParams(location.hash.split('?')[1]);
  const from = Number(q.get('from')); const to = Number(q.get('to'));
  return r.left + ((ms - from) / (to - from)) * r.width;
}, ms);
const timeAtX = (page, x) => page.evaluate((x) => {
  const r = document.querySelector('.tl-tracks').getBoundingClientRect();
  const q = new URLSearchParams(location.hash.split('?')[1]);
  const from = Number(q.get('from')); const to = Number(q.get('to'));
  return from + ((x - r.left) / r.width) * (to - from);
}, x);

const local = (page, ms) => page.evaluate((ms) => {
  const d = new Date(ms); const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}, ms);
// As the browser's own picker sets a datetime-local field (see timeline-check.mjs).
const setTime = (page, label, v) => page.getByLabel(label, { exact: true }).evaluate((el, v) => {
  el.value = v;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}, v);

// startExport fills From and To, presses Export MP4 and returns the job id, with every value of the
// progress bar recorded in window.__progress.
async function startExport(page) {
  await setTime(page, 'From', await local(page, num('EXPORT_FROM')));
  await setTime(page, 'To', await local(page, num('EXPORT_TO')));
  await page.evaluate(() => {
    window.__progress = [];
    const look = () => {
      const p = document.querySelector('progress[aria-label="Export progress"]');
      if (!p) return;
      const v = [p.value, p.max];
      const last = window.__progress[window.__progress.length - 1];
      if (!last || last[0] !== v[0] || last[1] !== v[1]) window.__progress.push(v);
    };
    new MutationObserver(look).observe(document.querySelector('section.export'), { subtree: true, childList: true, characterData: true, attributes: true });
  });
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && /\/exports\?/.test(r.url()), { timeout: 20000 });
  await page.getByRole('button', { name: 'Export MP4' }).click();
  const j = await (await posted).json();
  return j.id;
}
// waitBetween waits until the bar has shown n values strictly between its ends.
const waitBetween = (page, n) => page.waitForFunction((n) => (window.__progress || []).filter(([v, m]) => v > 0 && v < m).length >= n, n, { timeout: 30000 });
const jobState = (page, id) => page.evaluate(async (id) => {
  const r = await fetch('api/exports/' + encodeURIComponent(id), { headers: { Accept: 'application/json' } });
  return { code: r.status, body: r.ok ? await r.json() : await r.text() };
}, id);

try {
  const page = await newPage();
  await login(page, `/#/timeline/${encodeURIComponent(A)}?from=${num('FROM')}&to=${num('TO')}`);
  const rowA = page.locator(`.tl-row[data-tl-camera="${A}"]`);
  await rowA.locator('.tl-span').first().waitFor({ timeout: 30000 });
  const box = await rowA.boundingBox();
  const y = box.y + box.height / 2;

  // Play from near the start of the footage; 1× is the baseline for 16×.
  await page.mouse.click(await xOf(page, num('START') + 3000), y);
  await waitWall(page, num('START') + 3000);
  const rate1 = await rateOver(page, 2500);
  await page.getByLabel('Speed').selectOption('16');
  await page.waitForTimeout(600);
  const rate16 = await rateOver(page, 2000);
  await page.getByLabel('Speed').selectOption('1');
  res.speed = { rate1, rate16 };

  // Drag the playhead and drop it at DROP: playback starts there; the window does not move.
  const w0 = await win(page);
  const headX = async () => { const b = await rowA.locator('.tl-playhead').boundingBox(); return b.x + b.width / 2; };
  // Dropped well away from where it is picked up (a drag, not a click): DROP, or 20 s after the head.
  const at0 = await timeAtX(page, await headX());
  const dropX = await xOf(page, Math.abs(at0 - num('DROP')) > 15000 ? num('DROP') : at0 + 20000);
  // The playhead moves while it plays (7 px a second at this zoom, the grab is 8 px): the pointer goes
  // to where it is now, as a person's hand follows it, and is pressed once it is on it (on a loaded
  // machine a round trip to the browser can take most of a second).
  let hx = await headX();
  for (let i = 0; i < 10; i++) {
    await page.mouse.move(hx, y);
    const x = await headX();
    if (Math.abs(x - hx) < 2) break;
    hx = x;
  }
  const headAt = await timeAtX(page, hx);
  await page.mouse.down();
  await page.mouse.move(hx + (dropX - hx) / 2, y, { steps: 5 });
  await page.mouse.move(dropX, y, { steps: 5 });
  const dropAt = await timeAtX(page, dropX);
  // While held, the playhead is drawn under the pointer.
  const held = await rowA.locator('.tl-playhead').boundingBox();
  await page.mouse.up();
  const t0 = Date.now();
  let wall = null;
  try { wall = await waitWall(page, dropAt, 20000); } catch (e) { wall = await wallOf(page); res.dragError = String(e); }
  res.drag = { from: headAt, at: dropAt, heldPx: held ? held.x + held.width / 2 - dropX : null, wall, ms: Date.now() - t0, before: w0, after: await win(page) };
  if (outDir) await page.screenshot({ path: `${outDir}/dragged-1280.png` });

  // Pinch: two fingers move apart (zoom in around them), then together (zoom out).
  const cdp = await page.context().newCDPSession(page);
  const tb = await page.locator('.tl-tracks').boundingBox();
  const cx = tb.x + tb.width / 2;
  const touch = async (type, d) => cdp.send('Input.dispatchTouchEvent', { type,
    touchPoints: type === 'touchEnd' ? [] : [{ x: cx - d, y, id: 1 }, { x: cx + d, y, id: 2 }] });
  const pinch = async (d0, d1) => {
    await touch('touchStart', d0);
    for (let i = 1; i <= 8; i++) { await touch('touchMove', d0 + ((d1 - d0) * i) / 8); await page.waitForTimeout(16); }
    await touch('touchEnd', d1);
    await page.waitForTimeout(400);
  };
  const p0 = await win(page);
  await pinch(60, 240);
  const p1 = await win(page);
  await pinch(240, 80);
  const p2 = await win(page);
  res.pinch = { before: p0, spread: p1, closed: p2, centre: await timeAtX(page, cx) };

  // Export: the bar shows values between its ends; Cancel stops the job (the API says canceled) and no
  // file downloads.
  let downloaded = null;
  page.on('download', (d) => { downloaded = d.suggestedFilename(); });
  const id = await startExport(page);
  await waitBetween(page, 2);
  if (outDir) await page.locator('section.export').screenshot({ path: `${outDir}/export-running-1280.png` });
  await page.getByRole('button', { name: 'Cancel export' }).click();
  await page.getByText('Export cancelled.').waitFor({ timeout: 10000 });
  let st = await jobState(page, id);
  for (let i = 0; i < 50 && st.code === 200 && st.body.state === 'running'; i++) { await page.waitForTimeout(200); st = await jobState(page, id); }
  const progress = await page.evaluate(() => window.__progress);
  await page.waitForTimeout(1500); // a download would have begun by now
  res.export = { id, state: st.code === 200 ? st.body.state : `HTTP ${st.code} ${st.body}`, done: st.code === 200 ? st.body.segments_done : -1,
    total: st.code === 200 ? st.body.segments_total : -1, progress, downloaded,
    cancelShown: await page.getByRole('button', { name: 'Cancel export' }).count() };
  out.csp.push(...await page.evaluate(() => JSON.parse(sessionStorage.getItem('nvr-csp') || '[]')));
  await page.context().close();

  // Screenshots of the timeline with an export part way, 1280×800 and 390×844, light and dark.
  res.shots = [];
  for (const [w, h] of [[1280, 800], [390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      const p = await newPage({ viewport: { width: w, height: h }, colorScheme: scheme, isMobile: w < 600 });
      await login(p, `/#/timeline/${encodeURIComponent(A)}?from=${num('FROM')}&to=${num('TO')}`);
      const r = p.locator(`.tl-row[data-tl-camera="${A}"]`);
      await r.locator('.tl-span').first().waitFor({ timeout: 30000 });
      const rb = await r.boundingBox();
      await p.mouse.click(await xOf(p, num('DROP')), rb.y + rb.height / 2);
      await waitWall(p, num('DROP')).catch(() => {});
      await startExport(p);
      await waitBetween(p, 1);
      const name = `${outDir}/gestures-export-${w}-${scheme}.png`;
      await p.screenshot({ path: name, fullPage: true });
      res.shots.push(name);
      const panel = `${outDir}/gestures-export-panel-${w}-${scheme}.png`;
      await p.locator('section.export').screenshot({ path: panel });
      res.shots.push(panel);
      await p.getByRole('button', { name: 'Cancel export' }).click();
      await p.getByText('Export cancelled.').waitFor({ timeout: 10000 });
      out.csp.push(...await p.evaluate(() => JSON.parse(sessionStorage.getItem('nvr-csp') || '[]')));
      await p.context().close();
    }
  }
} catch (e) {
  out.fatal = String(e && e.stack || e);
}
await browser.close();
console.log(JSON.stringify(out));
