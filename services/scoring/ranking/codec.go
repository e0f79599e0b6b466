package ranking

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// The binary encodings shipped between the machines of a run share one
// frame: a kind byte, a version byte, the body, and a CRC-32C of all that
// precedes it. The version byte lets a coordinator refuse a partition that
// runs an older encoding instead of misreading it. Integers are varints
// (zig-zag for signed values), except tie keys, which are uniformly spread
// and so shorter as 8 fixed bytes.
const (
	kindHistogram = 'H'
	kindQuery     = 'Q'
	kindCollector = 'C'
	kindCutPoints = 'P'

	encodingVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type encoder struct{ b []byte }

func newEncoder(kind byte, sizeHint int) *encoder {
	e := &encoder{b: make([]byte, 0, sizeHint+6)}
	e.b = append(e.b, kind, encodingVersion)
	return e
}

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) u64(v uint64)     { e.b = binary.LittleEndian.AppendUint64(e.b, v) }

func (e *encoder) finish() []byte {
	return binary.LittleEndian.AppendUint32(e.b, crc32.Checksum(e.b, castagnoli))
}

// decoder reads a frame; the first error sticks and every later read
// returns zero, so callers check err once at the end (and wherever a value
// sizes an allocation).
type decoder struct {
	b   []byte
	err error
}

func newDecoder(kind byte, data []byte) *decoder {
	d := &decoder{}
	if len(data) < 6 {
		d.err = fmt.Errorf("%w: %d bytes is too short", errCorrupt, len(data))
		return d
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	switch {
	case body[0] != kind:
		d.err = fmt.Errorf("%w: kind %q, want %q", errCorrupt, body[0], kind)
	case body[1] != encodingVersion:
		d.err = fmt.Errorf("%w: version %d, this build reads version %d", errCorrupt, body[1], encodingVersion)
	case crc32.Checksum(body, castagnoli) != sum:
		d.err = fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	d.b = body[2:]
	return d
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{errCorrupt}, args...)...)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) u64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail("truncated")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// length reads a count of items each at least minBytes long, refusing one
// the remaining bytes cannot hold so a corrupt count cannot size a huge
// allocation.
func (d *decoder) length(minBytes int) int {
	v := d.uvarint()
	if d.err == nil && v > uint64(len(d.b)/minBytes) {
		d.fail("count %d exceeds the remaining %d bytes", v, len(d.b))
		return 0
	}
	return int(v)
}

// key reads a score key (or a coarse bucket) and checks its range.
func (d *decoder) key() Key {
	k := Key(d.varint())
	if k > maxKey || k < -maxKey {
		d.fail("key %d out of range", k)
		return 0
	}
	return k
}

func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return d.err
}
