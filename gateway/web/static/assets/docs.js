// The browsable API reference (/docs): fetches the gateway's own OpenAPI
// document (GET /openapi.json, served without a token) and renders its paths,
// methods, parameters, bodies, responses and schemas. No Swagger UI bundle:
// a few hundred lines that put every description in as text, never as HTML.
import { $, h, onLang, page, put, say, strings, t, table } from './staff.js';

strings(/* i18n:begin */ {
  "id": {
    "docs.failed": "Dokumen OpenAPI tidak dapat dimuat ({why}).",
    "docs.count": "{ops} operasi, {schemas} skema.",
    "docs.params": "Parameter",
    "docs.name": "Nama",
    "docs.in": "Di",
    "docs.type": "Tipe",
    "docs.required": "Wajib",
    "docs.description": "Keterangan",
    "docs.body": "Isi permintaan",
    "docs.responses": "Jawaban",
    "docs.status": "Status",
    "docs.properties": "Properti",
    "docs.values": "Nilai",
    "docs.arrayof": "daftar",
    "docs.mapof": "peta string →",
    "docs.security": "Setiap panggilan membawa Authorization: Bearer <JWT>; peran dan wilayahnya menentukan apa yang boleh dilihat.",
    "docs.nomatch": "Tidak ada yang cocok."
  },
  "en": {
    "docs.title": "DTSEN REST API",
    "docs.intro": "The complete OpenAPI document:",
    "docs.filter": "Filter (path, method, operation, schema)",
    "docs.paths": "Paths",
    "docs.schemas": "Schemas",
    "docs.failed": "The OpenAPI document could not be loaded ({why}).",
    "docs.count": "{ops} operations, {schemas} schemas.",
    "docs.params": "Parameters",
    "docs.name": "Name",
    "docs.in": "In",
    "docs.type": "Type",
    "docs.required": "Required",
    "docs.description": "Description",
    "docs.body": "Request body",
    "docs.responses": "Responses",
    "docs.status": "Status",
    "docs.properties": "Properties",
    "docs.values": "Values",
    "docs.arrayof": "array of",
    "docs.mapof": "map of string →",
    "docs.security": "Every call carries Authorization: Bearer <JWT>; its role and region decide what it may see.",
    "docs.nomatch": "Nothing matches."
  }
} /* i18n:end */);

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
let spec = null;

const refName = (ref) => String(ref || '').split('/').pop();
const anchor = (name) => 'schema-' + name.replace(/[^\w.-]/g, '_');

// typeView says what a schema is, linking to named schemas.
function typeView(s) {
  if (!s) return '';
  if (s.$ref) return h('a', { href: '#' + anchor(refName(s.$ref)), text: refName(s.$ref) });
  if (s.type === 'array') return [t('docs.arrayof') + ' ', typeView(s.items)];
  if (s.type === 'object' && s.additionalProperties) return [t('docs.mapof') + ' ', typeView(s.additionalProperties)];
  if (s.schema) return typeView(s.schema);
  return [s.type || 'object', s.format ? ' (' + s.format + ')' : '', s.enum ? ': ' + s.enum.join(' | ') : ''].join('');
}

const text = (x) => String(x || '').trim();

function operation(path, method, op) {
  const params = op.parameters || [];
  const body = params.find((p) => p.in === 'body');
  const others = params.filter((p) => p.in !== 'body');
  const id = 'op-' + (op.operationId || method + path).replace(/[^\w.-]/g, '_');
  return h('details', { cls: 'op', id, testid: 'docs-op', 'data-method': method.toUpperCase(), 'data-path': path },
    h('summary', null, h('span', { cls: 'method ' + method.toUpperCase(), text: method.toUpperCase() }), ' ', h('code', { text: path }),
      op.summary ? ' — ' + op.summary : ''),
    op.operationId ? h('p', { cls: 'hint', text: op.operationId }) : null,
    text(op.description) ? h('pre', { text: text(op.description) }) : null,
    others.length ? [h('h4', { text: t('docs.params') }), table([t('docs.name'), t('docs.in'), t('docs.type'), t('docs.required'), t('docs.description')],
      others.map((p) => [h('code', { text: p.name }), p.in, typeView(p), p.required ? t('yes') : '', text(p.description)]), { testid: 'docs-params' })] : null,
    body ? [h('h4', { text: t('docs.body') }), h('p', null, typeView(body.schema))] : null,
    h('h4', { text: t('docs.responses') }),
    table([t('docs.status'), t('docs.description'), t('docs.type')],
      Object.keys(op.responses || {}).map((code) => [code, text(op.responses[code].description), typeView(op.responses[code].schema)])));
}

