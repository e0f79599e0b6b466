package citizen

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

const nik = "3204121505900001"

func sessions(t *testing.T, key string) *Sessions {
	t.Helper()
	s, err := NewSessions([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSessions(t *testing.T) {
	s := sessions(t, strings.Repeat("k", 32))
	if _, err := NewSessions(make([]byte, 31)); err == nil {
		t.Error("a 31-byte key was accepted")
	}

	sub := s.Pseudonym(nik)
	if !regexp.MustCompile(`^citizen-[a-z2-7]{20}$`).MatchString(sub) || sub != s.Pseudonym(nik) {
		t.Errorf("pseudonym %q", sub)
	}
	if sessions(t, strings.Repeat("j", 32)).Pseudonym(nik) == sub || s.Pseudonym("3204121505900002") == sub {
		t.Error("pseudonyms collide across keys or NIKs")
	}

	tok, exp := s.Issue(nik)
	if !IsSessionToken(tok) || time.Until(exp) > SessionTTL || time.Until(exp) < SessionTTL-2*time.Second {
		t.Errorf("token %q expires %v", tok, exp)
	}
	got, err := s.Verify(tok)
	if err != nil || got.NIK != nik || got.Subject != sub || !got.Expires.Equal(exp) {
		t.Fatalf("verify: %+v, %v", got, err)
	}

	wantReason := func(what, tok, reason string) {
		t.Helper()
		_, err := s.Verify(tok)
		if status.Code(err) != codes.Unauthenticated || apierror.ReasonOf(err) != reason {
			t.Errorf("%s: %v, want %s", what, err, reason)
		}
	}
	expired, _ := s.IssueAt(nik, time.Now().Add(-SessionTTL-time.Second))
	wantReason("expired", expired, auth.ReasonTokenExpired)
	other, _ := sessions(t, strings.Repeat("j", 32)).Issue(nik)
	wantReason("another key", other, auth.ReasonTokenInvalid)
	sealed := strings.TrimPrefix(tok, TokenPrefix)
	// The token is sealed: no NIK in it, in clear or in base64.
	if strings.Contains(tok, nik) || strings.Contains(tok, base64.RawURLEncoding.EncodeToString([]byte(nik))[:12]) {
		t.Errorf("token %q shows the NIK", tok)
	}
	if again, _ := s.Issue(nik); again == tok {
		t.Error("two sessions of one citizen share a token (no fresh nonce)")
	}
	// Any changed byte breaks the seal.
	raw, _ := base64.RawURLEncoding.DecodeString(sealed)
	for _, i := range []int{0, len(raw) / 2, len(raw) - 1} {
		tampered := append([]byte(nil), raw...)
		tampered[i] ^= 1
		wantReason(fmt.Sprintf("byte %d flipped", i), TokenPrefix+base64.RawURLEncoding.EncodeToString(tampered), auth.ReasonTokenInvalid)
	}
	wantReason("truncated", TokenPrefix+sealed[:20], auth.ReasonTokenInvalid)
	wantReason("another prefix", "cs1."+sealed, auth.ReasonTokenInvalid)
	wantReason("not a session", "eyJhbGciOiJFUzI1NiJ9.e30.sig", auth.ReasonTokenInvalid)
	wantReason("too long", TokenPrefix+strings.Repeat("a", maxTokenBytes), auth.ReasonTokenInvalid)
	wantReason("not base64", TokenPrefix+"!!!!", auth.ReasonTokenInvalid)
}

func TestPendingNotices(t *testing.T) {
	now := time.Now()
	at := func(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(now.Add(d)) }
	ns := []*scoringv1.Notice{
		{Id: "1", Programme: "PKH", Kind: "LOSS", EffectiveTime: at(time.Hour)},
		{Id: "2", Programme: "PKH", Kind: "LOSS_WITHDRAWN"},
		{Id: "3", Programme: "SEMBAKO", Kind: "LOSS", EffectiveTime: at(24 * time.Hour)},
		{Id: "4", Programme: "PBI_JK", Kind: "LOSS"}, // held by an objection
		{Id: "5", Programme: "PIP", Kind: "LOSS_CONFIRMED", EffectiveTime: at(-time.Hour)},
		{Id: "6", Programme: "BLT_DD", Kind: "GAIN", EffectiveTime: at(-time.Hour)},
	}
	var ids []string
	for _, n := range pendingNotices(ns, now) {
		ids = append(ids, n.GetId())
	}
	if strings.Join(ids, ",") != "3,4" {
		t.Errorf("pending notices %v, want 3,4", ids)
	}
}
