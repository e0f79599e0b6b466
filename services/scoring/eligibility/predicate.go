package eligibility

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Predicate is a test on one living member, written declaratively in the
// rules table. Exactly one field is set: an atom (pregnant, in school,
// severe disability, sex, an age range, an occupation) or a combination
// (all, any, not) of further predicates. In YAML each predicate is a
// one-key map:
//
//	all:
//	  - age: {min: 7, max: 21}
//	  - in_school: true
//
// There is deliberately no "deceased" atom: deceased members are removed
// before any predicate runs, so a rule cannot make one count.
type Predicate struct {
	Pregnant         *bool        `json:"pregnant,omitempty"`
	InSchool         *bool        `json:"in_school,omitempty"`
	SevereDisability *bool        `json:"severe_disability,omitempty"`
	Sex              Sex          `json:"sex,omitempty"`
	Age              *AgeRange    `json:"age,omitempty"`
	Occupation       []Occupation `json:"occupation,omitempty"`
	All              []Predicate  `json:"all,omitempty"`
	Any              []Predicate  `json:"any,omitempty"`
	Not              *Predicate   `json:"not,omitempty"`
}

// AgeRange is an inclusive range of completed years. A nil bound is open:
// {min: 60} is "60 or older".
type AgeRange struct {
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
}

func (r AgeRange) lo() int {
	if r.Min == nil {
		return 0
	}
	return *r.Min
}

func (r AgeRange) hi() int {
	if r.Max == nil {
		return maxAge
	}
	return *r.Max
}

func (r AgeRange) contains(age int) bool { return age >= r.lo() && age <= r.hi() }

func (r AgeRange) String() string {
	switch {
	case r.Min != nil && r.Max != nil:
		return fmt.Sprintf("%d-%d", *r.Min, *r.Max)
	case r.Min != nil:
		return fmt.Sprintf("%d or older", *r.Min)
	case r.Max != nil:
		return fmt.Sprintf("%d or younger", *r.Max)
	}
	return "any age"
}

// Match reports whether the member satisfies the predicate. The caller has
// already removed deceased members.
func (p *Predicate) Match(m *Member) bool {
	switch {
	case p.Pregnant != nil:
		return m.Pregnant == *p.Pregnant
	case p.InSchool != nil:
		return m.InSchool == *p.InSchool
	case p.SevereDisability != nil:
		return m.SevereDisability == *p.SevereDisability
	case p.Sex != "":
		return m.Sex == p.Sex
	case p.Age != nil:
		return !m.AgeUnknown && p.Age.contains(m.Age)
	case p.Occupation != nil:
		occ := m.Occupation
		if occ == "" {
			occ = OccupationOther
		}
		return slices.Contains(p.Occupation, occ)
	case p.All != nil:
		for i := range p.All {
			if !p.All[i].Match(m) {
				return false
			}
		}
		return true
	case p.Any != nil:
		for i := range p.Any {
			if p.Any[i].Match(m) {
				return true
			}
		}
		return false
	case p.Not != nil:
		return !p.Not.Match(m)
	}
	return false
}

// predicateKeys are the names a rules table may use, in the order error
// messages list them.
var predicateKeys = []string{"pregnant", "in_school", "severe_disability", "sex", "age", "occupation", "all", "any", "not"}

