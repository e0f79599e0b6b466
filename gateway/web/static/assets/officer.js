// The officer console (/officer): the case queue of the officer's region,
// case detail with the family's data and score explanation, the workflow
// steps (triage, assign, the field-verification form, the decision) and the
// DTKS → DTSEN transition report of the region. docs/web.md lists its
// data-testid attributes; docs/grievance.md is the workflow it drives.
import {
  $, api, claims, currentLang, errText, fmtNum, fmtTime, h, idOf, label, loc, me, onLang, page, pretty, put,
  query, say, strings, t, table, token
} from './staff.js';

strings(/* i18n:begin */ {
  "id": {
    "queue.allstates": "Semua status",
    "queue.alltypes": "Semua jenis",
    "queue.count": "{n} kasus ditampilkan.",
    "queue.deadline": "Tenggat",
    "queue.region": "Wilayah",
    "queue.family": "Keluarga",
    "queue.submitted": "Diajukan",
    "queue.open": "Buka",
    "overdue": "Lewat tenggat",
    "case.title": "Kasus {id}",
    "case.state": "Status",
    "case.type": "Jenis",
    "case.region": "Desa/kelurahan",
    "case.handling": "Ditangani oleh",
    "case.ministry": "kementerian",
    "case.deadline": "Tenggat tahap ini",
    "case.reporter": "Pelapor",
    "case.protected": "dilindungi",
    "case.programme": "Program",
    "case.description": "Uraian",
    "case.correction": "Koreksi yang diusulkan",
    "case.registration": "Keluarga yang diusulkan",
    "case.deliberation": "Musyawarah desa",
    "case.assignee": "Verifikator",
    "case.visit": "Kunjungan",
    "case.decision": "Keputusan",
    "case.approved": "Disetujui",
    "case.rejected": "Ditolak",
    "case.applyerror": "Gagal diterapkan",
    "case.notassignee": "Kasus ini ditugaskan kepada {who}, bukan kepada Anda: hanya verifikator yang ditugaskan dapat mencatat kunjungan.",
    "vf.code": "Kode pertanyaan",
    "vf.value": "Jawaban",
    "vf.other": "Kode lain…",
    "vf.othercode": "Kode lain",
    "vf.remove": "Hapus",
    "vf.ref": "Referensi foto",
    "vf.caption": "Keterangan",
    "vf.nogeo": "Lokasi tidak tersedia di perangkat ini; isi lintang dan bujur secara manual.",
    "vf.locating": "Mencari lokasi…",
    "vf.bad": "Isi tanggal kunjungan, lintang dan bujur (angka), dan kode setiap jawaban.",
    "act.sending": "Mengirim…",
    "act.done": "Tersimpan: status sekarang {state}.",
    "act.needreason": "Tulis alasan penolakan: pelapor akan membacanya.",
    "act.needassignee": "Isi subjek verifikator.",
    "fam.address": "Alamat",
    "fam.region": "Wilayah",
    "fam.settlement": "Daerah",
    "fam.none": "Kasus ini tidak menyangkut keluarga terdaftar.",
    "m.nik": "NIK",
    "m.name": "Nama",
    "m.relation": "Hubungan",
    "m.sex": "JK",
    "m.birth": "Lahir",
    "m.occupation": "Pekerjaan",
    "m.disability": "Disabilitas",
    "m.vital": "Status",
    "score.decile": "Desil",
    "score.notranked": "belum diperingkat",
    "score.consumption": "Perkiraan konsumsi per kapita per bulan",
    "score.model": "Model",
    "score.time": "Dihitung",
    "score.raising": "Menaikkan skor",
    "score.lowering": "Menurunkan skor",
    "score.factor": "Faktor",
    "score.value": "Nilai",
    "score.effect": "Pengaruh",
    "score.visit": "Perlu verifikasi lapangan sebelum peringkat digunakan.",
    "hist.time": "Waktu",
    "hist.action": "Langkah",
    "hist.states": "Status",
    "hist.actor": "Oleh",
    "hist.reason": "Alasan",
    "rep.families": "{n} keluarga; aturan {rules}; pemeringkatan {run}.",
    "rep.programme": "Program",
    "rep.before": "DTKS",
    "rep.after": "DTSEN",
    "rep.kept": "Tetap",
    "rep.gained": "Masuk",
    "rep.lost": "Keluar",
    "rep.reasons": "Alasan keluar",
    "rep.subregions": "Per wilayah",
    "rep.gainedlist": "Keluarga yang masuk {p}",
    "rep.lostlist": "Keluarga yang keluar {p}",
    "state.SUBMITTED": "Diajukan",
    "state.TRIAGED": "Diperiksa",
    "state.ASSIGNED": "Ditugaskan",
    "state.VERIFIED": "Diverifikasi",
    "state.APPROVED": "Disetujui",
    "state.APPLIED": "Diterapkan",
    "state.REJECTED": "Ditolak",
    "type.EXCLUSION_OBJECTION": "Sanggahan (tidak menerima)",
    "type.INCLUSION_REPORT": "Laporan penerima tidak layak",
    "type.DATA_CORRECTION": "Perbaikan data",
    "type.NEW_REGISTRATION": "Pendaftaran baru",
    "type.VILLAGE_DELIBERATION": "Musyawarah desa",
    "q.asset.housing.floor_material": "Jenis lantai",
    "q.asset.housing.floor_condition": "Kondisi lantai",
    "q.asset.housing.wall_material": "Jenis dinding",
    "q.asset.housing.wall_condition": "Kondisi dinding",
    "q.asset.housing.roof_material": "Jenis atap",
    "q.asset.housing.roof_condition": "Kondisi atap",
    "q.asset.housing.floor_area_sqm": "Luas lantai (m²)",
    "q.asset.housing.bedrooms": "Jumlah kamar tidur",
    "q.asset.housing.tenure": "Status kepemilikan rumah",
    "q.asset.housing.drinking_water": "Sumber air minum",
    "q.asset.housing.lighting": "Sumber penerangan",
    "q.asset.housing.electricity_power": "Daya listrik",
    "q.asset.housing.cooking_fuel": "Bahan bakar memasak",
    "q.asset.housing.toilet": "Fasilitas buang air besar",
    "q.asset.housing.sewage": "Pembuangan tinja",
    "q.asset.holdings.gold_or_savings": "Emas/tabungan ≥ 10 g emas",
    "q.asset.holdings.goods.gas_cylinder_large": "Tabung gas ≥ 5,5 kg",
    "q.asset.holdings.goods.refrigerator": "Kulkas",
    "q.asset.holdings.goods.air_conditioner": "AC",
    "q.asset.holdings.goods.water_heater": "Pemanas air",
    "q.asset.holdings.goods.telephone": "Telepon",
    "q.asset.holdings.goods.television": "Televisi",
    "q.asset.holdings.goods.computer": "Komputer/laptop",
    "q.asset.holdings.livestock.cattle": "Sapi (ekor)",
    "q.asset.holdings.livestock.buffalo": "Kerbau (ekor)",
    "q.asset.holdings.livestock.horse": "Kuda (ekor)",
    "q.asset.holdings.livestock.pig": "Babi (ekor)",
    "q.asset.holdings.livestock.goat_sheep": "Kambing/domba (ekor)",
    "q.asset.holdings.livestock.poultry": "Unggas (ekor)"
  },
  "en": {
    "officer.title": "DTSEN officer console",
    "queue.title": "Case queue",
    "queue.hint": "Cases in your region, the most overdue first.",
    "queue.state": "State",
    "queue.type": "Type",
    "queue.overdueonly": "Overdue only",
    "queue.refresh": "Show",
    "queue.allstates": "All states",
    "queue.alltypes": "All types",
    "queue.count": "{n} cases shown.",
    "queue.deadline": "Deadline",
    "queue.region": "Region",
    "queue.family": "Family",
    "queue.submitted": "Filed",
    "queue.open": "Open",
    "overdue": "Overdue",
    "case.title": "Case {id}",
    "case.state": "State",
    "case.type": "Type",
    "case.region": "Village",
    "case.handling": "Handled by",
    "case.ministry": "the ministry",
    "case.deadline": "Deadline of this step",
    "case.reporter": "Reporter",
    "case.protected": "protected",
    "case.programme": "Programme",
    "case.description": "Description",
    "case.correction": "Proposed correction",
    "case.registration": "Proposed family",
    "case.deliberation": "Village deliberation",
    "case.assignee": "Verifier",
    "case.visit": "Visit",
    "case.decision": "Decision",
    "case.approved": "Approved",
    "case.rejected": "Rejected",
    "case.applyerror": "Could not be applied",
    "case.notassignee": "This case is assigned to {who}, not to you: only the assigned verifier can record the visit.",
    "act.title": "Actions",
    "act.none": "No action for your role in this state.",
    "act.triage": "Triage",
    "act.reason": "Note",
    "act.triagebtn": "Mark as triaged",
    "act.assign": "Assign to a field verifier",
    "act.assignee": "Verifier's subject",
    "act.assignbtn": "Assign",
    "act.decide": "Decision",
    "act.decidereason": "Reason (the reporter reads it; required to reject)",
    "act.approve": "Approve",
    "act.reject": "Reject",
    "act.sending": "Sending…",
    "act.done": "Saved: the case is now {state}.",
    "act.needreason": "Write the reason for rejecting: the reporter reads it.",
    "act.needassignee": "Enter the verifier's subject.",
    "vf.title": "Field visit",
    "vf.date": "Visit date",
    "vf.found": "Family found at its address",
    "vf.lat": "Latitude",
    "vf.lon": "Longitude",
    "vf.locate": "Use my location",
    "vf.answers": "Answers to the disputed questions",
    "vf.answershint": "A code such as asset.housing.floor_material changes that field when the case is approved; other codes are notes for the officers.",
    "vf.addanswer": "Add an answer",
    "vf.photos": "Photos (references in the document store)",
    "vf.addphoto": "Add a photo",
    "vf.notes": "Notes",
    "vf.submit": "Save the visit",
    "vf.code": "Question code",
    "vf.value": "Answer",
    "vf.other": "Other code…",
    "vf.othercode": "Other code",
    "vf.remove": "Remove",
    "vf.ref": "Photo reference",
    "vf.caption": "Caption",
    "vf.nogeo": "Location is not available on this device; enter latitude and longitude by hand.",
    "vf.locating": "Finding the location…",
    "vf.bad": "Enter the visit date, latitude and longitude (numbers), and each answer's code.",
    "fam.title": "Family data",
    "fam.address": "Address",
    "fam.region": "Region",
    "fam.settlement": "Area",
    "fam.none": "This case is not about a registered family.",
    "m.nik": "NIK",
    "m.name": "Name",
    "m.relation": "Relation",
    "m.sex": "Sex",
    "m.birth": "Born",
    "m.occupation": "Occupation",
    "m.disability": "Disability",
    "m.vital": "Status",
    "score.title": "Score and explanation",
    "score.decile": "Decile",
    "score.notranked": "not ranked yet",
    "score.consumption": "Predicted consumption per person per month",
    "score.model": "Model",
    "score.time": "Scored",
    "score.raising": "Raised the score",
    "score.lowering": "Lowered the score",
    "score.factor": "Factor",
    "score.value": "Value",
    "score.effect": "Effect",
    "score.visit": "Needs field verification before its ranking is used.",
    "hist.title": "History",
    "hist.time": "Time",
    "hist.action": "Step",
    "hist.states": "State",
    "hist.actor": "By",
    "hist.reason": "Reason",
    "rep.title": "DTKS → DTSEN transition in your region",
    "rep.region": "Region",
    "rep.max": "List families (max.)",
    "rep.load": "Show",
    "rep.families": "{n} families; rules {rules}; ranking {run}.",
    "rep.programme": "Programme",
    "rep.before": "DTKS",
    "rep.after": "DTSEN",
    "rep.kept": "Kept",
    "rep.gained": "Gained",
    "rep.lost": "Lost",
    "rep.reasons": "Reasons for losses",
    "rep.subregions": "By region",
    "rep.gainedlist": "Families gaining {p}",
    "rep.lostlist": "Families losing {p}",
    "state.SUBMITTED": "Submitted",
    "state.TRIAGED": "Triaged",
    "state.ASSIGNED": "Assigned",
    "state.VERIFIED": "Verified",
    "state.APPROVED": "Approved",
    "state.APPLIED": "Applied",
    "state.REJECTED": "Rejected",
    "type.EXCLUSION_OBJECTION": "Exclusion objection",
    "type.INCLUSION_REPORT": "Inclusion report",
    "type.DATA_CORRECTION": "Data correction",
    "type.NEW_REGISTRATION": "New registration",
    "type.VILLAGE_DELIBERATION": "Village deliberation",
    "q.asset.housing.floor_material": "Floor material",
    "q.asset.housing.floor_condition": "Floor condition",
    "q.asset.housing.wall_material": "Wall material",
    "q.asset.housing.wall_condition": "Wall condition",
    "q.asset.housing.roof_material": "Roof material",
    "q.asset.housing.roof_condition": "Roof condition",
    "q.asset.housing.floor_area_sqm": "Floor area (m²)",
    "q.asset.housing.bedrooms": "Bedrooms",
    "q.asset.housing.tenure": "House tenure",
    "q.asset.housing.drinking_water": "Drinking water source",
    "q.asset.housing.lighting": "Lighting source",
    "q.asset.housing.electricity_power": "Electricity power",
    "q.asset.housing.cooking_fuel": "Cooking fuel",
    "q.asset.housing.toilet": "Toilet facility",
    "q.asset.housing.sewage": "Sewage disposal",
    "q.asset.holdings.gold_or_savings": "Gold or savings ≥ 10 g of gold",
    "q.asset.holdings.goods.gas_cylinder_large": "Gas cylinder ≥ 5.5 kg",
    "q.asset.holdings.goods.refrigerator": "Refrigerator",
    "q.asset.holdings.goods.air_conditioner": "Air conditioner",
    "q.asset.holdings.goods.water_heater": "Water heater",
    "q.asset.holdings.goods.telephone": "Telephone",
    "q.asset.holdings.goods.television": "Television",
    "q.asset.holdings.goods.computer": "Computer or laptop",
    "q.asset.holdings.livestock.cattle": "Cattle (head)",
    "q.asset.holdings.livestock.buffalo": "Buffalo (head)",
    "q.asset.holdings.livestock.horse": "Horses (head)",
    "q.asset.holdings.livestock.pig": "Pigs (head)",
    "q.asset.holdings.livestock.goat_sheep": "Goats or sheep (head)",
    "q.asset.holdings.livestock.poultry": "Poultry (head)"
  }
} /* i18n:end */);

