// The administrator's page (/admin): the audit-log search of each service
// (GET /v1/services/{service}/auditEvents with its AIP-160 filter), the
// model registry (list, evaluate, activate with a reason) and national
// ranking runs (start, and progress polled from GET /v1/rankingRuns/{id}).
import { $, api, errText, fmtNum, fmtPct, fmtTime, h, idOf, label, onLang, page, put, query, say, strings, t, table } from './staff.js';

strings(/* i18n:begin */ {
  "id": {
    "audit.count": "{n} kejadian ditampilkan.",
    "audit.time": "Waktu",
    "audit.who": "Siapa",
    "audit.region": "Wilayah",
    "audit.rec": "Rekaman",
    "audit.ids": "Permintaan / jejak",
    "audit.badtime": "Waktu tidak valid.",
    "models.kind": "Jenis",
    "models.state": "Status",
    "models.created": "Dibuat",
    "models.labels": "Label latih",
    "models.metrics": "Metrik latih",
    "models.activation": "Aktivasi terakhir",
    "models.evaluate": "Evaluasi",
    "models.activate": "Aktifkan",
    "models.reason": "Alasan aktivasi {m}",
    "models.needreason": "Tulis alasan aktivasi: alasan ini dicatat bersama aktivasinya.",
    "models.activated": "{m} sekarang aktif; model sebelumnya dipensiunkan.",
    "models.none": "Belum ada model.",
    "eval.title": "Evaluasi {m}",
    "eval.q": "Cakupan",
    "eval.exclusion": "Galat eksklusi",
    "eval.inclusion": "Galat inklusi",
    "eval.model": "Model",
    "eval.baseline": "Baseline",
    "eval.spearman": "Spearman: model {m}, baseline {b}; {n} keluarga uji.",
    "runs.name": "Pemeringkatan",
    "runs.model": "Model",
    "runs.state": "Status",
    "runs.started": "Mulai",
    "runs.finished": "Selesai",
    "runs.progress": "Kemajuan",
    "runs.decided": "Diputuskan / pemberitahuan",
    "runs.error": "Galat",
    "runs.started.msg": "{r} dimulai; kemajuan diperbarui setiap 2 detik.",
    "runs.none": "Belum ada pemeringkatan."
  },
  "en": {
    "admin.title": "DTSEN administration",
    "audit.title": "Audit log",
    "audit.hint": "Every read of personal data, newest first. The log is append-only: never changed.",
    "audit.service": "Service",
    "audit.subject": "Subject",
    "audit.role": "Role",
    "audit.any": "(any)",
    "audit.purpose": "Purpose",
    "audit.record": "Record (e.g. families/3204…)",
    "audit.method": "gRPC method",
    "audit.from": "From",
    "audit.to": "Before",
    "audit.search": "Search",
    "audit.filter": "Filter sent:",
    "audit.count": "{n} events shown.",
    "audit.time": "Time",
    "audit.who": "Who",
    "audit.region": "Region",
    "audit.rec": "Record",
    "audit.ids": "Request / trace",
    "audit.badtime": "Invalid time.",
    "models.title": "Model registry",
    "models.kind": "Kind",
    "models.state": "State",
    "models.created": "Created",
    "models.labels": "Training labels",
    "models.metrics": "Training metrics",
    "models.activation": "Last activation",
    "models.evaluate": "Evaluate",
    "models.activate": "Activate",
    "models.reason": "Reason for activating {m}",
    "models.needreason": "Write the reason for activating: it is recorded with the activation.",
    "models.activated": "{m} is now active; the previous model was retired.",
    "models.none": "No models yet.",
    "eval.title": "Evaluation of {m}",
    "eval.q": "Coverage",
    "eval.exclusion": "Exclusion error",
    "eval.inclusion": "Inclusion error",
    "eval.model": "Model",
    "eval.baseline": "Baseline",
    "eval.spearman": "Spearman: model {m}, baseline {b}; {n} test families.",
    "runs.title": "National ranking",
    "runs.id": "Run id (optional; a retry with the same id does not start a second run)",
    "runs.start": "Start a ranking run",
    "runs.name": "Run",
    "runs.model": "Model",
    "runs.state": "State",
    "runs.started": "Started",
    "runs.finished": "Finished",
    "runs.progress": "Progress",
    "runs.decided": "Decided / notices",
    "runs.error": "Error",
    "runs.started.msg": "{r} started; progress refreshes every 2 seconds.",
    "runs.none": "No ranking runs yet."
  }
} /* i18n:end */);

// ---- the audit log

let events = [];
let auditToken = '';
let auditFilter = '';

// quoted is an AIP-160 string literal.
const quoted = (s) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';

// rfc3339 reads a datetime-local value (the browser's local time) as an instant.
function rfc3339(v) {
  if (!v) return '';
  const d = new Date(v);
  if (isNaN(d)) throw new Error(t('audit.badtime'));
  return d.toISOString().replace('.000Z', 'Z');
}

