package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/oauth2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// authMode is how a command may authenticate when no credentials are given.
type authMode int

const (
	// explicitAuth needs --token or client credentials. Reads use it: which
	// persona reads decides what comes back, so no identity is assumed.
	explicitAuth authMode = iota
	// submitAuth also falls back to the development issuer's data-exchange
	// hub client when every address is on loopback and the dev issuer's
	// files are there, so `make run`'s seed and local imports just work.
	submitAuth
)

// authenticate decides the credentials calls to contexts carry, before the
// first connection is made.
func (c *ConnConfig) authenticate(e *Env, mode authMode, contexts ...string) error {
	if c.getenv != nil {
		// A client id asks for client credentials; a DTSEN_TOKEN left in
		// the shell from sourcing tokens.env must not contradict it.
		if c.Token == "" && c.ClientID == "" {
			c.Token = firstNonEmpty(c.getenv("DTSEN_TOKEN"), c.getenv("DTSEN_CTL_TOKEN"))
		}
		if c.ClientSecret == "" && c.ClientID != "" {
			c.ClientSecret = c.getenv("DTSEN_CTL_CLIENT_SECRET")
		}
	}
	switch {
	case c.Token != "" && c.ClientID != "":
		return usagef("give either --token or --client-id/--client-secret, not both")
	case c.Token != "":
		c.tokens = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: strings.TrimSpace(strings.TrimPrefix(c.Token, "Bearer "))})
		c.identity = "the given token"
		return nil
	case c.ClientID != "":
		return c.clientCredentials(c.Issuer, c.Audience, c.ClientID, c.ClientSecret, "client "+c.ClientID)
	case c.ClientSecret != "":
		return usagef("--client-secret needs --client-id")
	}
	if mode == submitAuth {
		ok, err := c.devHub(e, contexts)
		if ok || err != nil {
			return err
		}
	}
	return usagef("no credentials: every call needs a bearer token. Set DTSEN_TOKEN (or pass --token); with `make run`, " +
		"`source var/dev-issuer/tokens.env` and e.g. `export DTSEN_TOKEN=$DTSEN_TOKEN_DISTRICT_OFFICER`. " +
		"Systems use --client-id/--client-secret (env DTSEN_CTL_CLIENT_ID/DTSEN_CTL_CLIENT_SECRET) with --issuer (env DTSEN_AUTH_ISSUER)")
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// devHub uses the development issuer's hub client when dtsenctl talks to a
// platform on this machine that `dtsenctl dev-issuer` serves tokens for.
func (c *ConnConfig) devHub(e *Env, contexts []string) (bool, error) {
	for _, name := range contexts {
		if a, ok := c.Addr[name]; !ok || !isLoopback(*a) {
			return false, nil
		}
	}
	dir := devDir(e.getenv, "")
	st, err := readDevClients(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	secret, ok := st.Secrets[hubClientID]
	if !ok {
		return false, fmt.Errorf("%s names no %s client; restart the dev issuer", filepath.Join(dir, devClientsFile), hubClientID)
	}
	if !e.Quiet {
		fmt.Fprintf(e.Stderr, "dtsenctl: authenticating as %s, the development issuer's data-exchange hub client (%s)\n",
			hubClientID, filepath.Join(dir, devClientsFile))
	}
	return true, c.clientCredentials(st.Issuer, st.Audience, hubClientID, secret, "the dev issuer's client "+hubClientID)
}

// clientCredentials authenticates with the OAuth2 client-credentials grant
// at issuer's token endpoint, as DTSEN workloads do.
func (c *ConnConfig) clientCredentials(issuer, audience, id, secret, who string) error {
	if issuer == "" {
		return usagef("--client-id needs the token issuer: --issuer or DTSEN_AUTH_ISSUER")
	}
	if secret == "" {
		return usagef("--client-id needs --client-secret (or DTSEN_CTL_CLIENT_SECRET)")
	}
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return usagef("--issuer %q is not an http(s) URL", issuer)
	}
	// The secret goes to the token endpoint in the request; only loopback
	// may see it unencrypted.
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("refusing to send a client secret in clear text to %s: use an https issuer (http is allowed on loopback only)", issuer)
	}
	v, err := auth.NewVerifier(auth.Config{Issuer: issuer, Audience: audience})
	if err != nil {
		return err
	}
	c.tokens = auth.ClientCredentials(v, id, secret)
	c.identity = who + " at " + issuer
	return nil
}

// tokenCredentials put the caller's token on every call except the public
// health and reflection services, so waiting for a service to come up does
// not depend on the issuer.
type tokenCredentials struct {
	src      oauth2.TokenSource
	identity string
}

func (t tokenCredentials) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	if ri, ok := credentials.RequestInfoFromContext(ctx); ok && auth.Public(ri.Method) {
		return nil, nil
	}
	tok, err := t.src.Token()
	if err != nil {
		if _, ok := status.FromError(err); ok {
			return nil, err
		}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_client" {
			return nil, status.Errorf(codes.Unauthenticated, "the issuer refused %s: wrong client id or secret", t.identity)
		}
		return nil, status.Errorf(codes.Unauthenticated, "no token for %s: %v", t.identity, err)
	}
	return map[string]string{auth.AuthorizationHeader: "Bearer " + tok.AccessToken}, nil
}

// RequireTransportSecurity is false so tokens also work on loopback without
// TLS; Conn refuses plaintext to any other host.
func (tokenCredentials) RequireTransportSecurity() bool { return false }