// resolve follows YAML aliases, so that a table may name a predicate once
// with an anchor (&x) and reuse it (*x).
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// decodePredicate reads a predicate from its YAML node, reporting every
// problem with its line so that a table author can fix them all at once.
func decodePredicate(n *yaml.Node, path string, v *validator) Predicate {
	var p Predicate
	n = resolve(n)
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		v.addf(n, path, "a predicate is a map with exactly one key, one of %s", strings.Join(predicateKeys, ", "))
		return p
	}
	key, val := n.Content[0].Value, resolve(n.Content[1])
	sub := path + "." + key
	switch key {
	case "pregnant", "in_school", "severe_disability":
		var b bool
		if val.Kind != yaml.ScalarNode || val.Decode(&b) != nil {
			v.addf(val, sub, "must be true or false")
			return p
		}
		switch key {
		case "pregnant":
			p.Pregnant = &b
		case "in_school":
			p.InSchool = &b
		default:
			p.SevereDisability = &b
		}
	case "sex":
		switch val.Value {
		case "female", "F":
			p.Sex = SexFemale
		case "male", "M":
			p.Sex = SexMale
		default:
			v.addf(val, sub, "must be female or male, not %q", val.Value)
		}
	case "age":
		p.Age = decodeAgeRange(val, sub, v)
	case "occupation":
		var occ []Occupation
		if val.Decode(&occ) != nil || len(occ) == 0 {
			v.addf(val, sub, "must be a non-empty list of ASN, TNI, POLRI, BUMN, BUMD, OTHER")
			return p
		}
		seen := map[Occupation]bool{}
		for _, o := range occ {
			if o == "" || !occupations[o] {
				v.addf(val, sub, "unknown occupation %q (known: ASN, TNI, POLRI, BUMN, BUMD, OTHER)", o)
			}
			if seen[o] {
				v.addf(val, sub, "occupation %q listed twice", o)
			}
			seen[o] = true
		}
		p.Occupation = occ
	case "all", "any":
		if val.Kind != yaml.SequenceNode || len(val.Content) == 0 {
			v.addf(val, sub, "must be a non-empty list of predicates")
			return p
		}
		list := make([]Predicate, len(val.Content))
		for i, c := range val.Content {
			list[i] = decodePredicate(c, fmt.Sprintf("%s[%d]", sub, i), v)
		}
		if key == "all" {
			p.All = list
			checkAllAges(val, sub, list, v)
		} else {
			p.Any = list
			checkAnyAges(val, sub, list, v)
		}
	case "not":
		inner := decodePredicate(val, sub, v)
		p.Not = &inner
	default:
		v.addf(n.Content[0], path, "unknown condition %q (known: %s)", key, strings.Join(predicateKeys, ", "))
	}
	return p
}

func decodeAgeRange(n *yaml.Node, path string, v *validator) *AgeRange {
	var r AgeRange
	if n.Kind != yaml.MappingNode {
		v.addf(n, path, "must be a map with min and/or max")
		return &r
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i].Value, n.Content[i+1]
		var x int
		if val.Decode(&x) != nil {
			v.addf(val, path+"."+k, "must be a whole number of years")
			continue
		}
		switch k {
		case "min":
			r.Min = &x
		case "max":
			r.Max = &x
		default:
			v.addf(n.Content[i], path, "unknown age bound %q (known: min, max)", k)
		}
	}
	switch {
	case r.Min == nil && r.Max == nil:
		v.addf(n, path, "needs min, max or both")
	case r.lo() < 0 || r.hi() > maxAge:
		v.addf(n, path, "ages must lie within 0-%d, got %s", maxAge, r)
	case r.lo() > r.hi():
		v.addf(n, path, "min %d is greater than max %d", r.lo(), r.hi())
	}
	return &r
}

// checkAllAges refuses an all-of whose age ranges do not intersect: such a
// condition can never match, which is always a typo, and a silent one.
func checkAllAges(n *yaml.Node, path string, list []Predicate, v *validator) {
	lo, hi, ranges := 0, maxAge, 0
	for _, p := range list {
		if p.Age == nil {
			continue
		}
		ranges++
		lo, hi = max(lo, p.Age.lo()), min(hi, p.Age.hi())
	}
	if ranges > 1 && lo > hi {
		v.addf(n, path, "age ranges do not overlap, so the condition can never match")
	}
}

// checkAnyAges refuses overlapping age ranges side by side in an any-of:
// an overlap means the author meant adjacent ranges and mistyped a bound
// (0-6 and 6-21), and the reason text could no longer say which applied.
func checkAnyAges(n *yaml.Node, path string, list []Predicate, v *validator) {
	for i := range list {
		for j := i + 1; j < len(list); j++ {
			a, b := list[i].Age, list[j].Age
			if a == nil || b == nil {
				continue
			}
			if a.lo() <= b.hi() && b.lo() <= a.hi() {
				v.addf(n, path, "age ranges %s and %s overlap", a, b)
			}
		}
	}
}