// The disputed housing and asset questions a verifier answers, by the
// qualified code grievance reads as a correctable field (docs/grievance.md),
// with the values the asset API takes: enum value names (unprefixed), or
// 'num', 'int', 'bool'. Enum values read in English as the API names them;
// VALUE_ID gives the Indonesian words for the commonest.
const QUESTIONS = {
  'asset.housing.floor_material': 'MARBLE_GRANITE CERAMIC PARQUET_VINYL TILE_TERRAZZO WOOD_PLANK CEMENT_BRICK BAMBOO EARTH OTHER',
  'asset.housing.floor_condition': 'GOOD POOR',
  'asset.housing.wall_material': 'MASONRY PLASTERED_BAMBOO_WIRE WOOD_BOARD WOVEN_BAMBOO LOG BAMBOO OTHER',
  'asset.housing.wall_condition': 'GOOD POOR',
  'asset.housing.roof_material': 'CONCRETE CLAY_TILE METAL_TILE CEMENT_TILE WOOD_SHINGLE ASBESTOS ZINC BAMBOO STRAW_PALM OTHER',
  'asset.housing.roof_condition': 'GOOD POOR',
  'asset.housing.floor_area_sqm': 'num',
  'asset.housing.bedrooms': 'int',
  'asset.housing.tenure': 'OWNED RENTED RENT_FREE OFFICIAL OTHER',
  'asset.housing.drinking_water': 'BOTTLED REFILL PIPED_METERED PIPED_RETAIL BORE_WELL PROTECTED_WELL UNPROTECTED_WELL PROTECTED_SPRING UNPROTECTED_SPRING SURFACE_WATER RAINWATER OTHER',
  'asset.housing.lighting': 'PLN_METERED PLN_UNMETERED NON_PLN NO_ELECTRICITY',
  'asset.housing.electricity_power': 'NONE VA_450 VA_900 VA_1300 VA_2200 ABOVE_2200',
  'asset.housing.cooking_fuel': 'ELECTRICITY LPG_LARGE LPG_3KG CITY_GAS BIOGAS KEROSENE BRIQUETTE CHARCOAL FIREWOOD NONE OTHER',
  'asset.housing.toilet': 'PRIVATE SHARED PUBLIC NONE',
  'asset.housing.sewage': 'SEPTIC_TANK TREATMENT_PLANT PIT SURFACE_WATER OPEN_GROUND OTHER',
  'asset.holdings.gold_or_savings': 'bool',
  'asset.holdings.goods.gas_cylinder_large': 'bool',
  'asset.holdings.goods.refrigerator': 'bool',
  'asset.holdings.goods.air_conditioner': 'bool',
  'asset.holdings.goods.water_heater': 'bool',
  'asset.holdings.goods.telephone': 'bool',
  'asset.holdings.goods.television': 'bool',
  'asset.holdings.goods.computer': 'bool',
  'asset.holdings.livestock.cattle': 'int',
  'asset.holdings.livestock.buffalo': 'int',
  'asset.holdings.livestock.horse': 'int',
  'asset.holdings.livestock.pig': 'int',
  'asset.holdings.livestock.goat_sheep': 'int',
  'asset.holdings.livestock.poultry': 'int'
};

