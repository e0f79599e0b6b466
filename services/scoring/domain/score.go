package domain

import (
	"fmt"
	"math"
	"time"
)

// Deciles run from 1 (poorest tenth) to 10; Unranked is a score not yet
// placed in a decile.
const (
	Unranked   = 0
	MaxDecile  = 10
	maxFlagLen = 64
)

// FamilyScore is a family's current welfare score.
//
// Invariants: KK and ModelID are set and the model exists; Score is finite;
// Decile is 0..10. RunID is empty when the family was re-scored between
// runs (after its data changed) and placed against the last run's
// cut-points; otherwise it names the run, which must exist.
type FamilyScore struct {
	KK string
	// Score is the predicted log per-capita consumption.
	Score    float64
	Decile   int
	ModelID  string
	RunID    string
	ScoredAt time.Time
	// Flags are data-quality remarks carried with the score (e.g. a source
	// that was unavailable), as short codes.
	Flags []string
	// Region is the family's village code when it was scored.
	Region string
	// FieldVerification: a flag sends the family to a field visit before
	// its ranking is relied on.
	FieldVerification bool
}

// Validate checks a score before it is stored.
func (s *FamilyScore) Validate() error {
	switch {
	case s.KK == "":
		return fmt.Errorf("%w: score has no KK", ErrInvalid)
	case s.ModelID == "":
		return fmt.Errorf("%w: score of %s names no model", ErrInvalid, s.KK)
	case math.IsNaN(s.Score) || math.IsInf(s.Score, 0):
		return fmt.Errorf("%w: score of %s is %v", ErrInvalid, s.KK, s.Score)
	case s.Decile < Unranked || s.Decile > MaxDecile:
		return fmt.Errorf("%w: score of %s: decile %d is outside 0..%d", ErrInvalid, s.KK, s.Decile, MaxDecile)
	}
	for _, f := range s.Flags {
		if f == "" || len(f) > maxFlagLen {
			return fmt.Errorf("%w: score of %s: flag %q must be 1..%d bytes", ErrInvalid, s.KK, f, maxFlagLen)
		}
	}
	return nil
}

// ScoreRecord is one entry of a family's score history. Every Scores.Put
// appends one per family; records are never updated or deleted, so the
// history answers "what was this family's score and decile on date X, and
// by which model" for objections and audits.
type ScoreRecord struct {
	KK       string
	Score    float64
	Decile   int
	ModelID  string
	RunID    string
	ScoredAt time.Time
}
