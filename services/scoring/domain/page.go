package domain

// Page sizes: a zero limit means DefaultPageSize, and no page is larger than
// MaxPageSize, so one request can never pull a whole province's scores.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Page selects a page of a keyset-paginated listing. After is the key of the
// last item of the previous page (a model or run id, a KK number); empty for
// the first page. Keyset pages stay stable while rows are added, unlike
// offsets.
type Page struct {
	After string
	Limit int
}

// Size is the effective page size.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}
