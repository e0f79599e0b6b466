package features

import (
	"errors"
	"fmt"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// Input is what the source contexts' APIs return about one family. Any of
// the four may be nil: that context has no data for the family (or was not
// asked), and the features it feeds are NaN.
type Input struct {
	// Family is the registry's GetFamily: the KK and its members.
	Family *registryv1.Family
	// Assets is the asset context's GetFamilyAssets.
	Assets *assetv1.FamilyAssets
	// Economics is the income context's GetFamilyEconomics.
	Economics *incomev1.FamilyEconomics
	// ServiceUsage is the service-usage context's GetFamilyServiceUsage.
	ServiceUsage *serviceusagev1.FamilyServiceUsage
	// ReferenceDate is "today" for the family: ages, the current school
	// year, current incomes, active programmes, the utility window and
	// staleness are all taken on this calendar date (its date in its own
	// location). A training snapshot passes the date its data was taken.
	ReferenceDate time.Time
}

// Errors Build, BuildFacts and DeriveFlags return.
var (
	// ErrNoReferenceDate: Input.ReferenceDate is the zero time.
	ErrNoReferenceDate = errors.New("features: reference date not set")
	// ErrNoData: all four messages are nil; there is nothing to score.
	ErrNoData = errors.New("features: no context has data for the family")
	// ErrFamilyMismatch: the messages name different KK numbers. Mixing
	// two families' data would score one on the other's assets.
	ErrFamilyMismatch = errors.New("features: messages belong to different families")
	// ErrNoRegistry: BuildFacts needs the registry's family.
	ErrNoRegistry = errors.New("features: the registry's family is required")
)

// KK returns the family's KK number as the messages name it, after checking
// that they agree.
func (in *Input) KK() (string, error) {
	if in.Family == nil && in.Assets == nil && in.Economics == nil && in.ServiceUsage == nil {
		return "", ErrNoData
	}
	type named struct{ context, kk string }
	var kks []named
	if in.Family != nil {
		kk := in.Family.GetKkNumber()
		if kk == "" {
			kk = kkOfName(in.Family.GetName())
		}
		kks = append(kks, named{"registry", kk})
	}
	if in.Assets != nil {
		kk := kkOfName(in.Assets.GetFamily())
		if kk == "" {
			kk = kkOfName(in.Assets.GetName())
		}
		kks = append(kks, named{"asset", kk})
	}
	if in.Economics != nil {
		kk := in.Economics.GetKkNumber()
		if kk == "" {
			kk = kkOfName(in.Economics.GetName())
		}
		kks = append(kks, named{"income", kk})
	}
	if in.ServiceUsage != nil {
		kk := in.ServiceUsage.GetKkNumber()
		if kk == "" {
			kk = kkOfName(in.ServiceUsage.GetName())
		}
		kks = append(kks, named{"serviceusage", kk})
	}
	kk := ""
	from := ""
	for _, n := range kks {
		switch {
		case n.kk == "":
		case kk == "":
			kk, from = n.kk, n.context
		case n.kk != kk:
			return "", fmt.Errorf("%w: %s says %s, %s says %s", ErrFamilyMismatch, from, kk, n.context, n.kk)
		}
	}
	return kk, nil
}

// validate is what every entry point checks before reading the messages.
func (in *Input) validate() (kk string, err error) {
	if in.ReferenceDate.IsZero() {
		return "", ErrNoReferenceDate
	}
	return in.KK()
}

// Build computes the family's feature vector, in definition order. It is
// deterministic: the same input gives the same bits, whatever the order of
// repeated records within a message. Self-declared and measured consumption
// are never read: the measured one is the label (see Label), the declared
// one what the DECLARED_CONSUMPTION_INCONSISTENT flag compares against.
func Build(in Input) (Vector, error) {
	return BuildInto(in, nil)
}

// BuildInto is Build writing into dst's storage when it is large enough, so
// that a ranking run can reuse one buffer per worker.
func BuildInto(in Input, dst Vector) (Vector, error) {
	if _, err := in.validate(); err != nil {
		return nil, err
	}
	v := newView(&in)
	if cap(dst) < len(definitions) {
		dst = make(Vector, len(definitions))
	}
	dst = dst[:len(definitions)]
	for i := range definitions {
		dst[i] = definitions[i].compute(v)
	}
	return dst, nil
}
