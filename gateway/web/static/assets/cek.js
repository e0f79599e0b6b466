// Cek DTSEN, the citizen page (docs/web.md): one small module for cheap phones
// on slow connections (web_test.go holds it to its budget). Values go in as
// text, never HTML. The session token stays in memory: no storage, no URL.

// Strings: the Indonesian static text is the HTML's (read at start), ID the
// rest; English (cek.en.json) is fetched when asked for. Enum labels ("e.*")
// are "|"-separated in the order of ENUMS.
const ID = /* i18n:begin */ {
"origin.fake": "Ini bukan alamat resmi DTSEN. Jangan masukkan data Anda di sini. Alamat resmi:",
"check.loading": "Memeriksa data… Pada koneksi lambat, mohon tunggu.",
"err.nik": "NIK harus 16 angka.",
"err.kk": "Nomor KK harus 16 angka.",
"err.birth": "Isi tanggal lahir.",
"err.nomatch": "Data tidak cocok. Periksa kembali NIK dan data pembanding Anda.",
"err.wait": "Terlalu banyak percobaan. Coba lagi dalam {s} detik.",
"err.network": "Tidak dapat terhubung. Periksa koneksi internet Anda, lalu tekan tombolnya lagi.",
"err.server": "Layanan sedang sibuk atau bermasalah. Tekan tombolnya lagi sebentar lagi.",
"err.session": "Sesi Anda telah berakhir. Silakan cek data sekali lagi.",
"err.partial": "Sebagian data sedang tidak dapat dimuat. Coba cek lagi nanti.",
"err.invalid": "Isian belum benar:",
"err.busy": "Pengajuan yang sama masih diproses. Coba lagi sebentar lagi.",
"err.field": "Pilih data yang salah dan isi data yang benar.",
"err.reportedkk": "Nomor KK yang dilaporkan harus 16 angka.",
"err.nofamily": "Keluarga Anda tidak dapat ditentukan. Silakan cek data dengan nomor KK.",
"err.notsent": "Pengajuan belum terkirim. Tekan Kirim lagi; tidak akan tercatat dua kali.",
"session.until": "Sesi berlaku sampai {t}.",
"decile.n": "Desil {d}",
"decile.none": "Belum ada peringkat",
"decile.text": "Semua keluarga di Indonesia diurutkan dari yang termiskin sampai yang termampu, lalu dibagi menjadi 10 kelompok sama besar (desil). Desil 1 adalah 10% keluarga termiskin, desil 10 adalah 10% termampu.",
"decile.nonetext": "Keluarga Anda belum masuk pemeringkatan nasional. Hasilnya tampil setelah pemeringkatan berikutnya.",
"why.raising": "Yang menaikkan skor (tanda lebih mampu):",
"why.lowering": "Yang menurunkan skor (tanda kurang mampu):",
"why.none": "Penjelasan belum tersedia.",
"flag.visit": "Data keluarga Anda akan diperiksa petugas lapangan sebelum peringkat ini digunakan.",
"prog.eligible": "Layak",
"prog.ineligible": "Tidak layak",
"prog.unknown": "Belum ditentukan",
"prog.none": "Belum ada keputusan program untuk keluarga Anda.",
"phase.ACTIVE": "Saat ini menerima bantuan ini.",
"phase.LOSS_NOTICED": "Bantuan ini berhenti pada {t}. Anda dapat mengajukan sanggahan sampai {d}.",
"phase.LOSS_HELD": "Bantuan tetap diberikan selama sanggahan Anda diproses.",
"object.btn": "Ajukan sanggahan",
"notice.none": "Tidak ada pemberitahuan.",
"notice.deadline": "Batas waktu sanggahan: {d}",
"notice.open": "Masih dapat disanggah",
"family.none": "Data keluarga tidak tersedia.",
"family.kk": "Nomor KK",
"family.address": "Alamat",
"family.region": "Kode wilayah",
"m.self": "Anda",
"m.relation": "Hubungan",
"m.sex": "Jenis kelamin",
"m.birth": "Tanggal lahir",
"m.occupation": "Pekerjaan",
"m.disability": "Disabilitas",
"m.vital": "Status",
"m.education": "Pendidikan",
"corr.choose": "— pilih —",
"case.sending": "Mengirim…",
"case.sent": "Pengajuan terkirim. Nomor pengajuan: {id}",
"case.existing": "Anda sudah memiliki pengajuan terbuka jenis ini; statusnya ada di bawah.",
"cases.none": "Belum ada pengajuan.",
"case.refresh": "Perbarui status",
"case.submitted": "Diajukan {t}",
"case.deadline": "Target tahap ini: {t}",
"case.overdue": "Melewati batas waktu",
"case.history": "Riwayat",
"state.SUBMITTED": "Diajukan",
"state.TRIAGED": "Diperiksa petugas",
"state.ASSIGNED": "Menunggu kunjungan lapangan",
"state.VERIFIED": "Sudah dikunjungi, menunggu keputusan",
"state.APPROVED": "Disetujui",
"state.APPLIED": "Disetujui, data diperbarui",
"state.REJECTED": "Ditolak",
"action.SUBMIT": "Diajukan",
"action.TRIAGE": "Diperiksa awal",
"action.ASSIGN": "Ditugaskan ke petugas lapangan",
"action.RECORD_VERIFICATION": "Kunjungan lapangan dicatat",
"action.APPROVE": "Disetujui",
"action.REJECT": "Ditolak",
"action.APPLY": "Perubahan diterapkan",
"action.ESCALATE": "Dinaikkan ke kantor di atasnya karena melewati batas waktu",
"type.EXCLUSION_OBJECTION": "Sanggahan",
"type.DATA_CORRECTION": "Perbaikan data",
"type.INCLUSION_REPORT": "Laporan penerima tidak layak",
"f.housing.floor_material": "Jenis lantai rumah",
"f.housing.wall_material": "Jenis dinding rumah",
"f.housing.roof_material": "Jenis atap rumah",
"f.housing.floor_area_sqm": "Luas lantai rumah (m²)",
"f.housing.electricity_power": "Daya listrik",
"f.housing.cooking_fuel": "Bahan bakar memasak",
"f.housing.toilet": "Fasilitas buang air besar",
"f.holdings.goods.refrigerator": "Punya kulkas",
"f.holdings.goods.air_conditioner": "Punya AC",
"f.holdings.goods.computer": "Punya komputer/laptop",
"f.holdings.goods.gas_cylinder_large": "Punya tabung gas 5,5 kg atau lebih",
"f.holdings.gold_or_savings": "Punya emas/tabungan senilai ≥ 10 gram emas",
"f.person.occupation": "Pekerjaan saya",
"f.person.disability": "Disabilitas saya",
"e.rel": "Kepala keluarga|Suami/istri|Anak|Menantu|Cucu|Orang tua|Mertua|Famili lain|Pembantu rumah tangga|Lainnya",
"e.sex": "Laki-laki|Perempuan",
"e.vital": "Hidup|Meninggal",
"e.edu": "Tidak sekolah|Tidak tamat SD|SD|SMP|SMA/SMK|D1/D2|D3|S1/D4|S2|S3",
"e.occ": "Tidak bekerja|Pelajar/mahasiswa|Mengurus rumah tangga|Petani|Nelayan|Buruh|Pedagang|Karyawan swasta|Wiraswasta|PNS/ASN|TNI|Polri|Karyawan BUMN/BUMD|Pensiunan|Lainnya",
"e.dis": "Tidak ada|Fisik|Intelektual|Mental|Sensorik|Ganda",
"e.floor": "Marmer/granit|Keramik|Parket/vinil|Ubin/teraso|Kayu/papan|Semen/bata merah|Bambu|Tanah|Lainnya",
"e.wall": "Tembok|Plesteran anyaman bambu/kawat|Kayu/papan|Anyaman bambu|Batang kayu|Bambu|Lainnya",
"e.roof": "Beton|Genteng tanah liat|Genteng metal|Genteng semen|Sirap|Asbes|Seng|Bambu|Jerami/ijuk/rumbia|Lainnya",
"e.power": "Tidak ada|450 VA|900 VA|1.300 VA|2.200 VA|Lebih dari 2.200 VA",
"e.fuel": "Listrik|Elpiji 5,5 kg atau lebih|Elpiji 3 kg|Gas kota|Biogas|Minyak tanah|Briket|Arang|Kayu bakar|Tidak memasak|Lainnya",
"e.toilet": "Milik sendiri|Bersama|Umum|Tidak ada",
"e.bool": "Ya|Tidak",
"m.nik": "NIK"
} /* i18n:end */;
const I18N = { id: ID };

