// Package citizen is citizen self-service ("Cek DTSEN", ADR 0009): the
// anonymous status check POST /v1/citizen:check, which verifies a NIK and a
// second factor against the registry and answers with the family's status
// and a short-lived session token, and the verification of those session
// tokens when they come back as bearer tokens.
//
// The gateway never decides what a citizen may see. It calls the services
// with its own workload token and the delegation metadata
// (auth.CitizenNIKHeader, auth.CitizenSubjectHeader); each service turns that
// into a citizen principal and applies its ordinary citizen rules, and audits
// the read under the citizen's pseudonym.
package citizen

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/ratelimit"

	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// CheckPath is the route of the status check.
const CheckPath = "/v1/citizen:check"

// Domain is the ErrorInfo domain of the errors this package raises: the
// gateway's own (server.ErrorDomain).
const Domain = "gateway.dtsen.go.id"

// Reasons of the check's errors.
const (
	// ReasonCheckFailed: the NIK is unknown, the person has died, or the
	// second factor is wrong; the three are indistinguishable on purpose.
	ReasonCheckFailed = "CHECK_FAILED"
	// ReasonInvalidCheck: the request is malformed (field violations say
	// which field).
	ReasonInvalidCheck = "CHECK_REQUEST_INVALID"
	// ReasonMalformedBody: the body is not the check's JSON.
	ReasonMalformedBody = "MALFORMED_REQUEST_BODY"
	// ReasonSelfServiceUnavailable: this gateway has no workload
	// credentials, so it cannot act for citizens.
	ReasonSelfServiceUnavailable = "SELF_SERVICE_UNAVAILABLE"
)

// Limits are the check's own budgets, on top of the gateway's per-IP budget
// (every request) and per-NIK budget (every check of a NIK, like every
// lookup of it). Failures are counted after the fact; a check is refused
// while a failure budget is spent, even with the right factor, or a guesser
// would learn which guess was right from the 200.
type Limits struct {
	// FailuresPerNIK bounds wrong guesses about one NIK, from anywhere.
	FailuresPerNIK ratelimit.Limit
	// FailuresPerIP bounds failed checks from one address (an IPv6 /64).
	FailuresPerIP ratelimit.Limit
	// ChecksPerIP bounds all checks from one address; generous, because
	// citizens on mobile networks share carrier-grade NAT.
	ChecksPerIP ratelimit.Limit
}

// DefaultLimits: five wrong guesses a NIK in 15 minutes, thirty failures and
// 120 checks a minute from one address.
var DefaultLimits = Limits{
	FailuresPerNIK: ratelimit.Limit{Requests: 5, Per: 15 * time.Minute},
	FailuresPerIP:  ratelimit.Limit{Requests: 30, Per: 15 * time.Minute},
	ChecksPerIP:    ratelimit.Limit{Requests: 120, Per: time.Minute},
}

// DefaultFailureFloor is the least time a failed check takes, so that an
// unknown NIK (refused by the registry at once) and a wrong factor (read and
// audited first) answer after the same time.
const DefaultFailureFloor = 300 * time.Millisecond

// Config configures the self-service.
type Config struct {
	// Sessions signs session tokens and derives pseudonyms. Required.
	Sessions *Sessions
	// Tokens are the gateway's own workload tokens (client credentials of
	// a client registered with dtsen_delegates ["citizen"]). Nil turns
	// self-service off: the check answers 503 and session tokens are
	// refused.
	Tokens oauth2.TokenSource
	// Actor names the gateway's workload in its own principals (the
	// services record the subject of its token).
	Actor string

	// Registry is required; Scoring and Grievance are optional, their
	// sections then reported unavailable.
	Registry, Scoring, Grievance grpc.ClientConnInterface

	// Limiter is the gateway's limiter (shared through Redis); Limits are
	// the check's budgets (zero: DefaultLimits) and PerNIK the gateway's
	// per-NIK budget, which every check of a NIK spends too.
	Limiter  *ratelimit.Limiter
	Limits   Limits
	PerNIK   ratelimit.Limit
	ClientIP func(*http.Request) string

	// Redis shares the status cache between replicas under RedisPrefix;
	// nil keeps it in process. CacheTTL 0 is DefaultCacheTTL.
	Redis       *redis.Client
	RedisPrefix string
	CacheTTL    time.Duration

	// FailureFloor 0 is DefaultFailureFloor; negative disables it.
	FailureFloor time.Duration

	Logger *slog.Logger
	// RequestID returns the gateway's request id, sent as x-request-id.
	RequestID func(context.Context) string
	// WriteError writes err as the gateway's JSON error body.
	WriteError func(http.ResponseWriter, *http.Request, error)
}

