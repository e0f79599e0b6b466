package validation

import (
	"errors"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestValidateRunsRegisteredValidator(t *testing.T) {
	r := NewRegistry()
	Register(r, func(m *wrapperspb.StringValue) error {
		if len(m.GetValue()) != 16 {
			return apierror.New(codes.InvalidArgument, "registry.dtsen.go.id", "NIK_WRONG_LENGTH").
				Field("value", "LENGTH", "a NIK has 16 digits").Err()
		}
		return nil
	})
	if err := r.Validate(wrapperspb.String("3204121505900001")); err != nil {
		t.Fatalf("valid request rejected: %v", err)
	}
	err := r.Validate(wrapperspb.String("123"))
	if status.Code(err) != codes.InvalidArgument || apierror.ReasonOf(err) != "NIK_WRONG_LENGTH" {
		t.Fatalf("got %v (reason %q)", err, apierror.ReasonOf(err))
	}
}

func TestValidateIgnoresUnregisteredTypes(t *testing.T) {
	r := NewRegistry()
	Register(r, func(*wrapperspb.StringValue) error { return errors.New("always") })
	if err := r.Validate(wrapperspb.Int64(1)); err != nil {
		t.Fatalf("unregistered type validated: %v", err)
	}
	var nilReg *Registry
	if err := nilReg.Validate(wrapperspb.String("")); err != nil {
		t.Fatalf("nil registry: %v", err)
	}
}

func TestPlainErrorsBecomeInvalidArgument(t *testing.T) {
	r := NewRegistry()
	Register(r, func(*wrapperspb.StringValue) error { return errors.New("empty value") })
	err := r.Validate(wrapperspb.String(""))
	if status.Code(err) != codes.InvalidArgument || apierror.ReasonOf(err) != ReasonRequestInvalid {
		t.Fatalf("got %v", err)
	}
}

func TestValidatorsRunInOrderFirstErrorWins(t *testing.T) {
	r := NewRegistry()
	var ran []int
	Register(r, func(*wrapperspb.StringValue) error { ran = append(ran, 1); return nil })
	Register(r, func(*wrapperspb.StringValue) error {
		ran = append(ran, 2)
		return apierror.New(codes.InvalidArgument, "d", "SECOND").Err()
	})
	Register(r, func(*wrapperspb.StringValue) error { ran = append(ran, 3); return nil })
	if apierror.ReasonOf(r.Validate(wrapperspb.String(""))) != "SECOND" {
		t.Fatal("second validator's error not returned")
	}
	if len(ran) != 2 {
		t.Fatalf("validators ran: %v (should stop at first error)", ran)
	}
}
