package citizen

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
)

// Sections of the status that degrade (null, and named in "unavailable")
// when their service is not configured or does not answer.
const (
	SectionScore       = "score"
	SectionEligibility = "eligibility"
	SectionNotices     = "notices"
	SectionCases       = "cases"
)

// sectionTimeout bounds each optional section, so a slow service degrades its
// section instead of holding the whole check.
const sectionTimeout = 5 * time.Second

// maxCases is how many of their own cases a check lists (newest deadlines
// first, as grievance orders them); GET /v1/cases pages through all.
const maxCases = 100

// snapshot is what a check assembles from the services, as they sent it
// (protobuf), so one cached snapshot renders in either language. Factors are
// the digests of the person's KK number and birth date.
type snapshot struct {
	AsOf        time.Time         `json:"asOf"`
	Factors     map[string]string `json:"factors"`
	Family      []byte            `json:"family"`
	Score       []byte            `json:"score,omitempty"`
	Eligibility []byte            `json:"eligibility,omitempty"`
	Notices     []byte            `json:"notices,omitempty"`
	Cases       []byte            `json:"cases,omitempty"`
	Unavailable []string          `json:"unavailable,omitempty"`
}

func (s *snapshot) matches(kind, digest string) bool {
	want, ok := s.Factors[kind]
	return ok && constantTimeEqual(want, digest)
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// assemble reads the person's family, score, eligibility, notices and cases
// in parallel, as the citizen (ctx is delegated). The registry is required;
// every other section degrades.
func (s *Service) assemble(ctx context.Context, person *registryv1.Person) (*snapshot, error) {
	fam := person.GetFamily()
	snap := &snapshot{AsOf: time.Now().UTC().Truncate(time.Second), Factors: s.factorDigests(person)}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		famErr error
	)
	wg.Go(func() {
		f, err := registryv1.NewRegistryServiceClient(s.cfg.Registry).GetFamily(ctx, &registryv1.GetFamilyRequest{Name: fam})
		if err != nil {
			famErr = err
			return
		}
		snap.Family, famErr = proto.Marshal(f)
	})
	section := func(name string, configured bool, call func(ctx context.Context) (proto.Message, error), into *[]byte) {
		if !configured {
			mu.Lock()
			snap.Unavailable = append(snap.Unavailable, name)
			mu.Unlock()
			return
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, sectionTimeout)
			defer cancel()
			m, err := call(ctx)
			var b []byte
			if err == nil {
				b, err = proto.Marshal(m)
			}
			mu.Lock()
			defer mu.Unlock()
			switch code := status.Code(err); code {
			case codes.OK:
				*into = b
			case codes.NotFound:
				// Not scored or not decided yet: an empty section, not an
				// unavailable one.
			default:
				if code != codes.Unavailable && code != codes.DeadlineExceeded {
					s.cfg.Logger.WarnContext(ctx, "citizen check: section failed", slog.String("section", name),
						slog.String("code", code.String()), slog.String("error", privacy.MaskText(err.Error())))
				}
				snap.Unavailable = append(snap.Unavailable, name)
			}
		})
	}
	scoring := scoringv1.NewScoringServiceClient(s.cfg.Scoring)
	section(SectionScore, s.cfg.Scoring != nil, func(ctx context.Context) (proto.Message, error) {
		return scoring.GetFamilyScore(ctx, &scoringv1.GetFamilyScoreRequest{Name: fam + "/score"})
	}, &snap.Score)
	section(SectionEligibility, s.cfg.Scoring != nil, func(ctx context.Context) (proto.Message, error) {
		return scoring.GetFamilyEligibility(ctx, &scoringv1.GetFamilyEligibilityRequest{Name: fam + "/eligibility"})
	}, &snap.Eligibility)
	section(SectionNotices, s.cfg.Scoring != nil, func(ctx context.Context) (proto.Message, error) {
		return scoring.ListNotices(ctx, &scoringv1.ListNoticesRequest{Parent: fam})
	}, &snap.Notices)
	grievance := grievancev1.NewGrievanceServiceClient(s.cfg.Grievance)
	section(SectionCases, s.cfg.Grievance != nil, func(ctx context.Context) (proto.Message, error) {
		// For a citizen, grievance lists the cases they reported.
		return grievance.ListCases(ctx, &grievancev1.ListCasesRequest{PageSize: maxCases})
	}, &snap.Cases)
	wg.Wait()
	if famErr != nil {
		return nil, famErr
	}
	order := map[string]int{SectionScore: 0, SectionEligibility: 1, SectionNotices: 2, SectionCases: 3}
	slices.SortFunc(snap.Unavailable, func(a, b string) int { return order[a] - order[b] })
	return snap, nil
}

