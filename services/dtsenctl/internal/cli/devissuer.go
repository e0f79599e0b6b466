package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/devissuer"
	"github.com/dtsen-id/dtsen/services/population/population"
)

// The development issuer's defaults and the files it keeps in its directory.
const (
	defaultDevIssuerAddr = "127.0.0.1:9100"
	defaultDevDir        = "var/dev-issuer"
	// devKeyFile is the private signing key, kept so that tokens printed at
	// one start still verify after a restart.
	devKeyFile = "signing-key.json"
	// devClientsFile holds the issuer URL and every client's secret.
	devClientsFile = "clients.json"
	// devTokensFile is the persona tokens, as shell exports.
	devTokensFile = "tokens.env"
	// devWorkloadsFile is each workload's client id and secret, as the
	// DTSEN_<SVC>_AUTH_CLIENT_* exports the services read.
	devWorkloadsFile = "workloads.env"
	// devPersonasFile is the persona table, for humans (make run prints it).
	devPersonasFile = "personas.txt"

	// hubClientID is the data-exchange hub: the integration client that
	// seeds the demo population, for every agency the generator emits.
	hubClientID = "dtsen-hub"
)

// devWorkloads are the DTSEN workloads that call other services on their
// own behalf and so need client credentials (role service). The gateway
// forwards its callers' tokens, but acts for citizens with its own
// (devWorkloadClaims).
var devWorkloads = []string{"registry", "asset", "income", "serviceusage", "scoring", "grievance", "gateway"}

// devWorkloadClaims are a workload client's claims: role service, and for
// the gateway alone the right to act for citizens (dtsen_delegates, ADR
// 0009), which no other client gets.
func devWorkloadClaims(workload string) auth.Claims {
	c := auth.Claims{Role: auth.RoleService}
	if workload == "gateway" {
		c.Delegates = []string{auth.DelegateCitizen}
	}
	return c
}

// hubAgencies are every source agency services/population emits, as batch
// header sources (export's files) and as records' source_agency, so the
// hub may import the whole demo population. TestHubCoversPopulation keeps
// this list in step with the generator.
var hubAgencies = []string{
	"asabri", "atr-bpn", "bkn", "bp2mi", "bpjs-kesehatan", "bpjs-tk", "bps", "djp", "dtsen-population", "dukcapil",
	"kemdiktisaintek", "kemenag", "kemendes", "kemendikdasmen", "kemenkop-ukm", "kemensos", "korlantas", "ojk",
	"pertamina", "pln", "taspen",
}

// devAgencyClients are agency systems registered for the client-credentials
// grant besides the hub; make run also prints a persona token for each.
var devAgencyClients = []struct {
	ID, Var string
	Claims  auth.Claims
}{
	{"bpjs-kesehatan", "BPJS_KESEHATAN", auth.Claims{Role: auth.RoleIntegrationClient,
		Agencies: []string{"bpjs-kesehatan"}, Purposes: []string{"verification"}}},
	{"dukcapil", "DUKCAPIL", auth.Claims{Role: auth.RoleIntegrationClient,
		Agencies: []string{"dukcapil"}, Purposes: []string{"data_submission", "verification"}}},
}

// devClients is clients.json.
type devClients struct {
	Issuer   string            `json:"issuer"`
	Audience string            `json:"audience"`
	Secrets  map[string]string `json:"secrets"`
	// GatewaySessionKey is the gateway's DTSEN_GATEWAY_SESSION_KEY (hex),
	// kept so citizen sessions and pseudonyms survive restarts.
	GatewaySessionKey string `json:"gatewaySessionKey,omitempty"`
}

// devDir is the development issuer's directory: flagValue, else
// DTSEN_DEV_ISSUER_DIR, else ./var/dev-issuer.
func devDir(getenv func(string) string, flagValue string) string {
	return firstNonEmpty(flagValue, getenv("DTSEN_DEV_ISSUER_DIR"), defaultDevDir)
}

func readDevClients(dir string) (*devClients, error) {
	b, err := os.ReadFile(filepath.Join(dir, devClientsFile))
	if err != nil {
		return nil, err
	}
	var st devClients
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, devClientsFile), err)
	}
	return &st, nil
}

