package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/auth/devissuer"
)

func claims(env *authtest.Env, over map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": env.URL, "aud": "dtsen", "sub": "dinsos-3204",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"dtsen_role": "district_officer", "dtsen_region": "32.04",
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func sign(t *testing.T, env *authtest.Env, over map[string]any) string {
	t.Helper()
	tok, err := env.Issuer.Sign(claims(env, over))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantReason(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || apierror.ReasonOf(err) != reason {
		t.Fatalf("got %v (reason %q), want %v %s", status.Code(err), apierror.ReasonOf(err), code, reason)
	}
}

func TestVerify(t *testing.T) {
	env := authtest.Start(t)
	ctx := context.Background()

	t.Run("a valid token gives its principal", func(t *testing.T) {
		p, err := env.Verifier.Verify(ctx, sign(t, env, nil))
		if err != nil {
			t.Fatal(err)
		}
		if p.Subject != "dinsos-3204" || p.Role != auth.RoleDistrictOfficer || p.Region != "32.04" {
			t.Fatalf("principal %+v", p)
		}
	})

	foreign, err := devissuer.NewForeignKey(env.Issuer.KeyID())
	if err != nil {
		t.Fatal(err)
	}
	forged, err := devissuer.SignWith(foreign, claims(env, nil))
	if err != nil {
		t.Fatal(err)
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	payload, _ := json.Marshal(claims(env, nil))
	algNone := header + "." + base64.RawURLEncoding.EncodeToString(payload) + "."

	for _, tc := range []struct {
		name, token, reason string
	}{
		{"missing", "", auth.ReasonTokenMissing},
		{"garbage", "not.a.jwt", auth.ReasonTokenInvalid},
		{"expired", sign(t, env, map[string]any{"exp": time.Now().Add(-time.Minute).Unix()}), auth.ReasonTokenExpired},
		{"wrong issuer", sign(t, env, map[string]any{"iss": "https://evil.example"}), auth.ReasonTokenInvalid},
		{"wrong audience", sign(t, env, map[string]any{"aud": "another-system"}), auth.ReasonTokenInvalid},
		{"wrong signature", forged, auth.ReasonTokenInvalid},
		{"alg none", algNone, auth.ReasonTokenInvalid},
		{"unknown role", sign(t, env, map[string]any{"dtsen_role": "superuser"}), auth.ReasonTokenClaims},
		{"officer without region", sign(t, env, map[string]any{"dtsen_region": nil}), auth.ReasonTokenClaims},
		{"malformed region", sign(t, env, map[string]any{"dtsen_region": "3204"}), auth.ReasonTokenClaims},
		{"citizen without NIK", sign(t, env, map[string]any{"dtsen_role": "citizen"}), auth.ReasonTokenClaims},
		{"integration client without purposes", sign(t, env, map[string]any{"dtsen_role": "integration_client"}), auth.ReasonTokenClaims},
		{"no subject", sign(t, env, map[string]any{"sub": nil}), auth.ReasonTokenClaims},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			_, err := env.Verifier.Verify(ctx, tc.token)
			wantReason(t, err, codes.Unauthenticated, tc.reason)
		})
	}

	t.Run("a key rotated out stops verifying after the refresh; the new key verifies at once", func(t *testing.T) {
		old := sign(t, env, nil)
		if _, err := env.Verifier.Verify(ctx, old); err != nil {
			t.Fatal(err)
		}
		if err := env.Issuer.Rotate(false); err != nil {
			t.Fatal(err)
		}
		// The new key's id is unknown to the cached set, so it is fetched at once.
		if _, err := env.Verifier.Verify(ctx, sign(t, env, nil)); err != nil {
			t.Fatalf("token of the new key: %v", err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := env.Verifier.Verify(ctx, old)
			if err != nil {
				wantReason(t, err, codes.Unauthenticated, auth.ReasonTokenInvalid)
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("a withdrawn key still verifies after the key refresh interval")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("a remembered token still expires", func(t *testing.T) {
		short := sign(t, env, map[string]any{"exp": time.Now().Add(1500 * time.Millisecond).Unix()})
		if _, err := env.Verifier.Verify(ctx, short); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Verifier.Verify(ctx, short); err != nil { // from the memo
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond)
		_, err := env.Verifier.Verify(ctx, short)
		wantReason(t, err, codes.Unauthenticated, auth.ReasonTokenExpired)
	})

	t.Run("a graceful rotation keeps the old key valid", func(t *testing.T) {
		old := sign(t, env, nil)
		if err := env.Issuer.Rotate(true); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // past authtest's 1 s key refresh
		if _, err := env.Verifier.Verify(ctx, old); err != nil {
			t.Fatalf("old key still published: %v", err)
		}
	})
}

func TestVerifyIssuerDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	v, err := auth.NewVerifier(auth.Config{Issuer: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), "a.b.c")
	wantReason(t, err, codes.Unavailable, auth.ReasonIssuerUnavailable)
}

func TestNewVerifierNeedsIssuer(t *testing.T) {
	if _, err := auth.NewVerifier(auth.Config{}); err == nil {
		t.Fatal("a verifier without an issuer was accepted")
	}
}

func TestClientCredentials(t *testing.T) {
	env := authtest.Start(t)
	tok, err := env.ServiceTokens("asset").Token()
	if err != nil {
		t.Fatal(err)
	}
	p, err := env.Verifier.Verify(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != auth.RoleService || p.Subject != "dtsen-asset" {
		t.Fatalf("workload principal %+v", p)
	}
	if _, err := auth.ClientCredentials(env.Verifier, "dtsen-asset", "wrong").Token(); err == nil {
		t.Fatal("a wrong client secret got a token")
	}
}
