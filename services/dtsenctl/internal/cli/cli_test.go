package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/population/export"
	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

// platform is a real registry (and, when full, the three source contexts)
// served in-process on SQLite, trusting one development issuer, with the
// environment pointing dtsenctl at it and carrying an integration client's
// token for every agency the population emits.
type platform struct {
	reg  *registrytest.Registry
	auth *authtest.Env
	env  map[string]string
}

func startPlatform(t *testing.T, full bool) *platform {
	t.Helper()
	return startPlatformWith(t, full, authtest.Start(t))
}

func startPlatformWith(t *testing.T, full bool, env *authtest.Env) *platform {
	t.Helper()
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{ChunkSize: 50, Auth: env})
	p := &platform{reg: reg, auth: env, env: map[string]string{"DTSEN_CTL_REGISTRY_ADDR": reg.Addr,
		// Nothing listens there: a test that forgets a context fails fast.
		"DTSEN_CTL_ASSET_ADDR": "127.0.0.1:1", "DTSEN_CTL_INCOME_ADDR": "127.0.0.1:1", "DTSEN_CTL_SERVICEUSAGE_ADDR": "127.0.0.1:1",
		"DTSEN_CTL_TIMEOUT": "10s",
		"DTSEN_TOKEN":       env.Token(t, authtest.Integration(hubAgencies...)),
		// Never a developer's ./var/dev-issuer.
		"DTSEN_DEV_ISSUER_DIR": filepath.Join(t.TempDir(), "no-dev-issuer")}}
	if full {
		p.env["DTSEN_CTL_ASSET_ADDR"] = assettest.Start(t, storagetest.SQLiteURL(t), reg.Addr, assettest.Options{Auth: env}).Addr
		p.env["DTSEN_CTL_INCOME_ADDR"] = incometest.Start(t, storagetest.SQLiteURL(t), reg.Addr, incometest.Options{Auth: env}).Addr
		p.env["DTSEN_CTL_SERVICEUSAGE_ADDR"] = serviceusagetest.Start(t, storagetest.SQLiteURL(t), reg.Addr, serviceusagetest.Options{Auth: env}).Addr
	}
	return p
}

// as returns args run with tok instead of the platform's default token.
func (p *platform) as(t *testing.T, tok string, args ...string) (int, string, string) {
	t.Helper()
	saved := p.env["DTSEN_TOKEN"]
	defer func() { p.env["DTSEN_TOKEN"] = saved }()
	p.env["DTSEN_TOKEN"] = tok
	return p.run(t, args...)
}

// run runs dtsenctl with args and returns its exit code and outputs.
func (p *platform) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return p.env[k] }}
	code := app.Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func familyLine(t *testing.T, f *registryv1.Family) string {
	t.Helper()
	b, err := protojson.Marshal(&registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Family{Family: f}})
	if err != nil {
		t.Fatal(err)
	}
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		t.Fatal(err)
	}
	return c.String()
}

