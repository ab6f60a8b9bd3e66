// The live WebSocket loader handed to mpegts.js (its customLoader extension point). mpegts.js's own
// WebSocket loader throws an uncaught RuntimeException when a player is destroyed while its socket is
// still connecting (the socket's late error event finds no handler): a tile that scrolls away or a grid
// that switches groups did exactly that. This one detaches the socket's handlers when aborted, so a
// destroyed player hears nothing more; otherwise it does the same: binary messages in, end and errors out.
const classes = new WeakMap();

/** liveLoader returns the loader class for this mpegts.js library object. */
export function liveLoader(mpegts) {
  let C = classes.get(mpegts);
  if (C) return C;
  const { BaseLoader, LoaderStatus, LoaderErrors } = mpegts;
  C = class LiveSocketLoader extends BaseLoader {
    static isSupported() { return typeof WebSocket !== 'undefined'; }

    constructor() {
      super('nvr-live-socket');
      this.TAG = 'LiveSocketLoader';
      this._needStash = true;
      this._ws = null;
      this._received = 0;
    }

    open(dataSource) {
      const ws = new WebSocket(dataSource.url);
      this._ws = ws;
      ws.binaryType = 'arraybuffer';
      this._status = LoaderStatus.kConnecting;
      ws.onopen = () => { this._status = LoaderStatus.kBuffering; };
      ws.onmessage = (e) => {
        if (!(e.data instanceof ArrayBuffer)) return;
        const from = this._received;
        this._received += e.data.byteLength;
        if (this._onDataArrival) this._onDataArrival(e.data, from, this._received);
      };
      ws.onclose = () => {
        this._status = LoaderStatus.kComplete;
        if (this._onComplete) this._onComplete(0, this._received - 1);
      };
      ws.onerror = () => {
        this._status = LoaderStatus.kError;
        if (this._onError) this._onError(LoaderErrors.EXCEPTION, { code: -1, msg: 'the live socket failed' });
      };
    }

    abort() {
      const ws = this._ws;
      this._ws = null;
      if (ws) {
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close();
      }
      this._status = LoaderStatus.kComplete;
    }

    destroy() {
      this.abort();
      super.destroy();
    }
  };
  classes.set(mpegts, C);
  return C;
}
