package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/auth/devissuer"
	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// syncBuffer is written by the issuer's goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// devIssuerRun is `dtsenctl dev-issuer` running in-process.
type devIssuerRun struct {
	dir, url string
	// env trusts the issuer and mints with its key, for the harnesses.
	env *authtest.Env
	// tokens are tokens.env's exports.
	tokens map[string]string
	out    *syncBuffer
	stop   func()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// runDevIssuerAt starts the command on addr with dir and waits until it
// serves discovery (its files are written by then).
func runDevIssuerAt(t *testing.T, dir, addr string, args ...string) *devIssuerRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	app := &App{Stdout: out, Stderr: out, Getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() { done <- app.Run(ctx, append([]string{"dev-issuer", "--addr", addr, "--dir", dir}, args...)) }()
	var once sync.Once
	r := &devIssuerRun{dir: dir, url: "http://" + addr, out: out}
	r.stop = func() {
		once.Do(func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("dev-issuer exited %d:\n%s", code, out)
			}
		})
	}
	t.Cleanup(r.stop)
	for deadline := time.Now().Add(20 * time.Second); ; {
		select {
		case code := <-done:
			done <- code
			t.Fatalf("dev-issuer exited %d before serving:\n%s", code, out)
		default:
		}
		resp, err := http.Get(r.url + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("dev-issuer does not serve discovery: %v\n%s", err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.tokens = readEnvFile(t, filepath.Join(dir, devTokensFile))
	v, err := auth.NewVerifier(auth.Config{Issuer: r.url, KeyRefresh: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	minter, err := devissuer.New(devissuer.Options{URL: r.url, KeyFile: filepath.Join(dir, devKeyFile)})
	if err != nil {
		t.Fatal(err)
	}
	r.env = &authtest.Env{Issuer: minter, Verifier: v, URL: r.url}
	return r
}

// startDevIssuer runs a dev issuer whose workload clients have the secret
// the service harnesses authenticate with (authtest.ServiceSecret), as an
// operator restoring a deployment's secrets into clients.json would.
func startDevIssuer(t *testing.T, args ...string) *devIssuerRun {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "dev-issuer")
	st := devClients{Secrets: map[string]string{}}
	for _, w := range authtest.Workloads {
		st.Secrets["dtsen-"+w] = authtest.ServiceSecret
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, devClientsFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return runDevIssuerAt(t, dir, freeAddr(t), args...)
}

// readEnvFile reads the `export NAME='value'` lines of a file the dev
// issuer wrote for the shell.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			continue
		}
		name, value, _ := strings.Cut(line, "=")
		out[name] = strings.Trim(value, "'")
	}
	return out
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestDevIssuer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dev-issuer")
	addr := freeAddr(t)
	r := runDevIssuerAt(t, dir, addr)
	ctx := context.Background()

	// The personas sit around the README's example family.
	want := map[string]string{"DTSEN_DEMO_KK": "3575010712120001", "DTSEN_DEMO_NIK": "3575011010560001", "DTSEN_DEMO_REGION": "35.75.01.1006"}
	for k, v := range want {
		if r.tokens[k] != v {
			t.Errorf("%s = %q, want %q", k, r.tokens[k], v)
		}
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("%s has mode %o, want 700", dir, m)
	}
	for _, f := range []string{devKeyFile, devClientsFile, devTokensFile, devWorkloadsFile, devPersonasFile} {
		if m := mode(t, filepath.Join(dir, f)); m != 0o600 {
			t.Errorf("%s has mode %o, want 600", f, m)
		}
	}
	out := r.out.String()
	for _, s := range []string{"DEVELOPMENT ONLY", "DTSEN_TOKEN_DISTRICT_OFFICER=", "3575010712120001"} {
		if !strings.Contains(out, s) {
			t.Errorf("the issuer's output lacks %q:\n%s", s, out)
		}
	}

	// Every persona token verifies, with the claims its role needs.
	personas := map[string]auth.Claims{
		"CITIZEN":                {Role: auth.RoleCitizen, NIK: "3575011010560001"},
		"VILLAGE_OPERATOR":       {Role: auth.RoleVillageOperator, Region: "35.75.01.1006"},
		"DISTRICT_OFFICER":       {Role: auth.RoleDistrictOfficer, Region: "35.75"},
		"FIELD_VERIFIER":         {Role: auth.RoleFieldVerifier, Region: "35.75.01"},
		"PROVINCIAL_OFFICER":     {Role: auth.RoleProvincialOfficer, Region: "35"},
		"OTHER_DISTRICT_OFFICER": {Role: auth.RoleDistrictOfficer, Region: "32.04"},
		"ANALYST":                {Role: auth.RoleAnalyst},
		"BPJS_KESEHATAN":         {Role: auth.RoleIntegrationClient, Agencies: []string{"bpjs-kesehatan"}, Purposes: []string{"verification"}},
		"DUKCAPIL":               {Role: auth.RoleIntegrationClient, Agencies: []string{"dukcapil"}, Purposes: []string{"data_submission", "verification"}},
		"ADMIN":                  {Role: auth.RoleAdmin},
	}
	for name, c := range personas {
		tok := r.tokens["DTSEN_TOKEN_"+name]
		p, err := r.env.Verifier.Verify(ctx, tok)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.Role != c.Role || p.Region != c.Region || p.NIK != c.NIK || !slices.Equal(p.Agencies, c.Agencies) || !slices.Equal(p.Purposes, c.Purposes) {
			t.Errorf("%s = %+v, want %+v", name, p, c)
		}
		if strings.Contains(p.Subject, "3575011010560001") {
			t.Errorf("%s's subject %q holds a full NIK, which would reach logs", name, p.Subject)
		}
	}

	// Each workload's client credentials give it a service token.
	wl := readEnvFile(t, filepath.Join(dir, devWorkloadsFile))
	if wl["DTSEN_AUTH_ISSUER"] != r.url || wl["DTSEN_AUTH_AUDIENCE"] != "dtsen" {
		t.Errorf("workloads.env issuer %q audience %q", wl["DTSEN_AUTH_ISSUER"], wl["DTSEN_AUTH_AUDIENCE"])
	}
	clientToken := func(id, secret string) (*auth.Principal, error) {
		tok, err := auth.ClientCredentials(r.env.Verifier, id, secret).Token()
		if err != nil {
			return nil, err
		}
		return r.env.Verifier.Verify(ctx, tok.AccessToken)
	}
	for _, w := range devWorkloads {
		prefix := "DTSEN_" + strings.ToUpper(w) + "_AUTH_CLIENT_"
		id, secret := wl[prefix+"ID"], wl[prefix+"SECRET"]
		if id != "dtsen-"+w || len(secret) != 64 {
			t.Errorf("%s: id %q, secret of %d characters", w, id, len(secret))
			continue
		}
		p, err := clientToken(id, secret)
		if err != nil || p.Role != auth.RoleService || p.Subject != id {
			t.Errorf("%s's client credentials: %+v, %v", w, p, err)
			continue
		}
		// Only the gateway may act for citizens (ADR 0009).
		if delegates := p.CanDelegate(); delegates != (w == "gateway") {
			t.Errorf("%s's token may act for citizens: %v (delegates %v)", w, delegates, p.Delegates)
		}
	}
	if k := wl["DTSEN_GATEWAY_SESSION_KEY"]; len(k) != 64 {
		t.Errorf("workloads.env gives the gateway a session key of %d hex characters, want 64", len(k))
	}
	st, err := readDevClients(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := clientToken(hubClientID, st.Secrets[hubClientID])
	if err != nil || p.Role != auth.RoleIntegrationClient || !slices.Equal(p.Agencies, hubAgencies) || len(p.Purposes) == 0 {
		t.Errorf("hub client credentials: %+v, %v", p, err)
	}
	if _, err := clientToken(hubClientID, "wrong"); err == nil {
		t.Error("a wrong secret got a token")
	}

	// dtsenctl token mints with the issuer's key.
	var tokOut, tokErr bytes.Buffer
	app := &App{Stdout: &tokOut, Stderr: &tokErr, Getenv: func(string) string { return "" }}
	if code := app.Run(ctx, []string{"token", "--role", "district_officer", "--region", "32.04", "--ttl", "5m", "--dir", dir}); code != 0 {
		t.Fatalf("token: exit %d: %s", code, tokErr.String())
	}
	p, err = r.env.Verifier.Verify(ctx, strings.TrimSpace(tokOut.String()))
	if err != nil || p.Role != auth.RoleDistrictOfficer || p.Region != "32.04" || p.Subject != "dev-district_officer-32.04" {
		t.Errorf("minted token: %+v, %v", p, err)
	}

	// A restart keeps the key and the secrets: what was printed still works.
	key, _ := os.ReadFile(filepath.Join(dir, devKeyFile))
	old := r.tokens["DTSEN_TOKEN_DISTRICT_OFFICER"]
	r.stop()
	r2 := runDevIssuerAt(t, dir, addr)
	key2, _ := os.ReadFile(filepath.Join(dir, devKeyFile))
	st2, err := readDevClients(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, key2) || !equalMaps(st.Secrets, st2.Secrets) || st.GatewaySessionKey != st2.GatewaySessionKey {
		t.Error("a restart changed the signing key or the client secrets")
	}
	if _, err := r2.env.Verifier.Verify(ctx, old); err != nil {
		t.Errorf("a token printed before the restart: %v", err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestHubCoversPopulation: the hub submits for every agency the generator
// puts on a record, so seeding is never refused AGENCY_NOT_OWNER.
func TestHubCoversPopulation(t *testing.T) {
	seen := map[string]bool{}
	collect := func(m proto.Message) {
		r := m.ProtoReflect()
		for _, name := range []protoreflect.Name{"source_agency", "source"} {
			if fd := r.Descriptor().Fields().ByName(name); fd != nil && fd.Kind() == protoreflect.StringKind {
				seen[r.Get(fd).String()] = true
			}
		}
	}
	err := population.Generate(population.Config{Families: 3000, Seed: 1}, func(h *population.Household) error {
		for _, m := range []proto.Message{h.Housing, h.Holdings} {
			if m != nil {
				collect(m)
			}
		}
		for _, m := range h.Land {
			collect(m)
		}
		for _, m := range h.Vehicles {
			collect(m)
		}
		for _, m := range h.Incomes {
			collect(m)
		}
		for _, m := range h.Employment {
			collect(m)
		}
		for _, m := range h.Consumption {
			collect(m)
		}
		for _, m := range h.Banking {
			collect(m)
		}
		for _, m := range h.Health {
			collect(m)
		}
		for _, m := range h.Enrolments {
			collect(m)
		}
		for _, m := range h.Utilities {
			collect(m)
		}
		for _, m := range h.Programmes {
			collect(m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 10 {
		t.Fatalf("only %d agencies found: %v", len(seen), seen)
	}
	for a := range seen {
		if !slices.Contains(hubAgencies, a) {
			t.Errorf("the population emits source agency %q, which hubAgencies lacks", a)
		}
	}
}

// TestGetAsPersonas: get reads as whoever the token names, and a refusal
// prints its reason and both languages' messages.
func TestGetAsPersonas(t *testing.T) {
	p := startPlatform(t, false)
	fams := registrytest.Families(0, 2)
	path := filepath.Join(t.TempDir(), "f.jsonl")
	writeLines(t, path, familyLine(t, fams[0]), familyLine(t, fams[1]))
	if code, out, errOut := p.run(t, "import", "registry", path); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	f := fams[1]
	kk := f.GetKkNumber()
	regency := regionPrefix(f.GetRegionCode(), 2)
	other := "32.04"
	if auth.RegionWithin(f.GetRegionCode(), other) {
		other = "31.71"
	}
	tok := func(c auth.Claims) string { return p.auth.Token(t, c) }
	own := f.GetMembers()[0].GetNik()
	stranger := fams[0].GetMembers()[0].GetNik()

	for name, token := range map[string]string{
		"district officer": tok(authtest.Officer(auth.RoleDistrictOfficer, regency)),
		"citizen":          tok(authtest.Citizen(own)),
		"admin":            tok(authtest.Admin()),
	} {
		if code, out, errOut := p.as(t, token, "get", "family", kk); code != 0 || !strings.Contains(out, "Family "+kk) {
			t.Errorf("%s: exit %d\n%s%s", name, code, out, errOut)
		}
	}
	for _, tc := range []struct {
		name, token string
		want        []string
	}{
		{"officer elsewhere", tok(authtest.Officer(auth.RoleDistrictOfficer, other)),
			[]string{"PermissionDenied", "REGION_OUT_OF_SCOPE", "caller_region=" + other, "id-ID: keluarga ini berada di luar wilayah Anda"}},
		{"another family's citizen", tok(authtest.Citizen(stranger)), []string{"PermissionDenied", "NOT_OWN_FAMILY", "id-ID: "}},
		{"analyst", tok(authtest.Analyst()), []string{"PermissionDenied", "AGGREGATES_ONLY"}},
		{"expired", mustMint(t, p.auth, authtest.Admin(), -time.Hour), []string{"Unauthenticated", "TOKEN_EXPIRED", "dtsenctl token"}},
		{"garbage", "not-a-jwt", []string{"Unauthenticated", "TOKEN_INVALID"}},
	} {
		code, _, errOut := p.as(t, tc.token, "get", "family", kk)
		if code != ExitFailure {
			t.Errorf("%s: exit %d, want %d", tc.name, code, ExitFailure)
		}
		for _, w := range tc.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr %q lacks %q", tc.name, errOut, w)
			}
		}
	}

	// A system authenticates with client credentials; a DTSEN_TOKEN left in
	// the environment does not get in its way.
	p.env["DTSEN_CTL_CLIENT_SECRET"] = authtest.ServiceSecret
	code, out, errOut := p.as(t, "not-a-jwt", "get", "family", kk, "--client-id", "dtsen-registry", "--issuer", p.auth.URL)
	if code != 0 || !strings.Contains(out, "Family "+kk) {
		t.Errorf("client credentials: exit %d\n%s%s", code, out, errOut)
	}
	p.env["DTSEN_CTL_CLIENT_SECRET"] = "wrong"
	code, _, errOut = p.run(t, "get", "family", kk, "--client-id", "dtsen-registry", "--issuer", p.auth.URL)
	if code != ExitFailure || !strings.Contains(errOut, "wrong client id or secret") {
		t.Errorf("wrong client secret: exit %d, stderr %q", code, errOut)
	}
	delete(p.env, "DTSEN_CTL_CLIENT_SECRET")

	// Only Dukcapil's client imports into the registry.
	code, _, errOut = p.as(t, tok(authtest.Integration("bpjs-kesehatan")), "import", "registry", path)
	if code != ExitFailure || !strings.Contains(errOut, "AGENCY_NOT_OWNER") {
		t.Errorf("import as BPJS Kesehatan: exit %d, stderr %q", code, errOut)
	}
}

func mustMint(t *testing.T, env *authtest.Env, c auth.Claims, ttl time.Duration) string {
	t.Helper()
	tok, err := env.Issuer.Mint(c, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
