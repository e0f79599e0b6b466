package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/config"
)

// Domain of the errors this package raises.
const Domain = "dtsen.go.id"

// Reasons of authentication failures (UNAUTHENTICATED) and issuer outages.
const (
	ReasonTokenMissing       = "TOKEN_MISSING"
	ReasonTokenExpired       = "TOKEN_EXPIRED"
	ReasonTokenInvalid       = "TOKEN_INVALID"
	ReasonTokenClaims        = "TOKEN_CLAIMS_INVALID"
	ReasonIssuerUnavailable  = "AUTH_ISSUER_UNAVAILABLE"
	defaultAudience          = "dtsen"
	defaultKeyRefresh        = 10 * time.Minute
	discoveryRetryAfterError = 5 * time.Second
)

// SigningAlgorithms are the only JWS algorithms accepted: RS256 and ES256.
// "none" and the HMAC family are refused whatever the token header says.
var SigningAlgorithms = []string{oidc.RS256, oidc.ES256}

// Config names the token issuer.
type Config struct {
	// Issuer is the OIDC issuer URL; tokens must carry it as iss.
	Issuer string
	// Audience must appear in the token's aud.
	Audience string
	// JWKSURL overrides the jwks_uri from discovery, for an issuer reached
	// at a different address inside the cluster.
	JWKSURL string
	// TokenURL overrides the token_endpoint from discovery.
	TokenURL string
	// KeyRefresh bounds how long fetched keys are trusted. An unknown key id
	// refetches at once (a new key is used the moment the issuer publishes
	// it); a key the issuer withdrew stops verifying within KeyRefresh.
	KeyRefresh time.Duration
	// HTTPClient fetches discovery and keys; nil means a 10-second client.
	HTTPClient *http.Client
}

// RegisterConfig declares the shared DTSEN_AUTH_* variables on s.
func RegisterConfig(s *config.Set) *Config {
	c := &Config{}
	s.StringVar(&c.Issuer, "DTSEN_AUTH_ISSUER", "",
		"OIDC issuer URL whose signed tokens callers present (required; make run starts a development issuer)")
	s.StringVar(&c.Audience, "DTSEN_AUTH_AUDIENCE", defaultAudience, "audience (aud) every token must name")
	s.StringVar(&c.JWKSURL, "DTSEN_AUTH_JWKS_URL", "", "JWKS URL; empty uses the issuer's discovery document")
	s.StringVar(&c.TokenURL, "DTSEN_AUTH_TOKEN_URL", "", "OAuth2 token endpoint for this workload's own token; empty uses discovery")
	s.DurationVar(&c.KeyRefresh, "DTSEN_AUTH_KEY_REFRESH", defaultKeyRefresh,
		"how long fetched signing keys are trusted before they are fetched again")
	return c
}

// Claims are the token claims DTSEN reads beyond the registered ones.
type Claims struct {
	Subject  string   `json:"sub"`
	Role     Role     `json:"dtsen_role"`
	Region   string   `json:"dtsen_region,omitempty"`
	NIK      string   `json:"dtsen_nik,omitempty"`
	Agencies []string `json:"dtsen_agencies,omitempty"`
	Purposes []string `json:"dtsen_purposes,omitempty"`
	// Delegates are the principals a workload may act for; ["citizen"]
	// lets it send the citizen delegation metadata (ADR 0009).
	Delegates []string `json:"dtsen_delegates,omitempty"`
}

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	client *http.Client

	mu        sync.Mutex
	discovery *discovery
	discErr   time.Time // when discovery last failed, to back off
	keys      *oidc.RemoteKeySet
	keysSince time.Time

	// verified remembers tokens whose signature and claims were checked, so
	// a caller's repeated requests do not each pay an ECDSA verification
	// (a third of a cached family read's CPU). An entry lives until the
	// token expires or KeyRefresh passes, whichever is first: a withdrawn
	// key stops verifying within KeyRefresh, as without the memo.
	vmu      sync.Mutex
	verified map[[32]byte]verifiedToken
}

type verifiedToken struct {
	p       Principal
	expires time.Time
}

// maxVerified bounds the memo; when full it starts over, which only costs
// verifications.
const maxVerified = 50_000

type discovery struct {
	JWKSURI       string `json:"jwks_uri"`
	TokenEndpoint string `json:"token_endpoint"`
}

// NewVerifier returns a verifier of cfg's issuer. Nothing is fetched until
// the first token arrives, so services start even while the issuer is down.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("auth: DTSEN_AUTH_ISSUER is required: the URL of the OIDC issuer whose tokens callers present")
	}
	if cfg.Audience == "" {
		cfg.Audience = defaultAudience
	}
	if cfg.KeyRefresh <= 0 {
		cfg.KeyRefresh = defaultKeyRefresh
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Verifier{cfg: cfg, client: client}, nil
}

// Config returns the verifier's configuration.
func (v *Verifier) Config() Config { return v.cfg }