func readRejections(t *testing.T, path string) []rejectionLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []rejectionLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l rejectionLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("rejections line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

func TestImportWithRejections(t *testing.T) {
	p := startPlatform(t, false)
	fams := registrytest.Families(0, 6)
	bad := proto.Clone(fams[5]).(*registryv1.Family)
	bad.Members[0].Nik = bad.Members[0].Nik[:12] + "0000" // serial 0000
	if bad.GetHeadNik() == fams[5].Members[0].GetNik() {
		bad.HeadNik = bad.Members[0].Nik
	}
	path := filepath.Join(t.TempDir(), "families.jsonl")
	writeLines(t, path,
		familyLine(t, fams[0]),
		`{"family": {"kkNumber": `, // line 2: broken JSON
		familyLine(t, fams[1]),
		"",
		`{"header": {"source": "x", "batchId": "y"}}`, // line 5: a header in the file
		familyLine(t, fams[2]),
		`{"family": {"noSuchField": 1}}`, // line 7: unknown field
		familyLine(t, fams[3]),
		familyLine(t, bad), // line 9: invalid NIK
		familyLine(t, fams[4]),
	)
	code, out, errOut := p.run(t, "import", "registry", path)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{"9 records in 1 batch, 5 accepted, 0 unchanged, 4 rejected", "RECORD_UNREADABLE", "NIK_INVALID_SERIAL",
		"rejections written to " + path + ".rejections.jsonl"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	rej := readRejections(t, path+".rejections.jsonl")
	var lines []int
	reasons := map[string]int{}
	for _, r := range rej {
		lines = append(lines, r.Line)
		reasons[r.Reason]++
		if r.File != path || !strings.HasPrefix(r.Batch, "families.jsonl-") || r.Description == "" {
			t.Errorf("rejection %+v: want file, batch and description", r)
		}
	}
	if reasons[reasonUnreadable] != 3 || reasons["NIK_INVALID_SERIAL"] < 1 {
		t.Errorf("reasons = %v, want 3 %s and NIK_INVALID_SERIAL", reasons, reasonUnreadable)
	}
	if want := []int{2, 5, 7, 9}; !equalInts(uniq(lines), want) {
		t.Errorf("rejected lines = %v, want %v", uniq(lines), want)
	}
	for _, r := range rej {
		if r.Line == 9 && (r.Index != 7 || r.Key == "" || r.Field == "") {
			t.Errorf("invalid family rejection = %+v, want index 7 with key and field", r)
		}
	}
	if n := p.reg.FamilyRows(t); n != 5 {
		t.Errorf("families stored = %d, want 5", n)
	}

	// The same file again: its batch is replayed, nothing is written, and the
	// rejections file is rebuilt the same.
	code, out, _ = p.run(t, "import", "registry", "--quiet", path)
	if code != 0 || !strings.Contains(out, "1 of 1 batch already imported earlier") || !strings.Contains(out, "4 rejected") {
		t.Fatalf("re-run: exit %d\n%s", code, out)
	}
	if again := readRejections(t, path+".rejections.jsonl"); len(again) != len(rej) {
		t.Errorf("re-run rejections: %d lines, want %d", len(again), len(rej))
	}
}

func uniq(xs []int) []int {
	var out []int
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestImportResumesAfterInterruption(t *testing.T) {
	p := startPlatform(t, false)
	var lines []string
	for _, f := range registrytest.Families(0, 250) {
		lines = append(lines, familyLine(t, f))
	}
	path := filepath.Join(t.TempDir(), "registry.jsonl")
	writeLines(t, path, lines...)

	// Interrupted after the first of three batches.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	conn := &ConnConfig{Addr: map[string]*string{"registry": &p.reg.Addr}, Token: p.env["DTSEN_TOKEN"]}
	if err := conn.authenticate(&Env{}, explicitAuth); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err := importFiles(ctx, conn, []string{path}, importOptions{Context: importContexts["registry"], BatchSize: 100, Stderr: &out,
		afterBatch: func(_ string, b int) {
			if b == 0 {
				cancel()
			}
		}})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("interrupted import: err = %v, want interrupted", err)
	}
	if n := p.reg.FamilyRows(t); n != 100 {
		t.Fatalf("after the interruption %d families are stored, want 100", n)
	}

	code, stdout, stderr := p.run(t, "import", "registry", "--batch-size", "100", path)
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"250 records in 3 batches, 250 accepted, 0 unchanged, 0 rejected", "1 of 3 batches already imported earlier"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("resume summary lacks %q:\n%s", want, stdout)
		}
	}
	if n := p.reg.FamilyRows(t); n != 250 {
		t.Errorf("after the resume %d families are stored, want 250", n)
	}
	// A third run replays everything.
	start := time.Now()
	code, stdout, _ = p.run(t, "import", "registry", "--batch-size", "100", path)
	if code != 0 || !strings.Contains(stdout, "3 of 3 batches already imported earlier") {
		t.Errorf("third run: exit %d\n%s", code, stdout)
	}
	t.Logf("replaying 3 batches took %s", time.Since(start))
}

