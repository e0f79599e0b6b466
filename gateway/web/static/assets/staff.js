// Shared helpers of the staff pages (/officer, /analyst, /admin, /docs): the
// language switch, building DOM safely, the bearer-token sign-in and calls to
// the gateway's REST API on this origin. Plain ES modules, no dependencies.
//
// Safety rules every page follows:
// - Values are put into the page as text (textContent, attributes), never as
//   HTML; the CSP's Trusted Types directive makes the browser enforce it.
// - The staff token is kept in sessionStorage (this tab, gone when it closes),
//   never localStorage, a cookie or a URL. A "#token=" fragment (how a
//   development script can hand a token over) is read once and removed from
//   the address bar at once; fragments are never sent to a server.

// The shared strings. Indonesian static text is the HTML's own (read at start);
// "id" holds what scripts write. JSON between the markers: web_test.go checks
// that both languages have the same keys on every page.
const SHARED = /* i18n:begin */ {
  "id": {
    "err.network": "Tidak dapat terhubung ke server. Periksa koneksi, lalu coba lagi.",
    "err.server": "Server sedang bermasalah ({status}). Coba lagi sebentar lagi.",
    "err.unauth": "Token ditolak ({reason}). Masuk lagi dengan token yang berlaku.",
    "err.forbidden": "Peran atau wilayah Anda tidak diizinkan ({reason}).",
    "err.notfound": "Tidak ditemukan.",
    "err.wait": "Terlalu banyak permintaan. Coba lagi dalam {s} detik.",
    "err.invalid": "Permintaan ditolak:",
    "signin.empty": "Tempelkan token akses terlebih dahulu.",
    "signin.bad": "Ini bukan token JWT.",
    "signin.expired": "Token ini sudah kedaluwarsa.",
    "who.role": "Peran: {role}",
    "who.region": "Wilayah: {region}",
    "who.national": "Wilayah: nasional",
    "who.until": "berlaku sampai {t}",
    "loading": "Memuat…",
    "none": "Tidak ada data.",
    "more": "Muat lagi",
    "yes": "Ya",
    "no": "Tidak",
    "table": "Tabel data"
  },
  "en": {
    "skip": "Skip to content",
    "lang.switch": "Bahasa Indonesia",
    "nav.citizen": "Citizens",
    "nav.officer": "Officers",
    "nav.analyst": "Analysts",
    "nav.admin": "Administration",
    "nav.docs": "API",
    "signin.title": "Sign in",
    "signin.label": "Access token (bearer)",
    "signin.hint": "In development, make run writes one token per persona to var/dev-issuer/tokens.env. Sign-in through the ministry's identity provider is not built yet.",
    "signin.submit": "Sign in",
    "signout": "Sign out",
    "err.network": "Cannot reach the server. Check the connection, then try again.",
    "err.server": "The server has a problem ({status}). Try again in a moment.",
    "err.unauth": "The token was refused ({reason}). Sign in again with a valid token.",
    "err.forbidden": "Your role or region is not allowed ({reason}).",
    "err.notfound": "Not found.",
    "err.wait": "Too many requests. Try again in {s} seconds.",
    "err.invalid": "The request was refused:",
    "signin.empty": "Paste an access token first.",
    "signin.bad": "This is not a JWT.",
    "signin.expired": "This token has expired.",
    "who.role": "Role: {role}",
    "who.region": "Region: {region}",
    "who.national": "Region: national",
    "who.until": "valid until {t}",
    "loading": "Loading…",
    "none": "No data.",
    "more": "Load more",
    "yes": "Yes",
    "no": "No",
    "table": "Data table"
  }
} /* i18n:end */;

const dict = { id: Object.assign({}, SHARED.id), en: Object.assign({}, SHARED.en) };
let lang = 'id';
try { if (localStorage.getItem('dtsen.lang') === 'en') lang = 'en'; } catch (e) { /* storage blocked */ }
const relang = []; // functions that re-render a page's dynamic parts on a language switch

export const $ = (id) => document.getElementById(id);
export const currentLang = () => lang;

// strings adds a page's dictionary ({id, en}) to the shared one.
export function strings(d) {
  Object.assign(dict.id, d.id);
  Object.assign(dict.en, d.en);
}

export function t(key, vars) {
  let s = dict[lang][key];
  if (s === undefined) s = dict.id[key] === undefined ? key : dict.id[key];
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k]))) : s;
}

// onLang registers a re-render to run after a language switch.
export const onLang = (fn) => relang.push(fn);

