// The analyst dashboard (/analyst): charts of aggregates only, never a
// personal row (an analyst's token is refused every family-level route
// anyway: AGGREGATES_ONLY). It draws
// - the decile distribution per province or regency and coverage against
//   quotas, from GET /v1/regionStatistics?region= (absent: "not yet available");
// - DTKS → DTSEN gains and losses per programme and per region, from
//   GET /v1/transitionReport (counts only for an analyst);
// - model evaluation metrics against their baseline, from GET /v1/models and
//   GET /v1/models/{id}:evaluate.
import { $, api, errText, fmtNum, fmtPct, fmtTime, h, label, onLang, page, put, query, say, strings, t, table } from './staff.js';
import { barChart } from './chart.js';

strings(/* i18n:begin */ {
  "id": {
    "absent": "Statistik wilayah belum tersedia di server ini.",
    "decile": "Desil {d}",
    "families": "Keluarga",
    "drill": "Rinci",
    "dist.chart": "Sebaran desil per wilayah di {r}",
    "dist.desc": "Setiap batang adalah satu wilayah, dibagi menurut bagian keluarganya di desil 1 (termiskin, paling gelap) sampai desil 10.",
    "dist.total": "Jumlah keluarga per desil di {r}",
    "dist.totaldesc": "Satu batang per desil, dari desil 1 (termiskin) sampai desil 10.",
    "dist.run": "Pemeringkatan {run}; {n} keluarga.",
    "national": "Indonesia",
    "cov.chart": "Keluarga layak dan kuota per program di {r}",
    "cov.desc": "Untuk setiap program: yang layak dan kuotanya, dalam satuan kuotanya (keluarga, atau orang untuk PBI JK), dengan persentase kuota yang terpakai. Program tanpa kuota hanya punya batang layak.",
    "cov.eligible": "Layak",
    "cov.quota": "Kuota",
    "cov.none": "Belum ada data program.",
    "cov.persons": "orang",
    "cov.national": "Kuota ditetapkan secara nasional; di tingkat wilayah hanya jumlah yang layak yang ditampilkan.",
    "tr.chart": "Keluarga yang masuk dan keluar per program di {r}",
    "tr.desc": "Batang ke kanan: keluarga yang masuk program di DTSEN tetapi tidak ada di daftar DTKS; ke kiri: yang keluar.",
    "tr.totals": "Penerima sebelum (DTKS) dan sesudah (DTSEN) di {r}",
    "tr.totalsdesc": "Jumlah keluarga penerima per program menurut daftar DTKS lama dan menurut DTSEN.",
    "tr.regions": "Masuk dan keluar {p} per wilayah",
    "tr.regionsdesc": "Untuk setiap wilayah: keluarga yang masuk (ke kanan) dan keluar (ke kiri) dari program ini.",
    "tr.gained": "Masuk",
    "tr.lost": "Keluar",
    "tr.before": "DTKS",
    "tr.after": "DTSEN",
    "tr.kept": "Tetap",
    "tr.programme": "Program untuk grafik per wilayah",
    "tr.prog": "Program",
    "tr.meta": "{n} keluarga; aturan {rules}; pemeringkatan {run}.",
    "tr.reasons": "Alasan keluar",
    "mod.none": "Belum ada model.",
    "mod.chart": "Galat penargetan {m} dibandingkan baseline",
    "mod.desc": "Galat eksklusi: bagian keluarga yang benar-benar miskin tetapi tidak terpilih. Galat inklusi: bagian yang terpilih tetapi tidak miskin. Pada cakupan 10% dan 40%; makin pendek makin baik.",
    "mod.groups": "Galat pada cakupan {q} menurut {b}",
    "mod.groupsdesc": "Galat eksklusi dan inklusi model per kelompok.",
    "mod.exclusion": "Eksklusi @ {q}",
    "mod.inclusion": "Inklusi @ {q}",
    "mod.model": "Model",
    "mod.baseline": "Baseline {b}",
    "mod.spearman": "Korelasi peringkat (Spearman): model {m}, baseline {b}; {n} keluarga uji.",
    "mod.markdown": "Laporan (Markdown)",
    "mod.list": "Semua model",
    "mod.kind": "Jenis",
    "mod.state": "Status",
    "mod.created": "Dibuat",
    "mod.labels": "Label latih",
    "mod.activated": "Diaktifkan",
    "breakdown.province": "provinsi",
    "breakdown.area": "perkotaan/perdesaan",
    "breakdown.head_sex": "jenis kelamin kepala keluarga"
  },
  "en": {
    "analyst.title": "DTSEN analyst dashboard",
    "analyst.intro": "Aggregates only: this dashboard never shows a person's or a family's data.",
    "region.label": "Region (empty = national, e.g. 32 or 32.04)",
    "region.load": "Show",
    "region.up": "Up one level",
    "dist.title": "Decile distribution",
    "cov.title": "Programme coverage against quotas",
    "tr.title": "DTKS → DTSEN transition: gains and losses",
    "mod.title": "Model evaluation",
    "mod.pick": "Model",
    "absent": "Regional statistics are not available on this server yet.",
    "decile": "Decile {d}",
    "families": "Families",
    "drill": "Drill down",
    "dist.chart": "Decile distribution per region in {r}",
    "dist.desc": "Each bar is one region, split by its share of families in decile 1 (the poorest, darkest) to decile 10.",
    "dist.total": "Families per decile in {r}",
    "dist.totaldesc": "One bar per decile, from decile 1 (the poorest) to decile 10.",
    "dist.run": "Ranking {run}; {n} families.",
    "national": "Indonesia",
    "cov.chart": "Eligible families and quota per programme in {r}",
    "cov.desc": "For each programme: those eligible and its quota, in the quota's unit (families, or persons for PBI JK), with the share of the quota used. A programme without a quota has only the eligible bar.",
    "cov.eligible": "Eligible",
    "cov.quota": "Quota",
    "cov.none": "No programme data yet.",
    "cov.persons": "persons",
    "cov.national": "Quotas are national; a region shows only how many are eligible.",
    "tr.chart": "Families gaining and losing each programme in {r}",
    "tr.desc": "Bars to the right: families that gain the programme under DTSEN but were not on the DTKS list; to the left: those that lose it.",
    "tr.totals": "Recipients before (DTKS) and after (DTSEN) in {r}",
    "tr.totalsdesc": "Recipient families per programme on the old DTKS list and under DTSEN.",
    "tr.regions": "Gains and losses of {p} per region",
    "tr.regionsdesc": "For each region: families gaining (to the right) and losing (to the left) this programme.",
    "tr.gained": "Gained",
    "tr.lost": "Lost",
    "tr.before": "DTKS",
    "tr.after": "DTSEN",
    "tr.kept": "Kept",
    "tr.programme": "Programme for the per-region chart",
    "tr.prog": "Programme",
    "tr.meta": "{n} families; rules {rules}; ranking {run}.",
    "tr.reasons": "Reasons for losses",
    "mod.none": "No models yet.",
    "mod.chart": "Targeting errors of {m} against the baseline",
    "mod.desc": "Exclusion error: the share of the truly poor not selected. Inclusion error: the share of the selected who are not poor. At 10% and 40% coverage; shorter is better.",
    "mod.groups": "Errors at {q} coverage by {b}",
    "mod.groupsdesc": "The model's exclusion and inclusion errors per group.",
    "mod.exclusion": "Exclusion @ {q}",
    "mod.inclusion": "Inclusion @ {q}",
    "mod.model": "Model",
    "mod.baseline": "Baseline {b}",
    "mod.spearman": "Rank correlation (Spearman): model {m}, baseline {b}; {n} test families.",
    "mod.markdown": "Report (Markdown)",
    "mod.list": "All models",
    "mod.kind": "Kind",
    "mod.state": "State",
    "mod.created": "Created",
    "mod.labels": "Training labels",
    "mod.activated": "Activated",
    "breakdown.province": "province",
    "breakdown.area": "urban/rural",
    "breakdown.head_sex": "sex of the family head"
  }
} /* i18n:end */);

