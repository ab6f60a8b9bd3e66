// Plays an H.265 recording in headless Chromium (Debian's, which has no HEVC decoder) on the timeline
// and in the event player, and waits for the sentence that says the browser cannot play it.
//   node hevc-play-check.mjs BASEURL OUTDIR
// Environment: NVR_USER, NVR_PASSWORD; CAM (id); FROM, TO (the timeline window, ms); CLICK (ms inside the
// recording). Prints one JSON line: {errors, fatal, result}; the Go test judges it
// (internal/e2e/hevc_play_test.go).
import { chromium } from 'playwright-core';

const [base, outDir] = process.argv.slice(2);
const env = process.env;
const num = (k) => Number(env[k]);
const SENTENCE = /This recording is H\.265 \(HEVC\), which this browser cannot play; download it as MP4/;
const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
});
const out = { errors: [], result: {} };
const res = out.result;

async function shots(page, name) {
  if (!outDir) return;
  for (const [w, h, tag] of [[1280, 800, '1280'], [390, 844, '390']]) {
    for (const scheme of ['light', 'dark']) {
      await page.setViewportSize({ width: w, height: h });
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(300);
      await page.screenshot({ path: `${outDir}/${name}-${tag}-${scheme}.png` });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}

try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e)));
  res.mse = await page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="hvc1.1.6.L93.B0"'));
  const cam = env.CAM;
  await page.goto(`${base}/#/timeline/${encodeURIComponent(cam)}?from=${num('FROM')}&to=${num('TO')}`);
  await page.waitForURL(/login\.html/, { timeout: 30000 });
  await page.getByLabel('User name').fill(env.NVR_USER);
  await page.getByLabel('Password').fill(env.NVR_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: 30000 });

  // The timeline: click inside the recording; the sentence appears where the video would play.
  const row = page.locator(`.tl-row[data-tl-camera="${cam}"]`);
  await row.locator('.tl-span').first().waitFor({ timeout: 30000 });
  const box = await row.boundingBox();
  const x = await page.evaluate(([ms, from, to]) => {
    const r = document.querySelector('.tl-tracks').getBoundingClientRect();
    return r.left + ((ms - from) / (to - from)) * r.width;
  }, [num('CLICK'), num('FROM'), num('TO')]);
  await page.mouse.click(x, box.y + box.height / 2);
  const tl = page.getByText(SENTENCE);
  await tl.waitFor({ state: 'visible', timeout: 30000 });
  res.timeline = await tl.innerText();
  await shots(page, 'hevc-timeline');

  // The event player: open the manual recording's event.
  await page.getByRole('link', { name: 'Events' }).click();
  const first = page.locator('ul[aria-label="Events"] > li > a').first();
  await first.waitFor({ timeout: 30000 });
  await first.click();
  await page.getByRole('region', { name: 'Event player' }).waitFor({ timeout: 30000 });
  const ev = page.getByRole('region', { name: 'Event player' }).getByText(SENTENCE);
  await ev.waitFor({ state: 'visible', timeout: 30000 });
  res.event = await ev.innerText();
  res.download = await ev.getByRole('link', { name: 'download it as MP4' }).getAttribute('href');
  await shots(page, 'hevc-event');
} catch (e) {
  out.fatal = String(e && e.stack ? e.stack : e);
}
await browser.close();
console.log(JSON.stringify(out));
