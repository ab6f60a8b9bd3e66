// Loads mpegts.js (a UMD bundle, not an ES module) once with a script element and hands out the
// library object, so no other module reaches for it as a global.
let loading = null;

/** loadMpegts resolves to the mpegts.js library. */
export function loadMpegts() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = 'vendor/mpegts.js';
      s.onload = () => (window.mpegts ? resolve(window.mpegts) : reject(new Error('vendor/mpegts.js did not load: run make setup')));
      s.onerror = () => reject(new Error('vendor/mpegts.js is missing: run make setup'));
      document.head.appendChild(s);
    });
  }
  return loading;
}

/** liveURL is the WebSocket address of camera id's live stream. */
export function liveURL(id) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${location.pathname.replace(/[^/]*$/, '')}api/cameras/${encodeURIComponent(id)}/live`;
}
