// The system page takes its figures from the push stream: it reads GET /api/system once, then the
// "as of" time moves on with nvrd's "system" messages (every 10 s) and no further GET is made.
//   node system-push-check.mjs BASEURL OUTDIR   (NVR_USER, NVR_PASSWORD in the environment)
// Prints one JSON line: {errors, csp, fatal?, gets, asOf: [first, later], sampleRows}.
import { launch, watchCSP, readCSP, fillLogin } from './lib.mjs';

const [base, outDir] = process.argv.slice(2);
const env = process.env;
const browser = await launch();
const out = { errors: [], csp: [], gets: 0, asOf: [] };
let page;
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('console', (m) => { // the login page's own 401 (not logged in yet) is expected
    if (m.type() === 'error' && !/status of 401/.test(m.text())) out.errors.push(m.text());
  });
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/system') out.gets++; });
  await watchCSP(page);
  await page.goto(base + '/');
  await page.waitForURL(/login\.html/, { timeout: 30000 });
  await fillLogin(page, env.NVR_USER, env.NVR_PASSWORD);
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 30000 });
  await page.goto(base + '/#/system');
  const asOf = page.getByText(/^as of /);
  await asOf.waitFor({ timeout: 30000 });
  out.asOf.push(await asOf.innerText());
  // Two pushes (the sampler's pace is 10 s): the time moves on twice.
  for (let i = 0; i < 2; i++) {
    const before = out.asOf[out.asOf.length - 1];
    await page.waitForFunction((b) => {
      const el = [...document.querySelectorAll('span')].find((s) => /^as of /.test(s.textContent));
      return el && el.textContent !== b;
    }, before, { timeout: 40000 });
    out.asOf.push(await asOf.innerText());
  }
  out.sampleRows = await page.locator('table.sys-cams tbody tr').count();
  if (outDir) {
    for (const [w, h, tag] of [[1280, 800, '1280'], [390, 844, '390']]) {
      for (const scheme of ['light', 'dark']) {
        await page.setViewportSize({ width: w, height: h });
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForTimeout(400);
        await page.screenshot({ path: `${outDir}/system-${tag}-${scheme}.png`, fullPage: true });
      }
    }
  }
  out.csp.push(...await readCSP(page));
} catch (e) {
  out.fatal = String(e && e.stack || e);
  if (page && outDir) await page.screenshot({ path: `${outDir}/failed.png` }).catch(() => {});
}
await browser.close();
console.log(JSON.stringify(out));
process.exit(0);