// filter joins the fields given with AND, as docs/security.md describes.
function filter() {
  const parts = [];
  for (const [field, id] of [['subject', 'a-subject'], ['role', 'a-role'], ['purpose', 'a-purpose'], ['record', 'a-record'], ['method', 'a-method']]) {
    const v = $(id).value.trim();
    if (v) parts.push(field + ' = ' + quoted(v));
  }
  const from = rfc3339($('a-from').value);
  const to = rfc3339($('a-to').value);
  if (from) parts.push('event_time >= ' + quoted(from));
  if (to) parts.push('event_time < ' + quoted(to));
  return parts.join(' AND ');
}

async function searchAudit(more) {
  if (!more) {
    try {
      auditFilter = filter();
    } catch (err) {
      return say('audit-msg', 'error', err.message);
    }
    put('a-filter', auditFilter || '—');
  }
  say('audit-msg', 'info', t('loading'));
  try {
    const r = await api('GET', '/v1/services/' + encodeURIComponent($('a-service').value) + '/auditEvents' +
      query({ pageSize: 100, filter: auditFilter, pageToken: more ? auditToken : '' }));
    events = (more ? events : []).concat(r.auditEvents || []);
    auditToken = r.nextPageToken || '';
    say('audit-msg', 'info', t('audit.count', { n: events.length }));
  } catch (err) {
    if (!more) events = [];
    auditToken = '';
    say('audit-msg', 'error', errText(err));
  }
  renderAudit();
}

function renderAudit() {
  $('audit-more').hidden = !auditToken;
  put('audit', events.length ? table([t('audit.time'), t('audit.who'), t('audit.region'), t('audit.purpose'), t('audit.method'), t('audit.rec'), t('audit.ids')],
    events.map((e) => [fmtTime(e.eventTime), [e.subject, e.role].filter(Boolean).join(' · '), e.region || '', e.purpose || '',
      h('code', { text: String(e.method || '').split('/').pop() }), h('code', { text: e.record || '' }), [e.requestId, e.traceId].filter(Boolean).join(' / ')]),
    { testid: 'audit-table', rowProps: () => ({ testid: 'audit-row' }) }) : '');
}

// ---- models

let models = [];
let evaluation = null;

async function loadModels() {
  say('models-msg', 'info', t('loading'));
  try {
    models = (await api('GET', '/v1/models' + query({ pageSize: 100 }))).models || [];
    say('models-msg', 'info', models.length ? '' : t('models.none'));
  } catch (err) {
    say('models-msg', 'error', errText(err));
  }
  renderModels();
}

// metrics shows the numbers of a model's training metrics (a JSON object:
// RMSE, rows); the targeting metrics nested in it are Evaluate's.
function metrics(json) {
  try {
    const m = JSON.parse(json || '{}');
    return Object.keys(m).filter((k) => typeof m[k] === 'number').map((k) => k + ' ' + fmtNum(m[k], 4)).join(', ');
  } catch (e) {
    return '';
  }
}

function renderModels() {
  put('models', models.length ? table([t('eval.model'), t('models.kind'), t('models.state'), t('models.created'), t('models.labels'),
    t('models.metrics'), t('models.activation'), ''],
  models.map((m) => {
    const reasonId = 'reason-' + m.name.replace(/\W/g, '-');
    const active = m.state === 'MODEL_STATE_ACTIVE';
    return [m.name, label('kind', m.kind, 'MODEL_KIND_'), h('span', { cls: 'badge ' + (active ? 'ok' : ''), text: label('ms', m.state, 'MODEL_STATE_') }),
      fmtTime(m.createTime), fmtNum(m.trainingLabels), metrics(m.metricsJson),
      [m.activatedBy, fmtTime(m.activateTime), m.activationReason].filter(Boolean).join(' · '),
      h('div', null,
        h('button', { type: 'button', cls: 'secondary small', testid: 'model-evaluate', text: t('models.evaluate'), onclick: () => evaluate(m.name) }),
        active ? null : h('form', { method: 'post', cls: 'inline', testid: 'model-activate-form', onsubmit: (ev) => activate(ev, m.name, reasonId) },
          h('div', null, h('label', { for: reasonId, text: t('models.reason', { m: m.name }) }),
            h('input', { id: reasonId, maxlength: '500', testid: 'model-activate-reason' })),
          h('button', { type: 'submit', cls: 'small', testid: 'model-activate', text: t('models.activate') })))];
  }), { testid: 'model-table', rowProps: (i) => ({ testid: 'model-row', 'data-model': models[i].name }) }) : '');
}

async function evaluate(name) {
  say('models-msg', 'info', t('loading'));
  try {
    evaluation = await api('GET', '/v1/models/' + idOf(name) + ':evaluate');
    say('models-msg', 'info', '');
  } catch (err) {
    evaluation = null;
    say('models-msg', 'error', errText(err));
  }
  renderEvaluation();
}

