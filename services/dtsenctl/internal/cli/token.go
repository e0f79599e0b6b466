package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/devissuer"
)

// listFlag is a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func init() {
	var (
		role, region, nik, subject, dir string
		agencies, purposes              listFlag
		ttl                             time.Duration
	)
	register(&Command{
		Name:    "token",
		Args:    "--role ROLE [--region R] [--nik NIK] [--agency A] [--purpose P]",
		Summary: "DEVELOPMENT ONLY: mint a token with the local dev issuer's key, for experiments",
		Help: `DEVELOPMENT ONLY. Mints a bearer JWT signed with the key of the development issuer
('dtsenctl dev-issuer', which make run starts) in --dir (env DTSEN_DEV_ISSUER_DIR,
default ./var/dev-issuer), and prints it on stdout. The services trust it exactly as
they trust the issuer's own tokens, so this only works against a platform whose
DTSEN_AUTH_ISSUER is that development issuer.

Roles: citizen (needs --nik), village_operator, district_officer, field_verifier,
provincial_officer (each needs --region, a dotted code: 35, 35.75, 35.75.01 or
35.75.01.1006), analyst, integration_client (needs --purpose; --agency for imports),
admin, service.

  export DTSEN_TOKEN=$(dtsenctl token --role district_officer --region 32.04)
  dtsenctl get family 3575010712120001        # refused: REGION_OUT_OF_SCOPE`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&role, "role", "", "the token's dtsen_role")
			fs.StringVar(&region, "region", "", "dtsen_region of a region-bound role (dotted Kemendagri code)")
			fs.StringVar(&nik, "nik", "", "dtsen_nik of a citizen")
			// fs.Var keeps a value across runs in one process (tests).
			agencies, purposes = nil, nil
			fs.Var(&agencies, "agency", "dtsen_agencies of an integration client (repeat or comma-separate)")
			fs.Var(&purposes, "purpose", "dtsen_purposes of an integration client (repeat or comma-separate)")
			fs.StringVar(&subject, "subject", "", "sub (default: dev-<role>[-<region or agency>])")
			fs.DurationVar(&ttl, "ttl", time.Hour, "lifetime")
			fs.StringVar(&dir, "dir", "", "the dev issuer's directory (env DTSEN_DEV_ISSUER_DIR; default ./"+defaultDevDir+")")
		},
		Run: func(_ context.Context, e *Env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			c := auth.Claims{Subject: subject, Role: auth.Role(role), Region: region, NIK: nik, Agencies: agencies, Purposes: purposes}
			if err := checkTokenClaims(&c); err != nil {
				return err
			}
			if ttl <= 0 {
				return usagef("--ttl must be positive")
			}
			tok, err := mintDevToken(devDir(e.getenv, dir), c, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.Stdout, tok)
			return nil
		},
	})
}

// checkTokenClaims refuses, with a usage error, the claims the services
// would refuse (auth.Verifier fails closed on them) and fills in a subject.
func checkTokenClaims(c *auth.Claims) error {
	var roles []string
	for _, r := range auth.Roles {
		roles = append(roles, string(r))
	}
	switch {
	case c.Role == "":
		return usagef("--role is required: one of %s", strings.Join(roles, ", "))
	case !c.Role.Known():
		return usagef("--role %q is not a DTSEN role: one of %s", c.Role, strings.Join(roles, ", "))
	case c.Role.RegionBound() && !validRegionCode(c.Region):
		return usagef("a %s token needs --region, a dotted region code such as 35, 35.75, 35.75.01 or 35.75.01.1006", c.Role)
	case !c.Role.RegionBound() && c.Region != "":
		return usagef("--region applies to village_operator, district_officer, field_verifier and provincial_officer only")
	case c.Role == auth.RoleCitizen && (len(c.NIK) != 16 || strings.Trim(c.NIK, "0123456789") != ""):
		return usagef("a citizen token needs --nik, the citizen's 16-digit NIK")
	case c.Role != auth.RoleCitizen && c.NIK != "":
		return usagef("--nik applies to the citizen role only")
	case c.Role == auth.RoleIntegrationClient && len(c.Purposes) == 0:
		return usagef("an integration_client token needs --purpose (e.g. verification, data_submission)")
	case c.Role != auth.RoleIntegrationClient && (len(c.Agencies) > 0 || len(c.Purposes) > 0):
		return usagef("--agency and --purpose apply to the integration_client role only")
	}
	if c.Subject == "" {
		c.Subject = "dev-" + string(c.Role)
		switch {
		case c.Region != "":
			c.Subject += "-" + c.Region
		case len(c.Agencies) > 0:
			c.Subject += "-" + c.Agencies[0]
		}
	}
	return nil
}

// validRegionCode mirrors the verifier's rule: 2-digit province, regency and
// district parts and a 4-digit village part.
func validRegionCode(code string) bool {
	parts := strings.Split(code, ".")
	if code == "" || len(parts) > 4 {
		return false
	}
	for i, p := range parts {
		want := 2
		if i == 3 {
			want = 4
		}
		if len(p) != want || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// mintDevToken signs c with the dev issuer's key in dir, as that issuer
// (its URL and audience from clients.json).
func mintDevToken(dir string, c auth.Claims, ttl time.Duration) (string, error) {
	st, err := readDevClients(dir)
	keyFile := filepath.Join(dir, devKeyFile)
	if err == nil {
		_, err = os.Stat(keyFile)
	}
	if errors.Is(err, os.ErrNotExist) {
		// devissuer.New would make a new key, which nothing trusts.
		return "", fmt.Errorf("no development issuer in %s: start one with 'make run' or 'dtsenctl dev-issuer' (DEVELOPMENT ONLY)", dir)
	}
	if err != nil {
		return "", err
	}
	iss, err := devissuer.New(devissuer.Options{URL: st.Issuer, Audience: st.Audience, KeyFile: keyFile})
	if err != nil {
		return "", err
	}
	return iss.Mint(c, ttl)
}
