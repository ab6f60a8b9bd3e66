// The one way the page talks to nvrd: JSON over fetch with the session's CSRF token; a 401 sends the
// user to the login page and comes back; any other error is thrown with the server's own sentence.
let csrf = '';

/** ApiError carries the server's one-sentence message and the HTTP status. */
export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

/** loginURL returns the login page's address that brings the user back here afterwards. */
export function loginURL() {
  return 'login.html?next=' + encodeURIComponent(location.pathname + location.search + location.hash);
}

/** request sends one API call and returns the decoded JSON body (null for 204). */
export async function request(method, path, body) {
  const headers = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, {
      method, credentials: 'same-origin', headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError('nvrd does not answer; is it running?', 0);
  }
  if (r.status === 401) {
    location.href = loginURL();
    throw new ApiError('You are not logged in.', 401);
  }
  if (r.status === 204) return null;
  const out = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError((out && out.error) || `The server answered ${r.status} ${r.statusText}.`, r.status);
  return out;
}

export const get = (p) => request('GET', p);
export const post = (p, b) => request('POST', p, b === undefined ? {} : b);
export const patch = (p, b) => request('PATCH', p, b);
export const put = (p, b) => request('PUT', p, b);
export const del = (p) => request('DELETE', p);

/** me loads the logged-in user and keeps its CSRF token for later calls. */
export async function me() {
  const m = await get('api/me');
  csrf = m.csrf;
  return m;
}

/** logout ends the session and opens the login page. */
export async function logout() {
  await post('api/logout').catch(() => {});
  location.href = 'login.html';
}

/** cameraPath returns the API path of camera id, with an optional suffix. */
export const cameraPath = (id, rest = '') => `api/cameras/${encodeURIComponent(id)}${rest}`;
