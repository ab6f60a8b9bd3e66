// Settings (#/settings): one module per section. Administrators see every section; other users only
// their own browser notifications. Each section loads and saves on its own.
import { html } from '../components/html.js';
import { MQTTSection } from './settings-mqtt.js';
import { WebhooksSection } from './settings-webhooks.js';
import { NotificationsSection } from './settings-notifications.js';
// Security (TLS fingerprint, export-signing key) comes from its own module.
import { SecuritySection } from './settings-security.js';

/** sections are the page's parts in order: [id, title, component, admin only]. Add a section here. */
const sections = [
  ['mqtt', 'MQTT and Home Assistant', MQTTSection, true],
  ['webhooks', 'Webhooks', WebhooksSection, true],
  ['notifications', 'Notifications', NotificationsSection, false],
  ['security', 'Security', SecuritySection, true],
];

/** SettingsPage shows the sections the user may change, with a table of contents. */
export function SettingsPage({ user, cameras }) {
  const admin = user.role === 'admin';
  const shown = sections.filter((s) => admin || !s[3]);
  return html`<main class="narrow settings">
    <h1>Settings</h1>
    <nav class="toc" aria-label="Settings sections">
      ${shown.map(([id, title]) => html`<a href=${'#/settings'} onClick=${(e) => { e.preventDefault(); document.getElementById('settings-' + id)?.scrollIntoView(); }}>${title}</a>`)}
    </nav>
    ${shown.map(([id, title, Section]) => html`<section class="card" id=${'settings-' + id} aria-labelledby=${'h-settings-' + id} key=${id}>
      <h2 id=${'h-settings-' + id}>${title}</h2>
      <${Section} user=${user} cameras=${cameras} />
    </section>`)}
  </main>`;
}