// Enum values: the API's type prefix, then the values (grievance takes them unprefixed).
const ENUMS = {
rel: 'FAMILY_RELATION_ HEAD SPOUSE CHILD CHILD_IN_LAW GRANDCHILD PARENT PARENT_IN_LAW OTHER_RELATIVE HOUSEHOLD_HELPER OTHER',
sex: 'SEX_ MALE FEMALE',
vital: 'VITAL_STATUS_ ALIVE DECEASED',
edu: 'EDUCATION_LEVEL_ NONE PRIMARY_INCOMPLETE PRIMARY JUNIOR_SECONDARY SENIOR_SECONDARY DIPLOMA_I_II DIPLOMA_III BACHELOR MASTER DOCTORATE',
occ: 'OCCUPATION_ NOT_WORKING STUDENT HOMEMAKER FARMER FISHER LABORER TRADER PRIVATE_EMPLOYEE SELF_EMPLOYED CIVIL_SERVANT MILITARY POLICE STATE_ENTERPRISE_EMPLOYEE RETIRED OTHER',
dis: 'DISABILITY_ NONE PHYSICAL INTELLECTUAL MENTAL SENSORY MULTIPLE',
floor: '- MARBLE_GRANITE CERAMIC PARQUET_VINYL TILE_TERRAZZO WOOD_PLANK CEMENT_BRICK BAMBOO EARTH OTHER',
wall: '- MASONRY PLASTERED_BAMBOO_WIRE WOOD_BOARD WOVEN_BAMBOO LOG BAMBOO OTHER',
roof: '- CONCRETE CLAY_TILE METAL_TILE CEMENT_TILE WOOD_SHINGLE ASBESTOS ZINC BAMBOO STRAW_PALM OTHER',
power: '- NONE VA_450 VA_900 VA_1300 VA_2200 ABOVE_2200',
fuel: '- ELECTRICITY LPG_LARGE LPG_3KG CITY_GAS BIOGAS KEROSENE BRIQUETTE CHARCOAL FIREWOOD NONE OTHER',
toilet: '- PRIVATE SHARED PUBLIC NONE',
bool: '- true false'
};

