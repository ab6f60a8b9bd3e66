// Opens nvr's live page in headless Chromium (Debian's, never a downloaded one) and reports whether the
// video plays: NVR_USER=.. NVR_PASSWORD=.. node live-check.mjs URL SCREENSHOT.png → one JSON line on stdout.
// It starts logged out, so it also proves the login page works and brings the user back to the URL.
import { launch, watchCSP, readCSP } from './lib.mjs';

const [url, shot] = process.argv.slice(2);
const browser = await launch([
    // NVR_SPKI: accept exactly nvrd's self-signed certificate (by its public key's SHA-256), nothing else.
    ...(process.env.NVR_SPKI ? ['--ignore-certificate-errors-spki-list=' + process.env.NVR_SPKI] : [])
]);
const out = { errors: [], csp: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  page.on('console', (m) => { if (m.type() === 'error') out.errors.push(m.text()); });
  page.on('pageerror', (e) => out.errors.push(String(e)));
  // Every Content-Security-Policy violation on any page of the visit (login, then live) is kept in
  // sessionStorage, which survives the same-origin navigations, and read at the end.
  await watchCSP(page);
  const first = await page.goto(url);
  out.cspHeader = (first && first.headers()['content-security-policy']) || '';
  // Not logged in: the page sends us to the login form; log in as a user would.
  await page.waitForURL(/login\.html/, { timeout: 60000 });
  out.loginPage = true;
  await page.fill('#user', process.env.NVR_USER || '');
  await page.fill('#password', process.env.NVR_PASSWORD || '');
  await page.click('#submit');
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: 60000 });
  out.afterLogin = page.url();
  // The logged-out page's 401 is how it found out it must log in; only errors after login count.
  out.beforeLogin = out.errors.splice(0);
  // requestVideoFrameCallback does not fire in headless Chromium without a GPU: poll instead.
  await page.waitForFunction(() => {
    const v = document.querySelector('video');
    return v && v.videoWidth > 0 && v.currentTime > 0.3;
  }, null, { timeout: 60000, polling: 100 });
  const sample = () => page.evaluate(() => {
    const v = document.querySelector('video');
    const q = v.getVideoPlaybackQuality();
    const b = v.buffered;
    return {
      currentTime: v.currentTime, videoWidth: v.videoWidth, videoHeight: v.videoHeight,
      frames: q.totalVideoFrames, bufferedEnd: b.length ? b.end(b.length - 1) : 0,
      status: document.getElementById('cam-status').textContent,
    };
  });
  out.first = await sample();
  await page.waitForTimeout(3000);
  out.second = await sample();
  // The picture is really drawn: paint the video into a canvas and count non-black pixels.
  out.litPixels = await page.evaluate(() => {
    const v = document.querySelector('video');
    const c = document.createElement('canvas');
    c.width = 160; c.height = 90;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0, c.width, c.height);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 60) lit++;
    return lit;
  });
  if (shot) await page.screenshot({ path: shot });
  out.csp = await readCSP(page);
} catch (e) {
  out.fatal = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
