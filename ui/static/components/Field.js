// Form fields with a visible <label> and the server's sentence beside the field when it is wrong.
import { html } from './html.js';


/** Field renders a labelled input; props: label, value, onInput(value), type, error, hint, and input attributes. */
export function Field({ label, value, onInput, type = 'text', error, hint, id, ...rest }) {
  const fid = id || 'f-' + label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  if (type === 'checkbox') {
    return html`<div class="field check">
      <input id=${fid} type="checkbox" checked=${!!value} onChange=${(e) => onInput(e.target.checked)} ...${rest} />
      <label for=${fid}>${label}</label>
      ${hint && html`<p class="hint">${hint}</p>`}
      ${error && html`<p class="field-error" role="alert">${error}</p>`}
    </div>`;
  }
  return html`<div class="field">
    <label for=${fid}>${label}</label>
    <input id=${fid} type=${type} value=${value ?? ''} aria-invalid=${error ? 'true' : undefined}
      onInput=${(e) => onInput(type === 'number' ? (e.target.value === '' ? '' : Number(e.target.value)) : e.target.value)} ...${rest} />
    ${hint && html`<p class="hint">${hint}</p>`}
    ${error && html`<p class="field-error" role="alert">${error}</p>`}
  </div>`;
}

/** Select renders a labelled <select>; options is a list of [value, text]. */
export function Select({ label, value, onInput, options, error, hint, id }) {
  const fid = id || 'f-' + label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return html`<div class="field">
    <label for=${fid}>${label}</label>
    <select id=${fid} value=${value} onChange=${(e) => onInput(e.target.value)}>
      ${options.map(([v, t]) => html`<option value=${v} selected=${v === value}>${t}</option>`)}
    </select>
    ${hint && html`<p class="hint">${hint}</p>`}
    ${error && html`<p class="field-error" role="alert">${error}</p>`}
  </div>`;
}
