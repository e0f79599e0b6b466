package cli

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// rawRecord is one record of an input file before decoding: a JSONL line, or
// a family assembled from consecutive CSV rows (already decoded, or with the
// reason it could not be).
type rawRecord struct {
	line int // 1-based line number where the record starts
	data []byte
	msg  proto.Message
	err  error
}

// recordReader yields an input file's records in order, io.EOF at the end.
type recordReader interface {
	Next() (rawRecord, error)
	Close() error
}

// fileInfo is what a first pass over an input file learns: its identity (for
// the default batch id) and its record count (for batching and progress).
type fileInfo struct {
	Path    string
	Size    int64
	SHA256  string
	Records int64
	CSV     bool
}

func isCSV(path string) bool { return strings.EqualFold(filepath.Ext(path), ".csv") }

// scanFile reads path once: size, SHA-256 and the number of records.
func scanFile(path string) (*fileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	info := &fileInfo{Path: path, Size: st.Size(), CSV: isCSV(path)}
	h := sha256.New()
	tee := io.TeeReader(f, h)
	if info.CSV {
		r, err := newCSVReader(tee, path)
		if err != nil {
			return nil, err
		}
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			info.Records++
		}
	} else {
		r := newJSONLReader(io.NopCloser(tee))
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			info.Records++
		}
	}
	// Drain what a reader left unread so the hash covers the whole file.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return nil, err
	}
	info.SHA256 = hex.EncodeToString(h.Sum(nil))
	return info, nil
}

// openRecords opens path for reading its records.
func openRecords(path string) (recordReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if isCSV(path) {
		r, err := newCSVReader(f, path)
		if err != nil {
			f.Close()
			return nil, err
		}
		r.closer = f
		return r, nil
	}
	return newJSONLReader(f), nil
}

// jsonlReader yields the non-blank lines of a JSONL file.
type jsonlReader struct {
	r    *bufio.Reader
	c    io.Closer
	line int
}

func newJSONLReader(rc io.ReadCloser) *jsonlReader {
	return &jsonlReader{r: bufio.NewReaderSize(rc, 1<<20), c: rc}
}

// maxLine bounds one JSONL line (one record); a family is a few kB.
const maxLine = 64 << 20

func (j *jsonlReader) Next() (rawRecord, error) {
	for {
		b, err := j.r.ReadSlice('\n')
		var full []byte
		if errors.Is(err, bufio.ErrBufferFull) {
			full = append(full, b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				if len(full) > maxLine {
					return rawRecord{}, fmt.Errorf("line %d is longer than %d bytes", j.line+1, maxLine)
				}
				b, err = j.r.ReadSlice('\n')
				full = append(full, b...)
			}
			b = full
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return rawRecord{}, err
		}
		if len(b) == 0 && errors.Is(err, io.EOF) {
			return rawRecord{}, io.EOF
		}
		j.line++
		t := bytes.TrimSpace(b)
		if len(t) == 0 {
			if errors.Is(err, io.EOF) {
				return rawRecord{}, io.EOF
			}
			continue
		}
		// ReadSlice's buffer is reused by the next call: copy.
		return rawRecord{line: j.line, data: append([]byte(nil), t...)}, nil
	}
}

func (j *jsonlReader) Close() error { return j.c.Close() }

var unmarshal = protojson.UnmarshalOptions{}

// decode turns a raw record into the context's ImportRecordsRequest, or
// explains why it cannot be sent.
func decode(ic *importContext, raw rawRecord) (proto.Message, error) {
	if raw.err != nil {
		return nil, raw.err
	}
	m := raw.msg
	if m == nil {
		m = ic.New()
		if err := unmarshal.Unmarshal(raw.data, m); err != nil {
			return nil, fmt.Errorf("not a %s record: %v", m.ProtoReflect().Descriptor().FullName(), err)
		}
	}
	if _, err := payload(m); err != nil {
		return nil, err
	}
	return m, nil
}
