// Scaffolding shared by the browser checks (ui/test/*.mjs): Debian's Chromium (never a downloaded one)
// with the team's flags, the Content-Security-Policy violations of a visit, and the login form.
import { chromium } from 'playwright-core';

/** chromiumFlags are the flags every check launches Chromium with (docs: brief, "Headless Chromium"). */
export const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
  '--autoplay-policy=no-user-gesture-required'];

/** launch starts headless Chromium ($CHROMIUM, else /usr/bin/chromium) with chromiumFlags and extra. */
export function launch(extra = []) {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: [...chromiumFlags, ...extra] });
}

/**
 * watchCSP keeps every Content-Security-Policy violation on any page the tab visits in sessionStorage,
 * which survives the same-origin navigations (login, then the app); readCSP returns them.
 */
export async function watchCSP(page) {
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const seen = JSON.parse(sessionStorage.getItem('nvr-csp') || '[]');
      seen.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
      sessionStorage.setItem('nvr-csp', JSON.stringify(seen));
    });
  });
}

/** readCSP returns the violations watchCSP kept in this tab. */
export function readCSP(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('nvr-csp') || '[]'));
}

/** fillLogin types user and password into the login form and presses "Log in", by their visible labels. */
export async function fillLogin(page, user, password) {
  await page.getByLabel('User name').fill(user || '');
  await page.getByLabel('Password').fill(password || '');
  await page.getByRole('button', { name: 'Log in' }).click();
}
