package explain

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// Flag is one inconsistency a score carries, worded for the citizen and the
// officer, with what it means for the family's case.
type Flag struct {
	Code features.Flag `json:"code"`
	// Context is the source context the flag is about; the income context
	// for DECLARED_CONSUMPTION_INCONSISTENT, whose declaration it questions.
	Context features.Context `json:"context"`
	Text    Text             `json:"text"`
	// FieldVerification says the family goes to field verification instead
	// of being ranked on the flagged data alone (DESIGN.md §1.3).
	FieldVerification bool `json:"field_verification"`
}

// StaleVerificationDays is the age from which DATA_STALE sends a family to
// field verification. DATA_STALE itself is raised from 180 days (service
// usage) to 730 days (assets, features.DefaultStalePolicy), and most such
// gaps are a source feed running late, which the next delivery repairs and
// which an officer's visit would not: every family behind a stalled PLN or
// BPJS feed would be queued at once. Two years without a single new
// observation in a context is past every source's yearly cycle (PBB, vehicle
// tax, tax returns), so only a visit can tell what the family has now. Every
// other flag always sends the family to the field.
const StaleVerificationDays = 730

// Assess turns a family's findings (features.DeriveFlags) and its predicted
// log consumption per capita into the flags its score carries. declared is
// the family's self-declared consumption (features.DeclaredConsumption) and
// hasDeclared whether there is one; DECLARED_CONSUMPTION_INCONSISTENT is
// decided here from the prediction, so such a finding in findings is
// ignored rather than counted twice.
//
// The order does not depend on the order of findings: the declared
// consumption first (the reason flags exist, DESIGN.md §1.3), then deceased
// members, unmatched records and stale data, each by context (registry,
// asset, income, service usage).
func Assess(findings []features.Finding, predictedLog float64, declared features.Consumption, hasDeclared bool) []Flag {
	type keyed struct {
		f Flag
		k features.Finding
	}
	var all []keyed
	if hasDeclared && features.DeclaredConsumptionInconsistent(predictedLog, declared.PerCapita) {
		all = append(all, keyed{f: declaredFlag(predictedLog, declared.PerCapita),
			k: features.Finding{Flag: features.FlagDeclaredConsumptionInconsistent, Context: features.ContextIncome}})
	}
	for _, x := range findings {
		if x.Flag == features.FlagDeclaredConsumptionInconsistent {
			continue
		}
		all = append(all, keyed{f: findingFlag(x), k: x})
	}
	slices.SortStableFunc(all, func(a, b keyed) int {
		return cmp.Or(
			cmp.Compare(flagRank(a.k.Flag), flagRank(b.k.Flag)),
			cmp.Compare(a.k.Flag, b.k.Flag),
			cmp.Compare(contextRank(a.k.Context), contextRank(b.k.Context)),
			cmp.Compare(a.k.Context, b.k.Context),
			cmp.Compare(a.k.Count, b.k.Count),
			cmp.Compare(a.k.AgeDays, b.k.AgeDays),
			cmp.Compare(a.k.Newest, b.k.Newest),
		)
	})
	out := make([]Flag, len(all))
	for i, a := range all {
		out[i] = a.f
	}
	return out
}

// NeedsFieldVerification says whether any flag sends the family to the field.
func NeedsFieldVerification(flags []Flag) bool {
	return slices.ContainsFunc(flags, func(f Flag) bool { return f.FieldVerification })
}

var flagOrder = []features.Flag{features.FlagDeclaredConsumptionInconsistent, features.FlagMemberDeceased,
	features.FlagUnmatchedRecords, features.FlagDataStale}

// flagRank puts a flag this package does not know after the known ones.
func flagRank(f features.Flag) int {
	if i := slices.Index(flagOrder, f); i >= 0 {
		return i
	}
	return len(flagOrder)
}

var contextOrder = []features.Context{features.ContextRegistry, features.ContextAsset, features.ContextIncome,
	features.ContextServiceUsage}

func contextRank(c features.Context) int {
	if i := slices.Index(contextOrder, c); i >= 0 {
		return i
	}
	return len(contextOrder)
}

