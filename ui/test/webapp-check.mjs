// Drives nvr's web app in headless Chromium (Debian's) as a person does, by visible labels and text.
//   node webapp-check.mjs MODE BASEURL OUTDIR  (arguments in the environment: see each mode)
// Prints one JSON line per step on stdout; the last line is the result. Modes:
//   wizard  NVR_SETUP_URL, NVR_CAMERA_URL, NVR_EXPECT_PROBE(1/0): setup link → admin → Add camera → play
//   grid    NVR_USER/NVR_PASSWORD: 2×2 grid plays; waits for "killed <id>" on stdin; that tile recovers
//   viewer  NVR_USER/NVR_PASSWORD: the grid and the push stream show only the allowed cameras
//   shots   NVR_USER/NVR_PASSWORD, NVR_CAMERA_ID: every page at 1280×800 and 390×844, light and dark
import { launch, watchCSP, readCSP, fillLogin } from './lib.mjs';
import readline from 'node:readline';

const [mode, base, outDir] = process.argv.slice(2);
const env = process.env;
const browser = await launch();
const out = { mode, errors: [], csp: [], steps: [] };
const step = (s) => { out.steps.push(s); };

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('console', (m) => {
    // The browser logs every API answer of 4xx/503 (a 401 before logging in, a probe's 422): the app
    // shows those to the user as the server's sentence, so only other errors count.
    const api = /\/api\//.test(m.location().url || '');
    if (m.type() === 'error' && !(api && /status of (4\d\d|503)/.test(m.text()))) out.errors.push(`${m.text()} (${m.location().url}:${m.location().lineNumber})`);
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

// tileTimes returns {id: [currentTime, videoWidth, placeholder text]} of every tile.
const tileTimes = (page) => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-camera]')].map((t) => {
  const v = t.querySelector('video');
  const ph = t.querySelector('.placeholder');
  return [t.dataset.camera, [v ? v.currentTime : -1, v ? v.videoWidth : 0, ph ? ph.textContent : '']];
})));

async function waitPlaying(page, ids, timeout = 60000) {
  const t0 = Date.now();
  let first = null;
  for (;;) {
    const t = await tileTimes(page);
    if (!first && ids.every((id) => t[id] && t[id][1] > 0 && t[id][0] > 0.2)) first = t;
    if (first && ids.every((id) => t[id][0] > first[id][0] + 1.0)) return t;
    if (Date.now() - t0 > timeout) throw new Error(`tiles did not play within ${timeout / 1000} s: ${JSON.stringify(t)}`);
    await page.waitForTimeout(250);
  }
}

