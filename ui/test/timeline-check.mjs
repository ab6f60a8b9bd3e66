// Drives the #/timeline page in headless Chromium (Debian's) as a person does.
//   node timeline-check.mjs BASEURL OUTDIR
// Environment: NVR_USER, NVR_PASSWORD; CAM_A, CAM_B (ids), NAME_B; FROM, TO (the window, ms); CLICK (ms
// inside A's footage, before EVENT); EVENT (ms, the start of A's manual event); GAP_START, GAP_END (ms,
// A's gap); EXPORT_FROM, EXPORT_TO (ms, B's span to export). Prints one JSON line: {errors, csp, fatal,
// result} with what it measured (MODE=seek: only the seek times of SEEKS, for the benchmark); the Go test judges it (internal/e2e/timeline_test.go).
import { launch, watchCSP, readCSP, fillLogin } from './lib.mjs';

const [base, outDir] = process.argv.slice(2);
const env = process.env;
const num = (k) => Number(env[k]);
const browser = await launch();
const out = { errors: [], csp: [], result: {} };
const res = out.result;

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(`${e} ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : ''}`));
  page.on('console', (m) => {
    const api = /\/api\//.test(m.location().url || '');
    if (m.type() === 'error' && !(api && /status of (4\d\d|503)/.test(m.text()))) out.errors.push(`${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  await page.addInitScript(() => {
    // Where an uncaught error or rejection came from (pageerror alone may carry no stack).
    const note = (what) => { const seen = JSON.parse(sessionStorage.getItem('nvr-err') || '[]'); seen.push(what); sessionStorage.setItem('nvr-err', JSON.stringify(seen)); };
    addEventListener('error', (e) => note(`error ${e.message} at ${e.filename}:${e.lineno}:${e.colno} ${e.error && e.error.stack}`));
    addEventListener('unhandledrejection', (e) => note(`rejection ${e.reason} ${e.reason && e.reason.stack} ${typeof e.reason} ${e.reason && e.reason.constructor && e.reason.constructor.name}`));
  });
  await watchCSP(page);
  return page;
}

// login opens path (the page comes back to it after the login, so no live grid is opened on the way).
async function login(page, path = '/') {
  await page.goto(base + path);
  await page.waitForURL(/login\.html/, { timeout: 30000 });
  await fillLogin(page, env.NVR_USER, env.NVR_PASSWORD);
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: 30000 });
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 30000 });
}

const wallOf = (page, id) => page.evaluate((id) => {
  const el = document.querySelector(`[data-wall-camera="${id}"]`);
  return el && el.dataset.ms ? Number(el.dataset.ms) : null;
}, id);

// waitWall waits until camera id's wall clock is shown and moving, and returns it.
async function waitWall(page, id, timeout = 30000) {
  const t0 = Date.now();
  let first = null;
  for (;;) {
    const w = await wallOf(page, id);
    const playing = await page.evaluate((id) => { const v = document.querySelector(`[data-player="${id}"] video`); return !!v && !v.paused && v.readyState >= 3; }, id);
    if (w != null && playing) {
      if (first == null) first = w;
      else if (w !== first) return w;
    }
    if (Date.now() - t0 > timeout) throw new Error(`camera ${id}: no moving wall clock within ${timeout / 1000} s (last ${w})`);
    await page.waitForTimeout(100);
  }
}

// xOf is the page x of wall-clock ms on the timeline's tracks.
const xOf = (page, ms) => page.evaluate(([ms, from, to]) => {
  const r = document.querySelector('.tl-tracks').getBoundingClientRect();
  return r.left + ((ms - from) / (to - from)) * r.width;
}, [ms, num('FROM'), num('TO')]);

try {
  if (env.MODE === 'seek') {
    // The benchmark: click each instant of SEEKS (ms, comma-separated) and time click → a moving wall
    // clock within 2 s of it (polled every 20 ms).
    const page = await newPage();
    const A = env.CAM_A;
    await login(page, `/#/timeline/${encodeURIComponent(A)}?from=${num('FROM')}&to=${num('TO')}`);
    const rowA = page.locator(`.tl-row[data-tl-camera="${A}"]`);
    await rowA.locator('.tl-span').first().waitFor({ timeout: 30000 });
    const box = await rowA.boundingBox();
    res.seeks = [];
    for (const at of env.SEEKS.split(',').map(Number)) {
      const t0 = Date.now();
      await page.mouse.click(await xOf(page, at), box.y + box.height / 2);
      let first = null;
      for (;;) {
        const w = await wallOf(page, A);
        if (w != null && Math.abs(w - at) < 2000) {
          if (first == null) first = w; else if (w !== first) break;
        }
        if (Date.now() - t0 > 30000) throw new Error(`seek to ${at}: no picture within 30 s`);
        await page.waitForTimeout(20);
      }
      res.seeks.push(Date.now() - t0);
      await page.waitForTimeout(500);
    }
    throw 'done';
  }
  const page = await newPage();
  const A = env.CAM_A; const B = env.CAM_B;
  await login(page, `/#/timeline/${encodeURIComponent(A)}?from=${num('FROM')}&to=${num('TO')}`);
  const rowA = page.locator(`.tl-row[data-tl-camera="${A}"]`);
  await rowA.locator('.tl-span').first().waitFor({ timeout: 30000 });
  await rowA.locator('.tl-gap').first().waitFor({ timeout: 30000 });

  // The gap: drawn where the API says, wide enough to see, with no recorded span over it.
  res.gap = await page.evaluate(([id, g0, g1]) => {
    const row = document.querySelector(`.tl-row[data-tl-camera="${id}"]`);
    const gaps = [...row.querySelectorAll('.tl-gap')].map((g) => ({ start: Number(g.dataset.start), end: Number(g.dataset.end), px: g.getBoundingClientRect().width }));
    const mid = (g0 + g1) / 2;
    const covered = [...row.querySelectorAll('.tl-span')].some((s) => Number(s.dataset.start) <= mid && Number(s.dataset.end) >= mid);
    return { gaps, covered };
  }, [A, num('GAP_START'), num('GAP_END')]);

  // Click inside A's footage: its wall clock starts within 2 s of the instant clicked.
  const box = await rowA.boundingBox();
  const t0 = Date.now();
  await page.mouse.click(await xOf(page, num('CLICK')), box.y + box.height / 2);
  const clickedAt = await page.evaluate(([from, to, x]) => {
    const r = document.querySelector('.tl-tracks').getBoundingClientRect();
    return from + ((x - r.left) / r.width) * (to - from);
  }, [num('FROM'), num('TO'), await xOf(page, num('CLICK'))]);
  res.click = { at: clickedAt, wall: await waitWall(page, A), startedMs: Date.now() - t0 };
  if (outDir) await page.screenshot({ path: `${outDir}/playing-1280.png` });

  // Next event: the wall clock jumps to the event's start.
  await page.getByRole('button', { name: /Next event/ }).click();
  await page.waitForFunction(([id, ev]) => {
    const el = document.querySelector(`[data-wall-camera="${id}"]`);
    return el && el.dataset.ms && Math.abs(Number(el.dataset.ms) - ev) < 4000;
  }, [A, num('EVENT')], { timeout: 20000 }).catch(() => {});
  res.next = { wall: await waitWall(page, A), event: num('EVENT') };

  // 4×: the wall clock advances about four seconds a second.
  await page.getByLabel('Speed').selectOption('4');
  await page.waitForTimeout(1000);
  const s0 = [await wallOf(page, A), Date.now()];
  await page.waitForTimeout(3000);
  const s1 = [await wallOf(page, A), Date.now()];
  res.rate = (s1[0] - s0[0]) / (s1[1] - s0[1]);
  await page.getByLabel('Speed').selectOption('1');

  // Synchronized: tick B too; both wall clocks agree within half a second.
  await page.getByLabel('Play ' + env.NAME_B).check();
  await waitWall(page, B, 30000);
  await page.waitForTimeout(2500);
  const diffs = [];
  for (let i = 0; i < 8; i++) {
    const d = await page.evaluate(([a, b]) => {
      const wa = document.querySelector(`[data-wall-camera="${a}"]`).dataset.ms;
      const wb = document.querySelector(`[data-wall-camera="${b}"]`).dataset.ms;
      return wa && wb ? Math.abs(Number(wa) - Number(wb)) : null;
    }, [A, B]);
    diffs.push(d);
    await page.waitForTimeout(300);
  }
  res.sync = diffs;
  if (outDir) await page.screenshot({ path: `${outDir}/sync-1280.png` });

  // Export 30 s of B from the page: the progress bar moves, the file downloads.
  await page.getByLabel('Camera', { exact: true }).selectOption(B);
  const local = (ms) => page.evaluate((ms) => {
    const d = new Date(ms); const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }, ms);
  // fill() refuses a datetime-local value whose seconds are :00 (the browser shortens it and Playwright
  // calls that malformed): the value is set as the browser's own picker sets it, with input and change events.
  const setTime = (label, v) => page.getByLabel(label, { exact: true }).evaluate((el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, v);
  await setTime('From', await local(num('EXPORT_FROM')));
  await setTime('To', await local(num('EXPORT_TO')));
  // Every render of the export section is seen (its status text changes with each progress event).
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
  const dl = page.waitForEvent('download', { timeout: 60000 });
  await page.getByRole('button', { name: 'Export MP4' }).click();
  const d = await dl;
  const file = `${outDir}/${d.suggestedFilename()}`;
  await d.saveAs(file);
  res.export = { name: d.suggestedFilename(), file, progress: await page.evaluate(() => window.__progress) };
  await page.getByText('signature (.sig)').waitFor({ timeout: 10000 });
  res.export.sig = await page.getByText('signature (.sig)').getAttribute('href');
  if (outDir) await page.screenshot({ path: `${outDir}/export-1280.png`, fullPage: true });
  out.csp.push(...await readCSP(page));
  res.errorSources = await page.evaluate(() => JSON.parse(sessionStorage.getItem('nvr-err') || '[]'));

  // Zoom with the wheel (around the pointer) and pan with a drag: the window in the address follows.
  const win = () => page.evaluate(() => { const q = new URLSearchParams(location.hash.split('?')[1]); return [Number(q.get('from')), Number(q.get('to'))]; });
  const tb = await page.locator('.tl-tracks').boundingBox();
  await page.mouse.move(tb.x + tb.width / 2, tb.y + 10);
  const w0 = await win();
  await page.mouse.wheel(0, -400);
  await page.waitForFunction((w) => !location.hash.includes(`from=${w[0]}&`), w0, { timeout: 5000 }).catch(() => {});
  const w1 = await win();
  await page.mouse.move(tb.x + tb.width / 2, tb.y + 10);
  await page.mouse.down();
  await page.mouse.move(tb.x + tb.width / 2 + 60, tb.y + 10, { steps: 4 });
  await page.mouse.move(tb.x + tb.width / 2 + 120, tb.y + 10, { steps: 4 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  const w2 = await win();
  res.zoom = { before: w0, zoomed: w1, panned: w2 };

  // Screenshots: 1280×800 and 390×844, light and dark, playing, and the date picker open.
  res.shots = [];
  for (const [w, h] of [[1280, 800], [390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      const p = await newPage({ viewport: { width: w, height: h }, colorScheme: scheme, isMobile: w < 600, hasTouch: w < 600 });
      await login(p, `/#/timeline/${encodeURIComponent(A)}?from=${num('FROM')}&to=${num('TO')}`);
      await p.locator(`.tl-row[data-tl-camera="${A}"] .tl-span`).first().waitFor({ timeout: 30000 });
      const rb = await p.locator(`.tl-row[data-tl-camera="${A}"]`).boundingBox();
      const tr = await p.locator('.tl-tracks').boundingBox();
      await p.mouse.click(tr.x + ((num('EVENT') - num('FROM')) / (num('TO') - num('FROM'))) * tr.width + 2, rb.y + rb.height - 4);
      await waitWall(p, A).catch(() => {});
      const name = `${outDir}/timeline-${w}-${scheme}.png`;
      await p.screenshot({ path: name, fullPage: true });
      res.shots.push(name);
      await p.getByRole('button', { name: /^Date: / }).click();
      await p.getByRole('dialog', { name: 'Pick a day' }).waitFor();
      const dp = `${outDir}/timeline-datepicker-${w}-${scheme}.png`;
      await p.screenshot({ path: dp });
      res.shots.push(dp);
      if (!res.footageDays) res.footageDays = await p.evaluate(() => [...document.querySelectorAll('.dp-day.has-footage')].map((b) => b.dataset.day));
      out.csp.push(...await readCSP(p));
      await p.context().close();
    }
  }
} catch (e) {
  if (e !== 'done') out.fatal = String(e && e.stack || e);
}
await browser.close();
console.log(JSON.stringify(out));
