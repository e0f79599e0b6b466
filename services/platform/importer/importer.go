// Package importer runs the client-streaming ImportRecords bulk path that
// every source context (registry, asset, income, service usage) exposes.
//
// The contract, the same in every context:
//   - the stream opens with a batch header naming the source and a batch_id;
//   - each record is checked on its own; a bad record is rejected with its
//     reasons and the rest of the batch still lands;
//   - each record is written whole or not at all: records are applied in
//     chunks, one transaction per chunk, so a stream cut halfway leaves only
//     whole records behind;
//   - re-sending a completed batch is a no-op that returns the original
//     summary; re-sending an interrupted batch resumes it, and the records
//     that already landed count as unchanged.
//
// Reading and checking the next chunk overlaps with writing the previous one,
// so on two cores the network, the protobuf decoding and the database all stay
// busy.
package importer

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the batch ledger; every importing service applies it.
var Migrations = storage.EmbeddedMigrations("importer", migrationFS, storage.Tables{"import_batches": storage.Local})

// Record is one record of a batch with its zero-based position in the stream.
type Record[R any] struct {
	Index int64
	Value R
}

// Outcome is what applying one chunk did.
type Outcome struct {
	Accepted   int64
	Unchanged  int64
	Rejections []*typev1.RecordRejection
}

// Spec is what a context plugs into the shared import loop.
type Spec[R any] struct {
	// Check validates one record on its own, without the database. It returns
	// the record's key for a rejection and its violations (none when valid).
	Check func(R) (key string, violations []*typev1.RecordViolation)
	// Apply writes a chunk of records that passed Check, inside tx, including
	// their outbox events. It rejects the records that conflict with stored
	// data or with each other, and must write nothing for those. It may run
	// again for the same chunk after losing a race with another writer.
	Apply func(ctx context.Context, tx *storage.Tx, records []Record[R]) (Outcome, error)
	// Prepare runs once per chunk on the records that passed Check, before
	// the chunk's transaction opens, and may annotate them: it is where a
	// context runs its batched cross-checks against another context (the
	// registry), so no transaction is held open across the network. It runs
	// on the reading side, overlapping the writes of earlier chunks. Optional.
	Prepare func(ctx context.Context, records []Record[R]) error
	// Keys names what a record writes or checks (e.g. "kk:..." and
	// "nik:..."), so that chunks sharing a key are applied one after the
	// other. Nil means records never conflict across chunks.
	Keys func(R) []string
}

// Options tune an Importer.
type Options struct {
	// Domain is the ErrorInfo domain of the owning context.
	Domain string
	// ChunkSize is the number of records per transaction (default 2000).
	ChunkSize int
	// MaxRejections caps the rejections listed in a summary; rejected_count
	// still counts all of them (default 10000).
	MaxRejections int
	// Lease is how long a RUNNING batch whose importer stopped reporting stays
	// locked against a re-send (default 1 minute).
	Lease time.Duration
	// Workers is how many chunks are applied at once (default 2 on
	// PostgreSQL; always 1 on SQLite, which has a single writer).
	Workers int
}

func (im *Importer) workers() int {
	if im.db.Engine() == storage.SQLite {
		return 1
	}
	return im.opts.Workers
}

// Importer runs batches against one database.
type Importer struct {
	db   *storage.DB
	opts Options
}

// New returns an importer over db.
func New(db *storage.DB, opts Options) *Importer {
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 2000
	}
	if opts.MaxRejections <= 0 {
		opts.MaxRejections = 10000
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	return &Importer{db: db, opts: opts}
}

var (
	sourcePattern  = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)
	batchIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
)

// CheckHeader validates a batch header.
func (im *Importer) CheckHeader(h *typev1.ImportBatchHeader) error {
	if h == nil {
		return apierror.New(codes.InvalidArgument, im.opts.Domain, "IMPORT_HEADER_MISSING").
			Message("the first message of an import stream must be the batch header",
				"pesan pertama aliran impor harus berupa header batch").Err()
	}
	e := apierror.New(codes.InvalidArgument, im.opts.Domain, "IMPORT_HEADER_INVALID").
		Message("the batch header is invalid", "header batch tidak valid")
	bad := false
	if !sourcePattern.MatchString(h.GetSource()) {
		e.Field("header.source", "IMPORT_SOURCE_INVALID", "source must be 1-64 lowercase letters, digits, '-' or '_'")
		bad = true
	}
	if !batchIDPattern.MatchString(h.GetBatchId()) {
		e.Field("header.batch_id", "IMPORT_BATCH_ID_INVALID", "batch_id must be 1-128 letters, digits, '.', '_', ':' or '-'")
		bad = true
	}
	if bad {
		return e.Err()
	}
	return nil
}

// ReasonBatchOfAnotherClient: the batch id was opened by another client.
const ReasonBatchOfAnotherClient = "IMPORT_BATCH_OF_ANOTHER_CLIENT"

// ErrHeaderRepeated is returned by a source's next function when a second
// header arrives mid-stream.
var ErrHeaderRepeated = errors.New("importer: header repeated")

