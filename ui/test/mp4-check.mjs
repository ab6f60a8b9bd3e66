// Plays an MP4 file the way a person opening a downloaded export would, in headless Chromium (Debian's,
// never a downloaded one): node mp4-check.mjs PAGE_URL... → one JSON line on stdout, an array with one
// result per page. Each page holds one <video>. For each it reports the duration and size the browser
// reads, then plays, seeks to 70 % of the duration (paused), plays on at 4× to the end and counts the
// decoded frames.
import { launch } from './lib.mjs';

const urls = process.argv.slice(2);
const browser = await launch();
const results = [];
for (const url of urls) results.push(await check(url));
await browser.close();
console.log(JSON.stringify(results));

async function check(url) {
const out = { errors: [] };
try {
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') out.errors.push(m.text()); });
  page.on('pageerror', (e) => out.errors.push(String(e)));
  await page.goto(url);
  const r = await page.evaluate(async () => {
    const v = document.querySelector('video');
    const when = (ev, ms) => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${ev} event within ${ms} ms (error: ${v.error && v.error.message})`)), ms);
      v.addEventListener(ev, () => { clearTimeout(t); resolve(); }, { once: true });
    });
    if (v.readyState < 1) await when('loadedmetadata', 15000);
    const res = { duration: v.duration, videoWidth: v.videoWidth, videoHeight: v.videoHeight };
    v.muted = true;
    await v.play();
    const t0 = performance.now();
    while (v.currentTime < 0.5) {
      if (performance.now() - t0 > 15000) throw new Error(`playback did not start (currentTime ${v.currentTime})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Paused, so that the position read after the seek is where the seek landed.
    v.pause();
    const target = v.duration * 0.7;
    const seeked = when('seeked', 15000);
    v.currentTime = target;
    await seeked;
    res.seekedTo = v.currentTime;
    res.seekTarget = target;
    v.playbackRate = 4;
    const ended = when('ended', 30000);
    await v.play();
    await ended;
    res.endTime = v.currentTime;
    res.frames = v.getVideoPlaybackQuality().totalVideoFrames;
    res.errorCode = v.error ? v.error.code : 0;
    return res;
  });
  Object.assign(out, r);
  await page.close();
} catch (e) {
  out.fatal = String(e);
}
return out;
}
