package population

import (
	"fmt"
	"time"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
)

func date(t time.Time) string { return t.Format(time.DateOnly) }

// Household generates household i (0 <= i < Families).
func (g *Generator) Household(i int) *Household {
	c := g.core(i)
	h := &Household{Index: i}
	h.Family = g.familyProto(c)
	kind, variant, aux := g.errorOf(i)
	recordKK := c.kk
	switch kind {
	case errKindNIK:
		reason := corruptNIK(c, h.Family, variant, aux)
		h.Errors, h.ErrorReasons = []string{ErrNIKInvalid}, []string{reason}
	case errKindKK:
		recordKK = c.ghostKK
		h.Errors, h.ErrorReasons = []string{ErrKKUnknown}, []string{"KK_NOT_REGISTERED"}
	case errKindTwoFamilies:
		if g.addDuplicate(c, h.Family, aux) {
			h.Errors, h.ErrorReasons = []string{ErrPersonInTwoFamilies}, []string{ErrPersonInTwoFamilies}
		}
	}
	g.assetRecords(c, h, recordKK)
	g.incomeRecords(c, h, recordKK)
	g.serviceUsageRecords(c, h, recordKK)
	h.Truth = Truth{
		KK:                   c.kk,
		PerCapitaConsumption: roundTo(c.pc, 1),
		Poor:                 c.w < 0,
		Province:             c.prov.code,
		Urban:                c.village.urban,
		HeadFemale:           c.head().female,
		DTKSRecipient:        c.dtks,
		UnderReports:         c.under,
		Members:              c.living,
	}
	return h
}

func (g *Generator) familyProto(c *core) *registryv1.Family {
	f := &registryv1.Family{
		KkNumber:   c.kk,
		HeadNik:    c.head().nik,
		RegionCode: c.village.code,
		Settlement: registryv1.Settlement_SETTLEMENT_RURAL,
		Address:    address(c),
	}
	if c.village.urban {
		f.Settlement = registryv1.Settlement_SETTLEMENT_URBAN
	}
	for _, m := range c.members {
		f.Members = append(f.Members, personProto(m))
	}
	return f
}

func personProto(m *member) *registryv1.Person {
	p := &registryv1.Person{
		Nik:              m.nik,
		FullName:         m.name,
		BirthPlace:       m.place,
		BirthDate:        date(m.birth),
		Sex:              registryv1.Sex_SEX_MALE,
		MaritalStatus:    m.marital,
		RelationToHead:   m.rel,
		Education:        m.educ,
		Occupation:       m.occ,
		Disability:       m.disab,
		SevereDisability: m.severe,
		VitalStatus:      registryv1.VitalStatus_VITAL_STATUS_ALIVE,
	}
	if m.female {
		p.Sex = registryv1.Sex_SEX_FEMALE
	}
	if m.deceased {
		p.VitalStatus = registryv1.VitalStatus_VITAL_STATUS_DECEASED
		p.DeathDate = date(m.death)
	}
	return p
}

func address(c *core) *registryv1.Address {
	r := c.r
	a := &registryv1.Address{
		Rt:         fmt.Sprintf("%03d", intBetween(r, 1, 15)),
		Rw:         fmt.Sprintf("%03d", intBetween(r, 1, 12)),
		PostalCode: fmt.Sprintf("%05d", c.dist.postal),
	}
	if c.village.urban || bernoulli(r, 0.3) {
		a.Street = fmt.Sprintf("Jl. %s No. %d", streetNames[r.IntN(len(streetNames))], intBetween(r, 1, 250))
		if bernoulli(r, 0.3) {
			a.Street = fmt.Sprintf("Jl. %s Gg. %d No. %d", streetNames[r.IntN(len(streetNames))], intBetween(r, 1, 12), intBetween(r, 1, 60))
		}
	} else {
		a.Street = "Dusun " + hamletNames[r.IntN(len(hamletNames))]
	}
	return a
}

const (
	errKindNone = iota
	errKindNIK
	errKindKK
	errKindTwoFamilies
)

// errorOf decides, from the household's own error stream, whether household
// i carries a deliberate error. It is cheap, so other households can ask
// (a duplicated person is taken from a household without a NIK error).
func (g *Generator) errorOf(i int) (kind, variant int, aux uint64) {
	if g.cfg.ErrorRate <= 0 {
		return errKindNone, 0, 0
	}
	r := newRand(g.cfg.Seed, i, streamErrors)
	if r.Float64() >= g.cfg.ErrorRate {
		return errKindNone, 0, 0
	}
	return 1 + r.IntN(3), r.IntN(5), r.Uint64()
}

// corruptNIK damages one member's NIK (or birth date) in the registry's copy
// only, as a Dukcapil data-entry error would; the other agencies keep the
// right NIK. It returns the reason the registry reports.
func corruptNIK(c *core, f *registryv1.Family, variant int, aux uint64) string {
	k := 0
	if len(f.Members) > 1 {
		k = 1 + int(aux%uint64(len(f.Members)-1))
	}
	p := f.Members[k]
	nik := p.Nik
	var reason string
	switch variant {
	case 0:
		nik, reason = nik[:12]+"0000", "NIK_INVALID_SERIAL"
	case 1:
		nik, reason = nik[:6]+"00"+nik[8:], "NIK_INVALID_BIRTH_DATE"
	case 2: // the +40 for women applied to a man, or forgotten for a woman
		day := int(nik[6]-'0')*10 + int(nik[7]-'0')
		if day > 40 {
			day -= 40
		} else {
			day += 40
		}
		nik, reason = fmt.Sprintf("%s%02d%s", nik[:6], day, nik[8:]), "NIK_SEX_MISMATCH"
	case 3: // the birth date typed a year off
		b, _ := time.Parse(time.DateOnly, p.BirthDate)
		p.BirthDate = date(b.AddDate(-1, 0, 0))
		reason = "NIK_BIRTH_DATE_MISMATCH"
	default:
		nik, reason = nik[:15], "NIK_INVALID_LENGTH"
	}
	if k == 0 {
		f.HeadNik = nik
	}
	p.Nik = nik
	return reason
}

// addDuplicate puts a person of an earlier household (one without a NIK
// error, so its family is stored) into this family as well: the classic case
// of someone registered on a new KK without leaving the old one. The copy
// comes later in the file, so it is this family the registry rejects.
func (g *Generator) addDuplicate(c *core, f *registryv1.Family, aux uint64) bool {
	j0 := c.index - 1 - int(aux%100)
	for j := j0; j >= 0 && j > j0-20; j-- {
		if kind, _, _ := g.errorOf(j); kind == errKindNIK {
			continue
		}
		src := g.core(j)
		var pickM *member
		for _, m := range src.members[1:] {
			if !m.deceased && m.age >= 17 {
				pickM = m
				break
			}
		}
		if pickM == nil {
			for _, m := range src.members {
				if !m.deceased {
					pickM = m
					break
				}
			}
		}
		if pickM == nil {
			continue
		}
		p := personProto(pickM)
		p.RelationToHead = registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE
		f.Members = append(f.Members, p)
		return true
	}
	return false
}

func roundTo(x, unit float64) float64 {
	if unit <= 0 {
		return x
	}
	return float64(int64(x/unit+0.5)) * unit
}