// CheckResponse is the answer to a successful check. A section whose
// service is unavailable is null and named in Unavailable; a family not
// scored or decided yet has a null score or eligibility and no entry there.
type CheckResponse struct {
	Session SessionInfo `json:"session"`
	// Lang is the language of every text: "id" or "en".
	Lang string `json:"lang"`
	// AsOf is when the status was read from the services (a check within a
	// minute of another may be answered from the cache).
	AsOf        time.Time         `json:"asOf"`
	Family      *Family           `json:"family"`
	Score       *Score            `json:"score"`
	Eligibility *Eligibility      `json:"eligibility"`
	Notices     []Notice          `json:"notices"`
	Cases       []json.RawMessage `json:"cases"`
	Unavailable []string          `json:"unavailable"`
}

// SessionInfo is the session token and when it expires.
type SessionInfo struct {
	Token      string    `json:"token"`
	ExpireTime time.Time `json:"expireTime"`
}

// Family is the data the registry holds about the family, with the other
// members' NIKs, names and birth dates masked.
type Family struct {
	// Name is the family's resource name, families/{kk}.
	Name       string   `json:"name"`
	KKNumber   string   `json:"kkNumber"`
	RegionCode string   `json:"regionCode"`
	Settlement string   `json:"settlement,omitempty"`
	Address    *Address `json:"address,omitempty"`
	Members    []Member `json:"members"`
}

