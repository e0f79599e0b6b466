package ports

import (
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
	"github.com/dtsen-id/dtsen/services/platform/validation"
	rd "github.com/dtsen-id/dtsen/services/registry/domain"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// Validators check every request's shape before a handler runs: resource
// names (with NIK/KK structure), page sizes, filters and tokens.
func Validators() *validation.Registry {
	r := validation.NewRegistry()
	name := func(vs domain.Violations) error {
		if len(vs) > 0 {
			return violationsStatus(vs, "")
		}
		return nil
	}
	validation.Register(r, func(req *suv1.GetHealthCoverageRequest) error {
		return name(domain.ParseHealthCoverageName("name", req.GetName(), time.Now()))
	})
	validation.Register(r, func(req *suv1.GetEnrolmentRequest) error {
		return name(domain.ParseEnrolmentName("name", req.GetName(), time.Now()))
	})
	validation.Register(r, func(req *suv1.GetUtilityUsageRequest) error {
		return name(domain.ParseUtilityUsageName("name", req.GetName()))
	})
	validation.Register(r, func(req *suv1.GetProgrammeParticipationRequest) error {
		return name(domain.ParseProgrammeParticipationName("name", req.GetName(), time.Now()))
	})
	validation.Register(r, func(req *suv1.GetFamilyServiceUsageRequest) error {
		_, err := summaryName(req.GetName())
		return err
	})
	list := func(kind domain.Kind) func(size int32, token, filter string) error {
		return func(size int32, token, filter string) error {
			_, err := listQuery(kind, size, token, filter)
			return err
		}
	}
	validation.Register(r, func(req *suv1.ListHealthCoveragesRequest) error {
		return list(domain.KindHealthCoverage)(req.GetPageSize(), req.GetPageToken(), req.GetFilter())
	})
	validation.Register(r, func(req *suv1.ListEnrolmentsRequest) error {
		return list(domain.KindEnrolment)(req.GetPageSize(), req.GetPageToken(), req.GetFilter())
	})
	validation.Register(r, func(req *suv1.ListUtilityUsagesRequest) error {
		return list(domain.KindUtilityUsage)(req.GetPageSize(), req.GetPageToken(), req.GetFilter())
	})
	validation.Register(r, func(req *suv1.ListProgrammeParticipationsRequest) error {
		return list(domain.KindProgrammeParticipation)(req.GetPageSize(), req.GetPageToken(), req.GetFilter())
	})
	validation.Register(r, func(req *suv1.WatchChangesRequest) error {
		if req.GetAfterSequence() < 0 {
			return invalid("after_sequence", "SEQUENCE_NEGATIVE", "after_sequence must not be negative", "after_sequence tidak boleh negatif")
		}
		return nil
	})
	return r
}

// summaryName parses `families/{kk}/serviceUsage`.
func summaryName(name string) (string, error) {
	rest, ok := strings.CutPrefix(name, "families/")
	kk, ok2 := strings.CutSuffix(rest, "/serviceUsage")
	if !ok || !ok2 || strings.Contains(kk, "/") {
		return "", invalid("name", domain.ReasonResourceNameInvalid, "expected families/{kk}/serviceUsage",
			"format harus families/{kk}/serviceUsage")
	}
	if v := rd.ValidateKK(kk); v != nil {
		return "", violationsStatus(domain.Violations{{Field: "name", Reason: v.Reason, Description: v.Description}}, "")
	}
	return kk, nil
}

// filterFields are the AIP-160 fields each kind's List accepts.
var filterFields = map[domain.Kind][]string{
	domain.KindHealthCoverage:         {"nik", "family", "source_agency", "match_status"},
	domain.KindEnrolment:              {"nik", "family", "school_year", "match_status"},
	domain.KindUtilityUsage:           {"family", "month", "match_status"},
	domain.KindProgrammeParticipation: {"family", "nik", "programme", "match_status"},
}

// parseFilter reads a conjunction of `field = "value"` terms.
func parseFilter(kind domain.Kind, filter string) (domain.Query, error) {
	q := domain.Query{Kind: kind}
	f := strings.TrimSpace(filter)
	if f == "" {
		return q, nil
	}
	allowed := filterFields[kind]
	bad := func(desc string) error {
		return apierror.New(codes.InvalidArgument, Domain, "FILTER_INVALID").
			Message("the filter is invalid: "+desc, "filter tidak valid: "+desc).
			Field("filter", "FILTER_INVALID", desc).Err()
	}
	seen := map[string]bool{}
	for _, term := range strings.Split(f, " AND ") {
		field, value, ok := strings.Cut(term, "=")
		field, value = strings.TrimSpace(field), strings.TrimSpace(value)
		if !ok || len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' || strings.Count(value, `"`) != 2 {
			return q, bad(`terms are field = "value", joined by AND; fields: ` + strings.Join(allowed, ", "))
		}
		value = value[1 : len(value)-1]
		known := false
		for _, a := range allowed {
			known = known || a == field
		}
		if !known || seen[field] {
			return q, bad("supported fields, each at most once: " + strings.Join(allowed, ", "))
		}
		seen[field] = true
		var v *rd.Violation
		switch field {
		case "nik":
			_, v = rd.ParseNIK(value, time.Now())
			q.NIK = value
		case "family":
			v = rd.ValidateKK(value)
			q.FamilyKK = value
		case "source_agency":
			if !domain.ValidAgency(value) {
				return q, bad("source_agency is a lowercase agency code")
			}
			q.SourceAgency = value
		case "school_year":
			if _, ok := domain.SchoolYearStart(value); !ok {
				return q, bad("school_year is YYYY/YYYY")
			}
			q.SchoolYear = value
		case "month":
			if _, ok := domain.ParseMonth(value); !ok {
				return q, bad("month is YYYY-MM")
			}
			q.Month = value
		case "programme":
			p, ok := domain.ProgrammeFromCode(value)
			if !ok {
				return q, bad("programme is PKH, SEMBAKO_BPNT, PBI_JK or BLT")
			}
			q.Programme = p
		case "match_status":
			switch value {
			case "MATCHED":
				q.Match = domain.Matched
			case "UNMATCHED":
				q.Match = domain.Unmatched
			default:
				return q, bad("match_status is MATCHED or UNMATCHED")
			}
		}
		if v != nil {
			return q, apierror.New(codes.InvalidArgument, Domain, "FILTER_INVALID").
				Message("the filter's "+field+" is invalid: "+v.Description, "filter "+field+" tidak valid").
				Field("filter", v.Reason, v.Description).Err()
		}
	}
	return q, nil
}

// listQuery validates and translates a List request.
func listQuery(kind domain.Kind, size int32, token, filter string) (domain.Query, error) {
	if size < 0 {
		return domain.Query{}, invalid("page_size", "PAGE_SIZE_NEGATIVE", "page_size must not be negative", "page_size tidak boleh negatif")
	}
	q, err := parseFilter(kind, filter)
	if err != nil {
		return q, err
	}
	q.Limit = int(size)
	if q.Limit == 0 {
		q.Limit = defaultPageSize
	}
	q.Limit = min(q.Limit, maxPageSize)
	if token != "" {
		// The position is the last resource name of the previous page; the
		// token is bound to the filter it was issued under.
		after, err := pagetoken.Decode(Domain, token, strings.TrimSpace(filter), 1)
		if err != nil {
			return q, err
		}
		q.AfterName = after[0]
	}
	return q, nil
}