// Verify checks raw (without "Bearer ") and returns its principal, or an
// UNAUTHENTICATED error whose reason says what was wrong.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Principal, error) {
	if raw == "" {
		return nil, unauthenticated(ReasonTokenMissing, "a bearer token is required", "token bearer wajib disertakan")
	}
	sum := sha256.Sum256([]byte(raw))
	if p, ok := v.remembered(sum); ok {
		p.Token = raw
		return p, nil
	}
	keys, err := v.keySet(ctx)
	if err != nil {
		return nil, err
	}
	verifier := oidc.NewVerifier(v.cfg.Issuer, keys, &oidc.Config{
		ClientID:             v.cfg.Audience,
		SupportedSigningAlgs: SigningAlgorithms,
	})
	tok, err := verifier.Verify(oidc.ClientContext(ctx, v.client), raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return nil, unauthenticated(ReasonTokenExpired, "the token has expired", "token sudah kedaluwarsa")
		}
		return nil, unauthenticated(ReasonTokenInvalid, "the token is not valid here", "token tidak sah")
	}
	var c Claims
	if err := tok.Claims(&c); err != nil {
		return nil, unauthenticated(ReasonTokenClaims, "the token's claims cannot be read", "klaim token tidak dapat dibaca")
	}
	p := &Principal{Subject: c.Subject, Role: c.Role, Region: c.Region, NIK: c.NIK,
		Agencies: c.Agencies, Purposes: c.Purposes, Delegates: c.Delegates, Token: raw}
	if err := checkClaims(p); err != nil {
		return nil, err
	}
	v.remember(sum, p, tok.Expiry)
	return p, nil
}

func (v *Verifier) remembered(sum [32]byte) (*Principal, bool) {
	v.vmu.Lock()
	defer v.vmu.Unlock()
	e, ok := v.verified[sum]
	if !ok || !time.Now().Before(e.expires) {
		return nil, false
	}
	p := e.p // a copy: handlers set Purpose on theirs
	return &p, true
}

func (v *Verifier) remember(sum [32]byte, p *Principal, expiry time.Time) {
	until := time.Now().Add(v.cfg.KeyRefresh)
	if !expiry.IsZero() && expiry.Before(until) {
		until = expiry
	}
	v.vmu.Lock()
	defer v.vmu.Unlock()
	if v.verified == nil || len(v.verified) >= maxVerified {
		v.verified = make(map[[32]byte]verifiedToken)
	}
	e := verifiedToken{p: *p, expires: until}
	e.p.Token = ""
	v.verified[sum] = e
}

// checkClaims refuses a token whose role cannot be enforced: a region-bound
// role without a region, a citizen without a NIK. Such a token is an issuer
// misconfiguration, and failing closed is the only safe reading.
func checkClaims(p *Principal) error {
	bad := func(en, id string) error { return unauthenticated(ReasonTokenClaims, en, id) }
	switch {
	case p.Subject == "":
		return bad("the token has no subject", "token tidak memiliki subjek")
	case !p.Role.Known():
		return bad("the token's role is not a DTSEN role", "peran pada token tidak dikenal")
	case p.Role.RegionBound() && !validRegion(p.Region):
		return bad("the token's role needs a region code", "peran pada token memerlukan kode wilayah")
	case p.Role == RoleCitizen && len(p.NIK) != 16:
		return bad("a citizen token must name one NIK", "token warga harus memuat satu NIK")
	case p.Role == RoleIntegrationClient && len(p.Purposes) == 0:
		return bad("an integration client must declare its purposes", "klien integrasi harus menyatakan tujuan penggunaan")
	}
	return nil
}

func validRegion(code string) bool {
	parts := strings.Split(code, ".")
	if len(parts) > 4 {
		return false
	}
	for i, part := range parts {
		want := 2
		if i == 3 {
			want = 4
		}
		if len(part) != want || strings.Trim(part, "0123456789") != "" {
			return false
		}
	}
	return true
}

// keySet returns the issuer's keys, rediscovering and refetching once
// KeyRefresh has passed so a withdrawn key stops verifying.
func (v *Verifier) keySet(ctx context.Context) (*oidc.RemoteKeySet, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys != nil && time.Since(v.keysSince) < v.cfg.KeyRefresh {
		return v.keys, nil
	}
	jwks := v.cfg.JWKSURL
	if jwks == "" {
		d, err := v.discoverLocked(ctx)
		if err != nil {
			return nil, err
		}
		jwks = d.JWKSURI
	}
	// The key set fetches lazily with its own context; it must outlive this
	// request, and carry our HTTP client.
	v.keys = oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), v.client), jwks)
	v.keysSince = time.Now()
	return v.keys, nil
}

// TokenURL is the issuer's token endpoint (configured or discovered).
func (v *Verifier) TokenURL(ctx context.Context) (string, error) {
	if v.cfg.TokenURL != "" {
		return v.cfg.TokenURL, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	d, err := v.discoverLocked(ctx)
	if err != nil {
		return "", err
	}
	return d.TokenEndpoint, nil
}

func (v *Verifier) discoverLocked(ctx context.Context) (*discovery, error) {
	if v.discovery != nil {
		return v.discovery, nil
	}
	if !v.discErr.IsZero() && time.Since(v.discErr) < discoveryRetryAfterError {
		return nil, issuerUnavailable()
	}
	d, err := v.discover(ctx)
	if err != nil {
		v.discErr = time.Now()
		return nil, issuerUnavailable()
	}
	v.discErr = time.Time{}
	v.discovery = d
	return d, nil
}

func (v *Verifier) discover(ctx context.Context) (*discovery, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	url := strings.TrimSuffix(v.cfg.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth: discovery %s: %s", url, resp.Status)
	}
	var d discovery
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return nil, fmt.Errorf("auth: discovery %s: %w", url, err)
	}
	if d.JWKSURI == "" {
		return nil, fmt.Errorf("auth: discovery %s names no jwks_uri", url)
	}
	return &d, nil
}

func unauthenticated(reason, en, id string) error {
	return apierror.New(codes.Unauthenticated, Domain, reason).Message(en, id).Err()
}

func issuerUnavailable() error {
	return apierror.New(codes.Unavailable, Domain, ReasonIssuerUnavailable).
		Message("the token issuer cannot be reached; try again shortly",
			"penerbit token tidak dapat dihubungi; coba lagi sebentar lagi").Err()
}
