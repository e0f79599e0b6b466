package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// DefaultBatchSize is the number of records per ImportRecords batch.
const DefaultBatchSize = 100_000

// reasonUnreadable is the reason given to a line dtsenctl could not decode;
// such a line is never sent.
const reasonUnreadable = "RECORD_UNREADABLE"

// importOptions configure the import of one or more files into one context.
type importOptions struct {
	Context   *importContext
	Source    string // batch header source; "" for the manifest's, the context's default or the records' own
	Batch     string // base batch id; "" to derive it from the file
	BatchSize int
	// Rejections is the JSONL file for the rejections; "" writes
	// <input>.rejections.jsonl next to each input.
	Rejections string
	Progress   bool // draw a progress bar on Stderr
	Stderr     io.Writer

	// afterBatch, when set, is called after each batch (tests interrupt
	// imports with it).
	afterBatch func(file string, batch int)
}

// fileResult is the outcome of importing one file.
type fileResult struct {
	File       string
	Context    string
	Source     string
	BatchID    string // the base batch id (batches are BatchID-0001, ...)
	Records    int64  // records in the file
	Batches    int
	Replayed   int // batches that had completed before and were skipped
	Accepted   int64
	Unchanged  int64
	Rejected   int64            // including lines that could not be decoded
	Unlisted   int64            // rejections the server counted but did not list (over its limit)
	Reasons    map[string]int64 // rejected records per violation reason
	Rejections string           // the file the rejections were written to
	Elapsed    time.Duration
}

// rejectionLine is one line of the rejections file: one violation of one
// rejected record.
type rejectionLine struct {
	File        string `json:"file"`
	Batch       string `json:"batch"`
	Index       int64  `json:"index"` // zero-based record index in the file
	Line        int    `json:"line"`  // 1-based line where the record starts
	Key         string `json:"key,omitempty"`
	Field       string `json:"field,omitempty"`
	Reason      string `json:"reason"`
	Description string `json:"description,omitempty"`
}

