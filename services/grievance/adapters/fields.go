package adapters

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
)

// record is one kind of record a case may correct: which context owns it,
// whether it is the family's or one member's, the message it is, and the
// fields that a field visit or a complainant can settle. Keys, sources,
// dates and everything the owning context computes are not among them.
type record struct {
	context string
	name    string
	// perPerson records are named "<name>.<nik>.<field>".
	perPerson bool
	msg       protoreflect.MessageDescriptor
	fields    []string
}

// records is the catalogue of correctable fields (docs/grievance.md
// lists it for officers).
var records = []record{
	{context: "registry", name: "family", msg: (&registryv1.Family{}).ProtoReflect().Descriptor(),
		fields: []string{"address.street", "address.rt", "address.rw", "address.postal_code", "settlement"}},
	{context: "registry", name: "person", perPerson: true, msg: (&registryv1.Person{}).ProtoReflect().Descriptor(),
		fields: []string{"marital_status", "education", "occupation", "disability", "severe_disability"}},
	{context: "asset", name: "housing", msg: (&assetv1.Housing{}).ProtoReflect().Descriptor(),
		fields: []string{"floor_area_sqm", "floor_material", "floor_condition", "wall_material", "wall_condition",
			"roof_material", "roof_condition", "tenure", "bedrooms", "drinking_water", "lighting",
			"electricity_power", "cooking_fuel", "toilet", "sewage"}},
	{context: "asset", name: "holdings", msg: (&assetv1.Holdings{}).ProtoReflect().Descriptor(),
		fields: []string{"gold_or_savings",
			"livestock.cattle", "livestock.buffalo", "livestock.horse", "livestock.pig", "livestock.goat_sheep",
			"livestock.poultry", "goods.gas_cylinder_large", "goods.refrigerator", "goods.air_conditioner",
			"goods.water_heater", "goods.telephone", "goods.television", "goods.computer"}},
	{context: "income", name: "employment", perPerson: true, msg: (&incomev1.Employment{}).ProtoReflect().Descriptor(),
		fields: []string{"sector", "status", "hours_per_week"}},
	{context: "serviceusage", name: "health_coverage", perPerson: true,
		msg:    (&serviceusagev1.HealthCoverage{}).ProtoReflect().Descriptor(),
		fields: []string{"membership_class", "chronic_illness"}},
}

// target is a change resolved against the catalogue.
type target struct {
	rec   *record
	nik   string // per-person records
	field string // within the record, dotted
	value protoreflect.Value
}

// group names the record a change writes, so that several changes to one
// record go out as one record.
func (t target) group() string { return t.rec.context + "/" + t.rec.name + "/" + t.nik }

// Fields is the catalogue of correctable fields; it checks changes without
// any I/O, so the door can refuse an impossible correction at once.
type Fields struct{}

// Check implements domain.Fields.
func (Fields) Check(ch domain.Change) error {
	_, err := resolve(ch)
	return err
}

var nikRe = regexp.MustCompile(`^[0-9]{16}$`)

func refused(format string, args ...any) error {
	return &domain.Error{Kind: domain.ErrInvalid, Reason: domain.ReasonSubmissionInvalid, Msg: fmt.Sprintf(format, args...)}
}

func resolve(ch domain.Change) (target, error) {
	for i := range records {
		r := &records[i]
		if r.context != ch.Context {
			continue
		}
		rest, ok := strings.CutPrefix(ch.Field, r.name+".")
		if !ok {
			continue
		}
		t := target{rec: r, field: rest}
		if r.perPerson {
			nik, field, ok := strings.Cut(rest, ".")
			if !ok || !nikRe.MatchString(nik) {
				return target{}, refused("%s.%s needs a member's NIK: %s.<nik>.<field>", r.context, r.name, r.name)
			}
			t.nik, t.field = nik, field
		}
		if !contains(r.fields, t.field) {
			return target{}, refused("%s.%s.%s cannot be corrected through a case; docs/grievance.md lists the fields that can",
				r.context, r.name, t.field)
		}
		fd := fieldAt(r.msg, t.field)
		v, err := parseValue(fd, ch.Value)
		if err != nil {
			return target{}, refused("%s: %v", ch.Key(), err)
		}
		t.value = v
		return t, nil
	}
	return target{}, refused("%q is not a record of the %s context a case can correct", ch.Field, ch.Context)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// fieldAt is the descriptor of a dotted path; the catalogue only lists
// paths that exist (TestCatalogueFieldsExist).
func fieldAt(md protoreflect.MessageDescriptor, path string) protoreflect.FieldDescriptor {
	var fd protoreflect.FieldDescriptor
	for part := range strings.SplitSeq(path, ".") {
		if fd != nil {
			md = fd.Message()
		}
		fd = md.Fields().ByName(protoreflect.Name(part))
		if fd == nil {
			return nil
		}
	}
	return fd
}

// parseValue reads a value as the field takes it. Enums take their value
// name with or without the type's prefix ("CERAMIC" or
// "FLOOR_MATERIAL_CERAMIC"), never UNSPECIFIED.
func parseValue(fd protoreflect.FieldDescriptor, s string) (protoreflect.Value, error) {
	if fd == nil {
		return protoreflect.Value{}, fmt.Errorf("no such field")
	}
	s = strings.TrimSpace(s)
	switch fd.Kind() {
	case protoreflect.EnumKind:
		values := fd.Enum().Values()
		// Every enum here opens with <PREFIX>_UNSPECIFIED = 0.
		prefix := strings.TrimSuffix(string(values.ByNumber(0).Name()), "UNSPECIFIED")
		want := strings.ToUpper(s)
		for i := range values.Len() {
			ev := values.Get(i)
			name := string(ev.Name())
			if ev.Number() != 0 && (name == want || name == prefix+want) {
				return protoreflect.ValueOfEnum(ev.Number()), nil
			}
		}
		return protoreflect.Value{}, fmt.Errorf("%q is not one of the values of %s", s, fd.Enum().Name())
	case protoreflect.BoolKind:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return protoreflect.Value{}, fmt.Errorf("%q is not true or false", s)
		}
		return protoreflect.ValueOfBool(b), nil
	case protoreflect.Int32Kind:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 0 {
			return protoreflect.Value{}, fmt.Errorf("%q is not a whole number of at least 0", s)
		}
		return protoreflect.ValueOfInt32(int32(n)), nil
	case protoreflect.DoubleKind:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return protoreflect.Value{}, fmt.Errorf("%q is not a number of at least 0", s)
		}
		return protoreflect.ValueOfFloat64(f), nil
	case protoreflect.StringKind:
		if !utf8.ValidString(s) || len(s) > 200 {
			return protoreflect.Value{}, fmt.Errorf("the value must be valid text of at most 200 bytes")
		}
		return protoreflect.ValueOfString(s), nil
	}
	return protoreflect.Value{}, fmt.Errorf("fields of kind %s cannot be corrected", fd.Kind())
}

// set writes the value at the dotted path, creating the messages on the
// way.
func set(m protoreflect.Message, path string, v protoreflect.Value) {
	parts := strings.Split(path, ".")
	for _, part := range parts[:len(parts)-1] {
		m = m.Mutable(m.Descriptor().Fields().ByName(protoreflect.Name(part))).Message()
	}
	m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(parts[len(parts)-1])), v)
}
