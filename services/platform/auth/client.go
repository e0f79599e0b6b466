package auth

import (
	"context"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/config"
)

type asServiceKey struct{}

// AsService marks ctx so calls made with it carry the workload's own token,
// not the caller's: for checks the service makes for itself, such as a
// source context confirming NIKs with the registry during an import.
func AsService(ctx context.Context) context.Context {
	return context.WithValue(ctx, asServiceKey{}, true)
}

// ClientOptions return the dial options that authenticate outgoing calls.
// A call made while serving a request forwards that caller's verified token
// (and purpose, and for a delegated citizen the delegation), so the next
// service verifies the same caller rather than trusting a header; a call made in the background, or under AsService,
// carries the workload's own token from own. A nil own sends no token then.
func ClientOptions(own oauth2.TokenSource) []grpc.DialOption {
	c := &clientCreds{own: own}
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			ctx, err := c.outgoing(ctx)
			if err != nil {
				return err
			}
			return invoker(ctx, method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			ctx, err := c.outgoing(ctx)
			if err != nil {
				return nil, err
			}
			return streamer(ctx, desc, cc, method, opts...)
		}),
	}
}

type clientCreds struct{ own oauth2.TokenSource }

func (c *clientCreds) outgoing(ctx context.Context) (context.Context, error) {
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(AuthorizationHeader)) > 0 {
		return ctx, nil // the caller set credentials explicitly
	}
	if p := FromContext(ctx); p != nil && p.Token != "" && ctx.Value(asServiceKey{}) == nil {
		// A delegated citizen's calls carry the delegating workload's token
		// and the delegation again, so the next service acts for the same
		// citizen (and nobody else can claim to).
		var kv []string
		for k, vs := range OutgoingMetadata(p) {
			for _, v := range vs {
				kv = append(kv, k, v)
			}
		}
		return metadata.AppendToOutgoingContext(ctx, kv...), nil
	}
	if c.own == nil {
		return ctx, nil
	}
	tok, err := c.own.Token()
	if err != nil {
		return ctx, apierror.New(codes.Unavailable, Domain, ReasonIssuerUnavailable).
			Message("this service cannot obtain its own token from the issuer",
				"layanan ini tidak dapat memperoleh tokennya dari penerbit").Err()
	}
	return metadata.AppendToOutgoingContext(ctx, AuthorizationHeader, "Bearer "+tok.AccessToken), nil
}

// ClientCredentials is the workload's own token source: the OAuth2
// client-credentials grant at the issuer's token endpoint (discovered
// lazily, so a service starts while the issuer is still coming up). Tokens
// are cached until shortly before they expire.
func ClientCredentials(v *Verifier, clientID, clientSecret string) oauth2.TokenSource {
	return &lazySource{v: v, id: clientID, secret: clientSecret}
}

type lazySource struct {
	v          *Verifier
	id, secret string

	mu  sync.Mutex
	src oauth2.TokenSource
}

func (l *lazySource) Token() (*oauth2.Token, error) {
	l.mu.Lock()
	if l.src == nil {
		ctx := context.Background()
		url, err := l.v.TokenURL(ctx)
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		cfg := clientcredentials.Config{ClientID: l.id, ClientSecret: l.secret, TokenURL: url,
			EndpointParams: map[string][]string{"audience": {l.v.cfg.Audience}}}
		l.src = cfg.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, l.v.client))
	}
	src := l.src
	l.mu.Unlock()
	return src.Token()
}

// ClientConfig is a workload's own OAuth2 client (client-credentials grant).
type ClientConfig struct {
	ID, Secret string
}

// RegisterClientConfig declares DTSEN_<NAME>_AUTH_CLIENT_ID (default
// dtsen-<name>) and DTSEN_<NAME>_AUTH_CLIENT_SECRET on s: the variables every
// DTSEN workload, and the gateway, read their own credentials from.
func RegisterClientConfig(s *config.Set, name string) *ClientConfig {
	c := &ClientConfig{}
	prefix := "DTSEN_" + strings.ToUpper(name) + "_AUTH_CLIENT_"
	s.StringVar(&c.ID, prefix+"ID", "dtsen-"+name, "this workload's OAuth2 client id, for calls it makes on its own behalf")
	s.StringVar(&c.Secret, prefix+"SECRET", "",
		"this workload's OAuth2 client secret; empty: calls it makes on its own behalf carry no token")
	return c
}

// TokenSource is the workload's own token source (ClientCredentials), or nil
// when no secret is configured.
func (c *ClientConfig) TokenSource(v *Verifier) oauth2.TokenSource {
	if c == nil || c.Secret == "" {
		return nil
	}
	return ClientCredentials(v, c.ID, c.Secret)
}