// importFiles imports every file, in order, and returns one result per file.
// It stops at the first transport or server failure.
func importFiles(ctx context.Context, conn *ConnConfig, files []string, o importOptions) ([]*fileResult, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Batch != "" && len(files) > 1 {
		return nil, usagef("--batch names one file's batches; give one FILE per command")
	}
	if o.Batch != "" && !batchIDPattern.MatchString(o.Batch) {
		return nil, usagef("--batch %q: use 1-100 letters, digits, '.', '_', ':' or '-'", o.Batch)
	}
	infos := make([]*fileInfo, len(files))
	for i, f := range files {
		info, err := scanFile(f)
		if err != nil {
			return nil, usagef("%v", err)
		}
		if info.CSV && o.Context.Name != "registry" {
			return nil, usagef("%s: CSV is read for the registry only (registry.csv); use JSONL for %s", f, o.Context.Name)
		}
		infos[i] = info
	}
	var shared *rejectionWriter
	if o.Rejections != "" {
		w, err := createRejections(o.Rejections)
		if err != nil {
			return nil, err
		}
		shared = w
		defer shared.close()
	}
	if _, err := conn.Conn(o.Context.Name); err != nil {
		return nil, err
	}
	var results []*fileResult
	for _, info := range infos {
		rw := shared
		if rw == nil {
			w, err := createRejections(info.Path + ".rejections.jsonl")
			if err != nil {
				return results, err
			}
			rw = w
		}
		res, err := importFile(ctx, conn, info, o, rw)
		if shared == nil {
			if cerr := rw.close(); err == nil {
				err = cerr
			}
		}
		if res != nil {
			results = append(results, res)
		}
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

var batchIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// defaultBatchID derives a file's base batch id from its name, size, content
// and the batch size, so that running the same import again names the same
// batches (and they replay), while a changed file is a new batch.
func defaultBatchID(info *fileInfo, batchSize int) string {
	name := regexp.MustCompile(`[^A-Za-z0-9._:-]`).ReplaceAllString(filepath.Base(info.Path), "_")
	if len(name) > 80 {
		name = name[:80]
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s\x00%d", filepath.Base(info.Path), info.Size, info.SHA256, batchSize))
	return name + "-" + hex.EncodeToString(sum[:])[:16]
}

// manifestSource returns the source and context that a population
// manifest.json next to path gives for it, if any.
func manifestSource(path string) (source, ctxName string, ok bool) {
	b, err := os.ReadFile(filepath.Join(filepath.Dir(path), "manifest.json"))
	if err != nil {
		return "", "", false
	}
	var m struct {
		Files []struct {
			Name, Context, Source string
		} `json:"files"`
	}
	if json.Unmarshal(b, &m) != nil {
		return "", "", false
	}
	for _, f := range m.Files {
		if f.Name == filepath.Base(path) {
			return f.Source, f.Context, true
		}
	}
	return "", "", false
}

// resolveSource picks the batch header source: --source, else the manifest's,
// else the context's default, else the first record's own source field.
func resolveSource(info *fileInfo, o importOptions) (string, error) {
	if o.Source != "" {
		return o.Source, nil
	}
	if src, c, ok := manifestSource(info.Path); ok {
		if c != "" && c != o.Context.Name {
			return "", usagef("%s is a %s file according to its manifest.json, not %s", info.Path, c, o.Context.Name)
		}
		if src != "" {
			return src, nil
		}
	}
	if o.Context.DefaultSource != "" {
		return o.Context.DefaultSource, nil
	}
	r, err := openRecords(info.Path)
	if err != nil {
		return "", err
	}
	defer r.Close()
	for {
		raw, err := r.Next()
		if err != nil {
			break
		}
		m, err := decode(o.Context, raw)
		if err != nil {
			continue
		}
		rec, _ := payload(m)
		if s := recordSource(rec); s != "" {
			return s, nil
		}
		break
	}
	return "", usagef("%s: no --source given and none found in a manifest.json or the records", info.Path)
}

func importFile(ctx context.Context, conn *ConnConfig, info *fileInfo, o importOptions, rw *rejectionWriter) (*fileResult, error) {
	start := time.Now()
	source, err := resolveSource(info, o)
	if err != nil {
		return nil, err
	}
	base := o.Batch
	if base == "" {
		base = defaultBatchID(info, o.BatchSize)
	}
	res := &fileResult{File: info.Path, Context: o.Context.Name, Source: source, BatchID: base, Records: info.Records,
		Reasons: map[string]int64{}, Rejections: rw.path}
	nb := int((info.Records + int64(o.BatchSize) - 1) / int64(o.BatchSize))
	res.Batches = nb
	label := filepath.Base(info.Path)
	bar := newProgress(o.Stderr, o.Progress, label, info.Records)
	defer func() { res.Elapsed = time.Since(start) }()

	r, err := openRecords(info.Path)
	if err != nil {
		return nil, err
	}
	defer func() { r.Close() }()
	for b := 0; b < nb; b++ {
		first := int64(b) * int64(o.BatchSize)
		n := min(int64(o.BatchSize), info.Records-first)
		id := fmt.Sprintf("%s-%04d", base, b+1)
		for attempt := 1; ; attempt++ {
			err = runBatch(ctx, conn, o.Context, &typev1.ImportBatchHeader{Source: source, BatchId: id}, r, first, n, bar, res, rw)
			if err == nil || !inProgress(err) || attempt >= 8 || ctx.Err() != nil {
				break
			}
			// Another stream holds the batch (often our own previous one,
			// cut a moment ago, whose server side has not noticed yet).
			// Re-read this batch from the file and try again.
			bar.clear()
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			}
			r.Close()
			if r, err = reopenAt(info.Path, first); err != nil {
				return res, err
			}
			bar.mu.Lock()
			bar.done = first
			bar.mu.Unlock()
		}
		if err != nil {
			bar.clear()
			return res, fmt.Errorf("%s batch %s: %w", info.Path, id, describe(err))
		}
		if o.afterBatch != nil {
			o.afterBatch(info.Path, b)
		}
	}
	bar.finish()
	return res, nil
}

// reopenAt opens path and skips its first n records.
func reopenAt(path string, n int64) (recordReader, error) {
	r, err := openRecords(path)
	if err != nil {
		return nil, err
	}
	for i := int64(0); i < n; i++ {
		if _, err := r.Next(); err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

// sent is where a record sent in a batch came from, to map the server's
// stream index back to the file.
type sent struct {
	index int64
	line  int
}

// runBatch streams records [first, first+n) of the file as one batch. The
// summary is received concurrently: a batch that completed before comes back
// replayed as soon as the server has read the header, and the rest of the
// batch is then skipped without decoding.
func runBatch(ctx context.Context, conn *ConnConfig, ic *importContext, header *typev1.ImportBatchHeader,
	r recordReader, first, n int64, bar *progress, res *fileResult, rw *rejectionWriter) error {
	cc, err := conn.Conn(ic.Name)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := ic.Open(sctx, cc)
	if err != nil {
		return err
	}
	type answer struct {
		sum *typev1.ImportSummary
		err error
	}
	answered := make(chan answer, 1)
	if err := stream.SendMsg(ic.Header(header)); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	go func() {
		s := &typev1.ImportSummary{}
		err := stream.RecvMsg(s)
		answered <- answer{s, err}
	}()
	var (
		got     *answer
		records = make([]sent, 0, min(n, 1<<16))
		local   []rejectionLine // records dtsenctl could not decode
		done    int64
		early   bool // the server answered before the whole batch was sent
	)
	flush := func() {
		if done > 0 {
			bar.add(done)
			done = 0
		}
	}
	i := int64(0)
	for ; i < n; i++ {
		if i%64 == 0 {
			flush()
			select {
			case a := <-answered:
				got, early = &a, true
			default:
			}
			if got != nil {
				break
			}
		}
		raw, err := r.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("the file ended early (it changed since it was read?)")
			}
			cancel()
			return err
		}
		done++
		m, derr := decode(ic, raw)
		if derr != nil {
			local = append(local, rejectionLine{Index: first + i, Line: raw.line, Reason: reasonUnreadable, Description: derr.Error()})
			continue
		}
		if err := stream.SendMsg(m); err != nil {
			if errors.Is(err, io.EOF) { // the server ended the stream: its answer says why
				records = append(records, sent{index: first + i, line: raw.line})
				i++
				early = true
				break
			}
			return err
		}
		records = append(records, sent{index: first + i, line: raw.line})
	}
	flush()
	if early {
		// The server answered before the end of the batch (normally: the
		// batch had completed before). Skip its remaining records.
		if got == nil {
			a := <-answered
			got = &a
		}
		if got.err != nil {
			return got.err
		}
		if !got.sum.GetReplayed() {
			return fmt.Errorf("the server ended batch %s before it was sent in full", header.GetBatchId())
		}
		// Rejections of a replayed batch refer to stream positions: decode
		// the rest only if there are some, to map them back to the file.
		needMap := got.sum.GetRejectedCount() > 0
		for ; i < n; i++ {
			raw, err := r.Next()
			if err != nil {
				return fmt.Errorf("the file ended early: %v", err)
			}
			if needMap {
				if _, derr := decode(ic, raw); derr != nil {
					local = append(local, rejectionLine{Index: first + i, Line: raw.line, Reason: reasonUnreadable, Description: derr.Error()})
				} else {
					records = append(records, sent{index: first + i, line: raw.line})
				}
			}
			done++
			if done >= 4096 {
				flush()
			}
		}
		flush()
	} else {
		if err := stream.CloseSend(); err != nil {
			return err
		}
		a := <-answered
		got = &a
		if got.err != nil {
			return got.err
		}
	}
	sum := got.sum
	if sum.GetReplayed() {
		res.Replayed++
		// A replayed batch's own unreadable lines were never sent; they are
		// found again only when the rest was decoded above.
	}
	res.Accepted += sum.GetAcceptedCount()
	res.Unchanged += sum.GetUnchangedCount()
	res.Rejected += sum.GetRejectedCount() + int64(len(local))
	res.Unlisted += sum.GetRejectedCount() - int64(len(sum.GetRejections()))
	var lines []rejectionLine
	lines = append(lines, local...)
	for _, rj := range sum.GetRejections() {
		at := sent{index: -1}
		if idx := rj.GetIndex(); idx >= 0 && idx < int64(len(records)) {
			at = records[idx]
		}
		vs := rj.GetViolations()
		if len(vs) == 0 {
			vs = []*typev1.RecordViolation{{Reason: "REJECTED"}}
		}
		seen := map[string]bool{}
		for _, v := range vs {
			if !seen[v.GetReason()] {
				res.Reasons[v.GetReason()]++
				seen[v.GetReason()] = true
			}
			lines = append(lines, rejectionLine{Index: at.index, Line: at.line, Key: rj.GetKey(), Field: v.GetField(),
				Reason: v.GetReason(), Description: v.GetDescription()})
		}
	}
	for _, l := range local {
		res.Reasons[l.Reason]++
	}
	sort.SliceStable(lines, func(a, b int) bool { return lines[a].Index < lines[b].Index })
	for k := range lines {
		lines[k].File = res.File
		lines[k].Batch = header.GetBatchId()
	}
	return rw.write(lines)
}

// inProgress reports whether err is the server's "this batch is being
// imported by another stream".
func inProgress(err error) bool {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.Aborted {
		return false
	}
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok && ei.GetReason() == "IMPORT_BATCH_IN_PROGRESS" {
			return true
		}
	}
	return false
}

// describe turns a gRPC error into one readable line: code, message, the
// ErrorInfo reason and metadata, the Indonesian message, and what to do
// about an authentication failure.
func describe(err error) error {
	if errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled {
		return errors.New("interrupted; run the same command again to resume (completed batches are skipped)")
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	var (
		reason, indonesian string
		meta, fields       []string
	)
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			reason = d.GetReason()
			for _, k := range slices.Sorted(maps.Keys(d.GetMetadata())) {
				meta = append(meta, k+"="+d.GetMetadata()[k])
			}
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				fields = append(fields, v.GetField()+": "+v.GetDescription())
			}
		case *errdetails.LocalizedMessage:
			if d.GetLocale() == apierror.LocaleIndonesian {
				indonesian = d.GetMessage()
			}
		}
	}
	msg := st.Code().String() + ": " + st.Message()
	if reason != "" {
		msg += " (" + strings.Join(append([]string{reason}, meta...), "; ") + ")"
	}
	if len(fields) > 0 {
		msg += " [" + strings.Join(fields, "; ") + "]"
	}
	if indonesian != "" && indonesian != st.Message() {
		msg += " / " + apierror.LocaleIndonesian + ": " + indonesian
	}
	switch {
	case reason == auth.ReasonTokenExpired:
		msg += "; get a new token (make run mints persona tokens at each start; 'dtsenctl token' mints one)"
	case reason == auth.ReasonTokenMissing:
		msg += "; set DTSEN_TOKEN or pass --token"
	case reason == auth.ReasonTokenInvalid:
		msg += "; was the token issued by the issuer the services trust (their DTSEN_AUTH_ISSUER and audience)?"
	case reason == auth.ReasonIssuerUnavailable:
		msg += "; is the token issuer running?"
	case st.Code() == codes.Unavailable:
		msg += "; is the service running and the address right?"
	}
	return errors.New(msg)
}