// Indonesian words for enum values (the housing answers above, and a
// person's record); in English the API's own value names are shown.
const VALUE_ID = {
  HEAD: 'kepala keluarga', SPOUSE: 'suami/istri', CHILD: 'anak', CHILD_IN_LAW: 'menantu', GRANDCHILD: 'cucu',
  PARENT: 'orang tua', PARENT_IN_LAW: 'mertua', OTHER_RELATIVE: 'famili lain', HOUSEHOLD_HELPER: 'pembantu rumah tangga',
  MALE: 'laki-laki', FEMALE: 'perempuan', ALIVE: 'hidup', DECEASED: 'meninggal', URBAN: 'perkotaan', RURAL: 'perdesaan',
  NOT_WORKING: 'tidak bekerja', STUDENT: 'pelajar/mahasiswa', HOMEMAKER: 'mengurus rumah tangga', FARMER: 'petani',
  FISHER: 'nelayan', LABORER: 'buruh', TRADER: 'pedagang', PRIVATE_EMPLOYEE: 'karyawan swasta', SELF_EMPLOYED: 'wiraswasta',
  CIVIL_SERVANT: 'PNS/ASN', MILITARY: 'TNI', POLICE: 'Polri', STATE_ENTERPRISE_EMPLOYEE: 'karyawan BUMN/BUMD',
  RETIRED: 'pensiunan', PHYSICAL: 'fisik', INTELLECTUAL: 'intelektual', MENTAL: 'mental', SENSORY: 'sensorik',
  MULTIPLE: 'ganda',
  MARBLE_GRANITE: 'marmer/granit', CERAMIC: 'keramik', PARQUET_VINYL: 'parket/vinil', TILE_TERRAZZO: 'ubin/teraso',
  WOOD_PLANK: 'kayu/papan', CEMENT_BRICK: 'semen/bata merah', BAMBOO: 'bambu', EARTH: 'tanah', OTHER: 'lainnya',
  GOOD: 'baik', POOR: 'rusak', MASONRY: 'tembok', PLASTERED_BAMBOO_WIRE: 'plesteran anyaman bambu/kawat',
  WOOD_BOARD: 'kayu/papan', WOVEN_BAMBOO: 'anyaman bambu', LOG: 'batang kayu', CONCRETE: 'beton',
  CLAY_TILE: 'genteng tanah liat', METAL_TILE: 'genteng metal', CEMENT_TILE: 'genteng semen', WOOD_SHINGLE: 'sirap',
  ASBESTOS: 'asbes', ZINC: 'seng', STRAW_PALM: 'jerami/ijuk/rumbia', OWNED: 'milik sendiri', RENTED: 'sewa/kontrak',
  RENT_FREE: 'bebas sewa', OFFICIAL: 'rumah dinas', BOTTLED: 'air kemasan', REFILL: 'air isi ulang',
  PIPED_METERED: 'leding meteran', PIPED_RETAIL: 'leding eceran', BORE_WELL: 'sumur bor/pompa',
  PROTECTED_WELL: 'sumur terlindung', UNPROTECTED_WELL: 'sumur tak terlindung', PROTECTED_SPRING: 'mata air terlindung',
  UNPROTECTED_SPRING: 'mata air tak terlindung', SURFACE_WATER: 'air permukaan', RAINWATER: 'air hujan',
  PLN_METERED: 'listrik PLN dengan meteran', PLN_UNMETERED: 'listrik PLN tanpa meteran', NON_PLN: 'listrik non-PLN',
  NO_ELECTRICITY: 'bukan listrik', NONE: 'tidak ada', VA_450: '450 VA', VA_900: '900 VA', VA_1300: '1.300 VA',
  VA_2200: '2.200 VA', ABOVE_2200: 'lebih dari 2.200 VA', ELECTRICITY: 'listrik', LPG_LARGE: 'elpiji ≥ 5,5 kg',
  LPG_3KG: 'elpiji 3 kg', CITY_GAS: 'gas kota', BIOGAS: 'biogas', KEROSENE: 'minyak tanah', BRIQUETTE: 'briket',
  CHARCOAL: 'arang', FIREWOOD: 'kayu bakar', PRIVATE: 'sendiri', SHARED: 'bersama', PUBLIC: 'umum',
  SEPTIC_TANK: 'tangki septik', TREATMENT_PLANT: 'IPAL', PIT: 'lubang tanah', OPEN_GROUND: 'tanah terbuka'
};