let region = '';
let stats = null; // {region, rankingRun, subregions, programmes}, or {error}
let report = null; // the transition report, or {error}
let models = [];
let evaluation = null;
const provinces = {}; // code -> name, for national charts

// A region reads as its code and, for a province, its name: "32 Jawa Barat".
const regionName = (code) => (provinces[code] ? code + ' ' + provinces[code] : code);
const here = () => (region ? regionName(region) : t('national'));
// The statistics go down to districts: the nation lists provinces, a province
// its regencies, a regency its districts.
const canDrill = (code) => String(code).split('.').length < 3;

async function load(ev) {
  if (ev) ev.preventDefault();
  region = $('region').value.trim();
  $('region-up').hidden = !region;
  say('dist-msg', 'info', t('loading'));
  say('tr-msg', 'info', t('loading'));
  const [s, r] = await Promise.all([
    api('GET', '/v1/regionStatistics' + query({ region })).catch((error) => ({ error })),
    api('GET', '/v1/transitionReport' + query({ region })).catch((error) => ({ error }))
  ]);
  stats = s;
  report = r;
  renderStats();
  renderTransition();
}

function drill(code) {
  $('region').value = code;
  load();
}

function up() {
  const parts = region.split('.');
  parts.pop();
  drill(parts.join('.'));
}