// writePrivate replaces path with data, readable by its owner only. The
// rename keeps a reader (run.sh sourcing workloads.env) from seeing half a
// file.
func writePrivate(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// demoFamily is the family the personas are built around: the first one
// of the population without a deliberate error, which is the first family
// `dtsenctl examples` prints (3575010712120001 for seed 1, whatever the
// number of families, since each household depends only on seed and index).
type demoFamily struct {
	KK, NIK, Region string
}

func findDemoFamily(families int, seed uint64) (demoFamily, error) {
	g, err := population.New(population.Config{Families: families, Seed: seed})
	if err != nil {
		return demoFamily{}, err
	}
	for i := range families {
		h := g.Household(i)
		if len(h.Errors) == 0 {
			return demoFamily{KK: h.Family.GetKkNumber(), NIK: h.Family.GetHeadNik(), Region: h.Family.GetRegionCode()}, nil
		}
	}
	return demoFamily{}, fmt.Errorf("every one of the %d families has a deliberate error; use more families", families)
}

// regionPrefix is the first n dot-separated parts of a region code.
func regionPrefix(code string, n int) string {
	parts := strings.Split(code, ".")
	return strings.Join(parts[:min(n, len(parts))], ".")
}

// persona is one ready-made token.
type persona struct {
	Var    string // the token is exported as DTSEN_TOKEN_<Var>
	Claims auth.Claims
	Scope  string // what the persona sees, for humans
}

// personas are the demo's callers, one per role, placed around f so that
// each can be tried against the same family.
func personas(f demoFamily) []persona {
	village := f.Region
	district := regionPrefix(f.Region, 3)
	regency := regionPrefix(f.Region, 2)
	province := regionPrefix(f.Region, 1)
	// Kab. Bandung, unless the demo family lives there: any regency that
	// does not hold the family shows a refusal.
	other := "32.04"
	if auth.RegionWithin(f.Region, other) {
		other = "31.71"
	}
	region := func(role auth.Role, subject, code string) auth.Claims {
		return auth.Claims{Subject: subject, Role: role, Region: code}
	}
	ps := []persona{
		{"CITIZEN", auth.Claims{Subject: "demo-citizen", Role: auth.RoleCitizen, NIK: f.NIK},
			"NIK " + f.NIK + ": their own family " + f.KK + " only"},
		{"VILLAGE_OPERATOR", region(auth.RoleVillageOperator, "demo-village-operator-"+village, village),
			"village " + village + " (holds the demo family)"},
		{"DISTRICT_OFFICER", region(auth.RoleDistrictOfficer, "demo-dinsos-"+regency, regency),
			"regency " + regency + ", dinsos (holds the demo family)"},
		{"FIELD_VERIFIER", region(auth.RoleFieldVerifier, "demo-field-verifier-"+district, district),
			"district " + district + " (holds the demo family)"},
		{"PROVINCIAL_OFFICER", region(auth.RoleProvincialOfficer, "demo-provincial-officer-"+province, province),
			"province " + province + " (holds the demo family)"},
		{"OTHER_DISTRICT_OFFICER", region(auth.RoleDistrictOfficer, "demo-dinsos-"+other, other),
			"regency " + other + ", dinsos: the demo family is outside, so refused"},
		{"ANALYST", auth.Claims{Subject: "demo-analyst", Role: auth.RoleAnalyst},
			"aggregates only: personal reads are refused"},
	}
	for _, c := range devAgencyClients {
		claims := c.Claims
		claims.Subject = c.ID
		ps = append(ps, persona{c.Var, claims, fmt.Sprintf("integration client: submits for %s, purposes %s",
			strings.Join(claims.Agencies, ","), strings.Join(claims.Purposes, ","))})
	}
	return append(ps, persona{"ADMIN", auth.Claims{Subject: "demo-admin", Role: auth.RoleAdmin},
		"central administrator: everything, and the audit log"})
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

const devWarning = "DEVELOPMENT ONLY: anyone who can read this directory can act as any DTSEN role. " +
	"Never use this issuer, its key or its tokens in production; point DTSEN_AUTH_ISSUER at the real identity provider (docs/security.md)."

func init() {
	var (
		addr, dir, issuerURL, audience string
		tokenTTL, clientTTL            time.Duration
		families                       int
		seed                           uint64
	)
	register(&Command{
		Name:    "dev-issuer",
		Args:    "",
		Summary: "DEVELOPMENT ONLY: serve a local OIDC token issuer and write persona tokens (make run starts it)",
		Help: `DEVELOPMENT ONLY. NEVER RUN THIS IN PRODUCTION: whoever reads its directory can act as
any DTSEN role. In production DTSEN_AUTH_ISSUER names the real identity provider
(docs/security.md).

Serves a development OIDC issuer (services/platform/auth/devissuer) on --addr
(env DTSEN_DEV_ISSUER_ADDR, default 127.0.0.1:9100): discovery, JWKS and the OAuth2
client-credentials token endpoint, signing ES256 JWTs with DTSEN's claims. Its
directory (--dir, env DTSEN_DEV_ISSUER_DIR, default ./var/dev-issuer, mode 0700) keeps:

  signing-key.json  the signing key, kept across restarts so printed tokens stay valid
  clients.json      the issuer URL and each client's secret (random on first start)
  workloads.env     DTSEN_AUTH_ISSUER and DTSEN_<SVC>_AUTH_CLIENT_ID/_SECRET of each
                    workload (registry, asset, income, serviceusage, scoring, grievance,
                    gateway; role service, the gateway's with dtsen_delegates ["citizen"]),
                    and the gateway's DTSEN_GATEWAY_SESSION_KEY, for the processes' environment
  tokens.env        a token per persona (valid --token-ttl), as shell exports
  personas.txt      the personas: variable, role, subject and scope

Clients of the client-credentials grant: each workload (dtsen-<svc>), the data-exchange
hub dtsen-hub (an integration client for every source agency the population generator
emits, purpose data_submission; 'dtsenctl seed' and 'import' use it by default on
loopback), and the agency systems bpjs-kesehatan and dukcapil.

The personas sit around the first family of the --families/--seed population
(3575010712120001 for seed 1): a citizen (its head), a village operator, a district
officer (dinsos) of its regency, a field verifier of its district, a provincial
officer, a district officer of another regency (refused), an analyst, the
integration clients and a central administrator. Every start mints them afresh.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&addr, "addr", "", "listen address (env DTSEN_DEV_ISSUER_ADDR; default "+defaultDevIssuerAddr+")")
			fs.StringVar(&dir, "dir", "", "directory of the key, secrets and tokens (env DTSEN_DEV_ISSUER_DIR; default ./"+defaultDevDir+")")
			fs.StringVar(&issuerURL, "url", "", "issuer URL (iss) when it differs from http://<addr> (env DTSEN_DEV_ISSUER_URL)")
			fs.StringVar(&audience, "audience", "", "audience of every token (env DTSEN_AUTH_AUDIENCE; default dtsen)")
			fs.DurationVar(&tokenTTL, "token-ttl", 12*time.Hour, "lifetime of the persona tokens")
			fs.DurationVar(&clientTTL, "client-ttl", time.Hour, "lifetime of client-credentials tokens")
			fs.IntVar(&families, "families", 20000, "families of the demo population the personas are placed in")
			fs.Uint64Var(&seed, "seed", 1, "seed of the demo population")
		},
		Run: func(ctx context.Context, e *Env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			if tokenTTL <= 0 || clientTTL <= 0 {
				return usagef("--token-ttl and --client-ttl must be positive")
			}
			o := devIssuerOptions{
				Addr:     firstNonEmpty(addr, e.getenv("DTSEN_DEV_ISSUER_ADDR"), defaultDevIssuerAddr),
				Dir:      devDir(e.getenv, dir),
				URL:      firstNonEmpty(issuerURL, e.getenv("DTSEN_DEV_ISSUER_URL")),
				Audience: firstNonEmpty(audience, e.getenv("DTSEN_AUTH_AUDIENCE"), "dtsen"),
				TokenTTL: tokenTTL, ClientTTL: clientTTL, Families: families, Seed: seed,
			}
			return runDevIssuer(ctx, e, o)
		},
	})
}

type devIssuerOptions struct {
	Addr, Dir, URL, Audience string
	TokenTTL, ClientTTL      time.Duration
	Families                 int
	Seed                     uint64
}

func runDevIssuer(ctx context.Context, e *Env, o devIssuerOptions) error {
	fmt.Fprintf(e.Stderr, "dtsenctl dev-issuer: WARNING: %s\n", devWarning)
	demo, err := findDemoFamily(o.Families, o.Seed)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(o.Dir, 0o700); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another dev issuer running? DTSEN_DEV_ISSUER_ADDR moves it)", o.Addr, err)
	}
	defer lis.Close()
	if o.URL == "" {
		o.URL = "http://" + lis.Addr().String()
	}
	if u, err := url.Parse(o.URL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return usagef("--url %q is not an http(s) URL", o.URL)
	}
	o.URL = strings.TrimSuffix(o.URL, "/")

	st, err := devClientSecrets(o)
	if err != nil {
		return err
	}
	clients := map[string]devissuer.Client{
		hubClientID: {Secret: st.Secrets[hubClientID], Claims: auth.Claims{Role: auth.RoleIntegrationClient,
			Agencies: hubAgencies, Purposes: []string{"data_submission"}}},
	}
	for _, w := range devWorkloads {
		clients["dtsen-"+w] = devissuer.Client{Secret: st.Secrets["dtsen-"+w], Claims: devWorkloadClaims(w)}
	}
	for _, c := range devAgencyClients {
		clients[c.ID] = devissuer.Client{Secret: st.Secrets[c.ID], Claims: c.Claims}
	}
	iss, err := devissuer.New(devissuer.Options{URL: o.URL, Audience: o.Audience, KeyFile: filepath.Join(o.Dir, devKeyFile),
		Clients: clients, TokenTTL: o.ClientTTL})
	if err != nil {
		return err
	}

	ps := personas(demo)
	expires := time.Now().Add(o.TokenTTL).UTC().Truncate(time.Second)
	tokens := make([]string, len(ps))
	for i, p := range ps {
		if tokens[i], err = iss.Mint(p.Claims, o.TokenTTL); err != nil {
			return err
		}
	}
	table := personaTable(ps)
	files := map[string]string{
		devWorkloadsFile: workloadsEnv(o, st),
		devTokensFile:    tokensEnv(o, demo, ps, tokens, expires),
		devPersonasFile:  table,
	}
	for _, name := range []string{devWorkloadsFile, devTokensFile, devPersonasFile} {
		if err := writePrivate(filepath.Join(o.Dir, name), []byte(files[name])); err != nil {
			return err
		}
	}

	// The files are complete before discovery answers: run.sh waits for
	// discovery and then reads them.
	srv := &http.Server{Handler: logTokenRequests(iss.Handler(), e.Stderr), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	fmt.Fprintf(e.Stdout, "development token issuer %s (DEVELOPMENT ONLY), audience %q, keys and secrets in %s\n",
		o.URL, o.Audience, o.Dir)
	fmt.Fprintf(e.Stdout, "demo family %s (head NIK %s, village %s); persona tokens valid until %s:\n\n%s\n",
		demo.KK, demo.NIK, demo.Region, expires.Format(time.RFC3339), table)
	fmt.Fprintf(e.Stdout, "source %s for them:\n", filepath.Join(o.Dir, devTokensFile))
	for i, p := range ps {
		fmt.Fprintf(e.Stdout, "DTSEN_TOKEN_%s=%s\n", p.Var, tokens[i])
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// devClientSecrets loads clients.json, adds a random secret for every
// client that has none yet, records the issuer and audience, and writes it
// back. Secrets never change once made, so a running service's credentials
// stay valid across issuer restarts.
func devClientSecrets(o devIssuerOptions) (*devClients, error) {
	st, err := readDevClients(o.Dir)
	if errors.Is(err, os.ErrNotExist) {
		st, err = &devClients{}, nil
	}
	if err != nil {
		return nil, err
	}
	if st.Secrets == nil {
		st.Secrets = map[string]string{}
	}
	ids := []string{hubClientID}
	for _, w := range devWorkloads {
		ids = append(ids, "dtsen-"+w)
	}
	for _, c := range devAgencyClients {
		ids = append(ids, c.ID)
	}
	for _, id := range ids {
		if st.Secrets[id] != "" {
			continue
		}
		if st.Secrets[id], err = newSecret(); err != nil {
			return nil, err
		}
	}
	if st.GatewaySessionKey == "" {
		if st.GatewaySessionKey, err = newSecret(); err != nil {
			return nil, err
		}
	}
	st.Issuer, st.Audience = o.URL, o.Audience
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	return st, writePrivate(filepath.Join(o.Dir, devClientsFile), append(b, '\n'))
}

func workloadsEnv(o devIssuerOptions, st *devClients) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by `dtsenctl dev-issuer`. %s\n", devWarning)
	fmt.Fprintf(&b, "# Each DTSEN workload's own identity (OAuth2 client credentials, role service): source this file\n")
	fmt.Fprintf(&b, "# before starting the services and the gateway.\n")
	fmt.Fprintf(&b, "export DTSEN_AUTH_ISSUER=%s\n", shellQuote(o.URL))
	fmt.Fprintf(&b, "export DTSEN_AUTH_AUDIENCE=%s\n", shellQuote(o.Audience))
	for _, w := range devWorkloads {
		prefix := "DTSEN_" + strings.ToUpper(w) + "_AUTH_CLIENT_"
		fmt.Fprintf(&b, "export %sID=%s\n", prefix, shellQuote("dtsen-"+w))
		fmt.Fprintf(&b, "export %sSECRET=%s\n", prefix, shellQuote(st.Secrets["dtsen-"+w]))
	}
	fmt.Fprintf(&b, "# The gateway's key for citizen session tokens and pseudonyms (ADR 0009).\n")
	fmt.Fprintf(&b, "export DTSEN_GATEWAY_SESSION_KEY=%s\n", shellQuote(st.GatewaySessionKey))
	return b.String()
}

func tokensEnv(o devIssuerOptions, demo demoFamily, ps []persona, tokens []string, expires time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Persona tokens from the development issuer %s, valid until %s.\n", o.URL, expires.Format(time.RFC3339))
	fmt.Fprintf(&b, "# %s\n", devWarning)
	fmt.Fprintf(&b, "# Use:  source %s\n", filepath.Join(o.Dir, devTokensFile))
	fmt.Fprintf(&b, "#       curl -H \"Authorization: Bearer $DTSEN_TOKEN_DISTRICT_OFFICER\" http://127.0.0.1:8080/v1/families/$DTSEN_DEMO_KK\n")
	fmt.Fprintf(&b, "#       DTSEN_TOKEN=$DTSEN_TOKEN_DISTRICT_OFFICER bin/dtsenctl get family $DTSEN_DEMO_KK\n")
	fmt.Fprintf(&b, "# The demo family the personas are placed around:\n")
	fmt.Fprintf(&b, "export DTSEN_DEMO_KK=%s\nexport DTSEN_DEMO_NIK=%s\nexport DTSEN_DEMO_REGION=%s\n",
		shellQuote(demo.KK), shellQuote(demo.NIK), shellQuote(demo.Region))
	for i, p := range ps {
		fmt.Fprintf(&b, "# %s: %s\nexport DTSEN_TOKEN_%s=%s\n", p.Claims.Role, p.Scope, p.Var, shellQuote(tokens[i]))
	}
	return b.String()
}

func personaTable(ps []persona) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tROLE\tSUBJECT\tSCOPE")
	for _, p := range ps {
		fmt.Fprintf(tw, "DTSEN_TOKEN_%s\t%s\t%s\t%s\n", p.Var, p.Claims.Role, p.Claims.Subject, p.Scope)
	}
	tw.Flush()
	return b.String()
}

// logTokenRequests logs each client-credentials request's client and
// outcome, so a service that cannot get its token is easy to diagnose.
func logTokenRequests(next http.Handler, w io.Writer) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/token" {
			next.ServeHTTP(rw, r)
			return
		}
		client, _, ok := r.BasicAuth()
		if !ok && r.ParseForm() == nil {
			client = r.PostForm.Get("client_id")
		}
		rec := &statusRecorder{ResponseWriter: rw, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		outcome := "issued a token"
		if rec.code != http.StatusOK {
			outcome = fmt.Sprintf("refused (%d %s)", rec.code, http.StatusText(rec.code))
		}
		fmt.Fprintf(w, "%s dev-issuer: client %q: %s\n", time.Now().UTC().Format(time.RFC3339), client, outcome)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}