// Service serves the check and verifies session tokens.
type Service struct {
	cfg   Config
	cache *statusCache
}

// New returns the self-service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Sessions == nil:
		return nil, errors.New("citizen: Config.Sessions is required")
	case cfg.Registry == nil:
		return nil, errors.New("citizen: Config.Registry is required")
	case cfg.WriteError == nil:
		return nil, errors.New("citizen: Config.WriteError is required")
	}
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.New(nil, "gateway", cfg.Logger)
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = ratelimit.RemoteIP(nil)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.FailureFloor == 0 {
		cfg.FailureFloor = DefaultFailureFloor
	}
	if cfg.Actor == "" {
		cfg.Actor = "dtsen-gateway"
	}
	return &Service{cfg: cfg, cache: newStatusCache(cfg.Redis, cfg.RedisPrefix, cfg.CacheTTL, cfg.Logger)}, nil
}

// Enabled reports whether the gateway can act for citizens.
func (s *Service) Enabled() bool { return s != nil && s.cfg.Tokens != nil }

// Authenticate verifies a session token and returns the citizen principal
// its request acts as: the citizen's NIK and pseudonym, with the gateway's
// own token to present upstream together with the delegation
// (auth.OutgoingMetadata). The session token itself never leaves the
// gateway.
func (s *Service) Authenticate(raw string) (*auth.Principal, error) {
	if !s.Enabled() {
		return nil, apierror.New(codes.Unauthenticated, auth.Domain, auth.ReasonTokenInvalid).
			Message("this gateway does not serve citizen sessions", "gateway ini tidak melayani sesi warga").Err()
	}
	sess, err := s.cfg.Sessions.Verify(raw)
	if err != nil {
		return nil, err
	}
	return s.principal(sess.NIK, sess.Subject)
}

// principal is the citizen nik (known as subject) acted for by the gateway.
func (s *Service) principal(nik, subject string) (*auth.Principal, error) {
	tok, err := s.cfg.Tokens.Token()
	if err != nil {
		return nil, apierror.New(codes.Unavailable, auth.Domain, auth.ReasonIssuerUnavailable).
			Message("the gateway cannot obtain its own token from the issuer; try again shortly",
				"gateway tidak dapat memperoleh tokennya dari penerbit; coba lagi sebentar lagi").Err()
	}
	return auth.DelegatedCitizen(&auth.Principal{Subject: s.cfg.Actor, Token: tok.AccessToken}, nik, subject), nil
}

// delegated returns ctx carrying the citizen principal (for the gateway's
// method check) and, outgoing, the gateway's token with the delegation.
func (s *Service) delegated(ctx context.Context, nik, subject string) (context.Context, error) {
	p, err := s.principal(nik, subject)
	if err != nil {
		return nil, err
	}
	md := auth.OutgoingMetadata(p)
	if s.cfg.RequestID != nil {
		if id := s.cfg.RequestID(ctx); id != "" {
			md.Set("x-request-id", id)
		}
	}
	return metadata.NewOutgoingContext(auth.WithPrincipal(ctx, p), md), nil
}

// CheckRequest is the body of POST /v1/citizen:check: the NIK and exactly
// one second factor.
type CheckRequest struct {
	NIK       string `json:"nik"`
	KKNumber  string `json:"kkNumber,omitempty"`
	BirthDate string `json:"birthDate,omitempty"`
	// Lang is "id" (default) or "en": the language of the texts.
	Lang string `json:"lang,omitempty"`
}

// factor is the second factor a request names: its kind and value.
func (r CheckRequest) factor() (kind, value string) {
	if r.KKNumber != "" {
		return factorKK, r.KKNumber
	}
	return factorBirthDate, r.BirthDate
}

const (
	factorKK        = "kk"
	factorBirthDate = "birthDate"
)

