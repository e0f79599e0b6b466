package ports

import (
	"regexp"
	"slices"
	"strings"
	"time"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
	"github.com/dtsen-id/dtsen/services/platform/validation"
)

const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// Validators check every request's shape before a handler runs: resource
// names (with NIK and KK structure), parents, filters, page sizes and tokens.
func Validators() *validation.Registry {
	r := validation.NewRegistry()
	validation.Register(r, func(req *incomev1.GetIncomeRequest) error {
		_, v := domain.ParseIncomeName("name", req.GetName(), time.Now())
		return vErr(v)
	})
	validation.Register(r, func(req *incomev1.GetEmploymentRequest) error {
		_, v := domain.ParseEmploymentName("name", req.GetName(), time.Now())
		return vErr(v)
	})
	validation.Register(r, func(req *incomev1.GetConsumptionRequest) error {
		_, v := domain.ParseConsumptionName("name", req.GetName())
		return vErr(v)
	})
	validation.Register(r, func(req *incomev1.GetBankingPatternRequest) error {
		_, v := domain.ParseBankingPatternName("name", req.GetName(), time.Now())
		return vErr(v)
	})
	validation.Register(r, func(req *incomev1.GetFamilyEconomicsRequest) error {
		_, v := domain.ParseEconomicsName("name", req.GetName())
		return vErr(v)
	})
	validation.Register(r, func(req *incomev1.ListIncomesRequest) error {
		_, err := incomeList.query(req.GetParent(), req.GetFilter(), req.GetPageToken(), req.GetPageSize())
		return err
	})
	validation.Register(r, func(req *incomev1.ListEmploymentsRequest) error {
		_, err := employmentList.query(req.GetParent(), req.GetFilter(), req.GetPageToken(), req.GetPageSize())
		return err
	})
	validation.Register(r, func(req *incomev1.ListConsumptionsRequest) error {
		_, err := consumptionList.query(req.GetParent(), req.GetFilter(), req.GetPageToken(), req.GetPageSize())
		return err
	})
	validation.Register(r, func(req *incomev1.ListBankingPatternsRequest) error {
		_, err := bankingList.query(req.GetParent(), req.GetFilter(), req.GetPageToken(), req.GetPageSize())
		return err
	})
	validation.Register(r, func(req *incomev1.WatchChangesRequest) error {
		if req.GetAfterSequence() < 0 {
			return invalid("after_sequence", "SEQUENCE_NEGATIVE", "after_sequence must not be negative",
				"after_sequence tidak boleh negatif")
		}
		return nil
	})
	return r
}

func vErr(v *domain.Violation) error {
	if v == nil {
		return nil
	}
	return violationStatus(v)
}

// listSpec describes one List method: its parent, its filter fields and how
// to read a page token's last resource name back into a key.
type listSpec[T domain.Record] struct {
	family  bool // parent is families/{kk} rather than persons/{nik}
	filters map[string]func(string) (any, bool)
	name    func(name string) (T, *domain.Violation)
}

var incomeList = listSpec[*domain.Income]{
	filters: map[string]func(string) (any, bool){
		"source":       enumValue(incomev1.IncomeSource_value, "INCOME_SOURCE_"),
		"match_status": enumValue(incomev1.MatchStatus_value, "MATCH_STATUS_"),
	},
	name: func(n string) (*domain.Income, *domain.Violation) {
		return domain.ParseIncomeName("page_token", n, time.Now())
	},
}

var employmentList = listSpec[*domain.Employment]{
	filters: map[string]func(string) (any, bool){
		"sector":       enumValue(incomev1.EmploymentSector_value, "EMPLOYMENT_SECTOR_"),
		"status":       enumValue(incomev1.EmploymentStatus_value, "EMPLOYMENT_STATUS_"),
		"match_status": enumValue(incomev1.MatchStatus_value, "MATCH_STATUS_"),
	},
	name: func(n string) (*domain.Employment, *domain.Violation) {
		return domain.ParseEmploymentName("page_token", n, time.Now())
	},
}