const STATES = ['SUBMITTED', 'TRIAGED', 'ASSIGNED', 'VERIFIED', 'APPROVED', 'APPLIED', 'REJECTED'];
const TYPES = ['EXCLUSION_OBJECTION', 'INCLUSION_REPORT', 'DATA_CORRECTION', 'NEW_REGISTRATION', 'VILLAGE_DELIBERATION'];

// Who may take which step from which state: grievance's workflow table
// (docs/grievance.md). The service decides; this only hides buttons that
// would be refused anyway.
const DECIDERS = ['district_officer', 'provincial_officer', 'admin'];
const STEPS = {
  triage: { from: ['SUBMITTED'], roles: ['village_operator'].concat(DECIDERS) },
  assign: { from: ['TRIAGED', 'ASSIGNED'], roles: DECIDERS },
  verify: { from: ['ASSIGNED'], roles: ['field_verifier'] },
  approve: { from: ['VERIFIED'], roles: DECIDERS },
  reject: { from: ['SUBMITTED', 'TRIAGED', 'ASSIGNED', 'VERIFIED'], roles: DECIDERS }
};

let queue = [];
let queueToken = '';
let current = null; // the case open in the detail view
let family = null;
let score = null;
let report = null;

const stateOf = (c) => String(c.state || '').replace('CASE_STATE_', '');
const typeOf = (c) => String(c.caseType || '').replace('CASE_TYPE_', '');
const stateLabel = (s) => label('state', s);
const kkOf = (name) => (/^families\/(\d{16})$/.exec(name || '') || [])[1] || '';
const kv = (rows) => h('dl', { cls: 'kv' }, rows.filter((r) => r[1] !== undefined && r[1] !== null && r[1] !== '' && r[1] !== false)
  .map(([k, v]) => [h('dt', { text: t(k) }), h('dd', null, v)]));

