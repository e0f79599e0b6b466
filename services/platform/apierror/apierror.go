// Package apierror builds gRPC errors in the shape DESIGN.md §5 requires:
// a google.rpc.Status with a precise code, an ErrorInfo{reason, domain,
// metadata} on every error, BadRequest field violations for field problems,
// and citizen-facing LocalizedMessages in English and Bahasa Indonesia.
//
// Clients (and the gateway) branch on ErrorInfo.reason, never on message
// text, so reasons are part of the API contract.
package apierror

import (
	"errors"
	"regexp"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// Locales for LocalizedMessage details. id-ID is the citizen default.
const (
	LocaleEnglish    = "en"
	LocaleIndonesian = "id-ID"
)

var reasonPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// ValidReason reports whether reason is UPPER_SNAKE (as AIP-193 requires of
// ErrorInfo.reason). Services assert their reasons with it in tests.
func ValidReason(reason string) bool {
	return len(reason) <= 63 && reasonPattern.MatchString(reason)
}

// Error accumulates one API error; finish it with Err.
type Error struct {
	code       codes.Code
	domain     string
	reason     string
	en, id     string
	metadata   map[string]string
	violations []*errdetails.BadRequest_FieldViolation
}

// New starts an error. domain names the owning service
// ("registry.dtsen.go.id"); reason is UPPER_SNAKE ("NIK_INVALID_CHECK_DATE").
func New(code codes.Code, domain, reason string) *Error {
	return &Error{code: code, domain: domain, reason: reason}
}

// Message sets the English status message and the LocalizedMessage details
// in English and Indonesian. An empty id omits the Indonesian detail.
func (e *Error) Message(en, id string) *Error {
	e.en, e.id = en, id
	return e
}

// Meta adds an ErrorInfo metadata entry. Never put a full NIK here: metadata
// ends up in client logs (use privacy.MaskNIK).
func (e *Error) Meta(key, value string) *Error {
	if e.metadata == nil {
		e.metadata = map[string]string{}
	}
	e.metadata[key] = value
	return e
}

// Field adds a BadRequest field violation. field is the request field path
// ("person.nik"), reason an UPPER_SNAKE code for that field.
func (e *Error) Field(field, reason, description string) *Error {
	e.violations = append(e.violations, &errdetails.BadRequest_FieldViolation{
		Field: field, Reason: reason, Description: description,
	})
	return e
}

// Status returns the accumulated error as a *status.Status.
func (e *Error) Status() *status.Status {
	msg := e.en
	if msg == "" {
		msg = e.reason
	}
	details := []proto.Message{&errdetails.ErrorInfo{
		Reason: e.reason, Domain: e.domain, Metadata: e.metadata,
	}}
	if len(e.violations) > 0 {
		details = append(details, &errdetails.BadRequest{FieldViolations: e.violations})
	}
	if e.en != "" {
		details = append(details, &errdetails.LocalizedMessage{Locale: LocaleEnglish, Message: e.en})
	}
	if e.id != "" {
		details = append(details, &errdetails.LocalizedMessage{Locale: LocaleIndonesian, Message: e.id})
	}
	st := status.New(e.code, msg)
	v1 := make([]protoadapt.MessageV1, len(details))
	for i, d := range details {
		v1[i] = protoadapt.MessageV1Of(d)
	}
	withDetails, err := st.WithDetails(v1...)
	if err != nil {
		// Only fails for codes.OK, which is a caller bug; the bare status
		// still carries the code and message.
		return st
	}
	return withDetails
}

// Err returns the error to return from a gRPC handler (nil for codes.OK).
func (e *Error) Err() error {
	return e.Status().Err()
}

// NotFound is shorthand for a NOT_FOUND error with localized messages.
func NotFound(domain, reason, en, id string) error {
	return New(codes.NotFound, domain, reason).Message(en, id).Err()
}

// InvalidArgument is shorthand for an INVALID_ARGUMENT error with localized
// messages; use New(...).Field(...) when a specific field is at fault.
func InvalidArgument(domain, reason, en, id string) error {
	return New(codes.InvalidArgument, domain, reason).Message(en, id).Err()
}

// ErrorInfoOf returns the ErrorInfo detail of err, or nil if it has none.
func ErrorInfoOf(err error) *errdetails.ErrorInfo {
	st, ok := statusOf(err)
	if !ok {
		return nil
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// ReasonOf returns ErrorInfo.reason of err, or "" when err carries none.
func ReasonOf(err error) string {
	return ErrorInfoOf(err).GetReason()
}

// LocalizedMessageOf returns the message for locale, or "" if absent. The
// gateway uses it to pick a citizen's language.
func LocalizedMessageOf(err error, locale string) string {
	st, ok := statusOf(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if m, ok := d.(*errdetails.LocalizedMessage); ok && m.GetLocale() == locale {
			return m.GetMessage()
		}
	}
	return ""
}

// FieldViolationsOf returns the BadRequest field violations of err.
func FieldViolationsOf(err error) []*errdetails.BadRequest_FieldViolation {
	st, ok := statusOf(err)
	if !ok {
		return nil
	}
	var out []*errdetails.BadRequest_FieldViolation
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			out = append(out, br.GetFieldViolations()...)
		}
	}
	return out
}

// statusOf unwraps wrapped errors too, so fmt.Errorf("...: %w", err) keeps
// its reason.
func statusOf(err error) (*status.Status, bool) {
	if err == nil {
		return nil, false
	}
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		return se.GRPCStatus(), true
	}
	return nil, false
}
