package adapters

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// Conns are the owning contexts an approved change is applied to.
type Conns struct {
	Registry, Asset, Income, ServiceUsage grpc.ClientConnInterface
}

// Sources applies approved changes through the owning contexts' own gRPC
// APIs, as the grievance workload: the registry's UpdateFamily and
// UpdatePerson, and the others' ImportRecords under the source agency
// auth.FieldVerificationAgency. Each import batch is named after the case,
// so sending it again after a crash is answered as a replay and writes
// nothing; a registry update sets values, so repeating it changes nothing.
type Sources struct {
	Fields
	registry     registryv1.RegistryServiceClient
	asset        assetv1.AssetServiceClient
	income       incomev1.IncomeServiceClient
	serviceUsage serviceusagev1.ServiceUsageServiceClient
}

// NewSources returns the applier over c.
func NewSources(c Conns) *Sources {
	return &Sources{
		registry:     registryv1.NewRegistryServiceClient(c.Registry),
		asset:        assetv1.NewAssetServiceClient(c.Asset),
		income:       incomev1.NewIncomeServiceClient(c.Income),
		serviceUsage: serviceusagev1.NewServiceUsageServiceClient(c.ServiceUsage),
	}
}

var _ domain.Sources = (*Sources)(nil)

// wib is Western Indonesia Time: a record's observation date is the date
// in Jakarta, where the case was decided, not in UTC.
var wib = time.FixedZone("WIB", 7*60*60)

// BatchID names the import batch of a case's changes in every context.
func BatchID(caseID string) string { return "case-" + caseID }

// Apply implements domain.Sources.
func (s *Sources) Apply(ctx context.Context, a domain.Application) error {
	ctx = auth.AsService(ctx)
	var order []string
	groups := map[string][]target{}
	for _, ch := range a.Changes {
		t, err := resolve(ch)
		if err != nil {
			return fmt.Errorf("%w: %v", domain.ErrApplyRefused, err)
		}
		if _, ok := groups[t.group()]; !ok {
			order = append(order, t.group())
		}
		groups[t.group()] = append(groups[t.group()], t)
	}
	observed := a.Observed.In(wib).Format(time.DateOnly)
	var assets []*assetv1.ImportRecordsRequest
	var incomes []*incomev1.ImportRecordsRequest
	var usages []*serviceusagev1.ImportRecordsRequest
	for _, g := range order {
		ts := groups[g]
		rec := ts[0].rec
		var err error
		switch rec.context + "." + rec.name {
		case "registry.family":
			err = s.updateFamily(ctx, a.KK, ts)
		case "registry.person":
			err = s.updatePerson(ctx, a.KK, ts)
		case "asset.housing", "asset.holdings":
			var r *assetv1.ImportRecordsRequest
			r, err = s.assetRecord(ctx, a.KK, observed, ts)
			assets = append(assets, r)
		case "income.employment":
			var r *incomev1.ImportRecordsRequest
			r, err = s.employmentRecord(ctx, a.KK, observed, ts)
			incomes = append(incomes, r)
		case "serviceusage.health_coverage":
			var r *serviceusagev1.ImportRecordsRequest
			r, err = s.coverageRecord(ctx, a.KK, observed, ts)
			usages = append(usages, r)
		default:
			err = fmt.Errorf("%w: no writer for %s.%s", domain.ErrApplyRefused, rec.context, rec.name)
		}
		if err != nil {
			return classify(err)
		}
	}
	header := &typev1.ImportBatchHeader{Source: auth.FieldVerificationAgency, BatchId: BatchID(a.CaseID)}
	if len(assets) > 0 {
		first := &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Header{Header: header}}
		if err := send(ctx, s.asset.ImportRecords, first, assets); err != nil {
			return classify(err)
		}
	}
	if len(incomes) > 0 {
		first := &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Header{Header: header}}
		if err := send(ctx, s.income.ImportRecords, first, incomes); err != nil {
			return classify(err)
		}
	}
	if len(usages) > 0 {
		first := &serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_Header{Header: header}}
		if err := send(ctx, s.serviceUsage.ImportRecords, first, usages); err != nil {
			return classify(err)
		}
	}
	return nil
}