// h builds an element. props: text, cls, testid, on<event> handlers, and
// attributes; children are nodes or strings (text nodes, never markup).
export function h(tag, props, ...kids) {
  const n = document.createElement(tag);
  for (const k in props || {}) {
    const v = props[k];
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') n.textContent = String(v);
    else if (k === 'cls') n.className = v;
    else if (k === 'testid') n.dataset.testid = v;
    else if (k.slice(0, 2) === 'on') n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  append(n, kids);
  return n;
}

function append(n, kids) {
  for (const c of kids) {
    if (Array.isArray(c)) append(n, c);
    else if (c instanceof Node) n.append(c);
    else if (c !== null && c !== undefined && c !== false && c !== '') n.append(String(c));
  }
}

// put replaces an element's children.
export function put(el, ...kids) {
  const n = typeof el === 'string' ? $(el) : el;
  n.textContent = '';
  append(n, kids);
  return n;
}

export function say(el, kind, text) {
  const n = put(el, text || '');
  n.className = 'msg ' + kind;
  return n;
}

// svg builds an SVG element (charts, icons) the same safe way.
export function svg(tag, attrs, ...kids) {
  const n = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const k in attrs || {}) if (attrs[k] !== undefined && attrs[k] !== null) n.setAttribute(k, String(attrs[k]));
  for (const c of kids) if (c !== null && c !== undefined) n.append(c instanceof Node ? c : String(c));
  return n;
}

// loc reads a LocalizedText ({id, en}) or a plain string.
export const loc = (x) => (!x ? '' : typeof x === 'string' ? x : x[lang] || x.id || x.en || '');

// pretty turns an API enum value into words: CASE_STATE_SUBMITTED with prefix
// CASE_STATE_ reads "submitted".
export const pretty = (v, prefix) => String(v || '').replace(prefix || '', '').replace(/_/g, ' ').toLowerCase();

// label is the dictionary's word for an enum value, or the value in words.
export function label(group, v, prefix) {
  const key = group + '.' + String(v || '').replace(prefix || '', '');
  const s = t(key);
  return s === key ? pretty(v, prefix) : s;
}

const locale = () => (lang === 'id' ? 'id-ID' : 'en-GB');

export function fmtTime(s) {
  const d = new Date(s);
  if (!s || isNaN(d)) return s || '';
  return d.toLocaleString(locale(), { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export const fmtNum = (n, digits) => (n === undefined || n === null || n === '' || isNaN(Number(n)) ? '' :
  Number(n).toLocaleString(locale(), { maximumFractionDigits: digits === undefined ? 0 : digits }));

// fmtPct shows a share as a percentage, with more digits below 1%.
export function fmtPct(x) {
  if (x === undefined || x === null || x === '') return '';
  const v = Number(x) * 100;
  return fmtNum(v, v !== 0 && Math.abs(v) < 1 ? 3 : 1) + '%';
}

// table builds a table with a header row; rows are arrays of cells (nodes,
// strings or {text, cls}).
export function table(headers, rows, opts) {
  const o = opts || {};
  const cell = (tag, c) => (c && typeof c === 'object' && !(c instanceof Node) && !Array.isArray(c)
    ? h(tag, { cls: c.cls, scope: tag === 'th' ? 'col' : null }, c.text) : h(tag, { scope: tag === 'th' ? 'col' : null }, c));
  return h('div', { cls: 'scroll', tabindex: '0', role: 'region', 'aria-label': o.label || null },
    h('table', { testid: o.testid },
      o.caption ? h('caption', { text: o.caption }) : null,
      h('thead', null, h('tr', null, headers.map((x) => cell('th', x)))),
      h('tbody', null, rows.map((r, i) => h('tr', o.rowProps ? o.rowProps(i) : null, r.map((x) => cell('td', x)))))));
}

// ---- the staff token

const TOKEN = 'dtsen.staff.token';

// claims decodes a JWT's payload for display only; the gateway verifies the
// signature on every call.
export function claims(token) {
  const part = String(token || '').split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '==='.slice((b64.length + 3) % 4));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  } catch (e) {
    return null;
  }
}

export function token() {
  try { return sessionStorage.getItem(TOKEN) || ''; } catch (e) { return memToken; }
}

let memToken = '';

function setToken(tok) {
  memToken = tok;
  try {
    if (tok) sessionStorage.setItem(TOKEN, tok); else sessionStorage.removeItem(TOKEN);
  } catch (e) { /* storage blocked: this page view only */ }
}

export const me = () => claims(token()) || {};

// ---- calling the API

// api calls the gateway with the staff token. A failure is thrown as
// {status, reason, message, violations, retryAfter}, or {network: true}.
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token()) headers.Authorization = 'Bearer ' + token();
  let res;
  let data = null;
  try {
    res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store'
    });
    data = await res.json().catch(() => null); // an empty or non-JSON body
  } catch (e) {
    throw { network: true };
  }
  if (res.ok) return data || {};
  const err = (data && data.error) || {};
  const out = { status: res.status, reason: '', message: err.message || res.statusText, violations: [], retryAfter: +res.headers.get('Retry-After') || 0 };
  for (const d of err.details || []) {
    if (/ErrorInfo$/.test(d['@type'])) out.reason = d.reason || '';
    if (/LocalizedMessage$/.test(d['@type']) && String(d.locale).slice(0, 2) === lang) out.message = d.message;
    for (const v of d.fieldViolations || []) out.violations.push((v.field ? v.field + ': ' : '') + (v.description || ''));
  }
  if (res.status === 401) showSignin(t('err.unauth', { reason: out.reason || res.status }));
  throw out;
}