try {
  if (mode === 'wizard') {
    const page = await newPage();
    // Before the first administrator exists, the plain address says so and how to proceed.
    await page.goto(base + '/');
    await page.getByRole('heading', { name: 'Welcome to nvr' }).waitFor({ timeout: 30000 });
    step({ notSetUp: await page.locator('main').innerText() });
    if (outDir) await page.screenshot({ path: `${outDir}/not-set-up-1280.png` });
    await page.goto(env.NVR_SETUP_URL);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByText('No cameras yet').waitFor({ timeout: 30000 });
    if (outDir) await page.screenshot({ path: `${outDir}/empty-grid-1280.png` });
    await page.getByRole('link', { name: 'Add camera' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('Garden');
    const u = new URL(env.NVR_CAMERA_URL);
    const user = decodeURIComponent(u.username); const pw = decodeURIComponent(u.password);
    u.username = ''; u.password = '';
    const answer = page.locator('.probe, .probe-error');
    const test = async () => {
      await page.getByRole('button', { name: 'Test connection' }).click();
      await answer.first().waitFor({ timeout: 30000 });
      return answer.first().innerText();
    };
    // Bad input first: a wrong password, then a port where nothing answers; each gets a sentence.
    await page.getByLabel('URL', { exact: true }).fill(u.toString());
    await page.getByLabel('User', { exact: true }).fill(user || 'nobody');
    await page.getByLabel('Password', { exact: true }).fill('wrong-password');
    step({ wrongPassword: await test() });
    const dead = new URL(u.toString()); dead.port = '9';
    await page.getByLabel('URL', { exact: true }).fill(dead.toString());
    step({ deadPort: await test() });
    if (outDir) await page.screenshot({ path: `${outDir}/add-camera-error-1280.png` });
    await page.getByLabel('URL', { exact: true }).fill(u.toString());
    await page.getByLabel('User', { exact: true }).fill(user);
    await page.getByLabel('Password', { exact: true }).fill(pw);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await answer.first().waitFor({ timeout: 30000 });
    step({ probe: await answer.first().innerText() });
    if (outDir) await page.screenshot({ path: `${outDir}/add-camera-tested-1280.png` });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/#\/camera\//, { timeout: 30000 });
    const id = decodeURIComponent(page.url().split('#/camera/')[1]);
    step({ saved: id });
    await waitPlaying(page, [id]);
    await page.goto(base + '/#/');
    await page.locator(`[data-camera="${id}"] video`).waitFor({ timeout: 30000 });
    out.result = await waitPlaying(page, [id]);
    out.camera = id;
    await collectCSP(page);
  } else if (mode === 'grid') {
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    await page.goto(base + '/#/');
    await page.getByRole('button', { name: '2×2' }).click();
    await page.locator('[data-camera] video').nth(3).waitFor({ timeout: 30000 });
    const ids = await page.evaluate(() => [...document.querySelectorAll('[data-camera]')].map((t) => t.dataset.camera));
    await waitPlaying(page, ids);
    console.log(JSON.stringify({ ready: ids }));
    const rl = readline.createInterface({ input: process.stdin });
    const line = await new Promise((res) => rl.once('line', res));
    const killed = line.replace(/^killed /, '').trim();
    const t0 = Date.now();
    // Sample every tile; the killed one must play again by itself, the others must keep going.
    let last = await tileTimes(page);
    const lastMove = Object.fromEntries(ids.map((id) => [id, Date.now()]));
    const worstStall = Object.fromEntries(ids.map((id) => [id, 0]));
    let stalledAt = 0; let recoveredAt = 0; let sawProblem = '';
    while (Date.now() - t0 < 60000) {
      await page.waitForTimeout(250);
      const t = await tileTimes(page);
      const now = Date.now();
      for (const id of ids) {
        if (t[id][0] !== last[id][0] && t[id][1] > 0) lastMove[id] = now;
        worstStall[id] = Math.max(worstStall[id], now - lastMove[id]);
      }
      if (t[killed][2]) sawProblem = t[killed][2];
      if (!stalledAt && now - lastMove[killed] > 1000) stalledAt = now;
      if (stalledAt && !recoveredAt && now - lastMove[killed] < 300 && t[killed][1] > 0 && !t[killed][2]) recoveredAt = now;
      last = t;
      if (recoveredAt && now - recoveredAt > 3000) break;
    }
    out.result = { killed, stalledMs: stalledAt ? stalledAt - t0 : -1, recoveredMs: recoveredAt ? recoveredAt - t0 : -1, worstStall, sawProblem };
    if (outDir) await page.screenshot({ path: `${outDir}/grid-2x2-1280.png` });
    await collectCSP(page);
  } else if (mode === 'viewer') {
    // The administrator adds the viewer on the Users page, with live access to one camera.
    const admin = await newPage();
    await login(admin, env.NVR_ADMIN_USER, env.NVR_ADMIN_PASSWORD);
    await admin.getByRole('link', { name: 'Users' }).click();
    await admin.getByRole('heading', { name: 'Add user' }).waitFor();
    await admin.getByLabel('User name').fill(env.NVR_USER);
    await admin.getByLabel('Password', { exact: true }).fill(env.NVR_PASSWORD);
    await admin.getByLabel('Role').selectOption('viewer');
    await admin.getByLabel(`Live of ${env.NVR_CAMERA_NAME}`, { exact: true }).last().check();
    await admin.getByRole('button', { name: 'Add user' }).click();
    await admin.locator('.users summary', { hasText: env.NVR_USER }).waitFor({ timeout: 30000 });
    await admin.locator('.users summary', { hasText: env.NVR_USER }).click();
    if (outDir) await admin.screenshot({ path: `${outDir}/users-added-1280.png`, fullPage: true });
    await collectCSP(admin);
    await admin.context().close();
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    await page.goto(base + '/#/');
    await page.locator('[data-camera]').first().waitFor({ timeout: 30000 });
    const tiles = await page.evaluate(() => [...document.querySelectorAll('[data-camera]')].map((t) => t.dataset.camera));
    const ids = await waitPlaying(page, tiles).then(() => tiles);
    // The push stream: what cameras does it name in 3 s?
    const streamed = await page.evaluate(() => new Promise((res) => {
      const seen = new Set();
      const es = new EventSource('api/stream');
      const done = () => { es.close(); res([...seen]); };
      let t = setTimeout(done, 20000); // no message at all: the Go side fails on the empty list
      for (const k of ['camera', 'motion', 'event']) es.addEventListener(k, (m) => {
        const d = JSON.parse(m.data);
        seen.add(d.camera || (d.event && d.event.camera));
        if (k === 'camera' && seen.size === 1) { clearTimeout(t); t = setTimeout(done, 3000); } // and 3 s more of whatever follows
      });
    }));
    const nav = await page.locator('header nav').innerText();
    out.result = { tiles: ids, streamed, nav };
    if (outDir) await page.screenshot({ path: `${outDir}/viewer-grid-1280.png` });
    await collectCSP(page);
  } else if (mode === 'motion') {
    // Drag the motion graph's threshold line up; the saved threshold changes.
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    await page.goto(base + '/#/cameras/' + env.NVR_CAMERA_ID);
    await page.getByText('Waiting for motion scores').waitFor({ state: 'detached', timeout: 30000 });
    const plot = page.locator('.motion-graph .plot');
    const over = page.locator('.motion-graph .u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    const lineY = Number(await plot.getAttribute('data-threshold-y'));
    const x = box.x + box.width / 2;
    await page.mouse.move(x, box.y + lineY);
    await page.mouse.down();
    await page.mouse.move(x, box.y + lineY - 20, { steps: 4 });
    await page.mouse.move(x, box.y + box.height * 0.3, { steps: 6 });
    await page.mouse.up();
    await page.getByText(/Threshold set to/).waitFor({ timeout: 30000 });
    const said = await page.getByText(/Threshold set to/).innerText();
    // Draw a zone with three clicks on the snapshot, finish it, save.
    await page.getByRole('button', { name: 'Add zone' }).click();
    const canvas = page.locator('.zone-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const cb = await canvas.boundingBox();
    for (const [fx, fy] of [[0.1, 0.2], [0.6, 0.2], [0.35, 0.8]]) await page.mouse.click(cb.x + cb.width * fx, cb.y + cb.height * fy);
    await page.getByRole('button', { name: 'Finish zone' }).click();
    // Move the third corner by dragging it.
    await canvas.scrollIntoViewIfNeeded();
    const cb2 = await canvas.boundingBox(); // clicking Finish may have scrolled the page
    const third = page.locator('.corner.zones').nth(2);
    const tb = await third.boundingBox();
    await page.mouse.move(tb.x + tb.width / 2, tb.y + tb.height / 2);
    await page.mouse.down();
    await page.mouse.move(cb2.x + cb2.width * 0.4, cb2.y + cb2.height * 0.85, { steps: 5 });
    await page.mouse.move(cb2.x + cb2.width * 0.5, cb2.y + cb2.height * 0.9, { steps: 5 });
    await page.mouse.up();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^Saved\./).waitFor({ timeout: 30000 });
    out.result = { said };
    if (outDir) await page.screenshot({ path: `${outDir}/motion-drag-1280.png`, fullPage: true });
    await collectCSP(page);
  } else if (mode === 'shots') {
    const id = env.NVR_CAMERA_ID;
    const pages = [['grid', '#/'], ['single', `#/camera/${id}`], ['add-camera', '#/cameras/new'],
      ['settings', `#/cameras/${id}`], ['users', '#/users'], ['missing', '#/nowhere']];
    const shots = [];
    for (const scheme of ['light', 'dark']) {
      for (const [w, h] of [[1280, 800], [390, 844]]) {
        const page = await newPage({ viewport: { width: w, height: h }, colorScheme: scheme });
        await page.goto(base + '/login.html');
        await page.screenshot({ path: `${outDir}/login-${w}-${scheme}.png` });
        await login(page, env.NVR_USER, env.NVR_PASSWORD);
        for (const [name, hash] of pages) {
          await page.goto(base + '/' + hash);
          await page.waitForTimeout(name === 'grid' || name === 'single' ? 4000 : 1200);
          if (name === 'add-camera') {
            await page.getByLabel('Name', { exact: true }).fill('Gate');
            await page.getByLabel('URL', { exact: true }).fill('rtsp://127.0.0.1:9/none');
            await page.getByRole('button', { name: 'Test connection' }).click();
            await page.locator('.probe, .probe-error').first().waitFor({ timeout: 30000 }).catch(() => {});
          }
          const p = `${outDir}/${name}-${w}-${scheme}.png`;
          await page.screenshot({ path: p, fullPage: true });
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