// What a citizen may correct: part of grievance's catalogue (docs/grievance.md),
// "context field kind". {nik}: the citizen's own record, while the NIK is known.
const FIELDS = ['asset housing.floor_material floor', 'asset housing.wall_material wall',
'asset housing.roof_material roof', 'asset housing.floor_area_sqm num', 'asset housing.electricity_power power',
'asset housing.cooking_fuel fuel', 'asset housing.toilet toilet', 'asset holdings.goods.refrigerator bool',
'asset holdings.goods.air_conditioner bool', 'asset holdings.goods.computer bool',
'asset holdings.goods.gas_cylinder_large bool', 'asset holdings.gold_or_savings bool',
'registry person.{nik}.occupation occ', 'registry person.{nik}.disability dis'
].map((f) => f.split(' '));

const $ = (id) => document.getElementById(id);
const OBJ = 'CASE_TYPE_EXCLUSION_OBJECTION';
let lang = 'id';
let session = {}; // {token, expireTime, family}
let nik = '';
let last = null; // the check's answer, re-rendered on a language switch
const cases = new Map(); // name -> case
let pending = null; // {key, id}: a case's requestId, kept while the same form is retried
let waiting = false; // a 429 holds the check form

function t(key, vars) {
  const s = (I18N[lang] || ID)[key] || ID[key] || key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => vars[k]) : s;
}