function stateBadge(state, testid) {
  const cls = state === 'REJECTED' ? 'no' : /APPROVED|APPLIED/.test(state) ? 'ok' : 'warn';
  return h('span', { cls: 'badge ' + cls, testid, 'data-state': state, text: stateLabel(state) });
}

// office is who handles an escalated case now (the province, or the
// ministry), or null while it is with its regency. The API leaves an empty
// handlingRegion (the ministry) out of its JSON, so the history decides.
function office(c) {
  const escalated = (c.history || []).some((s) => s.action === 'ESCALATE');
  const hr = c.handlingRegion;
  if (hr !== undefined && hr !== '') return hr === String(c.region).slice(0, 5) ? null : hr;
  return escalated && !/APPROVED|APPLIED|REJECTED/.test(stateOf(c)) ? t('case.ministry') : null;
}

const overdueBadge = () => h('span', { cls: 'badge no', testid: 'overdue-badge', text: t('overdue') });

// ---- the queue

function fillFilters() {
  const fill = (id, all, list, group, prefix) => {
    const sel = $(id);
    const keep = sel.value;
    put(sel, h('option', { value: '', text: t(all) }), list.map((v) => h('option', { value: prefix + v, text: label(group, v) })));
    sel.value = keep;
  };
  fill('f-state', 'queue.allstates', STATES, 'state', 'CASE_STATE_');
  fill('f-type', 'queue.alltypes', TYPES, 'type', 'CASE_TYPE_');
}

async function loadQueue(more) {
  say('queue-msg', 'info', t('loading'));
  try {
    const r = await api('GET', '/v1/cases' + query({
      pageSize: 50, state: $('f-state').value, caseType: $('f-type').value,
      overdue: $('f-overdue').checked ? 'true' : '', pageToken: more ? queueToken : ''
    }));
    queue = (more ? queue : []).concat(r.cases || []);
    queueToken = r.nextPageToken || '';
    say('queue-msg', 'info', t('queue.count', { n: queue.length }));
    renderQueue();
  } catch (err) {
    say('queue-msg', 'error', errText(err));
  }
}

function renderQueue() {
  $('queue-more').hidden = !queueToken;
  // The API already orders the queue: the most overdue first, closed cases last.
  put('queue', table(
    ['', t('queue.deadline'), t('case.state'), t('case.type'), t('queue.region'), t('queue.family'), t('queue.submitted'), ''],
    queue.map((c) => [
      c.overdue ? overdueBadge() : '',
      fmtTime(c.deadline), stateBadge(stateOf(c)), label('type', typeOf(c)),
      [c.region, office(c) !== null ? '→ ' + office(c) : ''].join(' ').trim(),
      kkOf(c.family), fmtTime(c.submitTime),
      h('button', { type: 'button', cls: 'secondary small', testid: 'queue-open', text: t('queue.open'), onclick: () => openCase(c.name) })
    ]), {
      testid: 'queue-table',
      rowProps: (i) => ({
        testid: 'queue-row', 'data-case': queue[i].name, 'data-state': stateOf(queue[i]),
        cls: [queue[i].overdue ? 'overdue' : '', current && current.name === queue[i].name ? 'selected' : ''].join(' ').trim() || null
      })
    }));
}

// ---- the case

async function openCase(name) {
  $('detail').hidden = false;
  say('detail-msg', 'info', t('loading'));
  try {
    current = await api('GET', '/v1/cases/' + idOf(name));
    say('detail-msg', 'info', '');
  } catch (err) {
    return say('detail-msg', 'error', errText(err));
  }
  family = score = null;
  renderCase();
  renderQueue();
  $('detail-h').focus();
  say('act-msg', 'info', '');
  resetVerification();
  loadFamily();
}

// loadFamily reads the family and its score side by side; either may be
// refused on its own (a provincial officer sees identities masked).
async function loadFamily() {
  const kk = kkOf(current && current.family);
  if (!kk) return put('family', t('fam.none')) && put('score', '');
  put('family', t('loading'));
  put('score', t('loading'));
  const [f, s] = await Promise.all([
    api('GET', '/v1/families/' + kk).catch((err) => ({ error: err })),
    api('GET', '/v1/families/' + kk + '/score').catch((err) => ({ error: err }))
  ]);
  family = f;
  score = s;
  renderFamily();
  renderScore();
}