// contextNames says which data a context holds in words a citizen knows.
var contextNames = map[features.Context]Text{
	features.ContextRegistry:     {ID: "kependudukan", EN: "population"},
	features.ContextAsset:        {ID: "aset", EN: "asset"},
	features.ContextIncome:       {ID: "penghasilan dan keuangan", EN: "income and finance"},
	features.ContextServiceUsage: {ID: "pemanfaatan layanan publik", EN: "public-service usage"},
}

func contextName(c features.Context) Text {
	if t, ok := contextNames[c]; ok {
		return t
	}
	return Text{ID: string(c), EN: string(c)}
}

var (
	verifyText  = Text{ID: " Petugas akan memeriksanya di lapangan.", EN: " An officer will check this in the field."}
	refreshText = Text{ID: " Skor tetap berlaku sambil menunggu data baru dari sumbernya.",
		EN: " The score stands while the source sends newer data."}
)

func findingFlag(x features.Finding) Flag {
	f := Flag{Code: x.Flag, Context: x.Context, FieldVerification: true}
	ctx := contextName(x.Context)
	switch x.Flag {
	case features.FlagMemberDeceased:
		f.Text = Text{ID: fmt.Sprintf("Ada %d anggota keluarga yang tercatat meninggal dunia.", x.Count),
			EN: fmt.Sprintf("%d family members are recorded as deceased.", x.Count)}
		if x.Count == 1 {
			f.Text.EN = "1 family member is recorded as deceased."
		}
	case features.FlagUnmatchedRecords:
		f.Text = Text{ID: fmt.Sprintf("Ada %d catatan data %s yang belum dapat dicocokkan dengan Kartu Keluarga.", x.Count, ctx.ID),
			EN: fmt.Sprintf("%d %s records could not be matched to the family card (KK).", x.Count, ctx.EN)}
		if x.Count == 1 {
			f.Text.EN = fmt.Sprintf("1 %s record could not be matched to the family card (KK).", ctx.EN)
		}
	case features.FlagDataStale:
		d := date(x.Newest)
		f.Text = Text{ID: fmt.Sprintf("Data %s keluarga terakhir diperbarui %s, %d hari sebelum tanggal acuan.", ctx.ID, d.ID, x.AgeDays),
			EN: fmt.Sprintf("The family's %s data was last updated on %s, %d days before the reference date.", ctx.EN, d.EN, x.AgeDays)}
		f.FieldVerification = x.AgeDays >= StaleVerificationDays
	default:
		// A flag added to features before this package learns its wording
		// still reaches an officer: unknown is treated as serious.
		f.Text = Text{ID: fmt.Sprintf("Data %s keluarga perlu diperiksa (%s).", ctx.ID, x.Flag),
			EN: fmt.Sprintf("The family's %s data needs checking (%s).", ctx.EN, x.Flag)}
	}
	tail := verifyText
	if !f.FieldVerification {
		tail = refreshText
	}
	f.Text.ID += tail.ID
	f.Text.EN += tail.EN
	return f
}

// declaredFlag words the "Pak Budi" case. The predicted amount is rounded
// to thousands of rupiah: it is an estimate, and rupiah-exact digits would
// pretend otherwise.
func declaredFlag(predictedLog, declared float64) Flag {
	pred := rupiah(math.Round(math.Exp(predictedLog)/1000) * 1000)
	decl := rupiah(declared)
	return Flag{
		Code:              features.FlagDeclaredConsumptionInconsistent,
		Context:           features.ContextIncome,
		FieldVerification: true,
		Text: Text{
			ID: fmt.Sprintf("Pengeluaran yang dilaporkan keluarga (%s per orang per bulan) jauh di bawah perkiraan "+
				"dari aset, penghasilan dan pemakaian layanan keluarga (sekitar %s).%s", decl.ID, pred.ID, verifyText.ID),
			EN: fmt.Sprintf("The family's declared spending (%s per person a month) is far below what its assets, "+
				"income and use of services predict (about %s).%s", decl.EN, pred.EN, verifyText.EN),
		},
	}
}
