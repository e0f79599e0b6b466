package e2e_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/gateway/internal/citizen"
	"github.com/dtsen-id/dtsen/gateway/internal/server"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/ratelimit"
	"github.com/dtsen-id/dtsen/services/platform/redisx/redistest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

// citizenEnv is a gateway serving citizen self-service, with its session
// key known to the test (to derive pseudonyms and forge sessions).
type citizenEnv struct {
	*env
	sessions *citizen.Sessions
	registry *registrytest.Registry
	redis    *redis.Client
	// cachePrefix is where the status cache keeps its entries in Redis.
	cachePrefix string
}

var testSessionKey = []byte("0123456789abcdef0123456789abcdef-e2e")

type citizenEnvOptions struct {
	// full starts scoring (trained, ranked) and grievance too; otherwise
	// only the registry is behind the gateway.
	full bool
	// noCredentials starts the gateway without its workload tokens;
	// workload gives it another workload's (default "gateway").
	noCredentials bool
	workload      string
	limits        citizen.Limits
	floor         time.Duration
	// redis backs the gateway's rate limits and the status cache with the
	// real Redis, under the test's prefix.
	redis bool
}

func newCitizenEnv(t *testing.T, o citizenEnvOptions) *citizenEnv {
	t.Helper()
	t.Parallel()
	opts := server.Options{Logger: slog.New(slog.DiscardHandler), RateLimits: noRateLimits}
	var reg *registrytest.Registry
	var fams []*registryv1.Family
	if o.full {
		p := startRanked(t, 0)
		opts = p.options(t)
		reg = p.src.Registry
		fams = registrytest.Families(0, scoringtest.Registered)
	} else {
		reg = registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
		fams = registrytest.Seed(t, reg.Client, 6)
	}
	opts.Registry, opts.Verifier = dialTest(t, reg.Addr), reg.Auth.Verifier
	opts.Citizen = server.CitizenOptions{SessionKey: testSessionKey, Limits: o.limits, FailureFloor: o.floor}
	var rdb *redis.Client
	var prefix string
	if o.redis {
		rdb, prefix = redistest.Real(t)
		prefix += "gateway"
		opts.RateLimiter = ratelimit.New(rdb, prefix, slog.New(slog.DiscardHandler))
		opts.Citizen.Redis, opts.Citizen.RedisPrefix = rdb, prefix
	}
	if !o.noCredentials {
		w := cmp.Or(o.workload, "gateway")
		opts.Citizen.Tokens, opts.Citizen.Actor = reg.Auth.ServiceTokens(w), "dtsen-"+w
	}
	base, client := serve(t, opts)
	sessions, err := citizen.NewSessions(testSessionKey)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, base: base, http: client, auth: reg.Auth, fams: fams}
	e.reader = e.auth.Token(t, authtest.Admin())
	e.writer = e.reader
	return &citizenEnv{env: e, sessions: sessions, registry: reg, redis: rdb, cachePrefix: prefix + "citizen:status:"}
}

func (c *citizenEnv) sub(t *testing.T) *citizenEnv {
	cp := *c
	cp.env = c.env.sub(t)
	return &cp
}

// check posts body to the check anonymously.
func (c *citizenEnv) check(body any) response {
	c.t.Helper()
	b, ok := body.(string)
	if !ok {
		raw, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		b = string(raw)
	}
	return c.do(http.MethodPost, citizen.CheckPath, strings.NewReader(b), "Authorization", "")
}