// send streams one batch and refuses the change if the context rejected a
// record of it. A replayed batch answers with the first attempt's summary,
// rejections included.
func send[Req any](ctx context.Context, open func(context.Context, ...grpc.CallOption) (grpc.ClientStreamingClient[Req, typev1.ImportSummary], error),
	header *Req, recs []*Req) error {
	stream, err := open(ctx)
	if err != nil {
		return err
	}
	for _, r := range append([]*Req{header}, recs...) {
		if err := stream.Send(r); err != nil {
			// The server's reason is in CloseAndRecv's status.
			break
		}
	}
	sum, err := stream.CloseAndRecv()
	if err != nil {
		return err
	}
	if sum.GetRejectedCount() > 0 {
		var why []string
		for _, rj := range sum.GetRejections() {
			for _, v := range rj.GetViolations() {
				why = append(why, v.GetField()+": "+v.GetReason())
			}
		}
		return fmt.Errorf("%w: the %s import refused the record (%s)", domain.ErrApplyRefused, sum.GetSource(), strings.Join(why, "; "))
	}
	return nil
}

// classify turns a context's answer into a refusal when retrying cannot
// help: the context judged the request itself, not its own availability.
func classify(err error) error {
	if errors.Is(err, domain.ErrApplyRefused) {
		return err
	}
	switch status.Code(err) {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.NotFound, codes.PermissionDenied, codes.OutOfRange:
		return fmt.Errorf("%w: %s", domain.ErrApplyRefused, status.Convert(err).Message())
	}
	return err
}

func notMember(nik, kk string) error {
	return fmt.Errorf("%w: person %s is not a member of family %s", domain.ErrApplyRefused, nik, kk)
}

// updateFamily sets the family's fields, guarded by its etag: a registry
// change in between is ABORTED and retried at the next pass on fresh data.
func (s *Sources) updateFamily(ctx context.Context, kk string, ts []target) error {
	cur, err := s.registry.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kk})
	if err != nil {
		return err
	}
	next := &registryv1.Family{Name: cur.GetName(), Etag: cur.GetEtag(),
		Address: proto.Clone(cur.GetAddress()).(*registryv1.Address), Settlement: cur.GetSettlement()}
	_, err = s.registry.UpdateFamily(ctx, &registryv1.UpdateFamilyRequest{Family: next, UpdateMask: apply(next.ProtoReflect(), ts)})
	return err
}

// updatePerson sets a member's fields; the person must be in the case's
// family, or a case about one family could change another's member.
func (s *Sources) updatePerson(ctx context.Context, kk string, ts []target) error {
	nik := ts[0].nik
	cur, err := s.registry.GetPerson(ctx, &registryv1.GetPersonRequest{Name: "persons/" + nik})
	if status.Code(err) == codes.NotFound {
		return notMember(nik, kk)
	} else if err != nil {
		return err
	}
	if cur.GetFamily() != "families/"+kk {
		return notMember(nik, kk)
	}
	next := &registryv1.Person{Name: cur.GetName(), Etag: cur.GetEtag()}
	_, err = s.registry.UpdatePerson(ctx, &registryv1.UpdatePersonRequest{Person: next, UpdateMask: apply(next.ProtoReflect(), ts)})
	return err
}

// apply sets the targets' values on m and returns the mask of the top-level
// fields set (a nested field replaces its whole parent, as AIP-134 masks
// name top-level fields here).
func apply(m protoreflect.Message, ts []target) *fieldmaskpb.FieldMask {
	mask := &fieldmaskpb.FieldMask{}
	for _, t := range ts {
		set(m, t.field, t.value)
		top, _, _ := strings.Cut(t.field, ".")
		if !contains(mask.Paths, top) {
			mask.Paths = append(mask.Paths, top)
		}
	}
	return mask
}

