// Drives the web app's camera groups, Users page permissions and password reset, the tiles' latest-event
// label and the #/account page in headless Chromium, by visible labels and text.
//   node webui2-check.mjs MODE BASEURL OUTDIR  (arguments in the environment: see each mode)
// Prints JSON lines on stdout; the last line is the result. Modes:
//   groups   NVR_USER/NVR_PASSWORD (admin), NVR_CAMERAS (JSON [[id,name],...]), NVR_VIEWER: make groups,
//            set the viewer's permissions and reset their password (NVR_VIEWER_PASSWORD), pick a group on
//            the grid; prints {"grid":...} and waits for "event" on stdin: the tile shows the event's label
//   account  NVR_USER/NVR_PASSWORD (any user), NVR_NEW_PASSWORD: sessions, own password, own tokens
//   hints    NVR_USER/NVR_PASSWORD, NVR_CAMERA_ID (retention set to 45 days): the settings page's hints say
//            which fields are at their default and what it is; "Use the default" then Save
//   shots    NVR_USER/NVR_PASSWORD, NVR_CAMERA_ID: the pages this work touches, 1280×800 and 390×844, light/dark
import { launch, watchCSP, readCSP, fillLogin } from './lib.mjs';
import readline from 'node:readline';

const [mode, base, outDir] = process.argv.slice(2);
const env = process.env;
const browser = await launch();
const out = { mode, errors: [], csp: [], steps: [] };
const step = (s) => { out.steps.push(s); };
const T = 30000;

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  const page = await ctx.newPage();
  // A page whose session another browser ends (page.sessionEnding) may see its live socket refused
  // before it notices and goes to the login page: those errors are expected, not the page's faults.
  page.on('pageerror', (e) => { if (!page.sessionEnding) out.errors.push(String(e && e.stack || e)); });
  page.on('console', (m) => {
    if (m.text().startsWith('DEBUG')) process.stderr.write(m.text() + '\n');
    const api = /\/api\//.test(m.location().url || '');
    if (m.type() === 'error' && !page.sessionEnding && !(api && /status of (4\d\d|503)/.test(m.text()))) out.errors.push(`${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  page.on('dialog', (d) => d.accept());
  await page.addInitScript(() => {
    addEventListener('error', (e) => console.warn('DEBUG error', e.message, e.filename, e.lineno, e.colno, e.error && e.error.stack));
    addEventListener('unhandledrejection', (e) => console.warn('DEBUG rejection', typeof e.reason, e.reason && e.reason.constructor && e.reason.constructor.name, String(e.reason), e.reason && e.reason.stack));
  });
  await watchCSP(page);
  return page;
}

async function collectCSP(page) {
  out.csp.push(...await readCSP(page));
}

async function login(page, user, password) {
  await page.goto(base + '/');
  await page.waitForURL(/login\.html/, { timeout: T });
  await fillLogin(page, user, password);
  await page.waitForURL((u) => !u.pathname.endsWith('login.html'), { timeout: T });
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: T });
}

const tiles = (page) => page.evaluate(() => [...document.querySelectorAll('.grid [data-camera]')].map((t) => t.dataset.camera));
const status = (page, re) => page.getByRole('status').filter({ hasText: re }).first().waitFor({ timeout: T });

try {
  if (mode === 'groups') {
    const cams = JSON.parse(env.NVR_CAMERAS); // [[id, name], ...]
    const name = Object.fromEntries(cams.map(([id, n]) => [id, n]));
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Camera groups' }).waitFor({ timeout: T });
    await page.getByText('No groups yet.').waitFor({ timeout: T });
    // Two groups: Outside with the first and third camera, Inside with the second.
    for (const [g, members] of [['Outside', [cams[0], cams[2]]], ['Inside', [cams[1]]]]) {
      await page.getByLabel('New group name').fill(g);
      await page.getByRole('button', { name: 'Add group' }).click();
      await status(page, `Group ${g} added`);
      for (const [, n] of members) {
        await page.getByLabel(`${n} in ${g}`, { exact: true }).check();
        await status(page, `Group ${g} saved.`);
        await page.getByLabel(`${n} in ${g}`, { exact: true }).isChecked() || (() => { throw new Error(`${n} in ${g} is not checked`); })();
      }
    }
    // Rename Inside to Garage, then delete it.
    await page.getByLabel('Name of group Inside').fill('Garage');
    await page.locator('li.group', { has: page.getByLabel('Name of group Inside') }).getByRole('button', { name: 'Rename' }).click();
    await status(page, 'Group Inside is now called Garage.');
    await page.getByLabel('Name of group Garage').waitFor({ timeout: T });
    if (outDir) await page.screenshot({ path: `${outDir}/groups-made-1280.png`, fullPage: true });
    await page.getByRole('button', { name: 'Delete group Garage' }).click();
    await status(page, 'Group Garage deleted.');
    step({ groupsPage: await page.locator('.groups').innerText() });
    // The viewer's permissions: PTZ and Record now on the first camera, Recordings on the second.
    const viewer = env.NVR_VIEWER;
    await page.locator('.users summary', { hasText: viewer }).click();
    for (const label of [`PTZ of ${cams[0][1]}`, `Record now of ${cams[0][1]}`, `Recordings of ${cams[1][1]}`]) {
      await page.getByLabel(label, { exact: true }).first().check();
      await status(page, `Permissions of ${viewer} saved.`);
    }
    // Reset the viewer's password.
    await page.getByLabel(`New password for ${viewer}`).fill(env.NVR_VIEWER_PASSWORD);
    await page.getByRole('button', { name: 'Reset password' }).first().click();
    await status(page, `The password of ${viewer} is changed`);
    if (outDir) await page.screenshot({ path: `${outDir}/users-perms-1280.png`, fullPage: true });
    // The grid: pick Outside; the address keeps it, and a reload shows the same group.
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByLabel('Group').selectOption({ label: 'Outside (2)' });
    await page.waitForURL(/#\/\?group=Outside$/, { timeout: T });
    await page.waitForFunction(() => document.querySelectorAll('.grid [data-camera]').length === 2, null, { timeout: T });
    const picked = await tiles(page);
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('.grid [data-camera]').length === 2, null, { timeout: T });
    const reloaded = await tiles(page);
    const selected = await page.getByLabel('Group').evaluate((s) => s.options[s.selectedIndex].text);
    // Keyboard: 2 opens the second tile of the group; Esc comes back to the grid of the same group.
    await page.locator('body').press('2');
    await page.waitForURL(/#\/camera\//, { timeout: T });
    const opened = decodeURIComponent(page.url().split('#/camera/')[1]);
    await page.locator('body').press('Escape');
    await page.waitForURL((u) => u.hash === '#/?group=Outside', { timeout: T });
    await page.waitForFunction(() => document.querySelectorAll('.grid [data-camera]').length === 2, null, { timeout: T });
    await page.getByLabel('Group').selectOption({ label: 'All cameras' });
    await page.waitForFunction((n) => document.querySelectorAll('.grid [data-camera]').length === n, cams.length, { timeout: T });
    const all = await tiles(page);
    out.grid = { picked, reloaded, selected, opened, all, names: name };
    console.log(JSON.stringify({ grid: out.grid }));
    // The latest event's label on the tile: pushed while the page is open, and after a reload from /api/events.
    const rl = readline.createInterface({ input: process.stdin });
    const line = await new Promise((res) => rl.once('line', res));
    const id = line.replace(/^event /, '').trim();
    const badge = page.locator(`[data-camera="${id}"] .badge.event`);
    await badge.filter({ hasText: /^recording (now|just now)$/ }).waitFor({ timeout: T });
    const pushed = await badge.innerText();
    await page.reload();
    await badge.filter({ hasText: /^recording (now|just now)$/ }).waitFor({ timeout: T });
    const fetched = await badge.innerText();
    const others = await page.locator('.grid .badge.event').count();
    out.result = { grid: out.grid, pushed, fetched, labels: others };
    if (outDir) await page.screenshot({ path: `${outDir}/grid-event-label-1280.png` });
    await collectCSP(page);
  } else if (mode === 'account') {
    const a = await newPage();
    const b = await newPage();
    await login(a, env.NVR_USER, env.NVR_PASSWORD);
    await login(b, env.NVR_USER, env.NVR_PASSWORD);
    // The nav names the user; it opens the account page.
    await a.getByRole('link', { name: `Your account: ${env.NVR_USER}` }).click();
    await a.getByRole('heading', { name: 'Your account' }).waitFor({ timeout: T });
    const sessions = a.locator('.sessions li');
    await a.waitForFunction(() => document.querySelectorAll('.sessions li').length === 2, null, { timeout: T });
    step({ sessions: await a.locator('.sessions').innerText() });
    // End the other browser's session: it is logged out.
    b.sessionEnding = true;
    await a.getByRole('button', { name: /^End the session from / }).click();
    await status(a, /is logged out/);
    await a.waitForFunction(() => document.querySelectorAll('.sessions li').length === 1, null, { timeout: T });
    await b.reload();
    await b.waitForURL(/login\.html/, { timeout: T });
    step({ endedSessionLoggedOut: true });
    await login(b, env.NVR_USER, env.NVR_PASSWORD);
    b.sessionEnding = false;
    // The own password: a wrong current one is refused beside its field; the right one changes it.
    await a.getByLabel('Current password').fill('not my password');
    await a.getByLabel('New password', { exact: true }).fill(env.NVR_NEW_PASSWORD);
    await a.getByLabel('New password again').fill(env.NVR_NEW_PASSWORD);
    await a.getByRole('button', { name: 'Change password' }).click();
    const wrong = a.locator('#pw-current ~ .field-error');
    await wrong.waitFor({ timeout: T });
    step({ wrongCurrent: await wrong.innerText() });
    if (outDir) await a.screenshot({ path: `${outDir}/account-wrong-password-1280.png`, fullPage: true });
    await a.getByLabel('Current password').fill(env.NVR_PASSWORD);
    await a.getByLabel('New password', { exact: true }).fill(env.NVR_NEW_PASSWORD);
    await a.getByLabel('New password again').fill(env.NVR_NEW_PASSWORD);
    b.sessionEnding = true;
    await a.getByRole('button', { name: 'Change password' }).click();
    await status(a, 'Your password is changed');
    await a.waitForFunction(() => document.querySelectorAll('.sessions li').length === 1, null, { timeout: T });
    step({ afterChange: await sessions.first().innerText() });
    // The other browser was logged out by the change; the new password logs it in.
    await b.reload();
    await b.waitForURL(/login\.html/, { timeout: T });
    await login(b, env.NVR_USER, env.NVR_NEW_PASSWORD);
    b.sessionEnding = false;
    // Own API tokens: created (shown once), listed, revoked.
    await a.getByLabel('Token name').fill('script');
    await a.getByRole('button', { name: 'Create token' }).click();
    const secret = await a.locator('code.secret').innerText();
    await a.getByRole('button', { name: 'Revoke token script' }).waitFor({ timeout: T });
    if (outDir) await a.screenshot({ path: `${outDir}/account-token-1280.png`, fullPage: true });
    await a.getByRole('button', { name: 'Revoke token script' }).click();
    await a.getByRole('button', { name: 'Revoke token script' }).waitFor({ state: 'detached', timeout: T });
    out.result = { secretShown: /^nvr_/.test(secret), steps: out.steps.length };
    await collectCSP(a);
    await collectCSP(b);
  } else if (mode === 'hints') {
    const page = await newPage();
    await login(page, env.NVR_USER, env.NVR_PASSWORD);
    await page.goto(base + '/#/cameras/' + env.NVR_CAMERA_ID);
    const keep = page.getByLabel('Keep (days)');
    await keep.waitFor({ timeout: T });
    const hintOf = (label) => page.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.hint').innerText();
    const before = { keep: await hintOf('Keep (days)'), threshold: await hintOf('Threshold'), idle: await hintOf('Idle interval (s)') };
    await page.getByRole('button', { name: 'Use the default for max age days' }).click();
    const value = await keep.inputValue();
    const after = await hintOf('Keep (days)');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^Saved\./).waitFor({ timeout: T });
    const saved = await hintOf('Keep (days)');
    // A field moved off its default says what the default is.
    await page.getByLabel('Threshold', { exact: true }).fill('3.5');
    const moved = await hintOf('Threshold');
    out.result = { before, value, after, saved, moved };
    await collectCSP(page);
  } else if (mode === 'shots') {
    const id = env.NVR_CAMERA_ID;
    const pages = [['grid', '#/'], ['grid-group', '#/?group=Outside'], ['single', `#/camera/${id}`],
      ['settings', `#/cameras/${id}`], ['users', '#/users'], ['account', '#/account']];
    const shots = [];
    for (const scheme of ['light', 'dark']) {
      for (const [w, h] of [[1280, 800], [390, 844]]) {
        const page = await newPage({ viewport: { width: w, height: h }, colorScheme: scheme });
        await login(page, env.NVR_USER, env.NVR_PASSWORD);
        for (const [name, hash] of pages) {
          await page.goto(base + '/' + hash);
          await page.waitForTimeout(name.startsWith('grid') || name === 'single' ? 4000 : 1500);
          if (name === 'users') for (const s of await page.locator('.users summary').all()) await s.click();
          // Every control has a visible label or an accessible name.
          const unnamed = await page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden]):not([hidden]), select, textarea, button, a[href], video')]
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !el.textContent.trim() && !el.title)
            .map((el) => el.outerHTML.slice(0, 120)));
          if (unnamed.length) out.errors.push(`${name}: controls without a name: ${unnamed.join(' | ')}`);
          const p = `${outDir}/${name}-${w}-${scheme}.png`;
          await page.screenshot({ path: p, fullPage: true });
          shots.push(p);
        }
        // Overflow at the phone width: nothing wider than the viewport.
        const wide = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        if (wide > 0) out.errors.push(`the last page is ${wide} px wider than the ${w} px viewport`);
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
