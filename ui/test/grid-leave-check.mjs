// Leaving the live grid while its tiles are still loading must not throw: log in, open the #/ grid
// (live cameras and a dead one), and leave it again at once, many times, at staggered moments (from
// right after the first tile's socket opens to a second later), then once more right after logging in.
//   NVR_USER=.. NVR_PASSWORD=.. [NVR_ROUNDS=24] node grid-leave-check.mjs BASEURL
// Prints one JSON line: {errors: [uncaught page errors], thrown: [what was thrown, in words], rounds, sockets}. Without the custom loader
// (components/liveLoader.js) mpegts.js's own WebSocket loader throws its RuntimeException here.
import { launch, fillLogin } from './lib.mjs';

const base = process.argv[2];
const env = process.env;
const rounds = Number(env.NVR_ROUNDS || 24);
const browser = await launch();
const out = { errors: [], rounds: 0, sockets: 0 };
let page;
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(`${e.name || 'Error'}: ${e.message || e}` + (e.stack ? ` (${e.stack.split('\n').slice(1, 3).join(' | ').trim()})` : '')));
  // The thrown object itself (mpegts.js throws its own RuntimeException, not an Error), in words.
  await page.addInitScript(() => {
    const keep = (v) => { try { window.__thrown = [...(window.__thrown || []), String(v && v.toString ? v.toString() : v)]; } catch { /* */ } };
    window.addEventListener('error', (e) => keep(e.error !== undefined ? e.error : e.message));
    window.addEventListener('unhandledrejection', (e) => keep(e.reason));
  });
  page.on('websocket', (ws) => { if (ws.url().includes('/live')) out.sockets++; });
  await page.goto(base + '/');
  await page.waitForURL(/login\.html/, { timeout: 30000 });
  await fillLogin(page, env.NVR_USER, env.NVR_PASSWORD);
  // Straight after the login, the grid starts loading: leave it before anything plays.
  await page.waitForSelector('[data-camera] video', { timeout: 60000 });
  await page.evaluate(() => { location.hash = '#/system'; });
  for (let i = 0; i < rounds; i++) {
    await page.evaluate(() => { location.hash = '#/'; });
    await page.waitForSelector('[data-camera] video', { timeout: 60000 });
    // Mostly while the sockets still connect (0 … 0.4 s), every third round later (to 1.1 s: the
    // MediaSource opening, the first bytes).
    await page.waitForTimeout(i % 3 === 2 ? (i * 97) % 1100 : (i * 37) % 400);
    await page.evaluate(() => { location.hash = '#/events'; });
    await page.waitForTimeout(150);
    out.rounds++;
  }
  // Late errors of the sockets and players left behind have time to surface.
  await page.waitForTimeout(4000);
  out.thrown = await page.evaluate(() => window.__thrown || []);
} catch (e) {
  out.fatal = String(e && e.stack || e);
  out.at = await page.evaluate(() => ({ url: location.href, text: document.body.innerText.slice(0, 300) })).catch(() => null);
}
await browser.close();
console.log(JSON.stringify(out));
process.exit(0);
