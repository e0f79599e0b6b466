package ports

import (
	"strings"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
	"github.com/dtsen-id/dtsen/services/platform/validation"
	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// Validators checks every request's shape before a handler runs: resource
// names, filters, page sizes and tokens. Import records are checked one by
// one by the use case, so one bad record does not refuse the batch.
func Validators() *validation.Registry {
	r := validation.NewRegistry()
	validation.Register(r, func(req *assetv1.GetHousingRequest) error {
		_, _, err := familyRecordName("name", req.GetName(), "housing")
		return err
	})
	validation.Register(r, func(req *assetv1.GetHoldingsRequest) error {
		_, _, err := familyRecordName("name", req.GetName(), "holdings")
		return err
	})
	validation.Register(r, func(req *assetv1.GetLandParcelRequest) error {
		_, err := landName("name", req.GetName())
		return err
	})
	validation.Register(r, func(req *assetv1.GetVehicleRequest) error {
		_, err := vehicleName("name", req.GetName())
		return err
	})
	validation.Register(r, func(req *assetv1.GetFamilyAssetsRequest) error {
		_, err := assetsName("name", req.GetName())
		return err
	})
	validation.Register(r, func(req *assetv1.ListHousingRequest) error {
		_, err := parseList(req.GetPageSize(), req.GetPageToken(), req.GetFilter(), holderKK)
		return err
	})
	validation.Register(r, func(req *assetv1.ListHoldingsRequest) error {
		_, err := parseList(req.GetPageSize(), req.GetPageToken(), req.GetFilter(), holderKK)
		return err
	})
	validation.Register(r, func(req *assetv1.ListLandParcelsRequest) error {
		_, err := parseList(req.GetPageSize(), req.GetPageToken(), req.GetFilter(), holderNIK)
		return err
	})
	validation.Register(r, func(req *assetv1.ListVehiclesRequest) error {
		_, err := parseList(req.GetPageSize(), req.GetPageToken(), req.GetFilter(), holderNIK)
		return err
	})
	validation.Register(r, func(req *assetv1.WatchChangesRequest) error {
		if req.GetAfterSequence() < 0 {
			return invalid("after_sequence", "SEQUENCE_NEGATIVE", "after_sequence must not be negative", "after_sequence tidak boleh negatif")
		}
		return nil
	})
	return r
}

func badName(field, pattern string) error {
	return invalid(field, "RESOURCE_NAME_INVALID", "expected "+pattern, "format harus "+pattern)
}

// kkInName checks a KK number in a resource name with the registry's rules.
func kkInName(field, kk string) error {
	if v := regdomain.ValidateKK(kk); v != nil {
		return violationsStatus(domain.Violations{{Field: field, Reason: v.Reason, Description: v.Description}}, "")
	}
	return nil
}

// familyRecordName parses `families/{kk}/{collection}/{source}`.
func familyRecordName(field, name, collection string) (kk, source string, err error) {
	pattern := "families/{kk}/" + collection + "/{source}"
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "families" || parts[2] != collection {
		return "", "", badName(field, pattern)
	}
	if err := kkInName(field, parts[1]); err != nil {
		return "", "", err
	}
	if !domain.ValidSource(parts[3]) {
		return "", "", invalid(field, domain.ReasonSourceInvalid, "the source in "+pattern+" is malformed",
			"sumber data pada nama sumber daya tidak valid")
	}
	return parts[1], parts[3], nil
}

// assetsName parses `families/{kk}/assets`.
func assetsName(field, name string) (string, error) {
	parts := strings.Split(name, "/")
	if len(parts) != 3 || parts[0] != "families" || parts[2] != "assets" {
		return "", badName(field, "families/{kk}/assets")
	}
	return parts[1], kkInName(field, parts[1])
}

// landName parses `landParcels/{certificate_id}`.
func landName(field, name string) (string, error) {
	id, ok := strings.CutPrefix(name, "landParcels/")
	if !ok {
		return "", badName(field, "landParcels/{certificate_id}")
	}
	if !domain.ValidCertificateID(id) {
		return "", invalid(field, domain.ReasonLandCertificateIDInvalid, "a certificate id is 1-64 letters, digits, '.' or '-'",
			"nomor sertifikat tidak valid")
	}
	return id, nil
}

// vehicleName parses `vehicles/{frame_number}`; frame numbers are stored in
// upper case, so a lower-case name finds the same vehicle.
func vehicleName(field, name string) (string, error) {
	frame, ok := strings.CutPrefix(name, "vehicles/")
	if !ok {
		return "", badName(field, "vehicles/{frame_number}")
	}
	frame = strings.ToUpper(frame)
	if !domain.ValidFrameNumber(frame) {
		return "", invalid(field, domain.ReasonVehicleFrameNumberInvalid, "a frame number is 3-32 letters, digits or '-'",
			"nomor rangka tidak valid")
	}
	return frame, nil
}

// holder describes the filter field that selects a kind's holder, and how
// many key columns a page token of the kind holds.
type holder struct {
	field   string
	check   func(string) *domain.Violation
	keyCols int
}

var (
	// Family records (housing, holdings) page by (KK number, source).
	holderKK = holder{"kk_number", func(s string) *domain.Violation { return regdomain.ValidateKK(s) }, 2}
	// Land and vehicles page by their id. Filtering by NIK checks its
	// structure only; a NIK born "in the future" by a day's time-zone
	// difference still filters.
	holderNIK = holder{"owner_nik", func(s string) *domain.Violation {
		_, v := regdomain.ParseNIK(s, time.Now())
		return v
	}, 1}
)

// parseList turns a List request into a query.
func parseList(size int32, token, filter string, h holder) (domain.Query, error) {
	var q domain.Query
	if size < 0 {
		return q, invalid("page_size", "PAGE_SIZE_NEGATIVE", "page_size must not be negative", "page_size tidak boleh negatif")
	}
	q.Limit = int(size)
	if q.Limit == 0 {
		q.Limit = defaultPageSize
	}
	q.Limit = min(q.Limit, maxPageSize)
	if err := parseFilter(filter, h, &q); err != nil {
		return q, err
	}
	if token != "" {
		after, err := pagetoken.Decode(Domain, token, filter, h.keyCols)
		if err != nil {
			return q, err
		}
		copy(q.After[:], after)
	}
	return q, nil
}

// parseFilter supports the AIP-160 subset `<holder> = "<value>"`,
// `match_status = MATCHED|UNMATCHED`, and both joined by AND.
func parseFilter(filter string, h holder, q *domain.Query) error {
	f := strings.TrimSpace(filter)
	if f == "" {
		return nil
	}
	usage := h.field + ` = "<value>", match_status = UNMATCHED (or MATCHED), or both joined by AND`
	bad := invalid("filter", "FILTER_INVALID", "supported filter: "+usage, "filter yang didukung: "+usage)
	terms := strings.Split(f, " AND ")
	if len(terms) > 2 {
		return bad
	}
	for _, term := range terms {
		field, value, ok := strings.Cut(term, "=")
		if !ok {
			return bad
		}
		field, value = strings.TrimSpace(field), strings.TrimSpace(value)
		quoted := len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"'
		if quoted {
			value = value[1 : len(value)-1]
		}
		if strings.ContainsAny(value, `" `) {
			return bad
		}
		switch {
		case field == h.field && quoted && q.Holder == "":
			if v := h.check(value); v != nil {
				return invalidFilter(v)
			}
			q.Holder = value
		case field == "match_status" && q.Match == domain.MatchUnspecified:
			switch strings.TrimPrefix(value, "MATCH_STATUS_") {
			case "MATCHED":
				q.Match = domain.Matched
			case "UNMATCHED":
				q.Match = domain.Unmatched
			default:
				return bad
			}
		default:
			return bad
		}
	}
	return nil
}

// invalidFilter is FILTER_INVALID for every bad filter, so clients branch on
// one reason; the field violation says what is wrong with the value.
func invalidFilter(v *domain.Violation) error {
	return violationsStatus(domain.Violations{{Field: "filter", Reason: "FILTER_INVALID",
		Description: "the filter's value is invalid: " + v.Description}, {Field: "filter", Reason: v.Reason,
		Description: v.Description}}, "")
}
