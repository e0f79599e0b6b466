package wiring_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	assetdemo "github.com/dtsen-id/dtsen/services/asset/demo"
	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/grievance/app"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/grievance/grievancetest"
	incomedemo "github.com/dtsen-id/dtsen/services/income/demo"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	sudemo "github.com/dtsen-id/dtsen/services/serviceusage/demo"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

// seeded families have records in every source context.
const seeded = 4

// sources are the four owning contexts, seeded like the demo region.
type sources struct {
	registry *registrytest.Registry
	asset    *assettest.Asset
	income   *incometest.Income
	usage    *serviceusagetest.Service
}

func startSources(t *testing.T) *sources {
	t.Helper()
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	registrytest.Seed(t, reg.Client, seeded)
	s := &sources{registry: reg,
		asset:  assettest.Start(t, storagetest.SQLiteURL(t), reg.Addr, assettest.Options{Auth: reg.Auth}),
		income: incometest.Start(t, storagetest.SQLiteURL(t), reg.Addr, incometest.Options{Auth: reg.Auth}),
		usage:  serviceusagetest.Start(t, storagetest.SQLiteURL(t), reg.Addr, serviceusagetest.Options{Auth: reg.Auth})}
	var assets []*assetv1.ImportRecordsRequest
	var income []*incomev1.ImportRecordsRequest
	var usage []*suv1.ImportRecordsRequest
	for f := range seeded {
		assets = append(assets, assettest.Housing(assetdemo.Housing(f)), assettest.Holdings(assetdemo.Holdings(f)))
		income = append(income, incometest.EmploymentRecord(incomedemo.Employment(f)))
		usage = append(usage, sudemo.Records(f, time.Now())...)
	}
	assettest.Import(t, s.asset.Client, assetdemo.SourceBPS, "seed", assets...)
	incometest.Import(t, s.income.Client, "seed", income...)
	serviceusagetest.Import(t, s.usage.Client, "seed", usage...)
	return s
}

func (s *sources) options() grievancetest.Options {
	return grievancetest.Options{Auth: s.registry.Auth, RegistryAddr: s.registry.Addr, AssetAddr: s.asset.Addr,
		IncomeAddr: s.income.Addr, ServiceUsageAddr: s.usage.Addr}
}

// heads are the owning contexts' feed positions: what they have written.
func (s *sources) heads(t *testing.T) [4]int64 {
	return [4]int64{s.registry.FeedHead(t), s.asset.FeedHead(t), feedHead(t, s.income.DB), feedHead(t, s.usage.DB)}
}

func feedHead(t *testing.T, db *storage.DB) int64 {
	t.Helper()
	head, err := outbox.New(db, time.Second).Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return head
}

func want(t *testing.T, what string, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || (reason != "" && apierror.ReasonOf(err) != reason) {
		t.Errorf("%s: %v (reason %q), want %s %s", what, err, apierror.ReasonOf(err), code, reason)
	}
}

// people are the roles a case passes through, for one family.
type people struct {
	citizen, district, verifier grievancev1.GrievanceServiceClient
	verifierSubject             string
}

func peopleOf(t *testing.T, g *grievancetest.Grievance, fam *registryv1.Family) people {
	region := fam.GetRegionCode()
	v := authtest.Officer(auth.RoleFieldVerifier, region[:8])
	return people{citizen: g.ClientAs(t, authtest.Citizen(fam.GetHeadNik())),
		district: g.ClientAs(t, authtest.Officer(auth.RoleDistrictOfficer, region[:5])),
		verifier: g.ClientAs(t, v), verifierSubject: v.Subject}
}