var consumptionList = listSpec[*domain.Consumption]{
	family: true,
	filters: map[string]func(string) (any, bool){
		"measurement":  enumValue(incomev1.Measurement_value, "MEASUREMENT_"),
		"survey_id":    stringValue,
		"match_status": enumValue(incomev1.MatchStatus_value, "MATCH_STATUS_"),
	},
	name: func(n string) (*domain.Consumption, *domain.Violation) {
		return domain.ParseConsumptionName("page_token", n)
	},
}

var bankingList = listSpec[*domain.BankingPattern]{
	filters: map[string]func(string) (any, bool){
		"agreement_reference": stringValue,
		"match_status":        enumValue(incomev1.MatchStatus_value, "MATCH_STATUS_"),
	},
	name: func(n string) (*domain.BankingPattern, *domain.Violation) {
		return domain.ParseBankingPatternName("page_token", n, time.Now())
	},
}

// enumValue accepts an enum value by its short name ("FORMAL_WAGE") or full
// name ("INCOME_SOURCE_FORMAL_WAGE"); never the UNSPECIFIED value.
func enumValue(values map[string]int32, prefix string) func(string) (any, bool) {
	return func(s string) (any, bool) {
		n, ok := values[prefix+s]
		if !ok {
			n, ok = values[s]
		}
		if !ok || n == 0 {
			return nil, false
		}
		return int64(n), true
	}
}

func stringValue(s string) (any, bool) { return s, s != "" }

// pageToken is the opaque AIP-158 cursor (platform/pagetoken): the last
// resource name of the page, bound to the parent and filter it was issued
// for. The parent is part of the bound query, not of the position: it is
// validated before the token is read and never contains a newline, so
// "parent\nfilter" names one query unambiguously.
func pageToken(parent, filter, last string) string {
	return pagetoken.Encode(tokenQuery(parent, filter), last)
}

func tokenQuery(parent, filter string) string { return parent + "\n" + filter }

var termPattern = regexp.MustCompile(`^\s*([a-z_]+)\s*=\s*(?:"([^"\\]*)"|([A-Za-z0-9_.-]+))\s*$`)

func badFilter(fields map[string]func(string) (any, bool)) error {
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	slices.Sort(names)
	return invalid("filter", "FILTER_INVALID",
		`supported filter: field = "value" joined by AND, on `+strings.Join(names, ", "),
		`filter yang didukung: kolom = "nilai" digabung dengan AND`)
}

// query parses a List request into a domain query.
func (s listSpec[T]) query(parent, filter, token string, pageSize int32) (domain.Query[T], error) {
	var q domain.Query[T]
	var v *domain.Violation
	if s.family {
		q.Owner, v = domain.ParseFamilyParent("parent", parent)
	} else {
		q.Owner, v = domain.ParsePersonParent("parent", parent, time.Now())
	}
	if v != nil {
		return q, violationStatus(v)
	}
	if pageSize < 0 {
		return q, invalid("page_size", "PAGE_SIZE_NEGATIVE", "page_size must not be negative", "page_size tidak boleh negatif")
	}
	q.Limit = int(pageSize)
	if q.Limit == 0 {
		q.Limit = defaultPageSize
	}
	q.Limit = min(q.Limit, maxPageSize)
	if f := strings.TrimSpace(filter); f != "" {
		seen := map[string]bool{}
		for _, term := range strings.Split(f, " AND ") {
			m := termPattern.FindStringSubmatch(term)
			if m == nil {
				return q, badFilter(s.filters)
			}
			parse, ok := s.filters[m[1]]
			if !ok || seen[m[1]] {
				return q, badFilter(s.filters)
			}
			seen[m[1]] = true
			raw := m[2] + m[3]
			val, ok := parse(raw)
			if !ok {
				return q, invalid("filter", "FILTER_INVALID", "the filter's value for "+m[1]+" is not valid",
					"nilai filter untuk "+m[1]+" tidak valid")
			}
			q.Filter = append(q.Filter, domain.Condition{Field: m[1], Value: val})
		}
	}
	if token != "" {
		after, err := pagetoken.Decode(Domain, token, tokenQuery(parent, filter), 1)
		if err != nil {
			return q, err
		}
		last, v := s.name(after[0])
		if v != nil {
			// Only a forged token holds a malformed name.
			return q, invalid("page_token", pagetoken.ReasonInvalid, "page_token is not valid for this query",
				"page_token tidak berlaku untuk permintaan ini")
		}
		q.After = last
	}
	return q, nil
}