func TestGetFamilyAndPerson(t *testing.T) {
	p := startPlatform(t, false)
	fams := registrytest.Families(0, 2)
	path := filepath.Join(t.TempDir(), "f.jsonl")
	writeLines(t, path, familyLine(t, fams[0]), familyLine(t, fams[1]))
	if code, out, errOut := p.run(t, "import", "registry", path); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	f := fams[1]
	code, out, errOut := p.run(t, "get", "family", f.GetKkNumber(), "-o", "json")
	if code != 0 {
		t.Fatalf("get family: %d %s", code, errOut)
	}
	var got registryv1.Family
	if err := protojson.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("get family -o json is not a Family: %v\n%s", err, out)
	}
	if got.GetName() != "families/"+f.GetKkNumber() || got.GetHeadNik() != f.GetHeadNik() || len(got.GetMembers()) != len(f.GetMembers()) {
		t.Errorf("family = %v, want %s with %d members", &got, f.GetKkNumber(), len(f.GetMembers()))
	}
	if !strings.Contains(out, `"kkNumber"`) {
		t.Errorf("JSON is not lowerCamelCase protojson:\n%s", out)
	}

	nik := f.GetMembers()[0].GetNik()
	code, out, errOut = p.run(t, "get", "person", nik, "--output=json")
	if code != 0 {
		t.Fatalf("get person: %d %s", code, errOut)
	}
	var person registryv1.Person
	if err := protojson.Unmarshal([]byte(out), &person); err != nil {
		t.Fatal(err)
	}
	if person.GetNik() != nik || person.GetFamily() != "families/"+f.GetKkNumber() {
		t.Errorf("person = %v", &person)
	}

	// The human table.
	code, out, _ = p.run(t, "get", "family", "families/"+f.GetKkNumber())
	if code != 0 || !strings.Contains(out, "Family "+f.GetKkNumber()) || !strings.Contains(out, nik) ||
		!strings.Contains(out, "RELATION") || !strings.Contains(out, "alive") {
		t.Errorf("family table (exit %d):\n%s", code, out)
	}
	code, out, _ = p.run(t, "get", "person", nik)
	if code != 0 || !strings.Contains(out, f.GetMembers()[0].GetFullName()) {
		t.Errorf("person table (exit %d):\n%s", code, out)
	}

	// Not found: a clear error and exit 1.
	missing := f.GetKkNumber()[:12] + "9999"
	code, _, errOut = p.run(t, "get", "family", missing)
	if code != ExitFailure || !strings.Contains(errOut, "NotFound") {
		t.Errorf("missing family: exit %d, stderr %q", code, errOut)
	}
}