function renderCase() {
  const c = current;
  const state = stateOf(c);
  put('detail-h', t('case.title', { id: String(c.name).split('/').pop() }));
  const corr = c.correction;
  const reg = c.registration;
  const del = c.deliberation;
  const v = c.verification;
  put('case-panel', kv([
    ['case.state', [stateBadge(state, 'case-state'), c.overdue ? [' ', overdueBadge()] : null]],
    ['case.type', label('type', typeOf(c))],
    ['queue.family', kkOf(c.family)],
    ['case.region', c.region],
    ['case.handling', c.handlingRegion || office(c)],
    ['case.deadline', fmtTime(c.deadline)],
    ['queue.submitted', fmtTime(c.submitTime)],
    ['case.reporter', c.reporter || t('case.protected')],
    ['case.programme', c.programme],
    ['case.description', c.description],
    ['case.correction', corr && h('code', { testid: 'case-correction', text: corr.context + '.' + corr.field + ': ' + (corr.currentValue || '?') + ' → ' + corr.proposedValue })],
    ['case.registration', reg && [reg.headName, reg.headNik, reg.memberCount && reg.memberCount + ' org', reg.address].filter(Boolean).join(' · ')],
    ['case.deliberation', del && [del.meetingDate, del.minutesRef, (del.families || []).map(kkOf).join(', ')].filter(Boolean).join(' · ')],
    ['case.assignee', c.assignee],
    ['case.visit', v && visitView(v)],
    ['case.decision', /APPROVED|APPLIED|REJECTED/.test(state) &&
      h('span', { testid: 'case-decision' }, t(c.approved ? 'case.approved' : 'case.rejected') + (c.decisionReason ? ': ' + c.decisionReason : ''))],
    ['case.applyerror', c.applyError && h('span', { cls: 'badge no', text: c.applyError })]
  ]));
  put('history', table([t('hist.time'), t('hist.action'), t('hist.states'), t('hist.actor'), t('hist.reason')],
    (c.history || []).map((s) => [fmtTime(s.time), s.action, [s.fromState, s.toState].filter(Boolean).map((x) => stateLabel(String(x).replace('CASE_STATE_', ''))).join(' → '),
      [s.actor, s.role].filter(Boolean).join(' · '), s.reason || '']), { testid: 'history-table', rowProps: (i) => ({ testid: 'history-row', 'data-action': c.history[i].action }) }));
  showActions();
}

function visitView(v) {
  const answers = Object.keys(v.answers || {}).map((k) => k + ' = ' + v.answers[k]);
  return h('div', { testid: 'case-visit' },
    [v.visitDate, v.verifier, v.latitude !== undefined ? fmtNum(v.latitude, 5) + ', ' + fmtNum(v.longitude, 5) : '', t(v.familyFound ? 'yes' : 'no')].filter(Boolean).join(' · '),
    answers.length ? h('ul', null, answers.map((a) => h('li', { text: a }))) : null,
    (v.photos || []).length ? h('ul', null, v.photos.map((p) => h('li', { text: p.ref + (p.caption ? ' — ' + p.caption : '') }))) : null,
    v.notes ? h('p', { text: v.notes }) : null);
}

function renderFamily() {
  const f = family;
  if (!f) return;
  if (f.error) return put('family', h('p', { cls: 'msg error', text: errText(f.error) }));
  const a = f.address || {};
  put('family', kv([
    ['queue.family', f.kkNumber],
    ['fam.region', f.regionCode],
    ['fam.address', [a.street, a.rt && 'RT ' + a.rt, a.rw && 'RW ' + a.rw, a.postalCode].filter(Boolean).join(', ')],
    ['fam.settlement', f.settlement && word(f.settlement, 'SETTLEMENT_')]
  ]), table([t('m.nik'), t('m.name'), t('m.relation'), t('m.sex'), t('m.birth'), t('m.occupation'), t('m.disability'), t('m.vital')],
    (f.members || []).map((m) => [m.nik, m.fullName, word(m.relationToHead, 'FAMILY_RELATION_'), word(m.sex, 'SEX_'),
      m.birthDate, word(m.occupation, 'OCCUPATION_'), word(m.disability, 'DISABILITY_'),
      word(m.vitalStatus, 'VITAL_STATUS_')]), { testid: 'family-members', rowProps: () => ({ testid: 'family-member-row' }) }));
}

function renderScore() {
  const s = score;
  if (!s) return;
  if (s.error) return put('score', h('p', { cls: 'msg error', text: errText(s.error) }));
  const ex = s.explanation || {};
  const factors = (list, key) => (list || []).length ? table([t('score.factor'), t('score.value'), t('score.effect')],
    list.map((f) => [loc(f.description) || f.feature, loc(f.value), { cls: 'num', text: (f.percent > 0 ? '+' : '') + fmtNum(f.percent, 1) + '%' }]),
    { caption: t(key), testid: 'score-' + key.split('.')[1] }) : null;
  put('score', kv([
    ['score.decile', h('strong', { testid: 'score-decile', text: s.decile ? String(s.decile) : t('score.notranked') })],
    ['score.consumption', s.predictedConsumptionPerCapita ? 'Rp ' + fmtNum(s.predictedConsumptionPerCapita) : ''],
    ['score.model', s.model],
    ['score.time', fmtTime(s.scoredTime)]
  ]), h('p', { testid: 'score-summary', text: loc(ex.summary) }),
  factors(ex.raising, 'score.raising'), factors(ex.lowering, 'score.lowering'),
  (s.flags || []).map((f) => h('p', { cls: 'msg info', text: (f.code || '') + ': ' + loc(f.text) })),
  s.needsFieldVerification ? h('p', { cls: 'msg error', text: t('score.visit') }) : null);
}