func (r CheckRequest) validate() error {
	e := apierror.New(codes.InvalidArgument, Domain, ReasonInvalidCheck).
		Message("the check needs a 16-digit NIK and either the 16-digit KK number or the birth date (YYYY-MM-DD)",
			"pemeriksaan memerlukan NIK 16 digit dan salah satu dari nomor KK 16 digit atau tanggal lahir (TTTT-BB-HH)")
	bad := false
	field := func(name, reason, desc string) { e.Field(name, reason, desc); bad = true }
	if !validNIK(r.NIK) {
		field("nik", "NIK_INVALID", "the NIK is 16 digits")
	}
	switch {
	case r.KKNumber == "" && r.BirthDate == "":
		field("kkNumber", "FACTOR_REQUIRED", "give the KK number or the birth date")
	case r.KKNumber != "" && r.BirthDate != "":
		field("birthDate", "FACTOR_AMBIGUOUS", "give the KK number or the birth date, not both")
	case r.KKNumber != "" && !regdomain.IsDigits(r.KKNumber, 16):
		field("kkNumber", "KK_NUMBER_INVALID", "the KK number is 16 digits")
	case r.BirthDate != "" && !validBirthDate(r.BirthDate):
		field("birthDate", "BIRTH_DATE_INVALID", "the birth date is YYYY-MM-DD")
	}
	if r.Lang != "" && r.Lang != "id" && r.Lang != "en" {
		field("lang", "LANG_UNSUPPORTED", `lang is "id" or "en"`)
	}
	if bad {
		return e.Err()
	}
	return nil
}

func validBirthDate(s string) bool {
	d, err := time.Parse(time.DateOnly, s)
	return err == nil && d.Year() >= 1850 && !d.After(time.Now())
}

func decodeCheck(r *http.Request) (CheckRequest, error) {
	var req CheckRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return req, err // the gateway answers 413
		}
		return req, apierror.New(codes.InvalidArgument, Domain, ReasonMalformedBody).
			Message("malformed request body: "+err.Error(), "Isi permintaan bukan JSON yang valid untuk operasi ini.").Err()
	}
	return req, nil
}

// ServeHTTP answers POST /v1/citizen:check.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !s.Enabled() {
		s.cfg.WriteError(w, r, unavailable())
		return
	}
	req, err := decodeCheck(r)
	if err == nil {
		err = req.validate()
	}
	if err != nil {
		s.cfg.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	ip := s.cfg.ClientIP(r)
	if !s.allow(w, r, ip, req.NIK) {
		return
	}
	subject := s.cfg.Sessions.Pseudonym(req.NIK)
	kind, value := req.factor()
	digest := s.cfg.Sessions.factorDigest(kind, value)

	// The cache answers only the right factor; anything else goes to the
	// registry exactly as an unknown NIK does.
	if b, ok := s.cache.get(ctx, subject); ok {
		var snap snapshot
		if json.Unmarshal(b, &snap) == nil && snap.matches(kind, digest) {
			s.succeed(w, r, req, &snap)
			return
		}
	}

	dctx, err := s.delegated(ctx, req.NIK, subject)
	if err != nil {
		s.cfg.WriteError(w, r, err)
		return
	}
	person, err := registryv1.NewRegistryServiceClient(s.cfg.Registry).GetPerson(dctx,
		&registryv1.GetPersonRequest{Name: "persons/" + req.NIK})
	switch code, reason := status.Code(err), apierror.ReasonOf(err); {
	case code == codes.OK:
	case code == codes.Unauthenticated || reason == auth.ReasonDelegationNotAllowed || reason == auth.ReasonDelegationInvalid:
		// The registry does not take the gateway's delegation: a
		// misconfigured client (no dtsen_delegates), not the citizen's fault.
		s.cfg.Logger.ErrorContext(ctx, "citizen check: the registry refused the gateway's delegation; "+
			"its client needs dtsen_delegates [\"citizen\"] (docs/security.md)", slog.String("reason", reason))
		s.cfg.WriteError(w, r, unavailable())
		return
	case code == codes.PermissionDenied || code == codes.NotFound || code == codes.InvalidArgument:
		// An unknown NIK: to a citizen the registry answers NOT_OWN_FAMILY
		// for it, as for a family not theirs.
		s.fail(w, r, ip, req.NIK, start)
		return
	default:
		s.cfg.WriteError(w, r, err)
		return
	}
	if !alive(person) || !s.factorMatches(person, kind, digest) {
		s.fail(w, r, ip, req.NIK, start)
		return
	}
	snap, err := s.assemble(dctx, person)
	if err != nil {
		s.cfg.WriteError(w, r, err)
		return
	}
	if len(snap.Unavailable) == 0 {
		if b, err := json.Marshal(snap); err == nil {
			s.cache.put(ctx, subject, b)
		}
	}
	s.succeed(w, r, req, snap)
}

func alive(p *registryv1.Person) bool {
	return p.GetVitalStatus() != registryv1.VitalStatus_VITAL_STATUS_DECEASED && p.GetDeathDate() == ""
}