function renderEvaluation() {
  const e = evaluation;
  if (!e) return put('evaluation');
  const m = e.metrics || {};
  const b = e.baseline || {};
  const row = (q) => {
    const c = (m.coverages || []).find((x) => x.coverage === q) || {};
    const cb = (b.coverages || []).find((x) => x.coverage === q) || {};
    return [fmtPct(q), fmtPct(c.exclusionError || 0), e.baseline ? fmtPct(cb.exclusionError || 0) : '—', fmtPct(c.inclusionError || 0), e.baseline ? fmtPct(cb.inclusionError || 0) : '—'];
  };
  put('evaluation', h('h3', { text: t('eval.title', { m: e.model }) }),
    h('p', { text: t('eval.spearman', { m: fmtNum(m.spearman, 3) || '—', b: (e.baseline && fmtNum(b.spearman, 3)) || '—', n: fmtNum(m.families) }) }),
    table([t('eval.q'), t('eval.exclusion') + ' · ' + t('eval.model'), t('eval.exclusion') + ' · ' + t('eval.baseline'),
      t('eval.inclusion') + ' · ' + t('eval.model'), t('eval.inclusion') + ' · ' + t('eval.baseline')],
    (m.coverages || []).map((c) => row(c.coverage)), { testid: 'evaluation-table' }),
    e.markdown ? h('details', null, h('summary', { text: 'Markdown' }), h('pre', { text: e.markdown })) : null);
}

async function activate(ev, name, reasonId) {
  ev.preventDefault();
  const reason = $(reasonId).value.trim();
  if (!reason) {
    $(reasonId).focus();
    return say('models-msg', 'error', t('models.needreason'));
  }
  try {
    await api('POST', '/v1/models/' + idOf(name) + ':activate', { reason });
    await loadModels();
    say('models-msg', 'ok', t('models.activated', { m: name }));
  } catch (err) {
    say('models-msg', 'error', errText(err));
  }
}

// ---- ranking runs

let runs = [];
let poll = 0;

async function loadRuns() {
  try {
    runs = (await api('GET', '/v1/rankingRuns' + query({ pageSize: 20 }))).runs || [];
    if (!runs.length) say('runs-msg', 'info', t('runs.none'));
  } catch (err) {
    say('runs-msg', 'error', errText(err));
  }
  renderRuns();
  watch();
}

const running = (r) => /RUNNING|PENDING/.test(r.state || '');

// watch polls every run still in progress (AIP-151 style) until it ends.
function watch() {
  clearTimeout(poll);
  if (!runs.some(running)) return;
  poll = setTimeout(async () => {
    await Promise.all(runs.filter(running).map(async (r) => {
      try {
        const fresh = await api('GET', '/v1/rankingRuns/' + idOf(r.name));
        runs[runs.indexOf(r)] = fresh;
      } catch (err) {
        say('runs-msg', 'error', errText(err));
      }
    }));
    renderRuns();
    watch();
  }, 2000);
}

function renderRuns() {
  put('runs', runs.length ? table([t('runs.name'), t('runs.model'), t('runs.state'), t('runs.started'), t('runs.finished'),
    t('runs.progress'), t('runs.decided'), t('runs.error')],
  runs.map((r) => {
    const total = Number(r.total) || 0;
    const scored = Number(r.scored) || 0;
    return [r.name, r.model || '', label('rs', r.state, 'RUN_STATE_'), fmtTime(r.startTime), fmtTime(r.finishTime),
      h('div', null, h('progress', { max: total || 1, value: scored, testid: 'run-progress', 'aria-label': r.name }),
        ' ' + fmtNum(scored) + ' / ' + fmtNum(total) + (total ? ' (' + fmtPct(scored / total) + ')' : '')),
      fmtNum(r.decided || 0) + ' / ' + fmtNum(r.notices || 0), r.error || ''];
  }), { testid: 'run-table', rowProps: (i) => ({ testid: 'run-row', 'data-run': runs[i].name, 'data-state': runs[i].state }) }) : '');
}

async function startRun(ev) {
  ev.preventDefault();
  const runId = $('run-id').value.trim();
  try {
    const r = await api('POST', '/v1/rankingRuns', runId ? { runId } : {});
    say('runs-msg', 'ok', t('runs.started.msg', { r: r.name }));
    runs = [r].concat(runs.filter((x) => x.name !== r.name));
    renderRuns();
    watch();
  } catch (err) {
    say('runs-msg', 'error', errText(err));
  }
}

// ---- start

$('audit-form').addEventListener('submit', (ev) => { ev.preventDefault(); searchAudit(false); });
$('audit-more').addEventListener('click', () => searchAudit(true));
$('run-form').addEventListener('submit', startRun);
onLang(() => {
  renderAudit();
  renderModels();
  renderEvaluation();
  renderRuns();
});
page({
  needsToken: true,
  ready() {
    searchAudit(false);
    loadModels();
    loadRuns();
  }
});
