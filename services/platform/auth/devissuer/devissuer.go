// Package devissuer is a small OIDC-compatible token issuer for development,
// demos and tests: discovery, a JWKS endpoint, and a token endpoint for the
// OAuth2 client-credentials grant. It signs ES256 JWTs with the claims DTSEN
// reads. It is not for production: there, point DTSEN_AUTH_ISSUER at the
// ministry's identity provider (Keycloak, say), which issues the same claims.
package devissuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// Client is a registered OAuth2 client: a DTSEN workload or an agency system.
type Client struct {
	Secret string
	Claims auth.Claims // Subject defaults to the client id
}

// Options configure an Issuer.
type Options struct {
	// URL is the issuer identifier (iss), the base URL it is served at.
	URL string
	// Audience is put in every token's aud (default "dtsen").
	Audience string
	// KeyFile keeps the signing key across restarts, so tokens printed at
	// start-up stay valid; "" keeps it in memory only.
	KeyFile string
	// Clients may use the client-credentials grant.
	Clients map[string]Client
	// TokenTTL is the lifetime of client-credentials tokens (default 1h).
	TokenTTL time.Duration
}

// Issuer signs tokens and serves discovery, keys and tokens over HTTP.
type Issuer struct {
	opts Options

	mu      sync.RWMutex
	current jose.JSONWebKey   // private
	retired []jose.JSONWebKey // public keys still published after a rotation
}

// New returns an issuer with its key loaded from opts.KeyFile or made anew.
func New(opts Options) (*Issuer, error) {
	if opts.URL == "" {
		return nil, errors.New("devissuer: URL is required")
	}
	if opts.Audience == "" {
		opts.Audience = "dtsen"
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	i := &Issuer{opts: opts}
	if opts.KeyFile != "" {
		if b, err := os.ReadFile(opts.KeyFile); err == nil {
			if err := i.current.UnmarshalJSON(b); err != nil {
				return nil, fmt.Errorf("devissuer: key file %s: %w", opts.KeyFile, err)
			}
			return i, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	i.current = key
	if opts.KeyFile != "" {
		b, err := key.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(opts.KeyFile), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(opts.KeyFile, b, 0o600); err != nil {
			return nil, err
		}
	}
	return i, nil
}

func newKey() (jose.JSONWebKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	kid := make([]byte, 8)
	if _, err := rand.Read(kid); err != nil {
		return jose.JSONWebKey{}, err
	}
	return jose.JSONWebKey{Key: priv, KeyID: hex.EncodeToString(kid), Algorithm: string(jose.ES256), Use: "sig"}, nil
}

// URL is the issuer identifier.
func (i *Issuer) URL() string { return i.opts.URL }

// Rotate signs with a new key from now on. With keepOld the previous public
// key stays published (a graceful rotation); without it the old key is
// withdrawn at once and every token it signed stops verifying once the
// verifiers refresh their keys.
func (i *Issuer) Rotate(keepOld bool) error {
	key, err := newKey()
	if err != nil {
		return err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if keepOld {
		i.retired = append(i.retired, i.current.Public())
	} else {
		i.retired = nil
	}
	i.current = key
	return nil
}

// Mint signs a token carrying c, valid for ttl from now.
func (i *Issuer) Mint(c auth.Claims, ttl time.Duration) (string, error) {
	now := time.Now()
	return i.Sign(map[string]any{
		"iss": i.opts.URL, "aud": i.opts.Audience, "sub": c.Subject,
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(ttl).Unix(),
		"dtsen_role": c.Role, "dtsen_region": c.Region, "dtsen_nik": c.NIK,
		"dtsen_agencies": c.Agencies, "dtsen_purposes": c.Purposes, "dtsen_delegates": c.Delegates,
	})
}

// Sign signs arbitrary claims with the current key: tests use it to make
// tokens with a wrong issuer, audience or expiry.
func (i *Issuer) Sign(claims map[string]any) (string, error) {
	i.mu.RLock()
	key := i.current
	i.mu.RUnlock()
	return SignWith(key, claims)
}

// SignWith signs claims with any key, for tests of foreign signatures.
func SignWith(key jose.JSONWebKey, claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// NewForeignKey returns a signing key this issuer never published, with the
// given key id (use the issuer's own to forge a lookalike).
func NewForeignKey(kid string) (jose.JSONWebKey, error) {
	k, err := newKey()
	k.KeyID = kid
	return k, err
}

// KeyID is the current signing key's id.
func (i *Issuer) KeyID() string {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.current.KeyID
}

// Handler serves /.well-known/openid-configuration, /jwks.json and /token.
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                i.opts.URL,
			"jwks_uri":                              i.opts.URL + "/jwks.json",
			"token_endpoint":                        i.opts.URL + "/token",
			"grant_types_supported":                 []string{"client_credentials"},
			"id_token_signing_alg_values_supported": []string{"ES256"},
			"response_types_supported":              []string{"token"},
			"subject_types_supported":               []string{"public"},
		})
	})
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		i.mu.RLock()
		set := jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey{i.current.Public()}, i.retired...)}
		i.mu.RUnlock()
		w.Header().Set("Cache-Control", "max-age=300")
		writeJSON(w, http.StatusOK, set)
	})
	mux.HandleFunc("POST /token", i.token)
	return mux
}

func (i *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, known := i.opts.Clients[id]
	if !known || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	claims := c.Claims
	if claims.Subject == "" {
		claims.Subject = id
	}
	tok, err := i.Mint(claims, i.opts.TokenTTL)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int(i.opts.TokenTTL.Seconds()),
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