// TestSeed runs the platform as make run does: a development issuer
// (dtsenctl dev-issuer) that every service trusts, seed authenticating as
// its hub client by default, and the personas it printed reading the demo
// family.
func TestSeed(t *testing.T) {
	dev := startDevIssuer(t, "--families", "300", "--seed", "7")
	p := startPlatformWith(t, true, dev.env)
	delete(p.env, "DTSEN_TOKEN")
	p.env["DTSEN_DEV_ISSUER_DIR"] = dev.dir
	dir := filepath.Join(t.TempDir(), "pop")
	start := time.Now()
	code, out, errOut := p.run(t, "seed", "--families", "300", "--seed", "7", "--dir", dir)
	if code != 0 {
		t.Fatalf("seed: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("seed of 300 families: %s\n%s", time.Since(start), out)
	if !strings.Contains(errOut, "authenticating as "+hubClientID) {
		t.Errorf("seed did not say it used the dev hub client:\n%s", errOut)
	}
	m, err := readManifest(dir)
	if err != nil || m == nil {
		t.Fatalf("manifest: %v", err)
	}
	for _, f := range m.Files {
		if f.Source != "" && !slices.Contains(hubAgencies, f.Source) {
			t.Errorf("%s is imported under source %q, which the hub does not submit for", f.Name, f.Source)
		}
	}
	// Every context file: all its records accounted for. Only the registry
	// rejects (the deliberate NIK errors and persons in two families); the
	// others keep records of unknown families UNMATCHED.
	wantRegistryRejected := m.Errors["NIK_INVALID"] + m.Errors["PERSON_IN_TWO_FAMILIES"]
	for _, f := range seedFiles(m) {
		line := summaryLine(out, f.Name)
		if line == "" {
			t.Errorf("no summary for %s:\n%s", f.Name, out)
			continue
		}
		wantRej := int64(0)
		if f.Context == "registry" {
			wantRej = wantRegistryRejected
		}
		want := f.Name + " -> " + f.Context + " (source " + f.Source + "): " + thousands(f.Records) + " records in 1 batch, " +
			thousands(f.Records-wantRej) + " accepted, 0 unchanged, " + thousands(wantRej) + " rejected"
		if !strings.HasPrefix(line, want) {
			t.Errorf("summary\n  %s\nwant\n  %s", line, want)
		}
	}
	if n := p.reg.FamilyRows(t); int64(n) != int64(m.Families)-wantRegistryRejected {
		t.Errorf("registry holds %d families, want %d", n, int64(m.Families)-wantRegistryRejected)
	}

	// Seeding again reuses the files and replays every batch.
	start = time.Now()
	code, out, _ = p.run(t, "seed", "--families", "300", "--seed", "7", "--dir", dir)
	if code != 0 || !strings.Contains(out, "using the population in") || !strings.Contains(out, "already seeded (every batch replayed)") {
		t.Errorf("second seed: exit %d\n%s", code, out)
	}
	t.Logf("second seed: %s", time.Since(start))

	// Examples are families without deliberate errors, present in the registry.
	// The first example is the family the personas were placed around.
	code, out, _ = p.run(t, "examples", "--dir", dir, "-n", "2", "-o", "plain")
	fields := strings.Fields(out)
	if code != 0 || len(fields) != 4 {
		t.Fatalf("examples: exit %d %q", code, out)
	}
	kk, nik := fields[0], fields[1]
	if kk != dev.tokens["DTSEN_DEMO_KK"] || nik != dev.tokens["DTSEN_DEMO_NIK"] {
		t.Fatalf("examples start with %s %s, the personas' demo family is %s %s", kk, nik,
			dev.tokens["DTSEN_DEMO_KK"], dev.tokens["DTSEN_DEMO_NIK"])
	}
	for _, who := range []string{"DISTRICT_OFFICER", "VILLAGE_OPERATOR", "FIELD_VERIFIER", "PROVINCIAL_OFFICER", "CITIZEN", "ADMIN"} {
		code, out, errOut = p.as(t, dev.tokens["DTSEN_TOKEN_"+who], "get", "family", kk)
		// The provincial officer oversees: identities come back masked.
		if code != 0 || !strings.Contains(out, "Family ") || strings.Contains(out, nik) != (who != "PROVINCIAL_OFFICER") {
			t.Errorf("%s reading the demo family %s: exit %d\n%s%s", who, kk, code, out, errOut)
		}
	}
	for _, what := range []string{"assets", "economics", "serviceusage"} {
		if code, out, errOut = p.as(t, dev.tokens["DTSEN_TOKEN_DISTRICT_OFFICER"], "get", what, kk, "-o", "json"); code != 0 || !strings.Contains(out, kk) {
			t.Errorf("get %s %s: exit %d\n%s%s", what, kk, code, out, errOut)
		}
	}
	for who, want := range map[string]string{"OTHER_DISTRICT_OFFICER": "REGION_OUT_OF_SCOPE", "ANALYST": "AGGREGATES_ONLY"} {
		code, _, errOut = p.as(t, dev.tokens["DTSEN_TOKEN_"+who], "get", "family", kk)
		if code != ExitFailure || !strings.Contains(errOut, "PermissionDenied") || !strings.Contains(errOut, want) {
			t.Errorf("%s reading the demo family: exit %d, stderr %q; want PermissionDenied %s", who, code, errOut, want)
		}
	}
}

func summaryLine(out, file string) string {
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, file+" -> ") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func TestBadArguments(t *testing.T) {
	noDev := filepath.Join(t.TempDir(), "no-dev-issuer")
	p := &platform{env: map[string]string{"DTSEN_CTL_REGISTRY_ADDR": "127.0.0.1:1", "DTSEN_TOKEN": "x", "DTSEN_DEV_ISSUER_DIR": noDev}}
	existing := filepath.Join(t.TempDir(), "x.jsonl")
	writeLines(t, existing, "{}")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "people", existing}, ExitUsage, `unknown context "people"`},
		{[]string{"import", "registry", filepath.Join(t.TempDir(), "missing.jsonl")}, ExitUsage, "no such file"},
		{[]string{"import", "registry"}, ExitUsage, "missing FILE"},
		{[]string{"import"}, ExitUsage, "missing <context>"},
		{[]string{"import", "asset", filepath.Join(t.TempDir(), "a.csv")}, ExitUsage, "no such file"},
		{[]string{"import", "--batch-size", "x", "registry", existing}, ExitUsage, "invalid value"},
		{[]string{"frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{[]string{"get", "household", "1"}, ExitUsage, `unknown resource "household"`},
		{[]string{"get", "family"}, ExitUsage, "exactly one KK"},
		{[]string{"get", "family", "3204120000000001", "-o", "yaml"}, ExitUsage, "want table or json"},
		{[]string{"seed", "--families", "0"}, ExitUsage, "at least 1"},
		{[]string{"get", "family", "3204120000000001", "--token", "x", "--client-id", "c"}, ExitUsage, "not both"},
		{[]string{"get", "family", "3204120000000001", "--client-id", "c", "--client-secret", "s"}, ExitUsage, "DTSEN_AUTH_ISSUER"},
		{[]string{"get", "family", "3204120000000001", "--client-id", "c", "--issuer", "http://127.0.0.1:1"}, ExitUsage, "--client-secret"},
		{[]string{"get", "family", "3204120000000001", "--client-id", "c", "--client-secret", "s", "--issuer", "http://idp.example"},
			ExitFailure, "clear text"},
		{[]string{"token"}, ExitUsage, "--role is required"},
		{[]string{"token", "--role", "mayor"}, ExitUsage, "not a DTSEN role"},
		{[]string{"token", "--role", "district_officer"}, ExitUsage, "needs --region"},
		{[]string{"token", "--role", "district_officer", "--region", "32.4"}, ExitUsage, "needs --region"},
		{[]string{"token", "--role", "citizen", "--nik", "123"}, ExitUsage, "16-digit NIK"},
		{[]string{"token", "--role", "integration_client", "--agency", "pln"}, ExitUsage, "needs --purpose"},
		{[]string{"token", "--role", "admin", "--region", "32"}, ExitUsage, "--region applies"},
		{[]string{"token", "--role", "admin", "--dir", noDev}, ExitFailure, "no development issuer"},
		{[]string{"score"}, ExitUsage, "exactly one KK"},
		{[]string{"score", "3204120000000001", "-o", "yaml"}, ExitUsage, "want table or json"},
		{[]string{"score", "3204120000000001", "--lang", "fr"}, ExitUsage, "want id or en"},
		{[]string{"eligibility", "1", "2"}, ExitUsage, "exactly one KK"},
		{[]string{"rank", "now"}, ExitUsage, "unexpected arguments"},
		{[]string{"model"}, ExitUsage, "missing what to do"},
		{[]string{"model", "retrain"}, ExitUsage, `unknown model action "retrain"`},
		{[]string{"model", "train"}, ExitUsage, "needs --kind"},
		{[]string{"model", "train", "--kind", "forest"}, ExitUsage, "want gbt or ols"},
		{[]string{"model", "train", "--kind", "ols", "--rounds", "5"}, ExitUsage, "--kind gbt only"},
		{[]string{"model", "train", "--kind", "gbt", "--rounds", "x"}, ExitUsage, "not a whole number"},
		{[]string{"model", "list", "--kind", "gbt"}, ExitUsage, "model train only"},
		{[]string{"model", "activate", "gbt-1"}, ExitUsage, "needs --reason"},
		{[]string{"model", "activate", "--reason", "ok"}, ExitUsage, "exactly one MODEL_ID"},
		{[]string{"model", "evaluate", "gbt-1", "--reason", "ok"}, ExitUsage, "--reason applies"},
		{[]string{"cases"}, ExitUsage, "missing what to do"},
		{[]string{"cases", "close", "c-1"}, ExitUsage, `unknown cases action "close"`},
		{[]string{"cases", "show"}, ExitUsage, "exactly one CASE_ID"},
		{[]string{"cases", "list", "extra"}, ExitUsage, "takes no arguments"},
		{[]string{"cases", "list", "--state", "open"}, ExitUsage, "want one of submitted, triaged"},
		{[]string{"cases", "list", "--type", "complaint"}, ExitUsage, "want one of exclusion_objection"},
		{[]string{"cases", "show", "c-1", "--overdue"}, ExitUsage, "cases list only"},
		{[]string{"cases", "list", "-o", "yaml"}, ExitUsage, "want table or json"},
		{[]string{"cases", "assign", "c-1"}, ExitUsage, "needs --to"},
		{[]string{"cases", "show", "c-1", "--to", "v"}, ExitUsage, "--to applies"},
		{[]string{"cases", "verify", "c-1", "--lat", "-6.9", "--lon", "107.6"}, ExitUsage, "needs --visit-date"},
		{[]string{"cases", "verify", "c-1", "--visit-date", "27-11-2026", "--lat", "-6.9", "--lon", "107.6"}, ExitUsage, "want YYYY-MM-DD"},
		{[]string{"cases", "verify", "c-1", "--visit-date", "2026-11-01", "--lat", "-6.9"}, ExitUsage, "needs --lat and --lon"},
		{[]string{"cases", "verify", "c-1", "--visit-date", "2026-11-01", "--lat", "x", "--lon", "107.6"}, ExitUsage, "not a number"},
		{[]string{"cases", "verify", "c-1", "--visit-date", "2026-11-01", "--lat", "-6.9", "--lon", "107.6", "--answer", "floor"}, ExitUsage, "want code=value"},
		{[]string{"cases", "triage", "c-1", "--notes", "x"}, ExitUsage, "cases verify only"},
		{[]string{"cases", "decide", "c-1"}, ExitUsage, "exactly one of --approve and --reject"},
		{[]string{"cases", "decide", "c-1", "--approve", "--reject", "--reason", "x"}, ExitUsage, "exactly one of --approve and --reject"},
		{[]string{"cases", "decide", "c-1", "--reject"}, ExitUsage, "needs --reason"},
		{[]string{"cases", "show", "c-1", "--approve"}, ExitUsage, "cases decide only"},
		{[]string{"cases", "show", "c-1", "--reason", "x"}, ExitUsage, "--reason applies"},
		{[]string{"cases", "show", "c-1", "--grievance-addr", "127.0.0.1:1", "--timeout", "1s"}, ExitFailure, "Unavailable"},
		{[]string{"score", "3204120000000001", "--scoring-addr", "127.0.0.1:1", "--timeout", "1s"}, ExitFailure, "Unavailable"},
		// A transport failure is exit 1.
		{[]string{"import", "registry", "--timeout", "1s", existing}, ExitFailure, "Unavailable"},
	} {
		code, _, errOut := p.run(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("dtsenctl %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
		}
	}
	code, out, _ := p.run(t, "--help")
	if code != 0 || !strings.Contains(out, "import") || !strings.Contains(out, "seed") || !strings.Contains(out, "--registry-addr") ||
		!strings.Contains(out, "--scoring-addr") || !strings.Contains(out, "rank") || !strings.Contains(out, "model") ||
		!strings.Contains(out, "--grievance-addr") || !strings.Contains(out, "cases") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	code, out, _ = p.run(t, "import", "--help")
	if code != 0 || !strings.Contains(out, "--batch-size") || !strings.Contains(out, "--tls-ca") || !strings.Contains(out, "--client-id") {
		t.Errorf("import --help: exit %d\n%s", code, out)
	}
	// Secrets from the environment are never printed as flag defaults.
	p.env["DTSEN_CTL_CLIENT_SECRET"] = "s3cret"
	if code, out, _ = p.run(t, "get", "--help"); code != 0 || strings.Contains(out, "s3cret") || strings.Contains(out, "(default x)") {
		t.Errorf("get --help shows a secret:\n%s", out)
	}
	for _, cmd := range []string{"dev-issuer", "token"} {
		if code, out, _ = p.run(t, cmd, "--help"); code != 0 || !strings.Contains(out, "DEVELOPMENT ONLY") {
			t.Errorf("%s --help does not say DEVELOPMENT ONLY:\n%s", cmd, out)
		}
	}

	// get needs a token, and says which variable to set.
	delete(p.env, "DTSEN_TOKEN")
	if code, _, errOut := p.run(t, "get", "family", "3204120000000001"); code != ExitUsage || !strings.Contains(errOut, "DTSEN_TOKEN") {
		t.Errorf("get without a token: exit %d, stderr %q", code, errOut)
	}
	// So does import when no dev issuer is there to fall back on.
	if code, _, errOut := p.run(t, "import", "registry", existing); code != ExitUsage || !strings.Contains(errOut, "DTSEN_TOKEN") {
		t.Errorf("import without a token: exit %d, stderr %q", code, errOut)
	}
}

func TestRegistryCSV(t *testing.T) {
	p := startPlatform(t, false)
	dir := t.TempDir()
	if _, err := export.Write(dir, population.Config{Families: 40, Seed: 3}, export.Options{CSV: true}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := p.run(t, "import", "registry", filepath.Join(dir, "registry.csv"))
	if code != 0 {
		t.Fatalf("csv import: %d %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "registry.csv -> registry (source dukcapil): 40 records") {
		t.Errorf("csv summary:\n%s", out)
	}
	// The JSONL of the same families is unchanged after the CSV.
	code, out, _ = p.run(t, "import", "registry", filepath.Join(dir, "registry.jsonl"))
	line := summaryLine(out, "registry.jsonl")
	if code != 0 || !strings.Contains(line, " 0 accepted") {
		t.Errorf("jsonl after csv: %d\n%s", code, out)
	}
}

func TestTokenNeedsTLSOffLoopback(t *testing.T) {
	addr := "10.1.2.3:9101"
	c := &ConnConfig{Addr: map[string]*string{"registry": &addr}, Token: "secret"}
	if err := c.authenticate(&Env{}, explicitAuth); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Conn("registry"); err == nil || !strings.Contains(err.Error(), "--tls") {
		t.Errorf("token in clear text off loopback: err = %v", err)
	}
	local := "127.0.0.1:9101"
	c = &ConnConfig{Addr: map[string]*string{"registry": &local}, Token: "Bearer secret"}
	if err := c.authenticate(&Env{}, explicitAuth); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Conn("registry"); err != nil {
		t.Errorf("token on loopback: %v", err)
	}
	c.Close()
	creds := tokenCredentials{src: c.tokens}
	md, err := creds.GetRequestMetadata(context.Background())
	if err != nil || md["authorization"] != "Bearer secret" {
		t.Errorf("metadata = %v, %v", md, err)
	}
	// Health checks carry no token: waiting for a service never depends on
	// the issuer.
	health := credentials.NewContextWithRequestInfo(context.Background(), credentials.RequestInfo{Method: "/grpc.health.v1.Health/Check"})
	if md, err := creds.GetRequestMetadata(health); err != nil || len(md) != 0 {
		t.Errorf("health check metadata = %v, %v", md, err)
	}
}

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, true, "income.jsonl", 200_000)
	p.refresh = 0
	p.add(50_000)
	p.finish()
	s := b.String()
	for _, want := range []string{"\rincome.jsonl", "50,000/200,000", " 25%", "/s", "ETA ", "\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("progress %q lacks %q", s, want)
		}
	}
	var off bytes.Buffer
	q := newProgress(&off, false, "x", 10)
	q.add(5)
	q.finish()
	if off.Len() != 0 {
		t.Errorf("disabled progress wrote %q", off.String())
	}
}
