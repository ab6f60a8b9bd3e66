// Opens an object event in the events page's player and reads the boxes drawn as the playhead moves.
//   node sightings-check.mjs BASEURL OUTDIR EVENTID UNTIL SHOTAT   (NVR_USER, NVR_PASSWORD in the environment)
// It samples the wall clock shown and the boxes drawn every ~120 ms while the recording plays, until
// the wall clock reaches UNTIL (ms since the epoch); at SHOTAT it pauses for screenshots (1280×800 and
// 390×844, light and dark). Prints one JSON line: {samples: [{wall, t, boxes: [{x, y, t}], labels}],
// errors, csp, fatal}.
import { chromium } from 'playwright-core';

const [base, outDir, evId, targetsArg, shotAt] = process.argv.slice(2);
const env = process.env;
const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
});
const out = { errors: [], csp: [], samples: [] };
let page;
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of (4\d\d|503)/.test(m.text())) out.errors.push(m.text()); });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const seen = JSON.parse(sessionStorage.getItem('nvr-csp') || '[]');
      seen.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
      sessionStorage.setItem('nvr-csp', JSON.stringify(seen));
    });
  });
  await page.goto(base + '/');
  await page.waitForURL(/login\.html/, { timeout: 30000 });
  await page.getByLabel('User name').fill(env.NVR_USER);
  await page.getByLabel('Password').fill(env.NVR_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 30000 });
  await page.getByRole('link', { name: 'Events' }).click();
  await page.getByRole('heading', { name: 'Events' }).waitFor({ timeout: 30000 });
  // Open the event from the list by its link.
  await page.locator(`li[data-event="${evId}"] > a`).waitFor({ timeout: 30000 });
  const name = await page.locator(`li[data-event="${evId}"] > a`).getAttribute('aria-label');
  await page.getByRole('link', { name }).click();
  await page.getByRole('region', { name: 'Event player' }).waitFor({ timeout: 30000 });
  // Wait for the first frame and the wall clock, then pause: the test moves the playhead itself.
  await page.waitForFunction(() => {
    const v = document.querySelector('.rec-player video');
    const c = document.querySelector('.wallclock');
    return v && v.videoWidth > 0 && c && Number(c.dataset.wall || 0) > 0;
  }, null, { timeout: 60000 });
  // Sample the clock and the boxes as the recording plays (the remuxed MP4 plays from its start; it
  // is not seekable before it has loaded); pause for the screenshots at SHOTAT.
  const read = () => page.evaluate(() => ({
    wall: Number(document.querySelector('.wallclock').dataset.wall),
    t: document.querySelector('.rec-player video').currentTime,
    boxes: [...document.querySelectorAll('.rec-boxes rect')].map((r) => ({ x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')), t: Number(r.dataset.t) })),
    labels: [...document.querySelectorAll('.rec-box-label')].map((l) => l.textContent.trim()),
  }));
  const last = Math.max(...targetsArg.split(',').map(Number));
  let shot = !outDir;
  const t0 = Date.now();
  for (;;) {
    const s = await read();
    out.samples.push(s);
    if (s.wall >= last) break;
    if (Date.now() - t0 > 90000) throw new Error('the recording did not play to the end of the event within 90 s: ' + JSON.stringify(s));
    if (!shot && s.wall >= Number(shotAt)) {
      shot = true;
      await page.evaluate(() => document.querySelector('.rec-player video').pause());
      for (const [w, h, tag] of [[1280, 800, '1280'], [390, 844, '390']]) {
        for (const scheme of ['light', 'dark']) {
          await page.setViewportSize({ width: w, height: h });
          await page.emulateMedia({ colorScheme: scheme });
          await page.waitForTimeout(300);
          await page.screenshot({ path: `${outDir}/event-boxes-${tag}-${scheme}.png` });
        }
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.evaluate(() => document.querySelector('.rec-player video').play());
    }
    await page.waitForTimeout(120);
  }
  out.csp.push(...await page.evaluate(() => JSON.parse(sessionStorage.getItem('nvr-csp') || '[]')));
} catch (e) {
  out.fatal = String(e && e.stack || e);
  if (page && outDir) await page.screenshot({ path: `${outDir}/boxes-failed.png` }).catch(() => {});
}
await browser.close();
console.log(JSON.stringify(out));
process.exit(0);
