package app

import (
	"context"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// OpenImport reads the batch header that opens an import stream (the shared
// importer.Messages): the first message must be a valid header and no later
// one may be. It returns the header and the stream's remaining messages.
func OpenImport[M any](a *Application, recv func() (M, error), headerOf func(M) *typev1.ImportBatchHeader) (*typev1.ImportBatchHeader, func() (M, error), error) {
	return importer.Messages(a.importer, recv, headerOf)
}

// ImportRecord is one record as decoded from the wire: exactly one of the
// kinds is set (none when the sender sent an empty record), with the problems
// found while decoding it (a date that does not parse, say).
type ImportRecord struct {
	Housing        *domain.Housing
	Holdings       *domain.Holdings
	Land           *domain.LandParcel
	Vehicle        *domain.Vehicle
	DecodeProblems domain.Violations
}

// record returns the provenance of whichever kind is set.
func (r ImportRecord) record() *domain.Record {
	switch {
	case r.Housing != nil:
		return &r.Housing.Record
	case r.Holdings != nil:
		return &r.Holdings.Record
	case r.Land != nil:
		return &r.Land.Record
	case r.Vehicle != nil:
		return &r.Vehicle.Record
	}
	return nil
}

// Key is the record's resource name, used in rejections and to keep two
// chunks that touch one record from being applied at once.
func (r ImportRecord) Key() string {
	switch {
	case r.Housing != nil:
		return r.Housing.Name()
	case r.Holdings != nil:
		return r.Holdings.Name()
	case r.Land != nil:
		return r.Land.Name()
	case r.Vehicle != nil:
		return r.Vehicle.Name()
	}
	return ""
}

// check validates one record on its own. A record without a source takes
// the batch's; one naming another source is refused, so a batch cannot
// overwrite another agency's records.
func (r ImportRecord) check(batchSource string, now time.Time) domain.Violations {
	meta := r.record()
	if meta == nil {
		return domain.Violations{{Field: "payload", Reason: domain.ReasonRecordEmpty,
			Description: "each record after the header must be a housing, land_parcel, vehicle or holdings record"}}
	}
	var mismatch domain.Violations
	switch meta.Source {
	case "":
		meta.Source = batchSource
	case batchSource:
	default:
		mismatch = domain.Violations{{Field: "source", Reason: domain.ReasonSourceMismatch,
			Description: "the record's source differs from the batch header's source"}}
	}
	var vs domain.Violations
	switch {
	case r.Housing != nil:
		vs = r.Housing.Validate(now)
	case r.Holdings != nil:
		vs = r.Holdings.Validate(now)
	case r.Land != nil:
		r.Land.Normalize()
		vs = r.Land.Validate(now)
	case r.Vehicle != nil:
		r.Vehicle.Normalize()
		vs = r.Vehicle.Validate(now)
	}
	return mergeProblems(append(mismatch, r.DecodeProblems...), vs)
}

// maxKeyEcho bounds the key a rejection repeats back to the sender.
const maxKeyEcho = 200

// ImportRecords imports one batch of asset records. next yields each record
// in stream order and io.EOF at the end.
//
// Only the integration client of the header's source agency may send the
// batch (every record must carry that source, SOURCE_MISMATCH): anyone else
// is refused with AGENCY_NOT_OWNER before any record is read or written,
// and is not shown a replayed batch's summary either.
//
// Each chunk's NIKs and KK numbers are checked against the registry in one
// batched lookup (through the identity cache) in the importer's Prepare step,
// before the chunk's transaction opens and while earlier chunks are being
// written, so no transaction waits on the network. An identity the registry does
// not know does not reject the record: it is stored UNMATCHED with a reason
// and reconciled from the registry's change feed. A deceased owner's record
// is stored and flagged OWNER_DECEASED.
func (a *Application) ImportRecords(ctx context.Context, h *typev1.ImportBatchHeader, next func() (ImportRecord, error)) (*typev1.ImportSummary, error) {
	if _, err := auth.AuthorizeImport(ctx, h.GetSource()); err != nil {
		return nil, err
	}
	now := a.now()
	return importer.Run(ctx, a.importer, h, next, importer.Spec[ImportRecord]{
		Check: func(rec ImportRecord) (string, []*typev1.RecordViolation) {
			vs := rec.check(h.GetSource(), now)
			if len(vs) == 0 {
				return rec.Key(), nil
			}
			key := rec.Key()
			if len(key) > maxKeyEcho {
				key = key[:maxKeyEcho] // a hostile key is not echoed whole into the summary
			}
			out := make([]*typev1.RecordViolation, len(vs))
			for i, v := range vs {
				out[i] = &typev1.RecordViolation{Field: v.Field, Reason: v.Reason, Description: v.Description}
			}
			return key, out
		},
		// Two chunks that write one record are never applied at once.
		Keys:    func(rec ImportRecord) []string { return []string{rec.Key()} },
		Prepare: a.crossCheck,
		Apply: func(ctx context.Context, tx *storage.Tx, recs []importer.Record[ImportRecord]) (importer.Outcome, error) {
			return a.bulk.ApplyImport(ctx, tx, chunkOf(recs))
		},
	})
}

// crossCheck looks up every identity of a chunk at once and sets each
// record's match status, flags and owner family. A registry that cannot be
// reached fails the chunk (ErrRegistryUnavailable): identities are never
// guessed.
func (a *Application) crossCheck(ctx context.Context, recs []importer.Record[ImportRecord]) error {
	var niks, kks []string
	for _, r := range recs {
		switch v := r.Value; {
		case v.Housing != nil:
			kks = append(kks, v.Housing.KK)
		case v.Holdings != nil:
			kks = append(kks, v.Holdings.KK)
		case v.Land != nil:
			niks = append(niks, v.Land.OwnerNIK)
		case v.Vehicle != nil:
			niks = append(niks, v.Vehicle.OwnerNIK)
		}
	}
	persons, families, err := a.registry.Lookup(ctx, niks, kks)
	if err != nil {
		return err
	}
	for _, r := range recs {
		switch v := r.Value; {
		case v.Housing != nil:
			v.Housing.CheckFamily(families[v.Housing.KK])
		case v.Holdings != nil:
			v.Holdings.CheckFamily(families[v.Holdings.KK])
		case v.Land != nil:
			v.Land.OwnerFamilyKK = v.Land.CheckOwner(persons[v.Land.OwnerNIK])
		case v.Vehicle != nil:
			v.Vehicle.OwnerFamilyKK = v.Vehicle.CheckOwner(persons[v.Vehicle.OwnerNIK])
		}
	}
	return nil
}

// chunkOf splits a cross-checked chunk by kind for storage.
func chunkOf(recs []importer.Record[ImportRecord]) domain.Chunk {
	var c domain.Chunk
	for _, r := range recs {
		switch v := r.Value; {
		case v.Housing != nil:
			c.Housing = append(c.Housing, domain.Indexed[*domain.Housing]{Index: r.Index, Value: v.Housing})
		case v.Holdings != nil:
			c.Holdings = append(c.Holdings, domain.Indexed[*domain.Holdings]{Index: r.Index, Value: v.Holdings})
		case v.Land != nil:
			c.Land = append(c.Land, domain.Indexed[*domain.LandParcel]{Index: r.Index, Value: v.Land})
		case v.Vehicle != nil:
			c.Vehicles = append(c.Vehicles, domain.Indexed[*domain.Vehicle]{Index: r.Index, Value: v.Vehicle})
		}
	}
	return c
}

// mergeProblems reports decoding problems first and drops the validation
// findings on the same fields, which only restate them (a date that did not
// parse is also "required").
func mergeProblems(decode, validate domain.Violations) domain.Violations {
	if len(decode) == 0 {
		return validate
	}
	fields := map[string]bool{}
	for _, v := range decode {
		fields[v.Field] = true
	}
	out := append(domain.Violations(nil), decode...)
	for _, v := range validate {
		if !fields[v.Field] {
			out = append(out, v)
		}
	}
	return out
}
