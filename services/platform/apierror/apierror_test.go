package apierror

import (
	"errors"
	"fmt"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const domain = "registry.dtsen.go.id"

func TestErrCarriesAllDetails(t *testing.T) {
	err := New(codes.InvalidArgument, domain, "NIK_INVALID_CHECK_DATE").
		Message("NIK has an impossible birth date", "NIK memiliki tanggal lahir yang tidak mungkin").
		Meta("nik", "320412********01").
		Field("person.nik", "INVALID_DATE", "digits 7-12 must be a valid DDMMYY date").
		Err()

	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument || st.Message() != "NIK has an impossible birth date" {
		t.Fatalf("status = %v %q", st.Code(), st.Message())
	}
	var info *errdetails.ErrorInfo
	var br *errdetails.BadRequest
	locales := map[string]string{}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			info = d
		case *errdetails.BadRequest:
			br = d
		case *errdetails.LocalizedMessage:
			locales[d.Locale] = d.Message
		default:
			t.Fatalf("unexpected detail %T", d)
		}
	}
	if info == nil || info.Reason != "NIK_INVALID_CHECK_DATE" || info.Domain != domain || info.Metadata["nik"] != "320412********01" {
		t.Fatalf("ErrorInfo = %v", info)
	}
	if br == nil || len(br.FieldViolations) != 1 {
		t.Fatalf("BadRequest = %v", br)
	}
	fv := br.FieldViolations[0]
	if fv.Field != "person.nik" || fv.Reason != "INVALID_DATE" || fv.Description == "" {
		t.Fatalf("violation = %v", fv)
	}
	if locales["en"] == "" || locales["id-ID"] != "NIK memiliki tanggal lahir yang tidak mungkin" {
		t.Fatalf("localized messages = %v", locales)
	}
}

func TestErrorInfoAlwaysPresent(t *testing.T) {
	err := New(codes.NotFound, domain, "FAMILY_NOT_FOUND").Err()
	if got := ReasonOf(err); got != "FAMILY_NOT_FOUND" {
		t.Fatalf("ReasonOf = %q", got)
	}
	if FieldViolationsOf(err) != nil {
		t.Fatal("no BadRequest expected without Field")
	}
	if status.Convert(err).Message() == "" {
		t.Fatal("status message should default to the reason, not be empty")
	}
}

func TestReasonOfWrappedAndForeignErrors(t *testing.T) {
	base := NotFound(domain, "PERSON_NOT_FOUND", "person not found", "penduduk tidak ditemukan")
	if got := ReasonOf(fmt.Errorf("lookup: %w", base)); got != "PERSON_NOT_FOUND" {
		t.Fatalf("wrapped ReasonOf = %q", got)
	}
	if ReasonOf(errors.New("plain")) != "" || ReasonOf(nil) != "" {
		t.Fatal("errors without ErrorInfo must have empty reason")
	}
	if ReasonOf(status.Error(codes.Internal, "x")) != "" {
		t.Fatal("status without details must have empty reason")
	}
	if LocalizedMessageOf(base, LocaleIndonesian) != "penduduk tidak ditemukan" {
		t.Fatal("Indonesian message lost")
	}
	if status.Code(base) != codes.NotFound {
		t.Fatal("NotFound helper has wrong code")
	}
	if status.Code(InvalidArgument(domain, "BAD", "bad", "buruk")) != codes.InvalidArgument {
		t.Fatal("InvalidArgument helper has wrong code")
	}
}

func TestValidReason(t *testing.T) {
	for _, ok := range []string{"NIK_INVALID_CHECK_DATE", "INTERNAL_PANIC", "A", "KK_16_DIGITS"} {
		if !ValidReason(ok) {
			t.Errorf("ValidReason(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "nik_invalid", "NIK-INVALID", "_NIK", "NIK_", "NIK__X", "1NIK", "Nik"} {
		if ValidReason(bad) {
			t.Errorf("ValidReason(%q) = true", bad)
		}
	}
}