// h builds an element; strings become text nodes, never markup.
function h(tag, props, ...kids) {
  const n = document.createElement(tag);
  for (const k in props) {
    const v = props[k];
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') n.textContent = v;
    else if (k === 'onclick') n.addEventListener('click', v);
    else n.setAttribute(k === 'cls' ? 'class' : k === 'testid' ? 'data-testid' : k, v);
  }
  add(n, kids);
  return n;
}

function add(n, kids) {
  for (const c of kids) if (Array.isArray(c)) add(n, c); else if (c) n.append(c);
}

function put(id, ...kids) {
  const n = $(id);
  n.textContent = '';
  add(n, kids);
  return n;
}

function say(id, kind, text) {
  put(id, text).className = 'msg ' + kind;
}

// loc reads the API's words: a string (the check answers in the language it
// was asked in), a LocalizedText ({id, en}) or a reason ({code, text}).
const loc = (x) => (!x || typeof x === 'string' ? x || '' : x.text ? loc(x.text) : x[lang] || x.id || x.en || x.code || '');
const progName = (p) => loc(p.name || p.programmeName) || p.programme;

function enumLabel(kind, v) {
  const e = ENUMS[kind].split(' ');
  const short = String(v).replace(e[0], '');
  const i = e.indexOf(short);
  return i > 0 ? t('e.' + kind).split('|')[i - 1] : short.replace(/_/g, ' ').toLowerCase();
}

const locale = () => (lang === 'id' ? 'id-ID' : 'en-GB');
const fmtTime = (s) => (Date.parse(s) ? new Date(s).toLocaleString(locale(),
  { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }) : s || '');

// api calls the gateway on this origin. A failure is thrown as {status,
// reason, message, violations, retryAfter}, or {network: true}.
async function api(method, path, body, auth) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (auth) headers.Authorization = 'Bearer ' + session.token;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 60000); // a minute, then say so
  let res;
  let data = {};
  try {
    res = await fetch(path, { method, headers, body: body && JSON.stringify(body), credentials: 'omit', cache: 'no-store', signal: ctl.signal });
    data = await res.json().catch(() => ({})); // e.g. a proxy's page
  } catch (e) {
    throw { network: true };
  } finally {
    clearTimeout(timer);
  }
  if (res.ok) return data;
  const err = data.error || {};
  const out = { status: res.status, message: err.message || '', violations: [], retryAfter: +res.headers.get('Retry-After') || 60 };
  for (const d of err.details || []) {
    if (d.reason) out.reason = d.reason;
    if (d.locale && d.locale.slice(0, 2) === lang) out.message = d.message;
    for (const v of d.fieldViolations || []) out.violations.push(v.description || v.field);
  }
  throw out;
}

const problem = (err) => [t('err.invalid'), err.message].concat(err.violations).join(' ');

// ---- the official origin, against look-alike sites

function checkOrigin() {
  const official = document.querySelector('meta[name="dtsen-official-origin"]').content;
  $('origin-current').textContent = location.origin;
  if (!official) {
    $('origin-official').textContent = location.origin;
    $('origin-dev').hidden = false;
  } else if (location.origin !== official) {
    // A copy of this page elsewhere, or a proxy in front of it, still carries
    // the origin the real server rendered: warn, and take no NIK here.
    put('origin-warning', t('origin.fake') + ' ', h('a', { href: official, text: official })).hidden = false;
    document.querySelectorAll('form *').forEach((n) => { n.disabled = true; });
  }
}

// ---- the check

const digits = (s) => s.replace(/[\s.-]/g, '');
const byKK = () => $('factor-kk').checked;

function showFactor() {
  $('kk-field').hidden = !byKK();
  $('birth-field').hidden = byKK();
}

function invalid(id, key) {
  $(id).setAttribute('aria-invalid', 'true');
  $(id).focus();
  say('check-msg', 'error', t(key));
}

function checkBody() {
  ['nik', 'kk', 'birth'].forEach((id) => $(id).removeAttribute('aria-invalid'));
  const body = { nik: digits($('nik').value), lang };
  if (!/^\d{16}$/.test(body.nik)) return invalid('nik', 'err.nik');
  if (byKK()) {
    body.kkNumber = digits($('kk').value);
    if (!/^\d{16}$/.test(body.kkNumber)) return invalid('kk', 'err.kk');
  } else {
    body.birthDate = $('birth').value;
    if (!body.birthDate) return invalid('birth', 'err.birth');
  }
  return body;
}

