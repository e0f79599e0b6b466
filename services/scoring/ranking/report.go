package ranking

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Markdown renders the report as Markdown tables: the national metrics,
// then one table per breakdown with a column pair per coverage.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Rank correlation with true welfare (Spearman): **%s** over %s families", fmtCorr(r.Spearman), fmtInt(r.Families))
	if r.Weight != float64(r.Families) {
		fmt.Fprintf(&b, " (weight %s)", fmtWeight(r.Weight))
	}
	b.WriteString(".\n\n")
	b.WriteString("| coverage | truly poor | selected | selected and poor | exclusion error | inclusion error |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range r.Coverages {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", fmtPct(t.Coverage), fmtWeight(t.Poor), fmtWeight(t.Selected),
			fmtWeight(t.SelectedPoor), fmtPct(t.ExclusionError), fmtPct(t.InclusionError))
	}
	for _, bd := range r.Breakdowns {
		fmt.Fprintf(&b, "\nBy %s (truly poor and selected by the national quotas; Spearman within the group):\n\n", escape(bd.Name))
		fmt.Fprintf(&b, "| %s | families | Spearman |", escape(bd.Name))
		align := "|---|---:|---:|"
		for _, t := range r.Coverages {
			q := fmtPct(t.Coverage)
			fmt.Fprintf(&b, " poor share %s | exclusion %s | inclusion %s |", q, q, q)
			align += "---:|---:|---:|"
		}
		b.WriteString("\n" + align + "\n")
		for _, g := range bd.Groups {
			fmt.Fprintf(&b, "| %s | %s | %s |", escape(g.Key), fmtInt(g.Families), fmtCorr(g.Spearman))
			for _, t := range g.Coverages {
				fmt.Fprintf(&b, " %s | %s | %s |", fmtPct(t.Poor/g.Weight), fmtPct(t.ExclusionError), fmtPct(t.InclusionError))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// undefined stands for a metric without a population: an exclusion error
// of a group with no truly poor, a correlation of a constant.
const undefined = "–"

func fmtPct(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return undefined
	}
	return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
}

func fmtCorr(v float64) string {
	if math.IsNaN(v) {
		return undefined
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// fmtWeight shows whole weights with thousands separators and fractional
// ones (a tie shared across the quota, survey weights) to one decimal.
func fmtWeight(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmtInt(int(v))
	}
	whole, frac, _ := strings.Cut(strconv.FormatFloat(v, 'f', 1, 64), ".")
	n, _ := strconv.Atoi(whole)
	return fmtInt(n) + "." + frac
}

func fmtInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// escape keeps a group key from breaking the table.
func escape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