// ---- decile distribution and coverage

function renderStats() {
  const s = stats;
  if (!s) return;
  if (s.error) {
    // The statistics API may not be deployed yet: say so, calmly.
    const absent = s.error.status === 404 || s.error.status === 501;
    // The server's own words when it says why (no run recorded them yet).
    const why = absent ? t('absent') + (s.error.reason && s.error.reason !== 'ROUTE_NOT_FOUND' ? ' ' + s.error.message : '') : errText(s.error);
    say('dist-msg', absent ? 'info' : 'error', why);
    put('dist');
    put('cov', h('p', { cls: 'msg info', text: why }));
    return;
  }
  const subs = s.subregions || [];
  // The region's own counts, or the sum of its subregions' (int64s arrive as strings).
  const total = Array.from({ length: 10 }, (x, d) => (s.deciles ? Number(s.deciles[d]) || 0
    : subs.reduce((a, r) => a + (Number((r.deciles || [])[d]) || 0), 0)));
  const families = Number(s.families) || total.reduce((a, b) => a + b, 0);
  say('dist-msg', 'info', t('dist.run', { run: s.rankingRun || '—', n: fmtNum(families) }));
  const deciles = Array.from({ length: 10 }, (x, d) => ({
    name: t('decile', { d: d + 1 }), cls: 's' + d, values: subs.map((r) => (r.deciles || [])[d] || 0)
  }));
  put('dist',
    subs.length ? barChart({
      title: t('dist.chart', { r: here() }), desc: t('dist.desc'), categories: subs.map((r) => regionName(r.region)),
      series: deciles, stacked: true, percent: true, testid: 'chart-deciles',
      actions: subs.map((r) => (canDrill(r.region) ? h('button', { type: 'button', cls: 'secondary small', testid: 'drill', text: t('drill'), onclick: () => drill(r.region) }) : ''))
    }) : h('p', { text: t('none') }),
    barChart({
      title: t('dist.total', { r: here() }), desc: t('dist.totaldesc'), categories: total.map((x, d) => t('decile', { d: d + 1 })),
      series: [{ name: t('families'), cls: 'c0', values: total }], testid: 'chart-deciles-total'
    }));
  const progs = s.programmes || [];
  // A quota counts families or persons (PBI JK); each programme is drawn in
  // its quota's unit, and quotas are national, so a region shows none.
  const persons = (p) => p.quotaUnit === 'persons';
  put('cov', progs.length ? [barChart({
    title: t('cov.chart', { r: here() }), desc: t('cov.desc'),
    categories: progs.map((p) => p.programme + (persons(p) ? ' (' + t('cov.persons') + ')' : '') +
      (Number(p.quota) ? ' · ' + fmtPct(p.coverage || 0) : '')),
    series: [
      { name: t('cov.eligible'), cls: 'c0', values: progs.map((p) => (persons(p) ? p.eligiblePersons : p.eligible) || 0) },
      { name: t('cov.quota'), cls: 'c1', values: progs.map((p) => p.quota || 0) }
    ], testid: 'chart-coverage'
  }), region ? h('p', { cls: 'hint', text: t('cov.national') }) : null] : h('p', { text: t('cov.none') }));
}