// wait holds the form for a 429's Retry-After.
function wait(s) {
  waiting = $('check-submit').disabled = true;
  say('check-msg', 'error', t('err.wait', { s }));
  setTimeout(() => { waiting = $('check-submit').disabled = false; }, s * 1000);
}

async function check(ev) {
  ev.preventDefault();
  const body = checkBody();
  if (!body || waiting) return;
  $('check-submit').disabled = true;
  say('check-msg', 'info', t('check.loading'));
  try {
    const r = await api('POST', '/v1/citizen:check', body);
    nik = body.nik;
    // A section whose service did not answer is left out and named here.
    say('check-msg', 'error', (r.unavailable || []).length ? t('err.partial') : '');
    $('kk').value = $('birth').value = ''; // the second factor is not needed any more
    startSession(r, body.kkNumber);
    render(r);
    $('result-h').focus();
  } catch (err) {
    if (err.status === 429) wait(err.retryAfter);
    // An unknown NIK and a wrong factor read the same: the page never tells
    // whether a NIK is registered (ADR 0009).
    else if (err.reason === 'CHECK_FAILED' || err.status === 403 || err.status === 404) say('check-msg', 'error', t('err.nomatch'));
    else if (err.status === 400) say('check-msg', 'error', problem(err));
    else say('check-msg', 'error', t(err.network ? 'err.network' : 'err.server'));
  } finally {
    $('check-submit').disabled = waiting;
  }
}

function startSession(r, kk) {
  const s = r.session || {};
  // The family's resource name, wherever the answer has it.
  const m = /families\/\d{16}(?!\d)/.exec([r.family, r.score, r.eligibility].map((x) => x && x.name).join(' '));
  session = { token: s.token, expireTime: s.expireTime, family: m ? m[0] : kk ? 'families/' + kk : '' };
  cases.clear();
  for (const c of r.cases || []) cases.set(c.name, c);
  showSession();
}

const expired = () => !session.token || Date.parse(session.expireTime) <= Date.now();

function showSession() {
  $('session-info').textContent = session.expireTime ? t('session.until', { t: fmtTime(session.expireTime) }) : '';
  $('objection').hidden = !session.token;
  fillCaseForm();
  renderCases();
}

function endSession(key) {
  session = {};
  nik = '';
  last = pending = null;
  cases.clear();
  ['result', 'objection', 'cases'].forEach((id) => { $(id).hidden = true; });
  $('nik').value = '';
  say('check-msg', 'error', key ? t(key) : '');
  $('nik').focus();
}

// ---- the result

function render(r) {
  last = r;
  const score = r.score || {};
  const elig = r.eligibility || {};
  const d = score.decile || elig.decile || 0;
  $('result').hidden = false;
  $('decile').textContent = d ? t('decile.n', { d }) : t('decile.none');
  $('decile-text').textContent = d ? t('decile.text', { d }) : t('decile.nonetext');
  // The strip's cell for the decile is filled; the text says the same.
  document.querySelectorAll('#strip i').forEach((n, i) => n.classList.toggle('on', i + 1 === d));
  const ex = score.explanation || {};
  $('summary').textContent = loc(ex.summary) || t('why.none');
  put('factors', ...['raising', 'lowering'].filter((k) => (ex[k] || []).length).map((k) =>
    [h('p', { text: t('why.' + k) }), h('ul', { testid: 'factor-' + k }, ex[k].map((f) => h('li', { cls: k, text: factor(f) })))]));
  const flags = (score.flags || []).map(loc);
  if (score.needsFieldVerification) flags.push(t('flag.visit'));
  put('flags', ...flags.filter(Boolean).map((text) => h('p', { cls: 'msg info', text })));
  renderProgrammes(elig.programmes || []);
  renderNotices([].concat(r.notices && r.notices.notices || r.notices || []));
  renderFamily(r.family);
  fillCaseForm();
}