// approve takes a submitted case through triage, assignment, the visit
// (with answers) and approval.
func (p people) approve(ctx context.Context, t *testing.T, name string, answers map[string]string) {
	t.Helper()
	if _, err := p.district.TriageCase(ctx, &grievancev1.TriageCaseRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.district.AssignCase(ctx, &grievancev1.AssignCaseRequest{Name: name, Assignee: p.verifierSubject}); err != nil {
		t.Fatal(err)
	}
	visit := &grievancev1.Verification{VisitDate: time.Now().Format(time.DateOnly), Latitude: -6.98, Longitude: 107.55,
		FamilyFound: true, Answers: answers}
	if _, err := p.verifier.RecordVerification(ctx, &grievancev1.RecordVerificationRequest{Name: name, Verification: visit}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.district.DecideCase(ctx, &grievancev1.DecideCaseRequest{Name: name, Approve: true, Reason: "sesuai hasil kunjungan"}); err != nil {
		t.Fatal(err)
	}
}

// TestApplyingApprovedChanges: a citizen's correction and what the
// verifier found, approved, land in all four owning contexts through their
// own APIs, once.
func TestApplyingApprovedChanges(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		src := startSources(t)
		g := grievancetest.StartWith(t, url, src.options())
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		fam := registrytest.Family(1)
		kk, nik := fam.GetKkNumber(), fam.GetMembers()[0].GetNik()
		p := peopleOf(t, g, fam)
		occupation := registryv1.Occupation_OCCUPATION_FISHER
		if fam.GetMembers()[0].GetOccupation() == occupation {
			occupation = registryv1.Occupation_OCCUPATION_TRADER
		}

		sub, err := p.citizen.SubmitCase(ctx, &grievancev1.SubmitCaseRequest{RequestId: "koreksi-0001",
			CaseType: grievancev1.CaseType_CASE_TYPE_DATA_CORRECTION, Family: "families/" + kk,
			Description: "lantai rumah kami tanah, bukan keramik",
			Correction:  &grievancev1.Correction{Context: "asset", Field: "housing.floor_material", ProposedValue: "EARTH"}})
		if err != nil {
			t.Fatal(err)
		}
		name := sub.GetCase().GetName()
		p.approve(ctx, t, name, map[string]string{
			"asset.housing.floor_material":                             "EARTH",
			"asset.holdings.goods.refrigerator":                        "false",
			"registry.person." + nik + ".occupation":                   occupation.String(),
			"income.employment." + nik + ".hours_per_week":             "12",
			"serviceusage.health_coverage." + nik + ".chronic_illness": "true",
			"kondisi_dinding":                                          "bambu, rusak", // for the officer, not a field
		})

		before := src.heads(t)
		res, err := g.App.ApplyApproved(ctx)
		if err != nil || res.Applied != 1 || res.Refused != 0 {
			t.Fatalf("apply: %+v, %v", res, err)
		}
		after := src.heads(t)
		for i, ctxName := range []string{"registry", "asset", "income", "serviceusage"} {
			if after[i] <= before[i] {
				t.Errorf("the %s context published nothing: feed %d → %d", ctxName, before[i], after[i])
			}
		}

		c, err := p.citizen.GetCase(ctx, &grievancev1.GetCaseRequest{Name: name})
		if err != nil || c.GetState() != grievancev1.CaseState_CASE_STATE_APPLIED {
			t.Fatalf("case after applying: %v, %v", c, err)
		}
		last := c.GetHistory()[len(c.GetHistory())-1]
		if last.GetAction() != "APPLY" || !strings.Contains(last.GetReason(), "asset.housing.floor_material") ||
			strings.Contains(last.GetReason(), nik) || strings.Contains(last.GetReason(), "EARTH") {
			t.Errorf("APPLY transition %v: want the fields changed, no NIK in clear, no values", last)
		}

		admin := auth.AsService(ctx)
		fa, err := assetv1.NewAssetServiceClient(dial(t, src, src.asset.Addr)).GetFamilyAssets(admin,
			&assetv1.GetFamilyAssetsRequest{Name: "families/" + kk + "/assets"})
		if err != nil || fa.GetHousing().GetFloorMaterial() != assetv1.FloorMaterial_FLOOR_MATERIAL_EARTH ||
			fa.GetHousing().GetSource() != auth.FieldVerificationAgency || fa.GetHoldings().GetGoods().GetRefrigerator() {
			t.Errorf("family assets after the correction: %v, %v", fa, err)
		}
		if fa.GetHousing().GetFloorAreaSqm() != assetdemo.Housing(1).GetFloorAreaSqm() {
			t.Errorf("the corrected housing record lost the fields nobody disputed: %v", fa.GetHousing())
		}
		person, err := registryv1.NewRegistryServiceClient(dial(t, src, src.registry.Addr)).GetPerson(admin,
			&registryv1.GetPersonRequest{Name: "persons/" + nik})
		if err != nil || person.GetOccupation() != occupation {
			t.Errorf("person after the correction: %v, %v", person, err)
		}
		econ, err := incomev1.NewIncomeServiceClient(dial(t, src, src.income.Addr)).GetFamilyEconomics(admin,
			&incomev1.GetFamilyEconomicsRequest{Name: "families/" + kk + "/economics"})
		if err != nil || !hasEmployment(econ, nik, 12) {
			t.Errorf("economics after the correction: %v, %v", econ, err)
		}
		usage, err := suv1.NewServiceUsageServiceClient(dial(t, src, src.usage.Addr)).GetFamilyServiceUsage(admin,
			&suv1.GetFamilyServiceUsageRequest{Name: "families/" + kk + "/serviceUsage"})
		if err != nil || !hasChronicIllness(usage, nik) {
			t.Errorf("service usage after the correction: %v, %v", usage, err)
		}

		// A second pass finds nothing to do and writes nothing.
		res, err = g.App.ApplyApproved(ctx)
		if err != nil || res != (app.ApplyResult{}) || src.heads(t) != after {
			t.Errorf("second pass: %+v, %v; feeds %v → %v", res, err, after, src.heads(t))
		}
	})
}