// Run imports one batch. next returns the stream's records in order and
// io.EOF at the end. The header must already have passed CheckHeader.
//
// Chunks are applied by up to Options.Workers transactions at once, so a
// national load keeps several database cores busy. Two chunks that share a
// key (Spec.Keys) are never in flight together: the later one starts after
// the earlier one committed, so it sees the earlier one's rows and the first
// record of a batch to claim a key always wins, whatever the timing.
func Run[R any](ctx context.Context, im *Importer, header *typev1.ImportBatchHeader, next func() (R, error), spec Spec[R]) (*typev1.ImportSummary, error) {
	if err := im.CheckHeader(header); err != nil {
		return nil, err
	}
	summary := &typev1.ImportSummary{Source: header.GetSource(), BatchId: header.GetBatchId()}
	done, err := im.claim(ctx, summary)
	if err != nil || done != nil {
		return done, err
	}
	completed := false
	defer func() {
		if !completed {
			im.release(summary)
		}
	}()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk[R], im.workers())
	readErr := make(chan error, 1)
	go func() { readErr <- readChunks(ctx, im.opts.ChunkSize, next, spec, chunks) }()

	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	busy := newKeyLocks()
	slots := make(chan struct{}, im.workers())
	for c := range chunks {
		if err := busy.acquire(ctx, c.keys); err != nil {
			break
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			busy.release(c.keys)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			defer busy.release(c.keys)
			out, err := applyChunk(ctx, im, summary, c, spec)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
					cancel() // the reader and the other chunks stop
				}
				return
			}
			summary.ReceivedCount += c.received
			summary.AcceptedCount += out.Accepted
			summary.UnchangedCount += out.Unchanged
			im.count(ctx, summary.Source, out.Accepted, out.Unchanged, c.rejected, out.Rejections)
			im.reject(summary, c.rejected)
			im.reject(summary, out.Rejections)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		// The reader stops on its own: its sends watch ctx, and its Recv
		// fails once the handler returns and gRPC ends the stream.
		return nil, fmt.Errorf("importer: apply chunk: %w", firstErr)
	}
	if err := <-readErr; err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	sortRejections(summary, im.opts.MaxRejections)
	if err := im.complete(ctx, summary); err != nil {
		return nil, err
	}
	completed = true
	return summary, nil
}

// maxAttempts bounds the retries of a chunk that lost a race with another
// writer (a deadlock or a busy lock).
const maxAttempts = 5

// applyChunk writes one chunk in its own transaction, retrying when it lost
// a race with a concurrent writer.
func applyChunk[R any](ctx context.Context, im *Importer, s *typev1.ImportSummary, c chunk[R], spec Spec[R]) (Outcome, error) {
	var out Outcome
	var err error
	for attempt := 1; ; attempt++ {
		err = im.db.InTx(ctx, func(tx *storage.Tx) error {
			// Chunks need not each wait for the disk: the batch is reported
			// complete only by a normal commit after the last chunk, which
			// flushes them all (WAL is flushed in order).
			if err := tx.DeferFlush(ctx); err != nil {
				return err
			}
			out = Outcome{}
			if len(c.valid) > 0 {
				var err error
				if out, err = spec.Apply(ctx, tx, c.valid); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `UPDATE import_batches SET received_count = received_count + $1,
				accepted_count = accepted_count + $2, updated_at = $3 WHERE source = $4 AND batch_id = $5`,
				c.received, out.Accepted, time.Now().UnixMicro(), s.Source, s.BatchId)
			return err
		})
		if err == nil || attempt == maxAttempts || !(storage.IsTransient(err) || storage.IsUniqueViolation(err)) {
			return out, err
		}
		// A unique violation here means another writer (not this batch: its
		// in-flight chunks share no key) inserted the same key after Apply
		// looked; the retry sees it and rejects the record properly.
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(time.Duration(attempt*attempt) * 20 * time.Millisecond):
		}
	}
}
func (im *Importer) reject(s *typev1.ImportSummary, rs []*typev1.RecordRejection) {
	s.RejectedCount += int64(len(rs))
	s.Rejections = append(s.Rejections, rs...)
	if len(s.Rejections) > 2*im.opts.MaxRejections {
		sortRejections(s, im.opts.MaxRejections)
	}
}

// sortRejections puts rejections in stream order, which chunks applied in
// parallel do not preserve, and keeps the first max.
func sortRejections(s *typev1.ImportSummary, max int) {
	sort.Slice(s.Rejections, func(i, j int) bool { return s.Rejections[i].GetIndex() < s.Rejections[j].GetIndex() })
	if len(s.Rejections) > max {
		s.Rejections = s.Rejections[:max]
	}
}

type chunk[R any] struct {
	valid    []Record[R]
	rejected []*typev1.RecordRejection
	received int64
	keys     []string
}

