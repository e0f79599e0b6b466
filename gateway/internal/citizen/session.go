package citizen

import (
	"crypto/aes"
	"crypto/cipher"
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

	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// Session tokens (ADR 0009): "cs2." + base64url(nonce || AES-256-GCM(payload)),
// the payload being {"nik", "sub", "exp"} and the prefix authenticated as
// additional data. The cipher key is derived from the session key. Sealing,
// not only signing, keeps the NIK unreadable to whatever sees the token: a
// proxy's log, a browser extension, a screenshot of the developer tools.
// The gateway verifies tokens itself; they never reach a service, which
// would not accept them anyway. ("cs1." tokens were signed, not sealed;
// they are refused as invalid.)
const (
	// TokenPrefix marks a citizen session token among bearer tokens (a JWT
	// starts with "eyJ").
	TokenPrefix = "cs2."
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
	key  []byte
	aead cipher.AEAD
	now  func() time.Time
}

// NewSessions returns Sessions keyed with key (at least MinKeyBytes).
func NewSessions(key []byte) (*Sessions, error) {
	if len(key) < MinKeyBytes {
		return nil, errors.New("citizen: the session key must be at least 32 bytes")
	}
	s := &Sessions{key: append([]byte(nil), key...), now: time.Now}
	block, err := aes.NewCipher(s.mac("dtsen-session-token-key")) // 32 bytes: AES-256
	if err != nil {
		return nil, err
	}
	if s.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	return s, nil
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
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails on supported platforms
	sealed := s.aead.Seal(nonce, nonce, b, []byte(TokenPrefix))
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(sealed), exp
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
	sealed, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(raw, TokenPrefix))
	if err != nil || len(sealed) < s.aead.NonceSize()+s.aead.Overhead() {
		return invalid()
	}
	nonce, ciphertext := sealed[:s.aead.NonceSize()], sealed[s.aead.NonceSize():]
	b, err := s.aead.Open(nil, nonce, ciphertext, []byte(TokenPrefix))
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

func validNIK(s string) bool { return regdomain.IsDigits(s, 16) }
