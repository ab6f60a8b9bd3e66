// Drives the #/settings page in headless Chromium by visible labels, as an administrator would:
//   node settings-check.mjs BASEURL OUTDIR
// Environment: NVR_USER, NVR_PASSWORD; NVR_MQTT_URL (a broker address where nothing answers),
// NVR_HOOK_URL (a local receiver), NVR_HOOK_SECRET, NVR_DEAD_URL (a URL where nothing listens).
// Saves MQTT settings (the password never comes back), adds a webhook and sends a test to the
// receiver (the delivery log says delivered), adds one to the dead URL (the log says why in words),
// then screenshots the page at 1280×800 and 390×844, light and dark, into OUTDIR.
// Prints one JSON line: {errors, csp, steps, fatal, result}.
import { launch, watchCSP, readCSP, fillLogin } from './lib.mjs';

const [base, outDir] = process.argv.slice(2);
const env = process.env;
const browser = await launch();
const out = { errors: [], csp: [], steps: [] };
const step = (s) => out.steps.push(s);

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e && e.stack || e) + ' at ' + page.url()));
  page.on('console', (m) => {
    if (m.text().startsWith('nvr-debug')) out.errors.push(m.text());
    const api = /\/api\//.test(m.location().url || '');
    if (m.type() === 'error' && !(api && /status of (4\d\d|503)/.test(m.text()))) out.errors.push(`${m.text()} (${m.location().url})`);
  });
  await page.addInitScript(() => {
    addEventListener('error', (e) => {
      console.log('nvr-debug error: ' + e.message + ' ' + e.filename + ':' + e.lineno + ':' + e.colno + ' ' + (e.error && e.error.constructor && e.error.constructor.name) + ' ' + JSON.stringify(e.error));
    });
    addEventListener('unhandledrejection', (e) => {
      const r = e.reason;
      console.log('nvr-debug rejection: ' + (r && r.constructor && r.constructor.name) + ' ' + JSON.stringify(r) + ' ' + (r && r.message) + ' ' + (r && r.stack));
    });
  });
  await watchCSP(page);
  return page;
}

async function login(page) {
  await page.goto(base + '/#/settings'); // straight back to the settings page, not the live grid
  await page.waitForURL(/login\.html/, { timeout: 30000 });
  await fillLogin(page, env.NVR_USER, env.NVR_PASSWORD);
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 30000 });
}

const text = (loc) => loc.innerText().catch(() => '');

try {
  const page = await newPage();
  await login(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor({ timeout: 20000 });

  // MQTT: save the settings; the password is kept but not shown again; the state says why it is not connected.
  const mqtt = page.locator('#settings-mqtt');
  await mqtt.getByLabel('Connect to an MQTT broker').check();
  await mqtt.getByLabel('Broker URL').fill(env.NVR_MQTT_URL);
  await mqtt.getByLabel('MQTT user').fill('homeassistant');
  await mqtt.getByLabel('MQTT password').fill('broker secret');
  await mqtt.getByLabel('Topic prefix').fill('house');
  await mqtt.getByRole('button', { name: 'Save MQTT settings' }).click();
  await mqtt.getByText('Saved.').waitFor({ timeout: 20000 });
  await mqtt.getByText('Not connected').waitFor({ timeout: 30000 });
  step({ mqtt_state: await text(mqtt.getByRole('status').first()) });
  await page.reload();
  await mqtt.getByLabel('Broker URL').waitFor({ timeout: 20000 });
  step({ mqtt_after_reload: { url: await mqtt.getByLabel('Broker URL').inputValue(), prefix: await mqtt.getByLabel('Topic prefix').inputValue(),
    password: await mqtt.getByLabel('MQTT password').inputValue(), password_hint: await text(mqtt.getByText('A password is saved')) } });

  // Webhooks: one to the receiver, signed with a secret of ours; "Send test"; the log says delivered.
  const hooks = page.locator('#settings-webhooks');
  await hooks.getByLabel('Webhook URL').fill(env.NVR_HOOK_URL);
  await hooks.getByLabel('Webhook name').fill('Receiver');
  await hooks.getByLabel('Signing secret').fill(env.NVR_HOOK_SECRET);
  await hooks.getByRole('button', { name: 'Add webhook' }).click();
  await hooks.getByText('Its signing secret is shown only now').waitFor({ timeout: 20000 });
  await hooks.getByRole('button', { name: 'Send test to Receiver' }).click();
  const log = hooks.getByRole('list', { name: 'Delivery log' });
  await log.getByText('delivered').first().waitFor({ timeout: 30000 });
  step({ delivered: await text(log.locator('li').first()) });

  // A wrong URL: the log says in words why it failed.
  await hooks.getByLabel('Webhook URL').fill(env.NVR_DEAD_URL);
  await hooks.getByLabel('Webhook name').fill('Nowhere');
  await hooks.getByRole('button', { name: 'Add webhook' }).click();
  await hooks.getByRole('button', { name: 'Send test to Nowhere' }).click();
  await log.getByText('nothing is listening at').first().waitFor({ timeout: 30000 });
  step({ dead: await text(log.locator('li').first()) });

  // Notifications: the section offers this browser's subscription (no push service is reachable here).
  const notes = page.locator('#settings-notifications');
  step({ notifications: await text(notes.getByRole('button', { name: 'Subscribe this browser' })) });

  // The service worker shows a push message as nvrd sends it (delivered through DevTools, as no push
  // service is reachable here): title, body, the snapshot as image, the event's page to open.
  await page.context().grantPermissions(['notifications'], { origin: base });
  const cdp = await page.context().newCDPSession(page);
  const regs = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => regs.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  await page.evaluate(async () => { await navigator.serviceWorker.register('sw.js'); await navigator.serviceWorker.ready; });
  for (let i = 0; i < 40 && !regs.some((r) => !r.isDeleted); i++) await page.waitForTimeout(100);
  const reg = regs.find((r) => !r.isDeleted);
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId: reg.registrationId, data: env.NVR_PUSH_PAYLOAD });
  let shown = [];
  for (let i = 0; i < 80 && shown.length === 0; i++) {
    await page.waitForTimeout(250);
    shown = await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications())
      .map((n) => ({ title: n.title, body: n.body, image: n.image, url: n.data && n.data.url, tag: n.tag })));
  }
  step({ notification: shown });
  out.csp.push(...await readCSP(page));
  await page.context().close();

  // Screenshots: one login, the page at each size in light and dark.
  const shots = [];
  const p2 = await newPage();
  await login(p2);
  for (const scheme of ['light', 'dark']) {
    for (const [w, h] of [[1280, 800], [390, 844]]) {
      await p2.emulateMedia({ colorScheme: scheme });
      await p2.setViewportSize({ width: w, height: h });
      await p2.goto(base + '/#/settings');
      await p2.reload();
      await p2.getByRole('list', { name: 'Delivery log' }).waitFor({ timeout: 20000 });
      await p2.waitForTimeout(500);
      const f = `${outDir}/settings-page-${w}-${scheme}.png`;
      await p2.screenshot({ path: f, fullPage: true });
      shots.push(f);
      if (w === 390) {
        const wide = await p2.evaluate(() => document.documentElement.scrollWidth);
        if (wide > 390) out.errors.push(`the settings page is ${wide} px wide on a 390 px phone`);
      }
    }
  }
  out.csp.push(...await readCSP(p2));
  await p2.context().close();
  out.result = { shots };
} catch (e) {
  out.fatal = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
process.exit(0);