// readChunks reads and checks records, handing full chunks to the writer. It
// closes out when the stream ends, fails, or ctx is cancelled; only a clean
// io.EOF flushes the last partial chunk.
func readChunks[R any](ctx context.Context, size int, next func() (R, error), spec Spec[R], out chan<- chunk[R]) error {
	defer close(out)
	var idx int64
	cur := chunk[R]{}
	send := func() bool {
		select {
		case out <- cur:
			cur = chunk[R]{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		rec, err := next()
		if errors.Is(err, io.EOF) {
			if cur.received == 0 {
				return nil
			}
			if err := prepare(ctx, spec, cur.valid); err != nil {
				return err
			}
			if !send() {
				return ctx.Err()
			}
			return nil
		}
		if err != nil {
			return err
		}
		cur.received++
		if key, vs := spec.Check(rec); len(vs) > 0 {
			cur.rejected = append(cur.rejected, &typev1.RecordRejection{Index: idx, Key: key, Violations: vs})
		} else {
			cur.valid = append(cur.valid, Record[R]{Index: idx, Value: rec})
			if spec.Keys != nil {
				cur.keys = append(cur.keys, spec.Keys(rec)...)
			}
		}
		idx++
		if int(cur.received) >= size {
			if err := prepare(ctx, spec, cur.valid); err != nil {
				return err
			}
			if !send() {
				return ctx.Err()
			}
		}
	}
}

func prepare[R any](ctx context.Context, spec Spec[R], recs []Record[R]) error {
	if spec.Prepare == nil || len(recs) == 0 {
		return nil
	}
	return spec.Prepare(ctx, recs)
}

// claim registers the batch as RUNNING. It returns the stored summary, marked
// replayed, when the batch already completed.
func (im *Importer) claim(ctx context.Context, s *typev1.ImportSummary) (*typev1.ImportSummary, error) {
	var submitter string
	if p := auth.FromContext(ctx); p != nil {
		submitter = p.Subject
	}
	var done *typev1.ImportSummary
	err := im.db.InTx(ctx, func(tx *storage.Tx) error {
		now := time.Now()
		var status, owner string
		var updated int64
		var blob []byte
		err := tx.QueryRowContext(ctx, `SELECT status, updated_at, summary, submitter FROM import_batches
			WHERE source = $1 AND batch_id = $2`, s.Source, s.BatchId).Scan(&status, &updated, &blob, &owner)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO import_batches (source, batch_id, status, started_at, updated_at, submitter)
				VALUES ($1, $2, 'RUNNING', $3, $3, $4)`, s.Source, s.BatchId, now.UnixMicro(), submitter)
			return err
		case err != nil:
			return err
		case owner != submitter:
			return apierror.New(codes.PermissionDenied, im.opts.Domain, ReasonBatchOfAnotherClient).
				Meta("batch_id", s.BatchId).
				Message("another client opened a batch with this id; choose another batch_id",
					"klien lain telah membuka batch dengan id ini; gunakan batch_id lain").Err()
		case status == "COMPLETED":
			done = &typev1.ImportSummary{}
			if err := proto.Unmarshal(blob, done); err != nil {
				return fmt.Errorf("importer: stored summary of %s/%s: %w", s.Source, s.BatchId, err)
			}
			done.Replayed = true
			return nil
		case status == "RUNNING" && now.Sub(time.UnixMicro(updated)) < im.opts.Lease:
			return apierror.New(codes.Aborted, im.opts.Domain, "IMPORT_BATCH_IN_PROGRESS").
				Meta("batch_id", s.BatchId).
				Message("this batch is being imported by another stream; retry when it ends",
					"batch ini sedang diimpor oleh aliran lain; coba lagi setelah selesai").Err()
		default: // INTERRUPTED, or RUNNING under a lease that lapsed: resume.
			_, err = tx.ExecContext(ctx, `UPDATE import_batches SET status = 'RUNNING', received_count = 0,
				accepted_count = 0, updated_at = $1 WHERE source = $2 AND batch_id = $3`, now.UnixMicro(), s.Source, s.BatchId)
			return err
		}
	})
	return done, err
}

// release marks an unfinished batch INTERRUPTED so a re-send can resume it at
// once. It runs after the stream's context may be gone.
func (im *Importer) release(s *typev1.ImportSummary) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = im.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE import_batches SET status = 'INTERRUPTED', updated_at = $1
			WHERE source = $2 AND batch_id = $3 AND status = 'RUNNING'`, time.Now().UnixMicro(), s.Source, s.BatchId)
		return err
	})
}

func (im *Importer) complete(ctx context.Context, s *typev1.ImportSummary) error {
	blob, err := proto.Marshal(s)
	if err != nil {
		return err
	}
	return im.db.InTx(ctx, func(tx *storage.Tx) error {
		now := time.Now().UnixMicro()
		_, err := tx.ExecContext(ctx, `UPDATE import_batches SET status = 'COMPLETED', summary = $1,
			updated_at = $2, completed_at = $2 WHERE source = $3 AND batch_id = $4`, blob, now, s.Source, s.BatchId)
		return err
	})
}
