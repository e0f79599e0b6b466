package cli

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	"github.com/dtsen-id/dtsen/services/grievance/grievancetest"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// TestCasesCommands files an objection as a citizen, then works it through
// dtsenctl as the regency's district officer and the village's field
// verifier: list, triage, assign, verify, decide and show.
func TestCasesCommands(t *testing.T) {
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	registrytest.Seed(t, reg.Client, 6)
	g := grievancetest.Start(t, storagetest.SQLiteURL(t), reg.Addr, reg.Auth)

	own := registrytest.Families(0, 1)[0]
	region := own.GetRegionCode()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := g.ClientAs(t, authtest.Citizen(own.GetHeadNik())).SubmitCase(ctx, &grievancev1.SubmitCaseRequest{
		RequestId: "cli-req-0001", CaseType: grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION,
		Family: "families/" + own.GetKkNumber(), Description: "rumah kami berlantai tanah"})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	id := strings.TrimPrefix(res.GetCase().GetName(), "cases/")

	district := g.Auth.Token(t, authtest.Officer(auth.RoleDistrictOfficer, region[:5]))
	verifierClaims := authtest.Officer(auth.RoleFieldVerifier, region[:8])
	verifier := g.Auth.Token(t, verifierClaims)
	p := &platform{auth: g.Auth, env: map[string]string{
		"DTSEN_CTL_GRIEVANCE_ADDR": g.Addr,
		"DTSEN_CTL_TIMEOUT":        "20s",
		"DTSEN_TOKEN":              district,
		"DTSEN_DEV_ISSUER_DIR":     filepath.Join(t.TempDir(), "no-dev-issuer"),
	}}

	code, out, errOut := p.run(t, "cases", "list")
	if code != 0 || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(id)+` +exclusion_objection +SUBMITTED +`+own.GetKkNumber()+` +`+
		regexp.QuoteMeta(region)+` `).MatchString(out) || !strings.Contains(out, "HANDLING") {
		t.Fatalf("cases list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = p.run(t, "cases", "list", "--state", "submitted", "--type", "exclusion_objection", "--all", "-o", "json")
	var list grievancev1.ListCasesResponse
	if err := protojson.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list.GetCases()) != 1 {
		t.Errorf("cases list --state submitted -o json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if code, out, errOut = p.run(t, "cases", "list", "--state", "approved"); code != 0 || !strings.Contains(out, "no cases") {
		t.Errorf("cases list --state approved: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = p.run(t, "cases", "triage", "cases/"+id, "--reason", "berkas lengkap")
	if code != 0 || !strings.Contains(out, "TRIAGED") {
		t.Fatalf("cases triage: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = p.run(t, "cases", "assign", id, "--to", verifierClaims.Subject, "--reason", "kunjungan lapangan")
	if code != 0 || !strings.Contains(out, "ASSIGNED") || !strings.Contains(out, verifierClaims.Subject) {
		t.Fatalf("cases assign: exit %d\n%s%s", code, out, errOut)
	}
	visit := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	code, out, errOut = p.as(t, verifier, "cases", "verify", id, "--visit-date", visit, "--lat", "-6.9175", "--lon", "107.6191",
		"--answer", "floor_material=tanah", "--answer", "wall_material=bambu", "--photo", "docs/photo-1:lantai", "--notes", "sesuai laporan")
	if code != 0 || !strings.Contains(out, "VERIFIED") || !strings.Contains(out, "floor_material") || !strings.Contains(out, "docs/photo-1 (lantai)") {
		t.Fatalf("cases verify: exit %d\n%s%s", code, out, errOut)
	}

	// Rejecting needs a reason, checked before anything is sent.
	code, _, errOut = p.run(t, "cases", "decide", id, "--reject")
	if code != ExitUsage || !strings.Contains(errOut, "--reason") {
		t.Errorf("cases decide --reject without --reason: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut = p.run(t, "cases", "decide", id, "--approve", "--reason", "lantai tanah terverifikasi")
	if code != 0 || !strings.Contains(out, "APPROVED") {
		t.Fatalf("cases decide --approve: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = p.run(t, "cases", "show", "cases/"+id)
	if code != 0 || !strings.Contains(out, "APPROVED") || !strings.Contains(out, "Decision: approved: lantai tanah terverifikasi") ||
		!strings.Contains(out, "History:") {
		t.Fatalf("cases show: exit %d\n%s%s", code, out, errOut)
	}
	rows := regexp.MustCompile(`(?m)^  [1-9]\d* .* → `).FindAllString(out, -1)
	if len(rows) != 5 {
		t.Errorf("cases show printed %d history rows, want 5:\n%s", len(rows), out)
	}
	for _, want := range []string{"SUBMIT", "TRIAGE", "ASSIGN", "RECORD_VERIFICATION", "APPROVE", "VERIFIED → APPROVED", verifierClaims.Subject} {
		if !strings.Contains(out, want) {
			t.Errorf("cases show lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = p.run(t, "cases", "show", id, "-o", "json")
	var c grievancev1.Case
	if err := protojson.Unmarshal([]byte(out), &c); code != 0 || err != nil || c.GetState() != grievancev1.CaseState_CASE_STATE_APPROVED ||
		len(c.GetHistory()) != 5 {
		t.Errorf("cases show -o json: exit %d, %v\n%s", code, err, out)
	}

	// An officer of another region does not see the case.
	outsider := g.Auth.Token(t, authtest.Officer(auth.RoleDistrictOfficer, "91.01"))
	code, _, errOut = p.as(t, outsider, "cases", "show", id)
	if code != ExitFailure || !strings.Contains(errOut, "CASE_NOT_FOUND") {
		t.Errorf("outsider cases show: exit %d, stderr %q", code, errOut)
	}
}
