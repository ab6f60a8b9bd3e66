// nvr's service worker: shows the Web Push notifications nvrd sends (internal/push: title, body,
// snapshot image, the event's page) and opens that page when one is clicked. It caches nothing.
self.addEventListener('push', (event) => {
  let n = {};
  try { n = event.data ? event.data.json() : {}; } catch (e) { n = { title: 'nvr', body: event.data.text() }; }
  const scope = self.registration.scope;
  const opts = {
    body: n.body || '',
    tag: n.tag || undefined,
    renotify: !!n.tag,
    data: { url: new URL(n.url || '#/events', scope).href },
  };
  // The snapshot, where the browser shows images in notifications (Chromium on desktop and Android).
  if (n.image) opts.image = new URL(n.image, scope).href;
  event.waitUntil(self.registration.showNotification(n.title || 'nvr', opts));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || self.registration.scope;
  event.waitUntil((async () => {
    const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const w of wins) {
      if (w.url.startsWith(self.registration.scope) && 'focus' in w) {
        await w.focus();
        try { await w.navigate(url); return; } catch (e) { /* not controlled by this worker: open a window */ }
      }
    }
    await self.clients.openWindow(url);
  })());
});

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