// errText says what went wrong in the page's language.
export function errText(err) {
  if (err.network) return t('err.network');
  if (err.status === 401) return t('err.unauth', { reason: err.reason || 401 });
  if (err.status === 429) return t('err.wait', { s: err.retryAfter || 60 });
  if (err.status === 403) return t('err.forbidden', { reason: err.reason || 403 }) + (err.message ? ' ' + err.message : '');
  if (err.status === 404) return t('err.notfound') + (err.reason ? ' (' + err.reason + ')' : '');
  if (err.status >= 500) return t('err.server', { status: err.status + (err.reason ? ' ' + err.reason : '') });
  return [t('err.invalid'), err.message].concat(err.violations).join(' ');
}

// query builds a query string from the non-empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const k in params) if (params[k] !== undefined && params[k] !== null && params[k] !== '' && params[k] !== false) q.set(k, params[k]);
  const s = q.toString();
  return s ? '?' + s : '';
}

// id is the last segment of a resource name, for a URL path.
export const idOf = (name) => encodeURIComponent(String(name || '').split('/').pop());

// ---- sign-in

let onSignin = null;

function showSignin(message) {
  if (!$('signin-form')) return;
  $('signin-form').hidden = false;
  $('whoami').hidden = true;
  if ($('main')) $('main').hidden = true;
  if (message) say('signin-msg', 'error', message);
}

function showWho() {
  const c = me();
  const until = c.exp ? ' · ' + t('who.until', { t: fmtTime(c.exp * 1000) }) : '';
  put('who-role', t('who.role', { role: c.dtsen_role || '?' }));
  put('who-region', c.dtsen_region ? t('who.region', { region: c.dtsen_region }) : t('who.national'));
  put('who-sub', (c.sub || '') + until);
}

function signin(tok, quiet) {
  const c = claims(tok);
  if (!tok) return quiet || say('signin-msg', 'error', t('signin.empty'));
  if (!c) return quiet || say('signin-msg', 'error', t('signin.bad'));
  if (c.exp && c.exp * 1000 < Date.now()) {
    setToken('');
    return say('signin-msg', 'error', t('signin.expired'));
  }
  setToken(tok);
  $('token-input').value = '';
  say('signin-msg', 'info', '');
  $('signin-form').hidden = true;
  $('whoami').hidden = false;
  $('main').hidden = false;
  showWho();
  if (onSignin) onSignin(c);
}

// page starts a staff page: the language, and, when needsToken, the sign-in.
// ready(claims) runs once a token is in hand.
export function page(opts) {
  document.querySelectorAll('[data-i18n]').forEach((n) => {
    if (dict.id[n.dataset.i18n] === undefined) dict.id[n.dataset.i18n] = n.textContent.trim().replace(/\s+/g, ' ');
  });
  $('lang').addEventListener('click', () => {
    lang = lang === 'id' ? 'en' : 'id';
    try { localStorage.setItem('dtsen.lang', lang); } catch (e) { /* this visit only */ }
    applyLang();
  });
  applyLang();
  if (!opts.needsToken) return opts.ready && opts.ready();
  onSignin = opts.ready;
  // A token handed over in the fragment is taken once and removed from the
  // address bar (and history) before anything else happens. One arriving
  // later (the same page opened again with a new fragment) replaces the
  // session, from a fresh page.
  const fromFragment = () => {
    if (location.hash.indexOf('#token=') !== 0) return false;
    setToken(decodeURIComponent(location.hash.slice(7)));
    history.replaceState(null, '', location.pathname + location.search);
    return true;
  };
  fromFragment();
  window.addEventListener('hashchange', () => { if (fromFragment()) location.reload(); });
  $('signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    signin($('token-input').value.trim());
  });
  $('signout').addEventListener('click', () => {
    setToken('');
    location.reload(); // nothing of the last user's data stays on screen
  });
  if (token()) signin(token(), true); else showSignin('');
}

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((n) => { n.textContent = t(n.dataset.i18n); });
  $('lang').lang = lang === 'id' ? 'en' : 'id';
  if ($('whoami') && !$('whoami').hidden) showWho();
  relang.forEach((fn) => fn());
}