// withSession sends tok as the bearer token.
func withSession(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// checkResponse is the check's JSON, as a web page reads it.
type checkResponse struct {
	Session struct {
		Token      string    `json:"token"`
		ExpireTime time.Time `json:"expireTime"`
	} `json:"session"`
	Lang   string    `json:"lang"`
	AsOf   time.Time `json:"asOf"`
	Family *struct {
		Name     string `json:"name"`
		KKNumber string `json:"kkNumber"`
		Members  []struct {
			NIK, Name, BirthDate, RelationToHead string
			Self                                 bool
		} `json:"members"`
	} `json:"family"`
	Score *struct {
		Decile      int `json:"decile"`
		Explanation struct {
			Summary  string   `json:"summary"`
			Raising  []string `json:"raising"`
			Lowering []string `json:"lowering"`
		} `json:"explanation"`
	} `json:"score"`
	Eligibility *struct {
		Programmes []struct {
			Programme, Name, Status, Phase string
			Reasons                        []string
		} `json:"programmes"`
	} `json:"eligibility"`
	Notices     []map[string]any `json:"notices"`
	Cases       []map[string]any `json:"cases"`
	Unavailable []string         `json:"unavailable"`
}

func (c *citizenEnv) checked(r response) checkResponse {
	c.t.Helper()
	var out checkResponse
	c.okJSON(r, &out)
	return out
}

// TestCitizenCheck is "Cek DTSEN" end to end: a citizen checks their status
// with their NIK and KK number or birth date, gets the family's decile,
// programmes, notices and masked family data, and a session with which the
// ordinary REST routes serve them as a citizen: they file an objection and
// follow it, and cannot read another family.
func TestCitizenCheck(t *testing.T) {
	e := newCitizenEnv(t, citizenEnvOptions{full: true, floor: -1, redis: true})
	fam, other := e.fams[2], e.fams[5]
	kk, head := fam.GetKkNumber(), fam.GetHeadNik()
	var headPerson *registryv1.Person
	for _, m := range fam.GetMembers() {
		if m.GetNik() == head {
			headPerson = m
		}
	}
	subject := e.sessions.Pseudonym(head)
	var session string

	t.Run("the right KK number", func(t *testing.T) {
		e := e.sub(t)
		res := e.checked(e.check(map[string]string{"nik": head, "kkNumber": kk}))
		if !strings.HasPrefix(res.Session.Token, citizen.TokenPrefix) ||
			res.Session.ExpireTime.Before(time.Now().Add(29*time.Minute)) || res.Session.ExpireTime.After(time.Now().Add(31*time.Minute)) {
			t.Errorf("session %+v", res.Session)
		}
		session = res.Session.Token
		if res.Lang != "id" || len(res.Unavailable) != 0 || res.Notices == nil || res.Cases == nil {
			t.Errorf("lang %q, unavailable %v, notices %v, cases %v", res.Lang, res.Unavailable, res.Notices, res.Cases)
		}
		if res.Family == nil || res.Family.KKNumber != kk || res.Family.Name != "families/"+kk || len(res.Family.Members) != len(fam.GetMembers()) {
			t.Fatalf("family %+v", res.Family)
		}
		for _, m := range res.Family.Members {
			switch {
			case m.Self && (m.NIK != head || m.Name != headPerson.GetFullName() || m.BirthDate != headPerson.GetBirthDate()):
				t.Errorf("the caller sees themselves masked: %+v", m)
			case !m.Self && (!strings.Contains(m.NIK, "********") || !strings.Contains(m.Name, "*") || !strings.HasSuffix(m.BirthDate, "-**-**")):
				t.Errorf("another member unmasked: %+v", m)
			}
		}
		if res.Score == nil || res.Score.Decile < 1 || res.Score.Decile > 10 || res.Score.Explanation.Summary == "" ||
			res.Score.Explanation.Raising == nil || res.Score.Explanation.Lowering == nil {
			t.Errorf("score %+v", res.Score)
		}
		if res.Eligibility == nil || !slices.ContainsFunc(res.Eligibility.Programmes, func(p struct {
			Programme, Name, Status, Phase string
			Reasons                        []string
		}) bool {
			return p.Programme == "PKH" && strings.HasPrefix(p.Status, "ELIGIBILITY_STATUS_") && p.Name != "" && len(p.Reasons) > 0
		}) {
			t.Errorf("eligibility %+v", res.Eligibility)
		}
	})

	t.Run("the right birth date, in English", func(t *testing.T) {
		e := e.sub(t)
		res := e.checked(e.check(map[string]string{"nik": head, "birthDate": headPerson.GetBirthDate(), "lang": "en"}))
		var score struct {
			Explanation struct {
				Summary struct{ ID, EN string } `json:"summary"`
			} `json:"explanation"`
		}
		e.okJSON(e.do(http.MethodGet, "/v1/families/"+kk+"/score", nil, withSession(res.Session.Token)...), &score)
		if res.Lang != "en" || res.Score == nil || res.Score.Explanation.Summary != score.Explanation.Summary.EN {
			t.Errorf("English summary %q, want %q", res.Score.Explanation.Summary, score.Explanation.Summary.EN)
		}
	})

	t.Run("a wrong factor and an unknown NIK get the same answer", func(t *testing.T) {
		e := e.sub(t)
		unknown := registrytest.Family(900)
		var bodies [][]byte
		for _, body := range []map[string]string{
			{"nik": head, "kkNumber": other.GetKkNumber()},
			{"nik": head, "birthDate": "1999-01-01"},
			{"nik": unknown.GetHeadNik(), "kkNumber": unknown.GetKkNumber()},
			{"nik": unknown.GetHeadNik(), "birthDate": "1999-01-01"},
			{"nik": "3204120000000000", "kkNumber": kk},
		} {
			r := e.check(body)
			a := e.wantError(r, http.StatusForbidden, "PERMISSION_DENIED", citizen.ReasonCheckFailed)
			if a.localized("id-ID") == "" || a.localized("en") == "" {
				t.Errorf("not bilingual: %s", r.body)
			}
			bodies = append(bodies, r.body)
		}
		for i := range bodies {
			if !bytes.Equal(bodies[i], bodies[0]) {
				t.Errorf("answer %d differs:\n%s\n%s", i, bodies[i], bodies[0])
			}
		}
	})

	t.Run("a repeated check is served from the cache, a wrong factor never", func(t *testing.T) {
		e := e.sub(t)
		first := e.checked(e.check(map[string]string{"nik": head, "kkNumber": kk}))
		again := e.checked(e.check(map[string]string{"nik": head, "kkNumber": kk}))
		if !again.AsOf.Equal(first.AsOf) || again.Session.Token == "" {
			t.Errorf("asOf %v then %v: the second check was not served from the cache", first.AsOf, again.AsOf)
		}
		// Shared through Redis, under the pseudonym, for a minute.
		ttl, err := e.redis.TTL(t.Context(), e.cachePrefix+subject).Result()
		if err != nil || ttl <= 0 || ttl > citizen.DefaultCacheTTL {
			t.Errorf("the cached status in Redis: TTL %v, %v", ttl, err)
		}
		e.wantError(e.check(map[string]string{"nik": head, "kkNumber": other.GetKkNumber()}),
			http.StatusForbidden, "PERMISSION_DENIED", citizen.ReasonCheckFailed)
	})

	t.Run("malformed requests", func(t *testing.T) {
		e := e.sub(t)
		for _, tc := range []struct {
			body      string
			reason    string
			violation string
		}{
			{`{"nik":"123","kkNumber":"` + kk + `"}`, citizen.ReasonInvalidCheck, "nik:NIK_INVALID"},
			{`{"nik":"` + head + `"}`, citizen.ReasonInvalidCheck, "kkNumber:FACTOR_REQUIRED"},
			{`{"nik":"` + head + `","kkNumber":"` + kk + `","birthDate":"1960-01-01"}`, citizen.ReasonInvalidCheck, "birthDate:FACTOR_AMBIGUOUS"},
			{`{"nik":"` + head + `","kkNumber":"12ab"}`, citizen.ReasonInvalidCheck, "kkNumber:KK_NUMBER_INVALID"},
			{`{"nik":"` + head + `","birthDate":"10-10-1956"}`, citizen.ReasonInvalidCheck, "birthDate:BIRTH_DATE_INVALID"},
			{`{"nik":"` + head + `","kkNumber":"` + kk + `","lang":"fr"}`, citizen.ReasonInvalidCheck, "lang:LANG_UNSUPPORTED"},
			{`{"nik":"` + head + `","kkNumber":"` + kk + `","pin":"1"}`, citizen.ReasonMalformedBody, ""},
			{`nik=` + head, citizen.ReasonMalformedBody, ""},
		} {
			r := e.check(tc.body)
			a := e.wantError(r, http.StatusBadRequest, "INVALID_ARGUMENT", tc.reason)
			if tc.violation != "" {
				e.wantViolation(a, tc.violation)
			}
			if strings.Contains(string(r.body), head) {
				t.Errorf("the error echoes the NIK: %s", r.body)
			}
		}
		if r := e.do(http.MethodGet, citizen.CheckPath, nil, "Authorization", ""); r.status != http.StatusMethodNotAllowed {
			t.Errorf("GET on the check: %v", r)
		}
	})

	t.Run("the session files an objection and follows it", func(t *testing.T) {
		e := e.sub(t)
		as := withSession(session)
		var submitted struct {
			Case struct {
				Name, State, Reporter string
			} `json:"case"`
		}
		e.okJSON(e.do(http.MethodPost, "/v1/cases", strings.NewReader(`{"caseType":"CASE_TYPE_EXCLUSION_OBJECTION",`+
			`"family":"families/`+kk+`","description":"kami masih layak menerima PKH"}`), as...), &submitted)
		if submitted.Case.State != "CASE_STATE_SUBMITTED" || submitted.Case.Reporter != subject {
			t.Fatalf("submitted %+v, want reported by %s", submitted.Case, subject)
		}
		var got struct{ Name, State, Reporter string }
		e.okJSON(e.do(http.MethodGet, "/v1/"+submitted.Case.Name, nil, as...), &got)
		if got.Name != submitted.Case.Name || got.Reporter != subject {
			t.Errorf("GET the case: %+v", got)
		}
		var list struct {
			Cases []struct{ Name, Reporter string } `json:"cases"`
		}
		e.okJSON(e.do(http.MethodGet, "/v1/cases", nil, as...), &list)
		if len(list.Cases) != 1 || list.Cases[0].Name != submitted.Case.Name {
			t.Errorf("the citizen's cases: %+v", list.Cases)
		}
		// The pseudonym is stable: a later session of the same citizen
		// follows the same cases.
		list.Cases = nil
		e.okJSON(e.do(http.MethodGet, "/v1/cases", nil, withSession(e.newSession(head))...), &list)
		if len(list.Cases) != 1 {
			t.Errorf("a later session of the same citizen sees %d cases", len(list.Cases))
		}

		e.ok(e.do(http.MethodGet, "/v1/families/"+kk+"/score", nil, as...))
		r := e.do(http.MethodGet, "/v1/families/"+other.GetKkNumber()+"/score", nil, as...)
		e.wantError(r, http.StatusForbidden, "PERMISSION_DENIED", auth.ReasonNotOwnFamily)
		r = e.do(http.MethodGet, "/v1/families/"+other.GetKkNumber(), nil, as...)
		e.wantError(r, http.StatusForbidden, "PERMISSION_DENIED", auth.ReasonNotOwnFamily)
		r = e.do(http.MethodGet, "/v1/families", nil, as...)
		e.wantError(r, http.StatusForbidden, "PERMISSION_DENIED", auth.ReasonRoleNotAllowed)
		// Another citizen's session sees none of these cases.
		list.Cases = nil
		e.okJSON(e.do(http.MethodGet, "/v1/cases", nil, withSession(e.newSession(other.GetHeadNik()))...), &list)
		if len(list.Cases) != 0 {
			t.Errorf("another citizen lists %+v", list.Cases)
		}
		r = e.do(http.MethodGet, "/v1/"+submitted.Case.Name, nil, withSession(e.newSession(other.GetHeadNik()))...)
		e.wantError(r, http.StatusNotFound, "NOT_FOUND", "CASE_NOT_FOUND")
	})

	t.Run("a tampered or expired session is refused", func(t *testing.T) {
		e := e.sub(t)
		expired, _ := e.sessions.IssueAt(head, time.Now().Add(-31*time.Minute))
		foreign, err := citizen.NewSessions([]byte("another key, another gateway....."))
		if err != nil {
			t.Fatal(err)
		}
		otherKey, _ := foreign.Issue(head)
		sealed := []byte(strings.TrimPrefix(session, citizen.TokenPrefix))
		flipped := append([]byte(nil), sealed...)
		flipped[len(flipped)/2] ^= 1 // still base64, no longer the sealed payload
		swapped, _ := e.sessions.Issue(other.GetHeadNik())
		for _, tc := range []struct{ name, token, reason string }{
			{"expired", expired, auth.ReasonTokenExpired},
			{"another key", otherKey, auth.ReasonTokenInvalid},
			{"a flipped byte", citizen.TokenPrefix + string(flipped), auth.ReasonTokenInvalid},
			{"another citizen's tail", citizen.TokenPrefix + string(sealed[:40]) + strings.TrimPrefix(swapped, citizen.TokenPrefix)[40:], auth.ReasonTokenInvalid},
			{"truncated", citizen.TokenPrefix + string(sealed[:len(sealed)-8]), auth.ReasonTokenInvalid},
			{"garbage", citizen.TokenPrefix + "x.y", auth.ReasonTokenInvalid},
		} {
			r := e.do(http.MethodGet, "/v1/families/"+kk+"/score", nil, withSession(tc.token)...)
			e.wantError(r, http.StatusUnauthorized, "UNAUTHENTICATED", tc.reason)
		}
	})

	t.Run("the services audit the citizen, by pseudonym", func(t *testing.T) {
		e := e.sub(t)
		records := map[string]bool{}
		for _, ev := range auditEvents(e.env, "registry", subject) {
			// The actor is the gateway's own workload, acting for the citizen.
			if actor, _ := ev["actor"].(string); ev["role"] != "citizen" || ev["purpose"] != "self_service" || actor == "" || actor == subject {
				t.Errorf("registry event %v", ev)
			}
			records[ev["record"].(string)] = true
		}
		if !records["persons/"+head] || !records["families/"+kk] {
			t.Errorf("the registry's events for %s: %v", subject, records)
		}
		if len(auditEvents(e.env, "scoring", subject)) == 0 {
			t.Errorf("scoring recorded no read by %s", subject)
		}
		if strings.Contains(subject, head) {
			t.Errorf("the pseudonym %q carries the NIK", subject)
		}
	})

	t.Run("delegation from anyone but the gateway is refused", func(t *testing.T) {
		e := e.sub(t)
		// Over gRPC, straight to the registry, with an administrator's token.
		reg := registryv1.NewRegistryServiceClient(authtest.Dial(t, e.registry.Addr, e.auth.Token(t, authtest.Admin())))
		ctx := auth.ActAsCitizen(t.Context(), head, subject)
		_, err := reg.GetPerson(ctx, &registryv1.GetPersonRequest{Name: "persons/" + head})
		if status.Code(err) != codes.PermissionDenied || apierror.ReasonOf(err) != auth.ReasonDelegationNotAllowed {
			t.Errorf("an administrator delegating: %v", err)
		}
		// Nor with the header over REST: the gateway does not forward it.
		r := e.do(http.MethodGet, "/v1/families/"+other.GetKkNumber(), nil,
			"Authorization", "Bearer "+e.auth.Token(t, authtest.Citizen(head)), "X-Dtsen-Citizen-Nik", other.GetHeadNik(),
			"X-Dtsen-Citizen-Subject", e.sessions.Pseudonym(other.GetHeadNik()))
		e.wantError(r, http.StatusForbidden, "PERMISSION_DENIED", auth.ReasonNotOwnFamily)
		// The gateway's own token with the metadata is what works.
		ctx = metadata.AppendToOutgoingContext(t.Context(), auth.AuthorizationHeader,
			"Bearer "+e.auth.Token(t, authtest.Gateway()))
		if _, err := reg.GetPerson(auth.ActAsCitizen(ctx, head, subject), &registryv1.GetPersonRequest{Name: "persons/" + head}); err != nil {
			t.Errorf("the gateway delegating: %v", err)
		}
	})
}

// newSession checks nik with its KK number and returns the session.
func (c *citizenEnv) newSession(nik string) string {
	c.t.Helper()
	for _, f := range c.fams {
		for _, m := range f.GetMembers() {
			if m.GetNik() == nik {
				return c.checked(c.check(map[string]string{"nik": nik, "kkNumber": f.GetKkNumber()})).Session.Token
			}
		}
	}
	c.t.Fatalf("no family holds %s", nik)
	return ""
}

// TestCitizenCheckRateLimits: failed checks are limited per NIK and per IP,
// and a spent budget refuses even the right factor.
func TestCitizenCheckRateLimits(t *testing.T) {
	e := newCitizenEnv(t, citizenEnvOptions{floor: -1, redis: true, limits: citizen.Limits{
		FailuresPerNIK: ratelimit.Limit{Requests: 3, Per: time.Hour},
		FailuresPerIP:  ratelimit.Limit{Requests: 5, Per: time.Hour},
		ChecksPerIP:    ratelimit.Limit{Requests: 1000, Per: time.Minute},
	}})
	a, b, c, d := e.fams[0], e.fams[1], e.fams[2], e.fams[3]
	wrong := func(f *registryv1.Family) map[string]string {
		return map[string]string{"nik": f.GetHeadNik(), "kkNumber": e.fams[5].GetKkNumber()}
	}
	right := func(f *registryv1.Family) map[string]string {
		return map[string]string{"nik": f.GetHeadNik(), "kkNumber": f.GetKkNumber()}
	}
	limited := func(r response, scope string) {
		t.Helper()
		a := e.wantError(r, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", ratelimit.ReasonRateLimited)
		if a.detail(typeErrorInfo)["metadata"].(map[string]any)["scope"] != scope || r.header.Get("Retry-After") == "" {
			t.Errorf("want scope %s and Retry-After: %v %v", scope, r.header, string(r.body))
		}
	}
	e.checked(e.check(right(a)))
	for range 3 {
		e.wantError(e.check(wrong(a)), http.StatusForbidden, "PERMISSION_DENIED", citizen.ReasonCheckFailed)
	}
	// The NIK's failures are spent: even its right factor is refused now.
	limited(e.check(right(a)), ratelimit.ScopeNIK)
	limited(e.check(wrong(a)), ratelimit.ScopeNIK)
	// Other NIKs still pass until this address has failed five times.
	e.wantError(e.check(wrong(b)), http.StatusForbidden, "PERMISSION_DENIED", citizen.ReasonCheckFailed)
	e.checked(e.check(right(c)))
	e.wantError(e.check(wrong(c)), http.StatusForbidden, "PERMISSION_DENIED", citizen.ReasonCheckFailed)
	limited(e.check(right(d)), ratelimit.ScopeIP)
}

// TestCitizenCheckDegrades: without scoring and grievance the check still
// answers, with those sections null and named; a deceased person's NIK
// fails like an unknown one; a gateway without its own credentials does
// not serve citizens at all.
func TestCitizenCheckDegrades(t *testing.T) {
	t.Run("registry only", func(t *testing.T) {
		e := newCitizenEnv(t, citizenEnvOptions{redis: true})
		f := e.fams[1]
		res := e.checked(e.check(map[string]string{"nik": f.GetHeadNik(), "kkNumber": f.GetKkNumber()}))
		want := []string{citizen.SectionScore, citizen.SectionEligibility, citizen.SectionNotices, citizen.SectionCases}
		if res.Family == nil || res.Score != nil || res.Eligibility != nil || res.Notices != nil || res.Cases != nil ||
			!slices.Equal(res.Unavailable, want) {
			t.Errorf("degraded check: %+v", res)
		}
		// A degraded status is not cached: the next check asks again.
		time.Sleep(1100 * time.Millisecond)
		if again := e.checked(e.check(map[string]string{"nik": f.GetHeadNik(), "kkNumber": f.GetKkNumber()})); again.AsOf.Equal(res.AsOf) {
			t.Errorf("a degraded status was served from the cache")
		}
		// Redis holds rate-limit buckets, keyed by HMACs; never a NIK.
		keys, err := e.redis.Keys(t.Context(), "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if strings.Contains(k, f.GetHeadNik()) {
				t.Errorf("a Redis key names the NIK: %s", k)
			}
		}
		// A deceased member: the same answer as any failure, and it takes
		// the failure floor.
		dead := f.GetMembers()[len(f.GetMembers())-1]
		if _, err := e.registry.Client.RecordDeath(t.Context(), &registryv1.RecordDeathRequest{Name: "persons/" + dead.GetNik(),
			DeathDate: time.Now().AddDate(0, 0, -1).Format(time.DateOnly)}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		e.wantError(e.check(map[string]string{"nik": dead.GetNik(), "kkNumber": f.GetKkNumber()}),
			http.StatusForbidden, "PERMISSION_DENIED", citizen.ReasonCheckFailed)
		if took := time.Since(start); took < citizen.DefaultFailureFloor {
			t.Errorf("a failed check answered after %v, before the floor", took)
		}
	})
	t.Run("a workload client that may not delegate", func(t *testing.T) {
		e := newCitizenEnv(t, citizenEnvOptions{workload: "scoring"})
		f := e.fams[1]
		e.wantError(e.check(map[string]string{"nik": f.GetHeadNik(), "kkNumber": f.GetKkNumber()}),
			http.StatusServiceUnavailable, "UNAVAILABLE", citizen.ReasonSelfServiceUnavailable)
	})
	t.Run("no workload credentials", func(t *testing.T) {
		e := newCitizenEnv(t, citizenEnvOptions{noCredentials: true})
		f := e.fams[1]
		e.wantError(e.check(map[string]string{"nik": f.GetHeadNik(), "kkNumber": f.GetKkNumber()}),
			http.StatusServiceUnavailable, "UNAVAILABLE", citizen.ReasonSelfServiceUnavailable)
		tok, _ := e.sessions.Issue(f.GetHeadNik())
		e.wantError(e.do(http.MethodGet, "/v1/families/"+f.GetKkNumber(), nil, withSession(tok)...),
			http.StatusUnauthorized, "UNAUTHENTICATED", auth.ReasonTokenInvalid)
	})
}
