package citizen

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// Session tokens (ADR 0009): "cs1." + base64url(payload) + "." +
// base64url(HMAC-SHA256(key, "cs1." + base64url(payload))), the payload being
// {"nik", "sub", "exp"}. The gateway verifies them itself; they never reach a
// service, which would not accept them anyway.
const (
	// TokenPrefix marks a citizen session token among bearer tokens (a JWT
	// starts with "eyJ").
	TokenPrefix = "cs1."
	// SessionTTL is how long a session lasts after a successful check.
	SessionTTL = 30 * time.Minute
	// MinKeyBytes is the shortest session key accepted.
	MinKeyBytes = 32
	// maxTokenBytes bounds the work a forged token can cause; real ones are
	// about 130 bytes.
	maxTokenBytes = 512
	// pseudonymChars of base32 make the subject: 100 bits.
	pseudonymChars = 20
)

// Session is a verified session token.
type Session struct {
	NIK     string
	Subject string
	Expires time.Time
}

// Sessions issues and verifies session tokens and derives the citizens'
// pseudonyms, all with one key shared by every gateway replica.
type Sessions struct {
	key []byte
	now func() time.Time
}

// NewSessions returns Sessions keyed with key (at least MinKeyBytes).
func NewSessions(key []byte) (*Sessions, error) {
	if len(key) < MinKeyBytes {
		return nil, errors.New("citizen: the session key must be at least 32 bytes")
	}
	return &Sessions{key: append([]byte(nil), key...), now: time.Now}, nil
}

// RandomKey returns a fresh key, for a gateway started without one: its
// sessions and pseudonyms then die with the process.
func RandomKey() []byte {
	k := make([]byte, MinKeyBytes)
	_, _ = rand.Read(k) // crypto/rand.Read never fails on supported platforms
	return k
}

// IsSessionToken reports whether a bearer token is a session token (and so
// is verified here, not by the OIDC verifier).
func IsSessionToken(raw string) bool { return strings.HasPrefix(raw, TokenPrefix) }

func (s *Sessions) mac(data ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	for _, d := range data {
		m.Write([]byte(d))
	}
	return m.Sum(nil)
}

// Pseudonym is the citizen's stable subject: "citizen-" and the first 20
// base32 characters (lower case) of HMAC-SHA256(key, NIK). It reaches audit
// events and case histories in place of the NIK; without the key it cannot
// be traced back to one.
func (s *Sessions) Pseudonym(nik string) string {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(s.mac(nik))
	return "citizen-" + strings.ToLower(enc[:pseudonymChars])
}

// factorDigest keys a second factor for the status cache, which then never
// holds a birth date or a KK number in clear beside the NIK's pseudonym.
func (s *Sessions) factorDigest(kind, value string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("dtsen-factor:", kind, ":", value))
}

type sessionPayload struct {
	NIK     string `json:"nik"`
	Subject string `json:"sub"`
	Expires int64  `json:"exp"`
}

// Issue returns a new session token for nik and when it expires.
func (s *Sessions) Issue(nik string) (string, time.Time) { return s.IssueAt(nik, s.now()) }

// IssueAt is Issue as if it were at: tests use it to make expired tokens.
func (s *Sessions) IssueAt(nik string, at time.Time) (string, time.Time) {
	exp := at.Add(SessionTTL).UTC().Truncate(time.Second)
	b, _ := json.Marshal(sessionPayload{NIK: nik, Subject: s.Pseudonym(nik), Expires: exp.Unix()})
	body := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(body)), exp
}

// Verify checks a session token: TOKEN_INVALID when it was not issued with
// this key (or is malformed), TOKEN_EXPIRED once its 30 minutes are over.
func (s *Sessions) Verify(raw string) (Session, error) {
	invalid := func() (Session, error) {
		return Session{}, apierror.New(codes.Unauthenticated, auth.Domain, auth.ReasonTokenInvalid).
			Message("the session is not valid; check your status again to start a new one",
				"sesi tidak sah; periksa status Anda lagi untuk memulai sesi baru").Err()
	}
	if len(raw) > maxTokenBytes || !IsSessionToken(raw) {
		return invalid()
	}
	payloadB64, sigB64, ok := strings.Cut(strings.TrimPrefix(raw, TokenPrefix), ".")
	if !ok {
		return invalid()
	}
	mac, err := base64.RawURLEncoding.DecodeString(sigB64)
	if err != nil || !hmac.Equal(mac, s.mac(TokenPrefix+payloadB64)) {
		return invalid()
	}
	b, err := base64.RawURLEncoding.DecodeString(payloadB64)
	if err != nil {
		return invalid()
	}
	var p sessionPayload
	if err := json.Unmarshal(b, &p); err != nil || !validNIK(p.NIK) || p.Subject != s.Pseudonym(p.NIK) {
		return invalid()
	}
	exp := time.Unix(p.Expires, 0)
	if !s.now().Before(exp) {
		return Session{}, apierror.New(codes.Unauthenticated, auth.Domain, auth.ReasonTokenExpired).
			Message("the session has expired; check your status again to start a new one",
				"sesi sudah berakhir; periksa status Anda lagi untuk memulai sesi baru").Err()
	}
	return Session{NIK: p.NIK, Subject: p.Subject, Expires: exp}, nil
}

func validNIK(s string) bool { return digits(s, 16) }

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