// factor reads a factor: the check's phrase, or the score API's object.
const factor = (f) => (typeof f === 'string' ? f : loc(f.phrase || f.description) || f.feature);

const objectButton = (programme, testid) => session.token &&
  h('button', { type: 'button', cls: 'secondary', testid, text: t('object.btn'), onclick: () => openCase(OBJ, programme) });

function renderProgrammes(list) {
  put('programmes', ...(list.length ? list : [0]).map((p) => {
    if (!p) return h('li', { text: t('prog.none') });
    const ok = /_ELIGIBLE$/.test(p.status);
    const no = /INELIGIBLE$/.test(p.status);
    const phase = String(p.phase).replace('ENTITLEMENT_PHASE_', '');
    return h('li', { testid: 'programme-row', 'data-programme': p.programme },
      h('strong', { text: progName(p) }), ' ',
      h('span', { cls: 'badge ' + (ok ? 'ok' : no ? 'no' : ''), testid: 'programme-status', text: t(ok ? 'prog.eligible' : no ? 'prog.ineligible' : 'prog.unknown') }),
      h('ul', null, (p.reasons || []).map((r) => h('li', { text: loc(r) }))),
      /^(ACTIVE|LOSS_HELD|LOSS_NOTICED)$/.test(phase) && h('p', { cls: 'hint', text: t('phase.' + phase, { t: fmtTime(p.lossEffectiveTime), d: fmtTime(p.objectionDeadline) }) }),
      (no || phase === 'LOSS_NOTICED') && objectButton(p.programme, 'programme-object'));
  }));
}

function renderNotices(list) {
  put('notices', ...(list.length ? list : [0]).map((n) => {
    if (!n) return h('li', { text: t('notice.none') });
    const open = Date.parse(n.objectionDeadline) > Date.now(); // the deadline is exclusive
    return h('li', { testid: 'notice-row', 'data-programme': n.programme },
      h('strong', { text: [n.programme, n.kind].filter(Boolean).join(' · ') }), ' ',
      open && h('span', { cls: 'badge warn', text: t('notice.open') }),
      h('p', { text: loc(n.text) }),
      n.objectionDeadline && h('p', { testid: 'notice-deadline', text: t('notice.deadline', { d: fmtTime(n.objectionDeadline) }) }),
      open && objectButton(n.programme, 'notice-object'));
  }));
}

const kv = (rows) => h('dl', { cls: 'kv' }, rows.filter((r) => r[1]).map(([k, v]) => [h('dt', { text: t(k) }), h('dd', { text: v })]));
// Member fields shown: [label key, field, enum].
const MEMBER = [['m.nik', 'nik'], ['m.relation', 'relationToHead', 'rel'], ['m.sex', 'sex', 'sex'], ['m.birth', 'birthDate'],
  ['m.vital', 'vitalStatus', 'vital'], ['m.education', 'education', 'edu'], ['m.occupation', 'occupation', 'occ'],
  ['m.disability', 'disability', 'dis']];

function renderFamily(f) {
  if (!f) return put('family', t('family.none'));
  const a = f.address || {};
  put('family', kv([['family.kk', f.kkNumber], ['family.region', f.regionCode],
    ['family.address', [a.street, a.rt && 'RT ' + a.rt, a.rw && 'RW ' + a.rw, a.postalCode].filter(Boolean).join(', ')]]),
  h('ul', { cls: 'plain' }, (f.members || []).map((m) => h('li', { testid: 'member-row' }, h('strong', { text: (m.name || m.fullName || '') + (m.self ? ' (' + t('m.self') + ')' : '') }),
    kv(MEMBER.map(([k, field, e]) => [k, m[field] && (e ? enumLabel(e, m[field]) : m[field])]))))));
}

// ---- objections and correction proposals

// options refills a select, keeping its choice while it still exists.
function options(id, list) {
  const keep = $(id).value;
  put(id, ...list.map(([value, text]) => h('option', { value, text }))).value = keep;
  if ($(id).selectedIndex < 0) $(id).selectedIndex = 0;
}

