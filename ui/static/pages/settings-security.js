// Security section of #/settings: the HTTPS certificate's SHA-256 fingerprint (to compare with what
// the browser shows before trusting it) and the export-signing public key, with how a third party
// checks an export (`nvrd verify`). pages/settings.js imports SecuritySection.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { get } from '../api.js';

/** SecuritySection shows the certificate and the signing key. */
export function SecuritySection() {
  const [tls, setTLS] = useState(null);
  const [key, setKey] = useState(null);
  const [tlsError, setTLSError] = useState('');
  const [keyError, setKeyError] = useState('');
  useEffect(() => {
    get('api/system/tls').then(setTLS, (e) => setTLSError(e.message));
    get('api/system/signing-key').then(setKey, (e) => setKeyError(e.message));
  }, []);
  // The settings page gives the section its card and its "Security" heading.
  return html`<div class="security">
    <h3>HTTPS certificate</h3>
    ${tlsError ? html`<p class="error" role="alert">${tlsError}</p>`
      : !tls ? html`<p class="muted">Loading…</p>`
      : !tls.https ? html`<p>nvr serves plain HTTP here (${location.protocol === 'https:' ? 'behind a proxy that provides HTTPS' : 'only on this machine or with --insecure-http'}), so there is no certificate of its own to check.</p>`
      : html`<p>${tls.self_signed ? 'nvr made this certificate itself. Before you accept it in a browser, check that the browser shows this SHA-256 fingerprint (nvrd start prints it too):' : 'nvr serves the certificate given with --tls-cert. Its SHA-256 fingerprint:'}</p>
        <p class="muted caption">Certificate SHA-256 fingerprint</p>
        <code class="fingerprint" id="tls-fp">${tls.certificate_sha256}</code>
        <p class="muted caption">Public key (SPKI) SHA-256</p>
        <code class="fingerprint" id="tls-spki">${tls.spki_sha256}</code>`}
    <h3>Export signing key</h3>
    ${keyError ? html`<p class="error" role="alert">${keyError}</p>`
      : !key ? html`<p class="muted">Loading…</p>`
      : html`<p>Every MP4 export comes with a signature file (<code>.sig</code>) made with this nvr's Ed25519 key. Give this public key to whoever must trust a clip.</p>
        <p class="muted caption">Public key (${key.algorithm})</p>
        <code class="fingerprint" id="sign-key">${key.public_key}</code>
        <p class="muted caption">Key fingerprint</p>
        <code class="fingerprint" id="sign-fp">${key.fingerprint}</code>
        <p class="muted caption">Instance</p>
        <code class="fingerprint" id="sign-inst">${key.instance}</code>
        <p>To check an export, download the MP4 and its signature from the camera's page, then run</p>
        <code class="fingerprint">nvrd verify clip.mp4 clip.mp4.sig --key ${key.public_key}</code>
        <p class="hint">It says the clip is valid, or exactly what does not match: another key, a manifest changed after signing, the size or the hash of the file.</p>`}
  </div>`;
}