// ---- the transition

function renderTransition() {
  const r = report;
  if (!r) return;
  if (r.error) {
    say('tr-msg', 'error', errText(r.error));
    return put('tr');
  }
  const progs = r.programmes || [];
  say('tr-msg', 'info', t('tr.meta', { n: fmtNum(r.families), rules: r.rulesVersion || '—', run: r.rankingRun || '—' }));
  const names = progs.map((p) => p.programme);
  const pick = $('tr-programme') && names.includes($('tr-programme').value) ? $('tr-programme').value : names[0];
  const subs = r.subregions || [];
  const per = (s) => (s.programmes || []).find((p) => p.programme === pick) || {};
  const select = h('select', { id: 'tr-programme', testid: 'transition-programme' }, names.map((n) => h('option', { value: n, text: n })));
  select.value = pick || '';
  select.addEventListener('change', renderTransition);
  put('tr',
    barChart({
      title: t('tr.chart', { r: here() }), desc: t('tr.desc'), categories: names,
      series: [
        { name: t('tr.gained'), cls: 'c2', values: progs.map((p) => Number(p.gained) || 0) },
        { name: t('tr.lost'), cls: 'c3', values: progs.map((p) => -(Number(p.lost) || 0)) }
      ], testid: 'chart-transition'
    }),
    barChart({
      title: t('tr.totals', { r: here() }), desc: t('tr.totalsdesc'), categories: names,
      series: [
        { name: t('tr.before'), cls: 'c4', values: progs.map((p) => p.before || 0) },
        { name: t('tr.after'), cls: 'c0', values: progs.map((p) => p.after || 0) }
      ], testid: 'chart-transition-totals'
    }),
    table([t('tr.prog'), t('tr.kept'), t('tr.reasons')],
      progs.map((p) => [p.programme, fmtNum(p.kept || 0), Object.keys(p.lossReasons || {}).map((k) => k + ': ' + fmtNum(p.lossReasons[k])).join(', ')])),
    subs.length && names.length ? [
      h('div', { cls: 'row' }, h('div', null, h('label', { for: 'tr-programme', text: t('tr.programme') }), select)),
      barChart({
        title: t('tr.regions', { p: pick }), desc: t('tr.regionsdesc'), categories: subs.map((s) => regionName(s.region)),
        series: [
          { name: t('tr.gained'), cls: 'c2', values: subs.map((s) => Number(per(s).gained) || 0) },
          { name: t('tr.lost'), cls: 'c3', values: subs.map((s) => -(Number(per(s).lost) || 0)) }
        ], testid: 'chart-transition-regions'
      })
    ] : null);
}

// ---- models

async function loadModels() {
  say('mod-msg', 'info', t('loading'));
  try {
    const r = await api('GET', '/v1/models' + query({ pageSize: 100 }));
    models = r.models || [];
    say('mod-msg', 'info', models.length ? '' : t('mod.none'));
  } catch (err) {
    models = [];
    return say('mod-msg', 'error', errText(err));
  }
  const active = models.find((m) => m.state === 'MODEL_STATE_ACTIVE') || models[0];
  put('model', models.map((m) => h('option', { value: m.name, text: modelText(m) })));
  if (active) {
    $('model').value = active.name;
    evaluate();
  }
}

const modelText = (m) => [m.name, label('kind', m.kind, 'MODEL_KIND_'), label('mstate', m.state, 'MODEL_STATE_')].join(' · ');

async function evaluate() {
  const name = $('model').value;
  if (!name) return;
  say('mod-msg', 'info', t('loading'));
  try {
    evaluation = await api('GET', '/v1/models/' + encodeURIComponent(name.split('/').pop()) + ':evaluate');
    say('mod-msg', 'info', '');
  } catch (err) {
    evaluation = { error: err };
  }
  renderModels();
}

