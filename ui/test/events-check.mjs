// Drives the events and system pages in headless Chromium (Debian's) by visible labels and text.
//   node events-check.mjs BASEURL OUTDIR   (NVR_USER, NVR_PASSWORD in the environment)
// Steps (one JSON line each on stdout; the last line is the result):
//   1. log in, open Events; print {"ready":true} and wait for "go" on stdin (the test then makes a
//      manual event, and the camera's clip moves): a Manual and a Motion event appear without a reload;
//   2. filter by kind Manual (the address keeps it): only manual events are listed;
//   3. open the manual event: the video plays and the wall clock under it is read at its first frame;
//   4. → and ← move to the older and back to the newer event;
//   5. with "Hide reviewed" on, "Mark reviewed" takes the event out of the list;
//   6. screenshots of the list, the player and the system page at 1280×800 and 390×844, light and dark.
import { launch, watchCSP, readCSP, fillLogin } from './lib.mjs';
import readline from 'node:readline';

const [base, outDir] = process.argv.slice(2);
const env = process.env;
const browser = await launch();
const out = { errors: [], csp: [], steps: [] };
const step = (s) => { out.steps.push(s); console.log(JSON.stringify(s)); };
const lines = readline.createInterface({ input: process.stdin });
const waitLine = (want) => new Promise((resolve) => {
  const f = (l) => { if (l.trim() === want) { lines.off('line', f); resolve(); } };
  lines.on('line', f);
});

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('console', (m) => {
    const api = /\/api\//.test(m.location().url || '');
    if (m.type() === 'error' && !(api && /status of (4\d\d|503)/.test(m.text()))) out.errors.push(`${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  await watchCSP(page);
  return page;
}

async function login(page) {
  await page.goto(base + '/');
  await page.waitForURL(/login\.html/, { timeout: 30000 });
  await fillLogin(page, env.NVR_USER, env.NVR_PASSWORD);
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: 30000 });
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 30000 });
}

const items = (page) => page.locator('ul[aria-label="Events"] > li');
const itemIds = (page) => items(page).evaluateAll((ls) => ls.map((l) => l.dataset.event));

let page;
try {
  page = await newPage();
  await login(page);
  await page.getByRole('link', { name: 'Events' }).click();
  await page.getByRole('heading', { name: 'Events' }).waitFor({ timeout: 30000 });
  await page.locator('ul[aria-label="Events"], .empty').first().waitFor({ timeout: 30000 });
  if (outDir) await page.screenshot({ path: `${outDir}/events-empty-1280.png` });
  const loads = [];
  page.on('load', () => loads.push(Date.now()));
  step({ ready: true });
  await waitLine('go');

  // 1. Both kinds arrive while the page stays loaded.
  const manual = items(page).filter({ has: page.locator('.badge.kind-manual') }).first();
  const motion = items(page).filter({ has: page.locator('.badge.kind-motion') }).first();
  await manual.waitFor({ timeout: 60000 });
  await motion.waitFor({ timeout: 120000 });
  step({ live: { manual: await manual.getAttribute('data-event'), motion: await motion.getAttribute('data-event'), reloads: loads.length } });

  // 2. Filter by kind.
  await page.getByLabel('Kind').selectOption({ label: 'Manual' });
  await page.waitForFunction(() => location.hash.includes('kind=manual'));
  await page.waitForFunction(() => {
    const ls = [...document.querySelectorAll('ul[aria-label="Events"] > li')];
    return ls.length > 0 && ls.every((l) => l.querySelector('.badge.kind-manual'));
  }, null, { timeout: 30000 });
  step({ filtered: { hash: await page.evaluate(() => location.hash), count: await items(page).count() } });
  // The manual event must be over (its recording closed) before it is played whole.
  await page.waitForFunction(() => {
    const l = document.querySelector('ul[aria-label="Events"] > li');
    return l && !l.textContent.includes('ongoing');
  }, null, { timeout: 60000 });
  await page.getByLabel('Kind').selectOption({ label: 'All kinds' });
  await page.waitForFunction(() => !location.hash.includes('kind='));
  await items(page).first().waitFor({ timeout: 30000 });
  if (outDir) {
    for (const [w, h, tag] of [[1280, 800, '1280'], [390, 844, '390']]) {
      for (const scheme of ['light', 'dark']) {
        await page.setViewportSize({ width: w, height: h });
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${outDir}/events-${tag}-${scheme}.png` });
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
  }

  // 3. Open the manual event by its accessible name; read the wall clock at the first frame.
  const manualId = await manual.getAttribute('data-event');
  const name = await page.locator(`li[data-event="${manualId}"] > a`).getAttribute('aria-label');
  await page.getByRole('link', { name }).click();
  const player = page.getByRole('region', { name: 'Event player' });
  await player.waitFor({ timeout: 30000 });
  const clock = page.getByLabel('Wall clock');
  let first = null;
  const t0 = Date.now();
  for (;;) {
    const s = await page.evaluate(() => {
      const v = document.querySelector('.rec-player video');
      const c = document.querySelector('.wallclock');
      const err = document.querySelector('.rec-player .error');
      return { t: v ? v.currentTime : -1, w: v ? v.videoWidth : 0, wall: c ? Number(c.dataset.wall || 0) : 0,
        text: c ? c.textContent.trim() : '', error: err ? err.textContent : '' };
    });
    if (s.error) throw new Error('the player says: ' + s.error);
    if (!first && s.w > 0 && s.wall > 0) first = s;
    if (first && s.t > first.t + 1.5) { step({ played: { first, later: s } }); break; }
    if (Date.now() - t0 > 60000) throw new Error('the recording did not play within 60 s: ' + JSON.stringify(s));
    await page.waitForTimeout(100);
  }
  step({ clockText: await clock.innerText() });
  if (outDir) {
    for (const [w, h, tag] of [[1280, 800, '1280'], [390, 844, '390']]) {
      for (const scheme of ['light', 'dark']) {
        await page.setViewportSize({ width: w, height: h });
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${outDir}/event-player-${tag}-${scheme}.png` });
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
  }

  // 4. Arrow keys: → the older event, ← the newer one (whichever way the list goes on), then back.
  const evOf = () => page.evaluate(() => new URLSearchParams(location.hash.split('?')[1] || '').get('ev'));
  const ids = await itemIds(page);
  const at = ids.indexOf(manualId);
  const [away, back, expected] = at + 1 < ids.length ? ['ArrowRight', 'ArrowLeft', ids[at + 1]] : ['ArrowLeft', 'ArrowRight', ids[at - 1]];
  await page.locator('h1').click(); // focus off the video's controls
  await page.keyboard.press(away);
  await page.waitForFunction((id) => new URLSearchParams(location.hash.split('?')[1] || '').get('ev') !== id, manualId);
  const moved = await evOf();
  await player.waitFor({ timeout: 10000 });
  await page.keyboard.press(back);
  await page.waitForFunction((id) => new URLSearchParams(location.hash.split('?')[1] || '').get('ev') === id, manualId);
  step({ arrows: { from: manualId, key: away, moved, expected: expected || null, back: await evOf() } });

  // 5. Hide reviewed, then mark the open one reviewed: it leaves the list.
  await page.getByLabel('Hide reviewed').check();
  await page.waitForFunction(() => location.hash.includes('hide=1'));
  await items(page).first().waitFor({ timeout: 30000 });
  await page.getByRole('link', { name }).click();
  await player.waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Mark reviewed' }).click();
  await page.waitForFunction((id) => !document.querySelector(`li[data-event="${id}"]`), manualId, { timeout: 30000 });
  step({ reviewedHidden: manualId, reloads: loads.length });

  // 5b. An administrator deletes the open event (the motion one now): the confirmation says what
  // happens to the recording, and the event leaves the list.
  const openId = await evOf();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const sure = page.getByRole('alertdialog', { name: 'Delete this event' });
  await sure.waitFor({ timeout: 10000 });
  const words = await sure.innerText();
  await page.getByRole('button', { name: 'Delete event' }).click();
  await page.waitForFunction((id) => !document.querySelector(`li[data-event="${id}"]`), openId, { timeout: 30000 });
  step({ deleted: { id: openId, words } });

  // 6. The system page.
  await page.getByRole('link', { name: 'System' }).click();
  await page.getByRole('heading', { name: 'Retention forecast' }).waitFor({ timeout: 30000 });
  await page.locator('table.sys-cams').waitFor({ timeout: 30000 });
  step({ system: { forecast: await page.locator('.forecast-words').innerText(), rows: await page.locator('table.sys-cams tbody tr').count() } });
  if (outDir) {
    for (const [w, h, tag] of [[1280, 800, '1280'], [390, 844, '390']]) {
      for (const scheme of ['light', 'dark']) {
        await page.setViewportSize({ width: w, height: h });
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForTimeout(400);
        await page.screenshot({ path: `${outDir}/system-${tag}-${scheme}.png`, fullPage: true });
      }
    }
  }
  out.csp.push(...await readCSP(page));
} catch (e) {
  out.fatal = String(e && e.stack || e);
  if (page) {
    out.at = await page.evaluate(() => ({ hash: location.hash, items: [...document.querySelectorAll('ul[aria-label="Events"] > li')].map((l) => l.dataset.event),
      alerts: [...document.querySelectorAll('[role=alert]')].map((a) => a.textContent) })).catch(() => null);
    if (outDir) await page.screenshot({ path: `${outDir}/failed.png` }).catch(() => {});
  }
}
lines.close();
await browser.close();
console.log(JSON.stringify(out));
process.exit(0);