// ---- actions

function showActions() {
  const state = stateOf(current);
  const role = me().dtsen_role;
  const can = (step) => STEPS[step].from.includes(state) && STEPS[step].roles.includes(role);
  $('triage-form').hidden = !can('triage');
  $('assign-form').hidden = !can('assign');
  $('verify-form').hidden = !can('verify');
  $('decide-form').hidden = !can('reject');
  $('decide-approve').hidden = !can('approve');
  $('act-none').hidden = ['triage', 'assign', 'verify', 'reject'].some(can);
  const sub = me().sub;
  if (can('verify') && current.assignee && current.assignee !== sub) say('act-msg', 'info', t('case.notassignee', { who: current.assignee }));
}

// step posts a workflow step and shows the case as it now stands.
async function step(verb, body, button) {
  button.disabled = true;
  say('act-msg', 'info', t('act.sending'));
  try {
    current = await api('POST', '/v1/cases/' + idOf(current.name) + ':' + verb, body);
    say('act-msg', 'ok', t('act.done', { state: stateLabel(stateOf(current)) }));
    renderCase();
    const i = queue.findIndex((c) => c.name === current.name);
    if (i >= 0) queue[i] = current;
    renderQueue();
  } catch (err) {
    say('act-msg', 'error', errText(err));
  } finally {
    button.disabled = false;
  }
}

// ---- the field-verification form

function answerRow(code, value) {
  const known = Object.prototype.hasOwnProperty.call(QUESTIONS, code);
  const n = $('vf-answers').children.length;
  const codeSel = h('select', { id: 'vf-code-' + n, testid: 'vf-answer-code' },
    h('option', { value: '', text: '—' }),
    Object.keys(QUESTIONS).map((q) => h('option', { value: q, text: t('q.' + q) + ' (' + q + ')' })),
    h('option', { value: '*', text: t('vf.other') }));
  codeSel.value = code ? (known ? code : '*') : '';
  const other = h('input', { id: 'vf-other-' + n, spellcheck: 'false', maxlength: '64', testid: 'vf-answer-other', value: known ? '' : code || '' });
  const otherBox = h('div', null, h('label', { for: other.id, text: t('vf.othercode') }), other);
  const valueBox = h('div');
  const row = h('div', { cls: 'inline', testid: 'vf-answer-row' },
    h('div', null, h('label', { for: codeSel.id, text: t('vf.code') }), codeSel), otherBox, valueBox,
    h('button', { type: 'button', cls: 'secondary small', text: t('vf.remove'), onclick: () => row.remove() }));
  // The value control follows the question: a list for an enum, yes/no, or a number.
  const renderValue = (keep) => {
    const q = QUESTIONS[codeSel.value] || '';
    otherBox.hidden = codeSel.value !== '*';
    const id = 'vf-value-' + n;
    const choices = q === 'bool' ? [['true', t('yes')], ['false', t('no')]]
      : q && q !== 'num' && q !== 'int' ? q.split(' ').map((v) => [v, valueLabel(v)]) : null;
    const input = h(choices ? 'select' : 'input', { id, testid: 'vf-answer-value', maxlength: choices ? null : '500', inputmode: q && !choices ? 'decimal' : null },
      choices ? [['', '—']].concat(choices).map(([value, text]) => h('option', { value, text })) : null);
    input.value = keep || '';
    put(valueBox, h('label', { for: id, text: t('vf.value') }), input);
  };
  codeSel.addEventListener('change', () => renderValue(''));
  renderValue(value);
  row.read = () => {
    const c = codeSel.value === '*' ? other.value.trim() : codeSel.value;
    const val = valueBox.querySelector('select, input').value.trim();
    return [c, val];
  };
  $('vf-answers').append(row);
  return row;
}

const valueLabel = (v) => (currentLang() === 'id' && VALUE_ID[v] ? VALUE_ID[v] + ' (' + v + ')' : pretty(v));

// word is an enum value of a record in the page's language.
function word(v, prefix) {
  const short = String(v || '').replace(prefix, '');
  return (currentLang() === 'id' && VALUE_ID[short]) || pretty(short);
}

function photoRow() {
  const n = $('vf-photos').children.length;
  const ref = h('input', { id: 'vf-ref-' + n, maxlength: '256', spellcheck: 'false', testid: 'vf-photo-ref' });
  const cap = h('input', { id: 'vf-cap-' + n, maxlength: '500', testid: 'vf-photo-caption' });
  const row = h('div', { cls: 'inline', testid: 'vf-photo-row' },
    h('div', null, h('label', { for: ref.id, text: t('vf.ref') }), ref),
    h('div', null, h('label', { for: cap.id, text: t('vf.caption') }), cap),
    h('button', { type: 'button', cls: 'secondary small', text: t('vf.remove'), onclick: () => row.remove() }));
  row.read = () => ({ ref: ref.value.trim(), caption: cap.value.trim() });
  $('vf-photos').append(row);
}

// resetVerification prepares the form for the case just opened: today's date
// (the device's), and an answer row for the field the case disputes.
function resetVerification() {
  const d = new Date();
  $('vf-date').value = [d.getFullYear(), String(d.getMonth() + 1).padStart(2, '0'), String(d.getDate()).padStart(2, '0')].join('-');
  $('vf-date').max = $('vf-date').value;
  put('vf-answers');
  put('vf-photos');
  $('vf-notes').value = '';
  $('vf-found').checked = true;
  const corr = current && current.correction;
  answerRow(corr ? corr.context + '.' + corr.field : '', '');
}