func hasEmployment(e *incomev1.FamilyEconomics, nik string, hours int32) bool {
	for _, m := range e.GetMembers() {
		for _, x := range m.GetEmployments() {
			if m.GetNik() == nik && x.GetSourceAgency() == auth.FieldVerificationAgency && x.GetHoursPerWeek() == hours {
				return true
			}
		}
	}
	return false
}

func hasChronicIllness(u *suv1.FamilyServiceUsage, nik string) bool {
	for _, m := range u.GetMembers() {
		for _, h := range m.GetHealthCoverages() {
			if m.GetNik() == nik && h.GetSourceAgency() == auth.FieldVerificationAgency && h.GetChronicIllness() {
				return true
			}
		}
	}
	return false
}

// dial connects as the grievance workload.
func dial(t *testing.T, s *sources, addr string) *grpc.ClientConn {
	conn, err := grpcserver.Dial(context.Background(), addr, auth.ClientOptions(s.registry.Auth.ServiceTokens("grievance"))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// crashingCases loses the APPLY step's write once, as a process killed
// between the owning context's write and its own would.
type crashingCases struct {
	domain.Cases
	crashed atomic.Bool
}

var errCrash = errors.New("simulated crash before the APPLY step was stored")

func (c *crashingCases) Save(ctx context.Context, cs domain.Case, readVersion int, due time.Time) error {
	if cs.State == domain.Applied && c.crashed.CompareAndSwap(false, true) {
		return errCrash
	}
	return c.Cases.Save(ctx, cs, readVersion, due)
}

// TestCrashBetweenApplyingAndRecording: the owning context was written,
// the APPLY step was not; the next pass sends the same batch, the context
// answers it as a replay, and the change lands exactly once.
func TestCrashBetweenApplyingAndRecording(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		src := startSources(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db := storagetest.Open(t, url, outbox.Migrations, adapters.Migrations)
		cases := &crashingCases{Cases: adapters.NewRepository(db, outbox.New(db, time.Second))}
		var ids atomic.Int64
		a, err := app.New(app.Deps{Cases: cases, NewID: func() string { return "crash-" + string(rune('0'+ids.Add(1))) },
			Sources: adapters.NewSources(adapters.Conns{Registry: dial(t, src, src.registry.Addr),
				Asset: dial(t, src, src.asset.Addr), Income: dial(t, src, src.income.Addr), ServiceUsage: dial(t, src, src.usage.Addr)})})
		if err != nil {
			t.Fatal(err)
		}
		fam := registrytest.Family(2)
		region := fam.GetRegionCode()
		citizen := domain.Actor{Subject: "citizen-" + fam.GetHeadNik(), Role: auth.RoleCitizen}
		district := domain.Actor{Subject: "officer-district", Role: auth.RoleDistrictOfficer, Region: region[:5]}
		verifier := domain.Actor{Subject: "verifier-1", Role: auth.RoleFieldVerifier, Region: region[:8]}
		sub, err := a.SubmitCase(ctx, domain.Submission{RequestID: "crash-req-1", Type: domain.DataCorrection,
			KK: fam.GetKkNumber(), Region: region, Reporter: citizen.Subject,
			Correction: &domain.Correction{Context: "asset", Field: "housing.wall_material", ProposedValue: "BAMBOO"}})
		if err != nil {
			t.Fatal(err)
		}
		id := sub.Case.ID
		for _, st := range []domain.Step{
			{Action: domain.Triage, By: district},
			{Action: domain.Assign, By: district, Assignee: verifier.Subject},
			{Action: domain.RecordVerification, By: verifier, Verification: &domain.Verification{
				VisitDate: time.Now().Add(-time.Hour), Latitude: -6.9, Longitude: 107.6, Found: true}},
			{Action: domain.Approve, By: district, Reason: "dinding bambu"},
		} {
			if _, err := a.TakeStep(ctx, id, st); err != nil {
				t.Fatalf("%s: %v", st.Action, err)
			}
		}

		before := src.asset.FeedHead(t)
		if _, err := a.ApplyApproved(ctx); !errors.Is(err, errCrash) {
			t.Fatalf("first pass: %v, want the simulated crash", err)
		}
		written := src.asset.FeedHead(t)
		if c, _ := a.Get(ctx, id); c.State != domain.Approved || written == before {
			t.Fatalf("after the crash: case %s, asset feed %d → %d; want APPROVED with the housing written", c.State, before, written)
		}
		res, err := a.ApplyApproved(ctx)
		if err != nil || res.Applied != 1 {
			t.Fatalf("recovery pass: %+v, %v", res, err)
		}
		if c, _ := a.Get(ctx, id); c.State != domain.Applied {
			t.Errorf("after recovery: %s, want APPLIED", c.State)
		}
		if got := src.asset.FeedHead(t); got != written {
			t.Errorf("recovery wrote the housing again: asset feed %d → %d", written, got)
		}
		fa, err := assetv1.NewAssetServiceClient(dial(t, src, src.asset.Addr)).GetFamilyAssets(auth.AsService(ctx),
			&assetv1.GetFamilyAssetsRequest{Name: "families/" + fam.GetKkNumber() + "/assets"})
		if err != nil || fa.GetHousing().GetWallMaterial() != assetv1.WallMaterial_WALL_MATERIAL_BAMBOO {
			t.Errorf("housing after recovery: %v, %v", fa.GetHousing(), err)
		}
	})
}

// TestApplyRefusedAndBadInput: a change no context can take is refused at
// the door, with nothing stored; one the context refuses at apply time
// keeps the case APPROVED with the reason, and is not retried blindly.
func TestApplyRefusedAndBadInput(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		src := startSources(t)
		g := grievancetest.StartWith(t, url, src.options())
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		fam, other := registrytest.Family(0), registrytest.Family(3)
		kk := fam.GetKkNumber()
		p := peopleOf(t, g, fam)
		admin := g.ClientAs(t, authtest.Admin())

		for _, cr := range []*grievancev1.Correction{
			{Context: "asset", Field: "housing.kk_number", ProposedValue: other.GetKkNumber()},
			{Context: "asset", Field: "housing.floor_material", ProposedValue: "LAVA"},
			{Context: "scoring", Field: "decile", ProposedValue: "1"},
		} {
			_, err := p.citizen.SubmitCase(ctx, &grievancev1.SubmitCaseRequest{CaseType: grievancev1.CaseType_CASE_TYPE_DATA_CORRECTION,
				Family: "families/" + kk, Correction: cr})
			want(t, "correcting "+cr.GetContext()+"."+cr.GetField()+"="+cr.GetProposedValue(), err, codes.InvalidArgument, "CASE_SUBMISSION_INVALID")
		}
		if list, err := admin.ListCases(ctx, &grievancev1.ListCasesRequest{}); err != nil || len(list.GetCases()) != 0 {
			t.Errorf("refused submissions stored cases: %v, %v", list, err)
		}

		sub, err := p.citizen.SubmitCase(ctx, &grievancev1.SubmitCaseRequest{CaseType: grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION,
			Family: "families/" + kk, Description: "kami tidak punya kulkas"})
		if err != nil {
			t.Fatal(err)
		}
		name := sub.GetCase().GetName()
		if _, err := p.district.TriageCase(ctx, &grievancev1.TriageCaseRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.district.AssignCase(ctx, &grievancev1.AssignCaseRequest{Name: name, Assignee: p.verifierSubject}); err != nil {
			t.Fatal(err)
		}
		_, err = p.verifier.RecordVerification(ctx, &grievancev1.RecordVerificationRequest{Name: name, Verification: &grievancev1.Verification{
			VisitDate: time.Now().Format(time.DateOnly), Latitude: -6.98, Longitude: 107.55, FamilyFound: true,
			Answers: map[string]string{"asset.holdings.goods.refrigerator": "kadang"}}})
		want(t, "an answer no field takes", err, codes.InvalidArgument, "CASE_VERIFICATION_INVALID")
		if c, err := admin.GetCase(ctx, &grievancev1.GetCaseRequest{Name: name}); err != nil || c.GetState() != grievancev1.CaseState_CASE_STATE_ASSIGNED {
			t.Errorf("after the refused visit record: %v, %v", c.GetState(), err)
		}

		// A member of another family: valid as a field, refused at apply.
		stranger := other.GetMembers()[0].GetNik()
		if _, err := p.verifier.RecordVerification(ctx, &grievancev1.RecordVerificationRequest{Name: name, Verification: &grievancev1.Verification{
			VisitDate: time.Now().Format(time.DateOnly), Latitude: -6.98, Longitude: 107.55, FamilyFound: true,
			Answers: map[string]string{"registry.person." + stranger + ".occupation": "FARMER"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.district.DecideCase(ctx, &grievancev1.DecideCaseRequest{Name: name, Approve: true, Reason: "ok"}); err != nil {
			t.Fatal(err)
		}
		before := src.heads(t)
		res, err := g.App.ApplyApproved(ctx)
		if err != nil || res.Refused != 1 || res.Applied != 0 {
			t.Fatalf("apply: %+v, %v", res, err)
		}
		c, err := admin.GetCase(ctx, &grievancev1.GetCaseRequest{Name: name})
		if err != nil || c.GetState() != grievancev1.CaseState_CASE_STATE_APPROVED || !strings.Contains(c.GetApplyError(), "not a member") ||
			strings.Contains(c.GetApplyError(), stranger) {
			t.Errorf("refused case: %v, %v", c, err)
		}
		if res, err := g.App.ApplyApproved(ctx); err != nil || res != (app.ApplyResult{}) || src.heads(t) != before {
			t.Errorf("a refused case was retried: %+v, %v", res, err)
		}
	})
}
