package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/asset/app"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// housingStore serves ListHousing only and counts its calls; any other
// repository method would panic on the nil embedded interface, so a use
// case that touches more than it should fails loudly.
type housingStore struct {
	domain.Repository
	recs  []*domain.Housing
	calls int
}

func (s *housingStore) ListHousing(context.Context, domain.Query) ([]*domain.Housing, error) {
	s.calls++
	return s.recs, nil
}

// auditLog records what was audited, or fails every write with err.
type auditLog struct {
	records []string
	err     error
}

func (l *auditLog) Read(_ context.Context, records ...string) error {
	if l.err != nil {
		return l.err
	}
	l.records = append(l.records, records...)
	return nil
}

func as(p *auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

// The method table keeps region-bound roles and citizens away from lists;
// the use case refuses them too, without touching storage, should the table
// ever let one through: asset records carry no region to confine a list to.
func TestListsRefuseEveryoneButNationwideRoles(t *testing.T) {
	store := &housingStore{}
	a := app.New(store, nil, nil, nil, &auditLog{})
	q := domain.Query{Limit: 10}

	_, _, err := a.ListHousing(as(&auth.Principal{Role: auth.RoleDistrictOfficer, Region: "32.04"}), q)
	if !errors.Is(err, domain.ErrNationwideOnly) {
		t.Fatalf("officer: %v, want ErrNationwideOnly", err)
	}
	_, _, err = a.ListHousing(as(&auth.Principal{Role: auth.RoleCitizen, NIK: "3204124101700001"}), q)
	if status.Code(err) != codes.PermissionDenied || apierror.ReasonOf(err) != auth.ReasonRoleNotAllowed {
		t.Fatalf("citizen: %v", err)
	}
	_, _, err = a.ListHousing(context.Background(), q)
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no caller: %v", err)
	}
	if store.calls != 0 {
		t.Fatalf("refused lists read storage %d times", store.calls)
	}
}

func TestListAuditsEveryRecordOrFails(t *testing.T) {
	store := &housingStore{recs: []*domain.Housing{
		{KK: "3204120000000001", Record: domain.Record{Source: "bps"}},
		{KK: "3204120000000002", Record: domain.Record{Source: "bps"}},
		{KK: "3204120000000003", Record: domain.Record{Source: "bps"}},
	}}
	admin := as(&auth.Principal{Subject: "admin", Role: auth.RoleAdmin})

	log := &auditLog{}
	recs, more, err := app.New(store, nil, nil, nil, log).ListHousing(admin, domain.Query{Limit: 2})
	if err != nil || len(recs) != 2 || !more {
		t.Fatalf("page: %d records, more %v, %v", len(recs), more, err)
	}
	// The row read only to see whether a next page exists is not returned,
	// so it is not audited.
	want := []string{"families/3204120000000001/housing/bps", "families/3204120000000002/housing/bps"}
	if !slices.Equal(log.records, want) {
		t.Fatalf("audited %v, want %v", log.records, want)
	}

	down := errors.New("audit down")
	recs, _, err = app.New(store, nil, nil, nil, &auditLog{err: down}).ListHousing(admin, domain.Query{Limit: 10})
	if !errors.Is(err, down) || recs != nil {
		t.Fatalf("unaudited list returned %d records, %v", len(recs), err)
	}
}