const coverage = (m, q) => ((m && m.coverages) || []).find((c) => Math.abs(c.coverage - q) < 1e-9) || {};
const qs = (m) => ((m && m.coverages) || []).map((c) => c.coverage).sort((a, b) => a - b);

function renderModels() {
  const e = evaluation;
  const list = table([t('mod.pick'), t('mod.kind'), t('mod.state'), t('mod.created'), t('mod.labels'), t('mod.activated')],
    models.map((m) => [m.name, label('kind', m.kind, 'MODEL_KIND_'), label('mstate', m.state, 'MODEL_STATE_'), fmtTime(m.createTime),
      fmtNum(m.trainingLabels), [m.activatedBy, fmtTime(m.activateTime), m.activationReason].filter(Boolean).join(' · ')]),
    { caption: t('mod.list'), testid: 'model-table' });
  if (!e) return put('mod', list);
  if (e.error) return put('mod', h('p', { cls: 'msg error', text: errText(e.error) }), list);
  const m = e.metrics || {};
  const b = e.baseline;
  const cats = [];
  const mine = [];
  const base = [];
  for (const q of qs(m)) {
    const qq = fmtPct(q);
    cats.push(t('mod.exclusion', { q: qq }), t('mod.inclusion', { q: qq }));
    mine.push(coverage(m, q).exclusionError || 0, coverage(m, q).inclusionError || 0);
    base.push(coverage(b, q).exclusionError || 0, coverage(b, q).inclusionError || 0);
  }
  const series = [{ name: t('mod.model') + ' ' + (e.model || ''), cls: 'c0', values: mine }];
  if (b) series.push({ name: t('mod.baseline', { b: e.baselineModel || '' }), cls: 'c1', values: base });
  // Per-group errors at the widest coverage (40% in the ministry's reports).
  const wide = qs(m).pop();
  const groups = {};
  for (const g of m.groups || []) (groups[g.breakdown] = groups[g.breakdown] || []).push(g);
  put('mod',
    h('p', { testid: 'model-spearman', text: t('mod.spearman', { m: fmtNum(m.spearman, 3) || '—', b: (b && fmtNum(b.spearman, 3)) || '—', n: fmtNum(m.families) }) }),
    cats.length ? barChart({
      title: t('mod.chart', { m: e.model || '' }), desc: t('mod.desc'), categories: cats, series, format: fmtPct, testid: 'chart-models'
    }) : null,
    Object.keys(groups).map((k) => barChart({
      title: t('mod.groups', { q: fmtPct(wide), b: t('breakdown.' + k) === 'breakdown.' + k ? k : t('breakdown.' + k) }),
      desc: t('mod.groupsdesc'), categories: groups[k].map((g) => (k === 'province' ? regionName(g.key) : g.key) + ' (' + fmtNum(g.families) + ')'),
      series: [
        { name: t('mod.exclusion', { q: fmtPct(wide) }), cls: 'c0', values: groups[k].map((g) => coverage(g, wide).exclusionError || 0) },
        { name: t('mod.inclusion', { q: fmtPct(wide) }), cls: 'c1', values: groups[k].map((g) => coverage(g, wide).inclusionError || 0) }
      ], format: fmtPct, testid: 'chart-model-groups'
    })),
    e.markdown ? h('details', null, h('summary', { text: t('mod.markdown') }), h('pre', { text: e.markdown })) : null,
    list);
}

// ---- start

async function ready() {
  try {
    const r = await api('GET', '/v1/provinces');
    for (const p of r.provinces || []) provinces[p.code] = p.displayName;
  } catch (err) { /* names are a nicety: codes still identify regions */ }
  load();
  loadModels();
}

$('region-form').addEventListener('submit', load);
$('region-up').addEventListener('click', up);
$('model').addEventListener('change', evaluate);
onLang(() => {
  renderStats();
  renderTransition();
  if (models.length) {
    const keep = $('model').value;
    put('model', models.map((m) => h('option', { value: m.name, text: modelText(m) })));
    $('model').value = keep;
    renderModels();
  }
});
page({ needsToken: true, ready });