// outputOnly are the fields the owning context fills in; a copied record
// goes back without them.
var outputOnly = []protoreflect.Name{"name", "match_status", "match_reason", "flags", "meta", "etag",
	"create_time", "update_time"}

// restamp turns a copy of the newest record into the grievance source's
// record observed on the approval date, with the corrections applied.
func restamp(m protoreflect.Message, observed string, ts []target) {
	fields := m.Descriptor().Fields()
	for _, n := range outputOnly {
		if fd := fields.ByName(n); fd != nil {
			m.Clear(fd)
		}
	}
	for _, n := range []protoreflect.Name{"source", "source_agency"} {
		if fd := fields.ByName(n); fd != nil && fd.Kind() == protoreflect.StringKind {
			m.Set(fd, protoreflect.ValueOfString(auth.FieldVerificationAgency))
		}
	}
	m.Set(fields.ByName("observation_date"), protoreflect.ValueOfString(observed))
	apply(m, ts)
}

// assetRecord copies the family's newest housing or holdings record (of
// any source) with the corrections applied.
func (s *Sources) assetRecord(ctx context.Context, kk, observed string, ts []target) (*assetv1.ImportRecordsRequest, error) {
	fa, err := s.asset.GetFamilyAssets(ctx, &assetv1.GetFamilyAssetsRequest{Name: "families/" + kk + "/assets"})
	if err != nil {
		return nil, err
	}
	switch ts[0].rec.name {
	case "housing":
		h := proto.Clone(fa.GetHousing()).(*assetv1.Housing)
		if h == nil {
			h = &assetv1.Housing{}
		}
		h.KkNumber = kk
		restamp(h.ProtoReflect(), observed, ts)
		return &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Housing{Housing: h}}, nil
	default:
		h := proto.Clone(fa.GetHoldings()).(*assetv1.Holdings)
		if h == nil {
			h = &assetv1.Holdings{}
		}
		h.KkNumber = kk
		restamp(h.ProtoReflect(), observed, ts)
		return &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Holdings{Holdings: h}}, nil
	}
}

// employmentRecord copies the member's newest employment record.
func (s *Sources) employmentRecord(ctx context.Context, kk, observed string, ts []target) (*incomev1.ImportRecordsRequest, error) {
	fe, err := s.income.GetFamilyEconomics(ctx, &incomev1.GetFamilyEconomicsRequest{Name: "families/" + kk + "/economics"})
	if err != nil {
		return nil, err
	}
	nik := ts[0].nik
	for _, m := range fe.GetMembers() {
		if m.GetNik() != nik {
			continue
		}
		e := &incomev1.Employment{}
		for _, old := range m.GetEmployments() {
			if old.GetObservationDate() >= e.GetObservationDate() {
				e = old
			}
		}
		e = proto.Clone(e).(*incomev1.Employment)
		e.Nik = nik
		restamp(e.ProtoReflect(), observed, ts)
		return &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Employment{Employment: e}}, nil
	}
	return nil, notMember(nik, kk)
}

// coverageRecord copies the member's newest health-coverage record.
func (s *Sources) coverageRecord(ctx context.Context, kk, observed string, ts []target) (*serviceusagev1.ImportRecordsRequest, error) {
	fu, err := s.serviceUsage.GetFamilyServiceUsage(ctx, &serviceusagev1.GetFamilyServiceUsageRequest{Name: "families/" + kk + "/serviceUsage"})
	if err != nil {
		return nil, err
	}
	nik := ts[0].nik
	for _, m := range fu.GetMembers() {
		if m.GetNik() != nik {
			continue
		}
		h := &serviceusagev1.HealthCoverage{}
		for _, old := range m.GetHealthCoverages() {
			if old.GetObservationDate() >= h.GetObservationDate() {
				h = old
			}
		}
		h = proto.Clone(h).(*serviceusagev1.HealthCoverage)
		h.Nik = nik
		restamp(h.ProtoReflect(), observed, ts)
		return &serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_HealthCoverage{HealthCoverage: h}}, nil
	}
	return nil, notMember(nik, kk)
}