// Address is the family's address.
type Address struct {
	Street     string `json:"street,omitempty"`
	RT         string `json:"rt,omitempty"`
	RW         string `json:"rw,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
}

// Member is one member of the family. Self marks the caller; every other
// member's NIK, name and birth date are masked (privacy.MaskMessage).
type Member struct {
	NIK            string `json:"nik"`
	Name           string `json:"name"`
	Self           bool   `json:"self"`
	RelationToHead string `json:"relationToHead"`
	Sex            string `json:"sex"`
	BirthDate      string `json:"birthDate"`
	VitalStatus    string `json:"vitalStatus"`
	Education      string `json:"education"`
	Occupation     string `json:"occupation"`
}

// Score is the family's decile and why.
type Score struct {
	// Decile is 1 (poorest tenth) to 10; 0 before the first ranking run.
	Decile                 int32       `json:"decile"`
	ScoredTime             *time.Time  `json:"scoredTime,omitempty"`
	NeedsFieldVerification bool        `json:"needsFieldVerification"`
	Explanation            Explanation `json:"explanation"`
	// Flags are the texts of the score's flags (data inconsistent, stale,
	// a member recorded deceased, ...).
	Flags []string `json:"flags"`
}

// Explanation is the score's explanation in plain words.
type Explanation struct {
	Summary string `json:"summary"`
	// Raising and Lowering are the phrases of the factors that raised and
	// lowered the predicted welfare most, largest first.
	Raising  []string `json:"raising"`
	Lowering []string `json:"lowering"`
}

// Eligibility is the family's standing for every programme.
type Eligibility struct {
	RulesVersion string      `json:"rulesVersion,omitempty"`
	DecidedTime  *time.Time  `json:"decidedTime,omitempty"`
	Programmes   []Programme `json:"programmes"`
}

// Programme is one programme's decision.
type Programme struct {
	// Programme is the code: PKH, SEMBAKO, PBI_JK, ...
	Programme string `json:"programme"`
	Name      string `json:"name"`
	// Status is ELIGIBILITY_STATUS_ELIGIBLE or ELIGIBILITY_STATUS_INELIGIBLE.
	Status string `json:"status"`
	// Phase is ENTITLEMENT_PHASE_INACTIVE, _ACTIVE, _LOSS_NOTICED or
	// _LOSS_HELD.
	Phase             string     `json:"phase"`
	Reasons           []string   `json:"reasons"`
	ObjectionDeadline *time.Time `json:"objectionDeadline,omitempty"`
	LossEffectiveTime *time.Time `json:"lossEffectiveTime,omitempty"`
}

// Notice is a pending notice: a loss not yet in effect.
type Notice struct {
	ID        string `json:"id"`
	Programme string `json:"programme"`
	// Kind is LOSS or LOSS_CONFIRMED.
	Kind              string     `json:"kind"`
	Text              string     `json:"text"`
	Reasons           []string   `json:"reasons"`
	IssueTime         *time.Time `json:"issueTime,omitempty"`
	ObjectionDeadline *time.Time `json:"objectionDeadline,omitempty"`
	// EffectiveTime is unset while an objection holds the loss.
	EffectiveTime *time.Time `json:"effectiveTime,omitempty"`
}

// render is the snapshot as the citizen with nik sees it, in lang, at now.
func (s *snapshot) render(nik, lang string, now time.Time) *CheckResponse {
	if lang != "en" {
		lang = "id"
	}
	text := func(t *scoringv1.LocalizedText) string {
		if lang == "en" && t.GetEn() != "" {
			return t.GetEn()
		}
		if t.GetId() != "" {
			return t.GetId()
		}
		return t.GetEn()
	}
	resp := &CheckResponse{Lang: lang, AsOf: s.AsOf, Unavailable: []string{}}
	resp.Unavailable = append(resp.Unavailable, s.Unavailable...)
	unavailable := func(section string) bool { return slices.Contains(s.Unavailable, section) }

	f := &registryv1.Family{}
	if proto.Unmarshal(s.Family, f) == nil {
		resp.Family = renderFamily(f, nik)
	}

	if len(s.Score) > 0 {
		sc := &scoringv1.FamilyScore{}
		if proto.Unmarshal(s.Score, sc) == nil {
			out := &Score{Decile: sc.GetDecile(), ScoredTime: ts(sc.GetScoredTime()),
				NeedsFieldVerification: sc.GetNeedsFieldVerification(),
				Explanation:            Explanation{Summary: text(sc.GetExplanation().GetSummary()), Raising: []string{}, Lowering: []string{}},
				Flags:                  []string{}}
			for _, x := range sc.GetExplanation().GetRaising() {
				if p := text(x.GetPhrase()); p != "" {
					out.Explanation.Raising = append(out.Explanation.Raising, p)
				}
			}
			for _, x := range sc.GetExplanation().GetLowering() {
				if p := text(x.GetPhrase()); p != "" {
					out.Explanation.Lowering = append(out.Explanation.Lowering, p)
				}
			}
			for _, fl := range sc.GetFlags() {
				if t := text(fl.GetText()); t != "" {
					out.Flags = append(out.Flags, t)
				}
			}
			resp.Score = out
		}
	}

	if len(s.Eligibility) > 0 {
		el := &scoringv1.FamilyEligibility{}
		if proto.Unmarshal(s.Eligibility, el) == nil {
			out := &Eligibility{RulesVersion: el.GetRulesVersion(), DecidedTime: ts(el.GetDecidedTime()), Programmes: []Programme{}}
			for _, p := range el.GetProgrammes() {
				pr := Programme{Programme: p.GetProgramme(), Name: text(p.GetProgrammeName()), Status: p.GetStatus().String(),
					Phase: p.GetPhase().String(), Reasons: []string{}, ObjectionDeadline: ts(p.GetObjectionDeadline()),
					LossEffectiveTime: ts(p.GetLossEffectiveTime())}
				for _, r := range p.GetReasons() {
					pr.Reasons = append(pr.Reasons, text(r.GetText()))
				}
				out.Programmes = append(out.Programmes, pr)
			}
			resp.Eligibility = out
		}
	}

	if !unavailable(SectionNotices) {
		resp.Notices = []Notice{}
		ns := &scoringv1.ListNoticesResponse{}
		if proto.Unmarshal(s.Notices, ns) == nil {
			for _, n := range pendingNotices(ns.GetNotices(), now) {
				out := Notice{ID: n.GetId(), Programme: n.GetProgramme(), Kind: n.GetKind(), Text: text(n.GetText()),
					Reasons: []string{}, IssueTime: ts(n.GetIssueTime()), ObjectionDeadline: ts(n.GetObjectionDeadline()),
					EffectiveTime: ts(n.GetEffectiveTime())}
				for _, r := range n.GetReasons() {
					out.Reasons = append(out.Reasons, text(r.GetText()))
				}
				resp.Notices = append(resp.Notices, out)
			}
		}
	}

	if !unavailable(SectionCases) {
		resp.Cases = []json.RawMessage{}
		cs := &grievancev1.ListCasesResponse{}
		if proto.Unmarshal(s.Cases, cs) == nil {
			for _, c := range cs.GetCases() {
				// The same JSON as GET /v1/cases/{id} (lowerCamelCase,
				// enums by name).
				if b, err := protojson.Marshal(c); err == nil {
					resp.Cases = append(resp.Cases, b)
				}
			}
		}
	}
	return resp
}

func renderFamily(f *registryv1.Family, nik string) *Family {
	out := &Family{Name: f.GetName(), KKNumber: f.GetKkNumber(), RegionCode: f.GetRegionCode(), Members: []Member{}}
	if st := f.GetSettlement(); st != 0 {
		out.Settlement = st.String()
	}
	if a := f.GetAddress(); a != nil {
		out.Address = &Address{Street: a.GetStreet(), RT: a.GetRt(), RW: a.GetRw(), PostalCode: a.GetPostalCode()}
	}
	for _, m := range f.GetMembers() {
		self := m.GetNik() == nik
		if !self {
			// What names the others: NIK, name, birth date (year only),
			// birth place.
			m = proto.Clone(m).(*registryv1.Person)
			privacy.MaskMessage(m)
		}
		out.Members = append(out.Members, Member{NIK: m.GetNik(), Name: m.GetFullName(), Self: self,
			RelationToHead: m.GetRelationToHead().String(), Sex: m.GetSex().String(), BirthDate: m.GetBirthDate(),
			VitalStatus: m.GetVitalStatus().String(), Education: m.GetEducation().String(), Occupation: m.GetOccupation().String()})
	}
	return out
}

// pendingNotices are the losses that have not taken effect: for each
// programme its latest notice, when that is a LOSS or LOSS_CONFIRMED whose
// effective time is still ahead (or unset: an objection holds it).
func pendingNotices(ns []*scoringv1.Notice, now time.Time) []*scoringv1.Notice {
	latest := map[string]int{}
	for i, n := range ns { // oldest first
		latest[n.GetProgramme()] = i
	}
	var out []*scoringv1.Notice
	for i, n := range ns {
		if latest[n.GetProgramme()] != i || (n.GetKind() != "LOSS" && n.GetKind() != "LOSS_CONFIRMED") {
			continue
		}
		if eff := n.GetEffectiveTime(); eff == nil || eff.AsTime().After(now) {
			out = append(out, n)
		}
	}
	return out
}

func ts(t *timestamppb.Timestamp) *time.Time {
	if t == nil {
		return nil
	}
	v := t.AsTime().UTC()
	return &v
}