function schema(name, s) {
  const props = s.properties || {};
  const required = s.required || [];
  return h('details', { id: anchor(name), testid: 'docs-schema', 'data-schema': name },
    h('summary', null, h('code', { text: name })),
    text(s.description || s.title) ? h('pre', { text: text(s.description || s.title) }) : null,
    s.enum ? [h('h4', { text: t('docs.values') }), h('ul', null, s.enum.map((v) => h('li', null, h('code', { text: v }))))] : null,
    Object.keys(props).length ? [h('h4', { text: t('docs.properties') }), table([t('docs.name'), t('docs.type'), t('docs.description')],
      Object.keys(props).map((p) => [h('code', { text: p + (required.includes(p) ? ' *' : '') }), typeView(props[p]),
        text(props[p].description || props[p].title) + (props[p].readOnly ? ' (output only)' : '')]))] : null);
}

function render() {
  if (!spec) return;
  const info = spec.info || {};
  put('info', h('h2', { text: (info.title || '') + ' ' + (info.version || '') }),
    text(info.description) ? h('p', { text: text(info.description) }) : null,
    h('p', { cls: 'hint', text: t('docs.security') }));
  const byTag = {};
  let ops = 0;
  for (const path of Object.keys(spec.paths || {}).sort()) {
    for (const m of METHODS) {
      const op = spec.paths[path][m];
      if (!op) continue;
      ops++;
      const tag = (op.tags || ['—'])[0];
      (byTag[tag] = byTag[tag] || []).push(operation(path, m, op));
    }
  }
  const tags = {};
  for (const tg of spec.tags || []) tags[tg.name] = tg.description;
  put('paths', Object.keys(byTag).sort().map((tag) => h('section', { testid: 'docs-tag', 'data-tag': tag },
    h('h3', { text: tag }), tags[tag] ? h('p', { cls: 'hint', text: tags[tag] }) : null, byTag[tag])));
  const defs = spec.definitions || (spec.components && spec.components.schemas) || {};
  put('schemas', Object.keys(defs).sort().map((n) => schema(n, defs[n])));
  say('docs-msg', 'info', t('docs.count', { ops, schemas: Object.keys(defs).length }));
  applyFilter();
  openTarget();
}

// applyFilter hides the operations and schemas the filter words do not match.
function applyFilter() {
  const words = $('docs-filter').value.toLowerCase().split(/\s+/).filter(Boolean);
  const match = (s) => words.every((w) => s.includes(w));
  for (const op of document.querySelectorAll('[data-testid="docs-op"]')) {
    op.hidden = !match((op.dataset.method + ' ' + op.dataset.path + ' ' + op.querySelector('summary').textContent + ' ' + op.id).toLowerCase());
  }
  for (const sec of document.querySelectorAll('[data-testid="docs-tag"]')) {
    sec.hidden = !sec.querySelector('[data-testid="docs-op"]:not([hidden])');
  }
  for (const s of document.querySelectorAll('[data-testid="docs-schema"]')) s.hidden = !match(s.dataset.schema.toLowerCase());
}

// openTarget opens the operation or schema a link points at.
function openTarget() {
  const id = decodeURIComponent(location.hash.slice(1));
  const el = id && document.getElementById(id);
  if (el && el.tagName === 'DETAILS') {
    el.hidden = false;
    el.open = true;
    el.scrollIntoView();
  }
}

async function load() {
  say('docs-msg', 'info', t('loading'));
  try {
    const res = await fetch('/openapi.json', { credentials: 'omit', headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(String(res.status));
    spec = await res.json();
    render();
  } catch (err) {
    say('docs-msg', 'error', t('docs.failed', { why: err.message || err }));
  }
}

$('docs-form').addEventListener('submit', (ev) => ev.preventDefault());
$('docs-filter').addEventListener('input', applyFilter);
window.addEventListener('hashchange', openTarget);
onLang(render);
page({ needsToken: false, ready: load });
