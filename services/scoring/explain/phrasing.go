package explain

import (
	"math"
	"strings"

	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// phrasing words a feature where its description does not read well inside
// a sentence. Clauses are joined with ", ", so no phrase may contain a
// comma followed by a space (TestPhrasesHaveNoListComma).
type phrasing struct {
	// yes and no phrase an indicator (unit "0/1") whose value is 1 or 0.
	yes, no Text
	// noun replaces the description in front of a numeric feature's value.
	noun Text
}

// phrasings is keyed by feature name; every key must be a current feature
// (TestPhrasingsNameExistingFeatures). Indicators whose description starts
// with a verb the generic rules know (indicatorVerbsID, indicatorVerbsEN)
// need no entry.
var phrasings = map[string]phrasing{
	"floor_earth": {
		yes: Text{ID: "rumah berlantai tanah", EN: "an earth floor"},
		no:  Text{ID: "rumah tidak berlantai tanah", EN: "no earth floor"},
	},
	"floor_ceramic": {
		yes: Text{ID: "rumah berlantai keramik/marmer/granit/parket/vinil", EN: "a ceramic/marble/granite/parquet/vinyl floor"},
		no:  Text{ID: "rumah tidak berlantai keramik/marmer/granit/parket/vinil", EN: "no ceramic/marble/granite/parquet/vinyl floor"},
	},
	"wall_quality":                 {noun: Text{ID: "kualitas dinding", EN: "wall quality"}},
	"roof_quality":                 {noun: Text{ID: "kualitas atap", EN: "roof quality"}},
	"housing_poor_condition_count": {noun: Text{ID: "jumlah lantai/dinding/atap berkondisi jelek", EN: "floor/wall/roof in poor condition"}},
	"tenure_owned": {
		yes: Text{ID: "rumah milik sendiri", EN: "owning the house"},
		no:  Text{ID: "rumah bukan milik sendiri", EN: "not owning the house"},
	},
	"tenure_rented": {
		yes: Text{ID: "rumah kontrak/sewa", EN: "renting the house"},
		no:  Text{ID: "rumah tidak dikontrak/disewa", EN: "not renting the house"},
	},
	"drinking_water_bottled": {
		yes: Text{ID: "minum air kemasan bermerk", EN: "drinking branded bottled water"},
		no:  Text{ID: "tidak minum air kemasan bermerk", EN: "not drinking branded bottled water"},
	},
	"drinking_water_piped": {
		yes: Text{ID: "air minum dari leding", EN: "piped drinking water"},
		no:  Text{ID: "air minum bukan dari leding", EN: "no piped drinking water"},
	},
	"drinking_water_unimproved": {
		yes: Text{ID: "air minum dari sumber tak terlindung", EN: "drinking water from an unprotected source"},
		no:  Text{ID: "air minum dari sumber terlindung", EN: "drinking water from a protected source"},
	},
	"lighting_pln": {
		yes: Text{ID: "penerangan listrik PLN", EN: "PLN electric lighting"},
		no:  Text{ID: "penerangan bukan listrik PLN", EN: "no PLN electric lighting"},
	},
	"cooking_firewood_charcoal": {
		yes: Text{ID: "memasak dengan kayu bakar/arang/briket", EN: "cooking with firewood/charcoal/briquettes"},
		no:  Text{ID: "tidak memasak dengan kayu bakar/arang/briket", EN: "not cooking with firewood/charcoal/briquettes"},
	},
	"toilet_private": {
		yes: Text{ID: "memiliki jamban sendiri", EN: "a private toilet"},
		no:  Text{ID: "tidak memiliki jamban sendiri", EN: "no private toilet"},
	},
	"sewage_septic_tank": {
		yes: Text{ID: "tinja dibuang ke tangki septik/IPAL", EN: "a septic tank or treatment plant"},
		no:  Text{ID: "tinja tidak dibuang ke tangki septik/IPAL", EN: "no septic tank or treatment plant"},
	},
	"gold_or_savings_10g": {
		yes: Text{ID: "memiliki emas atau tabungan senilai minimal 10 gram emas", EN: "gold or savings worth at least 10 g of gold"},
		no:  Text{ID: "tidak memiliki emas atau tabungan senilai 10 gram emas", EN: "no gold or savings worth 10 g of gold"},
	},
	"household_size":   {noun: Text{ID: "jumlah anggota keluarga", EN: "household size"}},
	"elderly_60_plus":  {noun: Text{ID: "jumlah lansia 60 tahun ke atas", EN: "members aged 60 and over"}},
	"dependency_ratio": {noun: Text{ID: "rasio ketergantungan", EN: "dependency ratio"}},
	"head_female": {
		yes: Text{ID: "kepala keluarga perempuan", EN: "a female head of family"},
		no:  Text{ID: "kepala keluarga laki-laki", EN: "a male head of family"},
	},
	"head_married": {
		yes: Text{ID: "kepala keluarga berstatus kawin", EN: "a married head of family"},
		no:  Text{ID: "kepala keluarga tidak berstatus kawin", EN: "an unmarried head of family"},
	},
	"head_education_years":      {noun: Text{ID: "lama sekolah kepala keluarga", EN: "schooling of the head of family"}},
	"max_adult_education_years": {noun: Text{ID: "lama sekolah tertinggi anggota dewasa", EN: "most schooling of any adult member"}},
	"max_school_fee_band":       {noun: Text{ID: "golongan biaya sekolah tertinggi", EN: "highest school-fee band"}},
	"kip_recipients":            {noun: Text{ID: "jumlah anak penerima KIP", EN: "pupils receiving KIP"}},
	"log_tax_declared_income_per_capita": {
		noun: Text{ID: "penghasilan yang dilaporkan dalam SPT pajak per orang", EN: "income declared to the tax office per person"},
	},
	"log_transfer_income_per_capita": {noun: Text{ID: "kiriman uang yang diterima per orang", EN: "remittances and other transfers per person"}},
	"head_not_working": {
		yes: Text{ID: "kepala keluarga tidak bekerja", EN: "a head of family not working"},
		no:  Text{ID: "kepala keluarga bekerja", EN: "a working head of family"},
	},
	"head_agriculture": {
		yes: Text{ID: "kepala keluarga bekerja di pertanian/perikanan", EN: "a head of family in farming or fishing"},
		no:  Text{ID: "kepala keluarga tidak bekerja di pertanian/perikanan", EN: "a head of family outside farming and fishing"},
	},
	"head_formal_employment": {
		yes: Text{ID: "kepala keluarga buruh/karyawan/pegawai atau pemberi kerja", EN: "a head of family who is an employee or an employer"},
		no:  Text{ID: "kepala keluarga bukan buruh/karyawan/pegawai atau pemberi kerja", EN: "a head of family who is neither an employee nor an employer"},
	},
	"public_sector_workers": {
		noun: Text{ID: "jumlah anggota ASN/TNI/Polri/pegawai BUMN/BUMD", EN: "members in the civil service/TNI/Polri/state enterprises"},
	},
	"max_savings_band": {noun: Text{ID: "golongan saldo tabungan tertinggi", EN: "highest savings balance band"}},
	"health_pbi": {
		yes: Text{ID: "ada anggota peserta PBI JK", EN: "a member whose BPJS Kesehatan premium the state pays (PBI)"},
		no:  Text{ID: "tidak ada anggota peserta PBI JK", EN: "no member whose BPJS Kesehatan premium the state pays (PBI)"},
	},
	"health_class_1_2": {
		yes: Text{ID: "ada anggota BPJS Kesehatan kelas 1 atau 2", EN: "a member in BPJS Kesehatan class 1 or 2"},
		no:  Text{ID: "tidak ada anggota BPJS Kesehatan kelas 1 atau 2", EN: "no member in BPJS Kesehatan class 1 or 2"},
	},
	"outpatient_visits_per_capita": {
		noun: Text{ID: "kunjungan rawat jalan 12 bulan terakhir per orang", EN: "outpatient visits per person in the past 12 months"},
	},
	"subsidised_electricity": {
		yes: Text{ID: "tarif listrik PLN bersubsidi", EN: "a subsidised PLN tariff"},
		no:  Text{ID: "tarif listrik PLN tidak bersubsidi", EN: "an unsubsidised PLN tariff"},
	},
}

// indicatorVerbsID are the verbs an Indonesian indicator description may
// start with to be phrased without a table entry: the description itself
// says "the family has it", and "tidak" in front says it has not.
var indicatorVerbsID = []string{"Memiliki ", "Menerima ", "Memasak ", "Tinggal "}

// indicatorVerbsEN turns an English description's leading verb into the
// gerund a list of reasons needs ("owning a car raises the score").
var indicatorVerbsEN = []struct{ verb, gerund string }{
	{"Owns ", "owning "}, {"Has ", "having "}, {"Receives ", "receiving "},
	{"Cooks ", "cooking "}, {"Drinks ", "drinking "}, {"Lives ", "living "},
}

const unitIndicator = "0/1"

// indicatorPhrases returns how a family having (yes) or not having (no) an
// indicator feature is said; ok is false when neither the table nor the
// verb rules cover it and the caller must fall back to "description: ya".
func indicatorPhrases(d features.Definition) (yes, no Text, ok bool) {
	if p, found := phrasings[d.Name]; found && p.yes.ID != "" {
		return p.yes, p.no, true
	}
	okID, okEN := false, false
	for _, v := range indicatorVerbsID {
		if strings.HasPrefix(d.DescriptionID, v) {
			yes.ID = lowerFirst(d.DescriptionID)
			no.ID = "tidak " + yes.ID
			okID = true
			break
		}
	}
	for _, v := range indicatorVerbsEN {
		if rest, found := strings.CutPrefix(d.DescriptionEN, v.verb); found {
			yes.EN = v.gerund + rest
			no.EN = "not " + yes.EN
			okEN = true
			break
		}
	}
	return yes, no, okID && okEN
}

// noun is what precedes a numeric feature's value in a sentence.
func noun(d features.Definition) Text {
	if p, ok := phrasings[d.Name]; ok && p.noun.ID != "" {
		return p.noun
	}
	return Text{ID: lowerFirst(d.DescriptionID), EN: lowerFirst(d.DescriptionEN)}
}

// formatValue writes a numeric feature's value with its unit, undoing the
// log transforms so that a citizen reads rupiah and square metres, not
// ln(1 + x). ok is false for a unit it does not know, which then prints
// as the raw number and the unit string (TestEveryUnitIsFormatted keeps
// that from happening to a current feature).
func formatValue(unit string, x float64) (t Text, ok bool) {
	suffix := func(n Text, id, en string) Text { return Text{ID: n.ID + id, EN: n.EN + en} }
	switch {
	case strings.HasPrefix(unit, "ordinal "):
		scale := strings.TrimPrefix(unit, "ordinal ")
		n := number(x, 1)
		return Text{ID: n.ID + " pada skala " + scale, EN: n.EN + " on a " + scale + " scale"}, true
	case strings.HasPrefix(unit, "count "), strings.HasPrefix(unit, "share "):
		if strings.HasPrefix(unit, "share ") {
			return suffix(number(100*x, 0), "%", "%"), true
		}
		return number(x, 1), true
	}
	switch unit {
	case "animals", "parcels", "vehicles", "persons", "admissions/year", "visits/person/year", "cylinders/month":
		// The description already names what is counted and per what.
		return number(x, 1), true
	case "years":
		if x == 1 {
			return Text{ID: "1 tahun", EN: "1 year"}, true
		}
		return suffix(number(x, 0), " tahun", " years"), true
	case "m²/person":
		return suffix(number(x, 1), " m²", " m²"), true
	case "VA":
		return suffix(number(x, 0), " VA", " VA"), true
	case "kWh/person/month":
		return suffix(number(x, 0), " kWh", " kWh"), true
	case "ratio":
		return number(x, 2), true
	case "ln(1 + m²)":
		return suffix(number(math.Expm1(x), 0), " m²", " m²"), true
	case "ln(1 + Rp)":
		return rupiah(math.Expm1(x)), true
	case "ln(1 + Rp/person/month)":
		return suffix(rupiah(math.Expm1(x)), " per bulan", " a month"), true
	}
	return suffix(number(x, 2), " "+unit, " "+unit), false
}

// phrase is the clause a factor contributes to a sentence, starting in
// lower case: what the family has, or the feature and its value.
func phrase(d features.Definition, x float64) Text {
	if d.Unit == unitIndicator {
		yes, no, ok := indicatorPhrases(d)
		switch {
		case !ok:
			v := yesNo(x)
			return Text{ID: lowerFirst(d.DescriptionID) + ": " + v.ID, EN: lowerFirst(d.DescriptionEN) + ": " + v.EN}
		case math.IsNaN(x):
			return Text{ID: "tidak ada catatan " + yes.ID, EN: "no record of " + yes.EN}
		case x >= 0.5:
			return yes
		}
		return no
	}
	n := noun(d)
	if math.IsNaN(x) {
		return Text{ID: "tidak ada catatan " + n.ID, EN: "no record of " + n.EN}
	}
	v, _ := formatValue(d.Unit, x)
	return Text{ID: n.ID + " " + v.ID, EN: n.EN + " (" + v.EN + ")"}
}

// valueText is the label and value a factor shows in a list: the
// description and "ya"/"yes" for an indicator, the noun and the value with
// its unit otherwise (the noun, because a description may name the unit
// the value now carries: "Lama sekolah kepala keluarga (tahun)").
func valueText(d features.Definition, x float64) Text {
	label := Text{ID: d.DescriptionID, EN: d.DescriptionEN}
	if d.Unit != unitIndicator {
		n := noun(d)
		label = Text{ID: upperFirst(n.ID), EN: upperFirst(n.EN)}
	}
	var v Text
	switch {
	case math.IsNaN(x):
		v = Text{ID: "tidak tercatat", EN: "not recorded"}
	case d.Unit == unitIndicator:
		v = yesNo(x)
	default:
		v, _ = formatValue(d.Unit, x)
	}
	return Text{ID: label.ID + ": " + v.ID, EN: label.EN + ": " + v.EN}
}

func yesNo(x float64) Text {
	if x >= 0.5 {
		return Text{ID: "ya", EN: "yes"}
	}
	return Text{ID: "tidak", EN: "no"}
}