function fillCaseForm() {
  const progs = (last && last.eligibility && last.eligibility.programmes) || [];
  options('case-programme', [['', t('case.allprog')]].concat(progs.map((p) => [p.programme, progName(p)])));
  options('corr-field', [['', t('corr.choose')]].concat(FIELDS.map((f, i) => [i, t('f.' + f[1].replace('.{nik}', '')), f[1]])
    .filter((o) => nik || o[2].indexOf('{nik}') < 0)));
  showCaseFields();
}

function showCaseFields() {
  const type = $('case-type').value;
  $('f-programme').hidden = type !== OBJ;
  $('f-correction').hidden = type !== 'CASE_TYPE_DATA_CORRECTION';
  $('f-reported').hidden = type !== 'CASE_TYPE_INCLUSION_REPORT';
  const f = FIELDS[$('corr-field').value];
  const e = f && ENUMS[f[2]];
  $('f-choice').hidden = !e;
  $('f-text').hidden = !f || e;
  const labels = e ? t('e.' + f[2]).split('|') : [];
  options('corr-choice', [['', t('corr.choose')]].concat(e ? e.split(' ').slice(1).map((v, i) => [v, labels[i]]) : []));
}

function openCase(type, programme) {
  $('case-type').value = type;
  showCaseFields();
  if (programme) $('case-programme').value = programme;
  $('objection').hidden = false;
  $('objection').scrollIntoView();
  $('case-type').focus();
}

function caseBody() {
  const type = $('case-type').value;
  const body = { caseType: type, family: session.family, description: $('case-desc').value.trim() };
  if (type === 'CASE_TYPE_INCLUSION_REPORT') {
    body.family = 'families/' + digits($('reported-kk').value);
    if (!/^families\/\d{16}$/.test(body.family)) return say('case-msg', 'error', t('err.reportedkk'));
  }
  if (!body.family) return say('case-msg', 'error', t('err.nofamily'));
  if (type === OBJ && $('case-programme').value) body.programme = $('case-programme').value;
  if (type === 'CASE_TYPE_DATA_CORRECTION') {
    const f = FIELDS[$('corr-field').value];
    const value = f && (ENUMS[f[2]] ? $('corr-choice').value : $('corr-text').value.trim());
    if (!value) return say('case-msg', 'error', t('err.field'));
    body.correction = { context: f[0], field: f[1].replace('{nik}', nik), proposedValue: value };
  }
  return body;
}

// A retry with the same requestId gets the case already filed (AIP-155), so
// on a flaky connection Send can be pressed again safely.
const requestId = () => 'cek-' + Array.from(crypto.getRandomValues(new Uint8Array(12)), (x) => (x + 256).toString(16).slice(1)).join('');

async function submitCase(ev) {
  ev.preventDefault();
  if (expired()) return endSession('err.session');
  const body = caseBody();
  if (!body) return;
  const key = JSON.stringify(body);
  if (!pending || pending.key !== key) pending = { key, id: requestId() };
  body.requestId = pending.id;
  $('case-submit').disabled = true;
  say('case-msg', 'info', t('case.sending'));
  try {
    const r = await api('POST', '/v1/cases', body, true);
    pending = null;
    cases.set(r.case.name, r.case);
    renderCases();
    $('case-desc').value = '';
    say('case-msg', 'ok', r.existing ? t('case.existing') : t('case.sent', { id: r.case.name.slice(6) }));
  } catch (err) {
    if (err.status === 401) return endSession('err.session');
    // A refusal will not change on a retry: the next press is a new request.
    const again = err.network || err.status >= 500 || err.status === 429 || err.status === 409;
    if (!again) pending = null;
    say('case-msg', 'error', err.network ? t('err.network') + ' ' + t('err.notsent')
      : err.status === 429 ? t('err.wait', { s: err.retryAfter })
        : err.status === 409 ? t('err.busy') : again ? t('err.server') : err.status === 400 ? problem(err) : err.message);
  } finally {
    $('case-submit').disabled = false;
  }
}

// ---- following cases

