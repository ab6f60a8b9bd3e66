// Loads mpegts.js (a UMD bundle, not an ES module) once with a script element and hands out the
// library object, so no other module reaches for it as a global.
let loading = null;

/** loadMpegts resolves to the mpegts.js library. */
export function loadMpegts() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = 'vendor/mpegts.js';
      s.onload = () => {
        const m = window.mpegts;
        if (!m) { reject(new Error('vendor/mpegts.js did not load: run make setup')); return; }
        // mpegts.js logs every level by default; a page that plays for days keeps what it logs (the
        // browser's console holds on to the last messages): warnings and errors only.
        m.LoggingControl.enableVerbose = false;
        m.LoggingControl.enableDebug = false;
        m.LoggingControl.enableInfo = false;
        resolve(m);
      };
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