// rejectionWriter writes rejection lines as JSONL.
type rejectionWriter struct {
	path string
	f    *os.File
	enc  *json.Encoder
}

func createRejections(path string) (*rejectionWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("rejections file: %w", err)
	}
	return &rejectionWriter{path: path, f: f, enc: json.NewEncoder(f)}, nil
}

func (w *rejectionWriter) write(lines []rejectionLine) error {
	for i := range lines {
		if err := w.enc.Encode(&lines[i]); err != nil {
			return err
		}
	}
	return nil
}

func (w *rejectionWriter) close() error { return w.f.Close() }

// printResult writes a file's summary: counts, rejections by reason and
// where they were written.
func printResult(w io.Writer, r *fileResult) {
	batches := fmt.Sprintf("%d batch", r.Batches)
	if r.Batches != 1 {
		batches += "es"
	}
	fmt.Fprintf(w, "%s -> %s (source %s): %s records in %s, %s accepted, %s unchanged, %s rejected [%s]\n",
		filepath.Base(r.File), r.Context, r.Source, thousands(r.Records), batches, thousands(r.Accepted),
		thousands(r.Unchanged), thousands(r.Rejected), r.Elapsed.Round(10*time.Millisecond))
	if r.Replayed > 0 {
		fmt.Fprintf(w, "  %d of %s already imported earlier (replayed, skipped)\n", r.Replayed, batches)
	}
	if r.Rejected > 0 {
		reasons := make([]string, 0, len(r.Reasons))
		for k := range r.Reasons {
			reasons = append(reasons, k)
		}
		sort.Slice(reasons, func(a, b int) bool {
			if r.Reasons[reasons[a]] != r.Reasons[reasons[b]] {
				return r.Reasons[reasons[a]] > r.Reasons[reasons[b]]
			}
			return reasons[a] < reasons[b]
		})
		fmt.Fprintln(w, "  rejections by reason:")
		for _, k := range reasons {
			fmt.Fprintf(w, "    %-32s %s\n", k, thousands(r.Reasons[k]))
		}
		if r.Unlisted > 0 {
			fmt.Fprintf(w, "  (%s rejections were counted but not listed by the server)\n", thousands(r.Unlisted))
		}
		fmt.Fprintf(w, "  rejections written to %s\n", r.Rejections)
	}
}