function renderCases() {
  const list = Array.from(cases.values()).sort((a, b) => String(b.submitTime).localeCompare(a.submitTime));
  $('cases').hidden = !session.token && !list.length;
  put('case-list', ...(list.length ? list.map(caseItem) : [h('li', { text: t('cases.none') })]));
}

function caseItem(c) {
  const state = String(c.state || '').replace('CASE_STATE_', '');
  const closed = /^(APPROVED|APPLIED|REJECTED)$/.test(state);
  const hist = c.history || [];
  const li = h('li', { testid: 'case-row', 'data-case': c.name, 'data-state': state },
    h('strong', { text: (c.caseType ? t('type.' + c.caseType.slice(10)) + ' · ' : '') + c.name.slice(6) }), ' ',
    state && h('span', { cls: 'badge ' + (state === 'REJECTED' ? 'no' : closed ? 'ok' : 'warn'), testid: 'case-status', text: t('state.' + state) }),
    c.overdue && h('span', { cls: 'badge no', text: t('case.overdue') }),
    h('p', { cls: 'hint', text: [c.submitTime && t('case.submitted', { t: fmtTime(c.submitTime) }), !closed && c.deadline && t('case.deadline', { t: fmtTime(c.deadline) })].filter(Boolean).join(' · ') }),
    closed && h('p', { testid: 'case-reason' }, h('strong', { text: t(state === 'REJECTED' ? 'action.REJECT' : 'action.APPROVE') + ': ' }), c.decisionReason),
    hist.length && h('details', null, h('summary', { text: t('case.history') + ' (' + hist.length + ')' }),
      h('ol', { testid: 'case-history' }, hist.map((s) => h('li', { 'data-action': s.action },
        fmtTime(s.time) + ' — ' + t('action.' + s.action) + (s.reason ? ': ' + s.reason : ''))))),
    h('button', { type: 'button', cls: 'secondary', testid: 'case-refresh', text: t('case.refresh'), onclick: () => refreshCase(c.name, li) }));
  return li;
}

async function refreshCase(name, li) {
  if (expired()) return endSession('err.session');
  try {
    const c = await api('GET', '/v1/cases/' + encodeURIComponent(name.slice(6)), null, true);
    cases.set(name, c);
    li.replaceWith(caseItem(c));
  } catch (err) {
    if (err.status === 401) return endSession('err.session');
    li.append(h('p', { cls: 'msg error', text: t(err.network ? 'err.network' : 'err.server') }));
  }
}

// ---- start

async function setLang(l) {
  if (!I18N[l]) {
    try {
      I18N[l] = await (await fetch(document.querySelector('meta[name="dtsen-i18n-en"]').content)).json();
    } catch (e) {
      return; // no connection: stay in Indonesian
    }
  }
  lang = l;
  try { localStorage.setItem('dtsen.lang', l); } catch (e) { /* this visit only */ }
  document.documentElement.lang = l;
  document.querySelectorAll('[data-i18n]').forEach((n) => { n.textContent = t(n.dataset.i18n); });
  $('lang').lang = l === 'id' ? 'en' : 'id';
  if (!$('origin-warning').hidden) checkOrigin();
  if (last) render(last);
  if (session.token) showSession();
}

function init() {
  document.querySelectorAll('[data-i18n]').forEach((n) => { ID[n.dataset.i18n] = n.textContent.trim().replace(/\s+/g, ' '); });
  $('lang').addEventListener('click', () => setLang(lang === 'id' ? 'en' : 'id'));
  $('check-form').addEventListener('submit', check);
  $('factor-kk').addEventListener('change', showFactor);
  $('factor-birth').addEventListener('change', showFactor);
  $('signout').addEventListener('click', () => endSession());
  $('propose').addEventListener('click', () => openCase('CASE_TYPE_DATA_CORRECTION'));
  $('case-type').addEventListener('change', showCaseFields);
  $('corr-field').addEventListener('change', showCaseFields);
  $('case-form').addEventListener('submit', submitCase);
  showFactor();
  checkOrigin();
  let stored = '';
  try { stored = localStorage.getItem('dtsen.lang'); } catch (e) { /* storage blocked */ }
  if (stored === 'en') setLang('en');
}

init();
