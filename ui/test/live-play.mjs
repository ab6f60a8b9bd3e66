// Opens nvr's live page for one camera in headless Chromium (Debian's), logs in, lets the player settle
// (SETTLE seconds of currentTime: the join burst of the GOP cache makes the page's latency chasing skip
// ahead, and frames skipped count as dropped), then waits until currentTime has advanced by ADVANCE
// seconds (default 3), within a generous deadline; it reports the frames decoded and dropped over that
// span (getVideoPlaybackQuality).
// NVR_USER=.. NVR_PASSWORD=.. node live-play.mjs URL [ADVANCE [SETTLE]] → one JSON line on stdout.
import { launch } from './lib.mjs';

const [url, advanceArg, settleArg] = process.argv.slice(2);
const advance = Number(advanceArg || 3);
const settle = Number(settleArg || 2);
const browser = await launch();
const out = { errors: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  page.on('console', (m) => { if (m.type() === 'error') out.errors.push(m.text()); });
  page.on('pageerror', (e) => out.errors.push(String(e)));
  await page.goto(url);
  await page.waitForURL(/login\.html/, { timeout: 20000 });
  await page.fill('#user', process.env.NVR_USER || '');
  await page.fill('#password', process.env.NVR_PASSWORD || '');
  await page.click('#submit');
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: 20000 });
  out.errors.splice(0); // the logged-out page's 401 is how it found out it must log in
  // requestVideoFrameCallback does not fire in headless Chromium without a GPU: poll instead.
  await page.waitForFunction(() => {
    const v = document.querySelector('video');
    return v && v.videoWidth > 0 && v.currentTime > 0;
  }, null, { timeout: 60000, polling: 100 });
  const start = await page.evaluate(() => {
    const v = document.querySelector('video');
    window.__seeks = 0;
    v.addEventListener('seeking', () => { window.__seeks++; });
    return v.currentTime;
  });
  await page.waitForFunction((until) => document.querySelector('video').currentTime >= until,
    start + settle, { timeout: 60000, polling: 100 });
  const sample = () => page.evaluate(() => {
    const v = document.querySelector('video');
    const q = v.getVideoPlaybackQuality();
    const b = v.buffered;
    return { currentTime: v.currentTime, frames: q.totalVideoFrames, dropped: q.droppedVideoFrames,
      seeks: window.__seeks || 0, bufferedEnd: b.length ? b.end(b.length - 1) : 0, playbackRate: v.playbackRate,
      videoWidth: v.videoWidth, videoHeight: v.videoHeight };
  });
  out.first = await sample();
  await page.waitForFunction((until) => document.querySelector('video').currentTime >= until,
    out.first.currentTime + advance, { timeout: 60000, polling: 100 });
  out.last = await sample();
} catch (e) {
  out.fatal = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
