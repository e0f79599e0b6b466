package privacy

import (
	"regexp"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// sixteenDigits finds NIKs and KK numbers inside resource names such as
// persons/3204121505900001/incomes/bpjs-tk-2026-10.
var sixteenDigits = regexp.MustCompile(`\b\d{16}\b`)

// MaskMessage masks, in place and through every nested and repeated message,
// the fields that identify a person: NIKs and KK numbers (fields named nik,
// *_nik, kk_number, *_kk_number, and any 16-digit number inside a resource
// name), names (full_name), birth details (birth_date keeps its year,
// birth_place is hidden) and the street address (street, rt, rw). Region
// codes, amounts and categories stay: they are what an oversight role needs.
//
// Field names, not types, decide, so a new field called owner_nik is masked
// without anyone remembering to.
func MaskMessage(m proto.Message) {
	if m == nil {
		return
	}
	maskMessage(m.ProtoReflect())
}

func maskMessage(m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
			list := v.List()
			for i := 0; i < list.Len(); i++ {
				maskMessage(list.Get(i).Message())
			}
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					maskMessage(mv.Message())
					return true
				})
			}
		case fd.Kind() == protoreflect.MessageKind:
			maskMessage(v.Message())
		case fd.Kind() == protoreflect.StringKind && !fd.IsList():
			if masked, ok := maskField(string(fd.Name()), v.String()); ok {
				m.Set(fd, protoreflect.ValueOfString(masked))
			}
		}
		return true
	})
}

func maskField(name, value string) (string, bool) {
	switch {
	case name == "nik" || strings.HasSuffix(name, "_nik") || name == "kk_number" || strings.HasSuffix(name, "_kk_number"):
		return MaskNIK(value), true
	case name == "full_name":
		return MaskName(value), true
	case name == "birth_date":
		if len(value) >= 4 {
			return value[:4] + "-**-**", true
		}
		return "", true
	case name == "birth_place" || name == "street" || name == "rt" || name == "rw":
		return strings.Repeat("*", min(len(value), 3)), true
	case name == "name" || name == "family" || name == "owner" || strings.HasSuffix(name, "_name") && name != "display_name":
		return sixteenDigits.ReplaceAllStringFunc(value, MaskNIK), true
	}
	return "", false
}

// MaskText masks every NIK or KK number inside free text, such as an error
// message about to be logged.
func MaskText(s string) string { return sixteenDigits.ReplaceAllStringFunc(s, MaskNIK) }
