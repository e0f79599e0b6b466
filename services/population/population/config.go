package population

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Config describes a population. The zero values of the optional fields take
// the documented defaults.
type Config struct {
	// Families is the number of households (Kartu Keluarga), 1 or more.
	Families int
	// Seed selects the population: the same seed gives the same population,
	// byte for byte, whatever the number of workers or the wall clock.
	Seed uint64
	// ErrorRate is the share of households carrying a deliberate data error
	// (NIK_INVALID, KK_UNKNOWN, PERSON_IN_TWO_FAMILIES, in equal parts).
	// 0 means the default 0.01; a negative value means no errors at all.
	ErrorRate float64
	// ReferenceDate is "today" for the population: ages, death dates,
	// observation dates, school years and income periods are all relative to
	// it, and none is after it. Default 2025-06-30.
	ReferenceDate time.Time
	// Workers is the number of goroutines Generate uses; households are still
	// yielded in index order. Default GOMAXPROCS.
	Workers int
}

// DefaultErrorRate is the share of households with a deliberate error.
const DefaultErrorRate = 0.01

// DefaultReferenceDate is the default "today" of a population.
var DefaultReferenceDate = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

func (c Config) withDefaults() (Config, error) {
	if c.Families < 1 {
		return c, errors.New("population: Families must be at least 1")
	}
	switch {
	case c.ErrorRate == 0:
		c.ErrorRate = DefaultErrorRate
	case c.ErrorRate < 0:
		c.ErrorRate = 0
	case c.ErrorRate > 1:
		return c, fmt.Errorf("population: ErrorRate %v is above 1", c.ErrorRate)
	}
	if c.ReferenceDate.IsZero() {
		c.ReferenceDate = DefaultReferenceDate
	}
	y, m, d := c.ReferenceDate.UTC().Date()
	c.ReferenceDate = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if y < 2005 || y > 2099 {
		return c, fmt.Errorf("population: ReferenceDate %s is outside 2005-2099", c.ReferenceDate.Format(time.DateOnly))
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c, nil
}