// factorDigests are the digests of the person's two factors.
func (s *Service) factorDigests(p *registryv1.Person) map[string]string {
	out := map[string]string{}
	if kk, ok := strings.CutPrefix(p.GetFamily(), "families/"); ok && kk != "" {
		out[factorKK] = s.cfg.Sessions.factorDigest(factorKK, kk)
	}
	if d := p.GetBirthDate(); d != "" {
		out[factorBirthDate] = s.cfg.Sessions.factorDigest(factorBirthDate, d)
	}
	return out
}

func (s *Service) factorMatches(p *registryv1.Person, kind, digest string) bool {
	want, ok := s.factorDigests(p)[kind]
	return ok && constantTimeEqual(want, digest)
}

// allow applies the check's budgets in one Redis round trip (all or
// nothing); it reports whether the check may go on and answers 429
// otherwise. The failure budgets are looked at, not spent: only failures
// spend them (fail). The gateway's per-NIK budget (the same bucket as
// /v1/persons/{nik}) also bounds a burst of parallel guesses, which all pass
// the look.
func (s *Service) allow(w http.ResponseWriter, r *http.Request, ip, nik string) bool {
	lim := s.cfg.Limits
	steps := []ratelimit.Step{{Key: failureNIKKey(nik), Limit: lim.FailuresPerNIK}}
	scopes := []string{ratelimit.ScopeNIK}
	if ip != "" {
		steps = append(steps,
			ratelimit.Step{Key: failureIPKey(ip), Limit: lim.FailuresPerIP},
			ratelimit.Step{Key: "citizen-check:ip:" + ip, Limit: lim.ChecksPerIP, Count: true})
		scopes = append(scopes, ratelimit.ScopeIP, ratelimit.ScopeIP)
	}
	steps = append(steps, ratelimit.Step{Key: ratelimit.ScopeNIK + ":" + nik, Limit: s.cfg.PerNIK, Count: true})
	scopes = append(scopes, ratelimit.ScopeNIK)
	if i, d := s.cfg.Limiter.AllowAll(r.Context(), steps...); i >= 0 {
		return s.refuse(w, r, scopes[i], d)
	}
	return true
}

func failureNIKKey(nik string) string { return "citizen-check-failure:nik:" + nik }
func failureIPKey(ip string) string   { return "citizen-check-failure:ip:" + ip }

func (s *Service) refuse(w http.ResponseWriter, r *http.Request, scope string, d ratelimit.Decision) bool {
	secs := max(int64((d.RetryAfter+time.Second-1)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	s.cfg.WriteError(w, r, apierror.New(codes.ResourceExhausted, auth.Domain, ratelimit.ReasonRateLimited).
		Message("too many requests; wait before trying again (see the Retry-After header)",
			"terlalu banyak permintaan; tunggu sebentar sebelum mencoba lagi").
		Meta("scope", scope).Err())
	return false
}

// fail counts a failed check and answers it, no earlier than the failure
// floor after the request began.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, ip, nik string, start time.Time) {
	ctx := r.Context()
	s.cfg.Limiter.Allow(ctx, failureNIKKey(nik), s.cfg.Limits.FailuresPerNIK)
	if ip != "" {
		s.cfg.Limiter.Allow(ctx, failureIPKey(ip), s.cfg.Limits.FailuresPerIP)
	}
	if wait := time.Until(start.Add(s.cfg.FailureFloor)); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	s.cfg.WriteError(w, r, CheckFailed())
}

func unavailable() error {
	return apierror.New(codes.Unavailable, Domain, ReasonSelfServiceUnavailable).
		Message("citizen self-service is not available on this gateway now",
			"layanan mandiri warga tidak tersedia pada gateway ini saat ini").Err()
}

// CheckFailed is the one answer to an unknown NIK, a deceased person and a
// wrong second factor alike.
func CheckFailed() error {
	return apierror.New(codes.PermissionDenied, Domain, ReasonCheckFailed).
		Message("the NIK and the second factor do not match our records; check them and try again",
			"NIK dan data kedua yang dimasukkan tidak cocok dengan data kami; periksa kembali lalu coba lagi").Err()
}

func (s *Service) succeed(w http.ResponseWriter, r *http.Request, req CheckRequest, snap *snapshot) {
	resp := snap.render(req.NIK, req.Lang, time.Now())
	tok, exp := s.cfg.Sessions.Issue(req.NIK)
	resp.Session = SessionInfo{Token: tok, ExpireTime: exp}
	b, err := json.Marshal(resp)
	if err != nil {
		s.cfg.WriteError(w, r, status.Error(codes.Internal, "cannot encode the status"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