function locate() {
  if (!navigator.geolocation) return say('act-msg', 'error', t('vf.nogeo'));
  say('act-msg', 'info', t('vf.locating'));
  navigator.geolocation.getCurrentPosition((pos) => {
    $('vf-lat').value = pos.coords.latitude.toFixed(6);
    $('vf-lon').value = pos.coords.longitude.toFixed(6);
    say('act-msg', 'info', '');
  }, () => say('act-msg', 'error', t('vf.nogeo')), { enableHighAccuracy: true, timeout: 20000 });
}

function submitVerification(ev) {
  ev.preventDefault();
  const lat = parseFloat(String($('vf-lat').value).replace(',', '.'));
  const lon = parseFloat(String($('vf-lon').value).replace(',', '.'));
  const answers = {};
  let ok = /^\d{4}-\d\d-\d\d$/.test($('vf-date').value) && isFinite(lat) && isFinite(lon);
  for (const row of $('vf-answers').children) {
    const [code, value] = row.read();
    if (!code && !value) continue;
    if (!code) ok = false;
    answers[code] = value;
  }
  if (!ok) return say('act-msg', 'error', t('vf.bad'));
  const photos = Array.from($('vf-photos').children, (r) => r.read()).filter((p) => p.ref);
  step('recordVerification', {
    verification: {
      visitDate: $('vf-date').value, latitude: lat, longitude: lon, familyFound: $('vf-found').checked,
      answers, photos, notes: $('vf-notes').value.trim()
    }
  }, ev.submitter || $('verify-form').querySelector('[type=submit]'));
}

// ---- the transition report

async function loadReport(ev) {
  if (ev) ev.preventDefault();
  say('rep-msg', 'info', t('loading'));
  try {
    report = await api('GET', '/v1/transitionReport' + query({ region: $('rep-region').value.trim(), maxListed: +$('rep-max').value || '' }));
    say('rep-msg', 'info', '');
    renderReport();
  } catch (err) {
    report = null;
    put('report');
    say('rep-msg', 'error', errText(err));
  }
}

function renderReport() {
  const r = report;
  if (!r) return;
  const progs = r.programmes || [];
  const reasons = (p) => Object.keys(p.lossReasons || {}).map((k) => k + ': ' + fmtNum(p.lossReasons[k])).join(', ');
  const lists = [];
  for (const p of progs) {
    for (const [key, names] of [['rep.gainedlist', p.gainedFamilies], ['rep.lostlist', p.lostFamilies]]) {
      if ((names || []).length) {
        lists.push(h('details', null, h('summary', { text: t(key, { p: p.programme }) + ' (' + names.length + ')' }),
          h('ul', null, names.map((n) => h('li', { text: kkOf(n) || n })))));
      }
    }
  }
  const subs = r.subregions || [];
  const names = progs.map((p) => p.programme);
  put('report',
    h('p', { text: t('rep.families', { n: fmtNum(r.families), rules: r.rulesVersion || '—', run: r.rankingRun || '—' }) }),
    table([t('rep.programme'), t('rep.before'), t('rep.after'), t('rep.kept'), t('rep.gained'), t('rep.lost'), t('rep.reasons')].map((x, i) => (i > 0 && i < 6 ? { cls: 'num', text: x } : x)),
      progs.map((p) => [p.programme, ...[p.before, p.after, p.kept, p.gained, p.lost].map((x) => ({ cls: 'num', text: fmtNum(x || 0) })), reasons(p)]),
      { testid: 'transition-table', rowProps: (i) => ({ testid: 'transition-row', 'data-programme': progs[i].programme }) }),
    lists,
    subs.length ? h('h3', { text: t('rep.subregions') }) : null,
    subs.length ? table([t('queue.region'), { cls: 'num', text: '#' }].concat(names.map((n) => ({ cls: 'num', text: n + ' +/−' }))),
      subs.map((s) => [s.region, { cls: 'num', text: fmtNum(s.families) }].concat(names.map((n) => {
        const p = (s.programmes || []).find((x) => x.programme === n) || {};
        return { cls: 'num', text: '+' + fmtNum(p.gained || 0) + ' / −' + fmtNum(p.lost || 0) };
      }))), { testid: 'transition-subregions' }) : null);
}

// ---- start

function ready(c) {
  fillFilters();
  $('rep-region').value = (c && c.dtsen_region) || '';
  loadQueue(false);
  loadReport();
}

$('queue-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadQueue(false); });
$('queue-more').addEventListener('click', () => loadQueue(true));
$('triage-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  step('triage', { reason: $('triage-reason').value.trim() }, ev.submitter || $('triage-form').querySelector('button'));
});
$('assign-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (!$('assignee').value.trim()) return say('act-msg', 'error', t('act.needassignee'));
  step('assign', { assignee: $('assignee').value.trim(), reason: $('assign-reason').value.trim() }, ev.submitter || $('assign-form').querySelector('button'));
});
$('verify-form').addEventListener('submit', submitVerification);
$('vf-locate').addEventListener('click', locate);
$('vf-add-answer').addEventListener('click', () => answerRow('', '').querySelector('select').focus());
$('vf-add-photo').addEventListener('click', photoRow);
$('decide-form').addEventListener('submit', (ev) => ev.preventDefault());
$('decide-approve').addEventListener('click', (ev) => step('decide', { approve: true, reason: $('decide-reason').value.trim() }, ev.currentTarget));
$('decide-reject').addEventListener('click', (ev) => {
  if (!$('decide-reason').value.trim()) return say('act-msg', 'error', t('act.needreason'));
  step('decide', { approve: false, reason: $('decide-reason').value.trim() }, ev.currentTarget);
});
$('report-form').addEventListener('submit', loadReport);
onLang(() => {
  if (!token() || !claims(token())) return;
  fillFilters();
  renderQueue();
  if (current) {
    renderCase();
    renderFamily();
    renderScore();
  }
  renderReport();
});
page({ needsToken: true, ready });
