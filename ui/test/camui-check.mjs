// Drives the camera UI of nvr's web app in headless Chromium by visible labels: live audio and the
// H.265 tile, the ONVIF picker, PTZ controls, the Security settings and the audit page.
//   node camui-check.mjs MODE BASEURL OUTDIR   (arguments in the environment; see each mode)
// Prints one JSON line per step; the last line is the result. Modes:
//   audio   NVR_USER/NVR_PASSWORD, NVR_AAC_ID, NVR_HEVC_ID: muted start, Unmute → audio decodes; H.265 sentence
//   onvif   NVR_USER/NVR_PASSWORD: Find cameras → pick → account → streams → form filled → Save
//   ptz     NVR_USER/NVR_PASSWORD (a viewer with ptz), NVR_CAMERA_ID; then NVR_USER2/NVR_PASSWORD2 (no ptz)
//           prints {"holding":"left"} and waits for "next" on stdin between the steps
//   shots   NVR_USER/NVR_PASSWORD, NVR_CAMERA_ID, NVR_HEVC_ID: the touched pages, 2 sizes × light/dark
import { launch, watchCSP, readCSP, fillLogin } from './lib.mjs';
import readline from 'node:readline';

const [mode, base, outDir] = process.argv.slice(2);
const env = process.env;
const browser = await launch();
const out = { mode, errors: [], csp: [], steps: [] };
const step = (s) => { out.steps.push(s); console.log(JSON.stringify({ step: s })); };
const rl = readline.createInterface({ input: process.stdin });
const lines = [];
let waiter = null;
rl.on('line', (l) => { if (waiter) { const w = waiter; waiter = null; w(l); } else lines.push(l); });
const nextLine = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((res) => { waiter = res; }));

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(`${e.name}: ${e.message} at ${page.url()} ${e.stack || ''}`));
  page.on('console', (m) => {
    if (m.type() === 'warning' && /^nvr-(rejection|error)/.test(m.text())) console.error('[page] ' + m.text());
    const api = /\/api\//.test(m.location().url || '');
    if (m.type() === 'error' && !(api && /status of (4\d\d|502|503)/.test(m.text()))) out.errors.push(`${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  await page.addInitScript(() => {
    // What an uncaught rejection really was (Playwright reports a thrown non-Error as ": e").
    addEventListener('unhandledrejection', (ev) => {
      const r = ev.reason;
      console.warn('nvr-rejection', r && r.constructor && r.constructor.name, r && (r.stack || r.message || JSON.stringify(r)));
    });
    addEventListener('error', (ev) => console.warn('nvr-error', ev.message, ev.filename, ev.lineno, ev.colno, ev.error && ev.error.constructor && ev.error.constructor.name));
  });
  await watchCSP(page);
  return page;
}
async function collectCSP(page) {
  out.csp.push(...await readCSP(page));
}
async function login(page, user, password) {
  await page.goto(base + '/');
  await page.waitForURL(/login\.html/, { timeout: 30000 });
  await fillLogin(page, user, password);
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: 30000 });
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 30000 });
}
// videoState is the single view's video: time, size, muted, audio bytes decoded so far.
const videoState = (page, id) => page.evaluate((id) => {
  const v = document.querySelector(`[data-camera="${id}"] video`);
  return v && { t: v.currentTime, w: v.videoWidth, muted: v.muted, audio: v.webkitAudioDecodedByteCount || 0, video: v.webkitVideoDecodedByteCount || 0 };
}, id);
async function waitFor(what, fn, timeout = 60000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`${what} not within ${timeout / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

try {
  if (mode === 'audio') {
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    const id = env.NVR_AAC_ID;
    await page.goto(base + '/#/camera/' + encodeURIComponent(id));
    const first = await waitFor('the AAC camera playing', async () => { const s = await videoState(page, id); return s && s.w > 0 && s.t > 0.5 && s; });
    const unmute = page.getByRole('button', { name: 'Unmute' });
    await unmute.waitFor({ timeout: 30000 });
    const before = await videoState(page, id);
    await unmute.click();
    await page.getByRole('button', { name: 'Mute' }).waitFor({ timeout: 10000 });
    const after1 = await videoState(page, id);
    const after2 = await waitFor('audio bytes growing after unmute', async () => {
      const s = await videoState(page, id);
      return s.audio > after1.audio && s.t > after1.t + 1 && s;
    }, 30000);
    step({ first, before, after1, after2 });
    if (outDir) await page.screenshot({ path: `${outDir}/single-audio-1280.png` });
    // The H.265 camera in this Chromium: one sentence instead of a black box.
    const hevcSupported = await page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="hvc1.1.6.L93.B0"'));
    await page.goto(base + '/#/camera/' + encodeURIComponent(env.NVR_HEVC_ID));
    let sentence = '';
    if (!hevcSupported) {
      const s = page.getByText(/This browser cannot play H\.265 live/);
      await s.waitFor({ timeout: 30000 });
      sentence = await s.innerText();
    }
    step({ hevcSupported, sentence });
    out.result = { first, before, after1, after2, hevcSupported, sentence,
      subOffered: await page.getByRole('button', { name: 'Play the substream' }).count() };
    if (outDir) await page.screenshot({ path: `${outDir}/single-h265-1280.png` });
    await collectCSP(page);
  } else if (mode === 'onvif') {
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    await page.goto(base + '/#/cameras/new');
    await page.getByRole('button', { name: 'Find cameras' }).click();
    const dev = page.getByRole('button', { name: /Acme Optics PTZ-4000/ });
    await dev.waitFor({ timeout: 30000 });
    const listed = await page.locator('.onvif-list').innerText();
    step({ listed });
    await dev.click();
    await page.getByLabel('ONVIF user').fill(env.NVR_ONVIF_USER);
    // A wrong password first: the camera's refusal in a sentence, nothing filled in.
    await page.getByLabel('ONVIF password').fill('not the password');
    await page.getByRole('button', { name: 'Get streams' }).click();
    const refused = page.locator('.onvif [role=alert]');
    await refused.waitFor({ timeout: 30000 });
    const wrongPassword = await refused.innerText();
    step({ wrongPassword });
    if (outDir) await page.screenshot({ path: `${outDir}/add-camera-onvif-wrong-password-1280.png`, fullPage: true });
    await page.getByLabel('ONVIF password').fill(env.NVR_ONVIF_PASSWORD);
    await page.getByRole('button', { name: 'Get streams' }).click();
    await page.getByRole('group', { name: /Main stream/ }).waitFor({ timeout: 30000 });
    const profiles = await page.locator('.onvif-profiles').innerText();
    step({ profiles });
    if (outDir) await page.screenshot({ path: `${outDir}/add-camera-onvif-1280.png`, fullPage: true });
    await page.getByRole('button', { name: 'Use this camera' }).click();
    const form = {
      name: await page.getByLabel('Name', { exact: true }).inputValue(),
      url: await page.getByLabel('URL', { exact: true }).inputValue(),
      user: await page.getByLabel('User', { exact: true }).inputValue(),
      password: await page.getByLabel('Password', { exact: true }).inputValue(),
    };
    step({ form });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/#\/camera\//, { timeout: 30000 });
    out.camera = decodeURIComponent(page.url().split('#/camera/')[1]);
    out.result = { listed, profiles, form, wrongPassword };
    await collectCSP(page);
  } else if (mode === 'ptz') {
    const id = env.NVR_CAMERA_ID;
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    await page.goto(base + '/#/camera/' + encodeURIComponent(id));
    await page.getByRole('button', { name: 'Pan left' }).waitFor({ timeout: 30000 });
    await waitFor('the PTZ camera playing', async () => { const s = await videoState(page, id); return s && s.w > 0 && s.t > 0.3; });
    await page.locator('h1').click(); // focus on the page, not a field
    // Hold the left arrow: a move left, repeated while held; release: stop.
    await page.keyboard.down('ArrowLeft');
    const pressed = await page.getByRole('button', { name: 'Pan left' }).getAttribute('aria-pressed');
    console.log(JSON.stringify({ holding: 'left', pressed }));
    await nextLine(); // the Go side saw the repeated moves
    await page.keyboard.up('ArrowLeft');
    console.log(JSON.stringify({ released: 'left' }));
    await nextLine(); // the Go side saw the stop
    // Zoom in with the on-video button held by the mouse, released.
    const zin = page.getByRole('button', { name: 'Zoom in' });
    const zb = await zin.boundingBox();
    await page.mouse.move(zb.x + zb.width / 2, zb.y + zb.height / 2);
    await page.mouse.down();
    console.log(JSON.stringify({ holding: 'zoom in' }));
    await nextLine();
    await page.mouse.up();
    console.log(JSON.stringify({ released: 'zoom in' }));
    await nextLine();
    // Presets: go to "Drive", save the position as "Porch".
    await page.getByLabel('Preset', { exact: true }).selectOption({ label: 'Drive' });
    await page.getByRole('button', { name: 'Go to preset' }).click();
    await page.getByText('Moving to Drive.').waitFor({ timeout: 30000 });
    await page.getByLabel('New preset name').fill('Porch');
    await page.getByRole('button', { name: 'Save preset' }).click();
    await page.getByText('Saved this position as Porch.').waitFor({ timeout: 30000 });
    await page.getByLabel('Preset', { exact: true }).locator('option', { hasText: 'Porch' }).waitFor({ state: 'attached', timeout: 30000 });
    const presets = await page.getByLabel('Preset', { exact: true }).innerText();
    if (outDir) await page.screenshot({ path: `${outDir}/single-ptz-1280.png`, fullPage: true });
    // Hold up, then the browser goes away mid-move: nvrd must stop the camera by itself.
    await page.keyboard.down('ArrowUp');
    console.log(JSON.stringify({ holding: 'up' }));
    await nextLine();
    await collectCSP(page);
    // What mpegts.js throws while its page is torn down (a socket closed mid-connect) is no page error.
    page.removeAllListeners('pageerror');
    await page.context().close();
    console.log(JSON.stringify({ closed: true }));
    await nextLine();
    // A viewer without ptz sees no controls.
    const other = await newPage();
    await login(other, env.NVR_USER2, env.NVR_PASSWORD2);
    await other.goto(base + '/#/camera/' + encodeURIComponent(id));
    await other.locator(`[data-camera="${id}"] video`).waitFor({ timeout: 30000 });
    await waitFor('the camera playing for the viewer without ptz', async () => { const s = await videoState(other, id); return s && s.w > 0 && s.t > 0.3; });
    const controls = await other.getByRole('button', { name: /Pan left|Tilt up|Zoom in|Stop/ }).count()
      + await other.getByRole('heading', { name: 'Presets' }).count();
    out.result = { pressed, presets, controlsForViewerWithoutPTZ: controls };
    await collectCSP(other);
  } else if (mode === 'audit') {
    // Filters and paging: NVR_AUDIT_USER's entries, a page of 50 at a time; then only its exports.
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor({ timeout: 30000 });
    // act, then wait for the page's next finished load (data-gen) and read its rows.
    const gen = () => page.locator('.audit-results').getAttribute('data-gen').then(Number);
    const rows = async (act) => {
      const g = await gen();
      await act();
      await waitFor('the audit page to load', async () => (await gen()) > g, 30000);
      return page.locator('table.audit tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText)));
    };
    await waitFor('the first load', async () => (await gen()) > 0, 30000);
    await page.getByLabel('User name').fill(env.NVR_AUDIT_USER);
    const page1 = await rows(() => page.getByRole('button', { name: 'Show' }).click());
    const nextEnabled1 = await page.getByRole('button', { name: 'Next page' }).isEnabled();
    const page2 = await rows(() => page.getByRole('button', { name: 'Next page' }).click());
    const nextEnabled2 = await page.getByRole('button', { name: 'Next page' }).isEnabled();
    const back = await rows(() => page.getByRole('button', { name: 'Previous page' }).click());
    await page.getByLabel('Action').selectOption({ label: 'Export' });
    await page.getByLabel('Camera').selectOption({ label: env.NVR_CAMERA_NAME });
    const exports = await rows(() => page.getByRole('button', { name: 'Show' }).click());
    await page.getByLabel('User name').fill('nobody-at-all');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('No audit entries match').waitFor({ timeout: 30000 });
    out.result = { page1, nextEnabled1, page2, nextEnabled2, back: back.length, exports, empty: true };
    await collectCSP(page);
  } else if (mode === 'export') {
    // The single view's export: the MP4 and its signature, for the span typed in From and To.
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    await page.goto(base + '/#/camera/' + encodeURIComponent(env.NVR_CAMERA_ID));
    const pad = (n) => String(n).padStart(2, '0');
    const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    await page.getByLabel('From', { exact: true }).fill(local(new Date(Date.now() - 5 * 60000)));
    await page.getByLabel('To', { exact: true }).fill(local(new Date(Date.now() + 2 * 60000)));
    const mp4 = page.getByRole('link', { name: 'Download MP4' });
    const sig = page.getByRole('link', { name: 'Download signature (.sig)' });
    await mp4.waitFor({ timeout: 30000 });
    out.result = { mp4: await mp4.getAttribute('href'), sig: await sig.getAttribute('href'),
      mp4File: await mp4.getAttribute('download'), sigFile: await sig.getAttribute('download'),
      verifyHint: await page.locator('#export-h').locator('..').innerText() };
    await collectCSP(page);
  } else if (mode === 'shots') {
    const id = env.NVR_CAMERA_ID;
    const pages = [['grid', '#/'], ['single-ptz', `#/camera/${id}`], ['single-h265', `#/camera/${env.NVR_HEVC_ID}`], ['add-camera-onvif', '#/cameras/new'],
      ['settings-security', '#/settings'], ['audit', '#/audit'], ['audit-empty', '#/audit']];
    const shots = [];
    for (const scheme of ['light', 'dark']) {
      for (const [w, h] of [[1280, 800], [390, 844]]) {
        const page = await newPage({ viewport: { width: w, height: h }, colorScheme: scheme });
        await login(page, env.NVR_USER, env.NVR_PASSWORD);
        for (const [name, hash] of pages) {
          await page.goto(base + '/' + hash);
          await page.waitForTimeout(1000);
          if (name === 'grid') {
            await page.getByRole('button', { name: 'Unmute' }).first().waitFor({ timeout: 30000 }).catch(() => {});
            await page.waitForTimeout(2000);
          } else if (name === 'single-ptz') {
            await waitFor('the camera playing', async () => { const s = await videoState(page, id); return s && s.w > 0 && s.t > 0.3; }).catch(() => {});
          } else if (name === 'single-h265') {
            await page.getByText(/This browser cannot play H\.265 live/).waitFor({ timeout: 30000 }).catch(() => {});
          } else if (name === 'add-camera-onvif') {
            await page.getByRole('button', { name: 'Find cameras' }).click();
            await page.getByRole('button', { name: /Acme Optics/ }).click({ timeout: 30000 });
            await page.getByLabel('ONVIF user').fill(env.NVR_ONVIF_USER);
            await page.getByLabel('ONVIF password').fill(env.NVR_ONVIF_PASSWORD);
            await page.getByRole('button', { name: 'Get streams' }).click();
            await page.getByRole('group', { name: /Main stream/ }).waitFor({ timeout: 30000 });
          } else if (name === 'settings-security') {
            await page.getByText('Key fingerprint').waitFor({ timeout: 30000 });
          } else if (name === 'audit') {
            await page.locator('table.audit').waitFor({ timeout: 30000 });
          } else if (name === 'audit-empty') {
            await page.getByLabel('Action').selectOption({ label: 'Token used' });
            await page.getByLabel('User name').fill('nobody-at-all');
            await page.getByRole('button', { name: 'Show' }).click();
            await page.getByText('No audit entries match').waitFor({ timeout: 30000 });
          }
          const p = `${outDir}/${name}-${w}-${scheme}.png`;
          // The grid at its viewport only: a full-page shot makes every tile visible for a moment, and
          // mpegts.js throws from a WebSocket closed while still connecting (see the report).
          await page.screenshot({ path: p, fullPage: name !== 'grid' });
          shots.push(p);
        }
        await collectCSP(page);
        await page.context().close();
      }
    }
    out.result = { shots };
  }
} catch (e) {
  out.fatal = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
process.exit(0);
