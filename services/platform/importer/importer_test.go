package importer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/platform/telemetry/telemetrytest"
)

// A "thing" record is written as a parent row plus its parts, so a test can
// tell a whole record from a half-written one.
type thing struct {
	id    string
	parts int
}

var thingTables = storage.MigrationSet{Name: "things", FS: fstest.MapFS{
	"sqlite/0001_things.sql":   {Data: []byte("CREATE TABLE things (id TEXT PRIMARY KEY, parts INTEGER); CREATE TABLE parts (thing TEXT, n INTEGER);")},
	"postgres/0001_things.sql": {Data: []byte("CREATE TABLE things (id TEXT PRIMARY KEY, parts INTEGER); CREATE TABLE parts (thing TEXT, n INTEGER);")},
}}

var spec = importer.Spec[thing]{
	Check: func(r thing) (string, []*typev1.RecordViolation) {
		if strings.HasPrefix(r.id, "bad") {
			return r.id, []*typev1.RecordViolation{{Field: "id", Reason: "THING_BAD", Description: "bad thing"}}
		}
		return r.id, nil
	},
	Apply: func(ctx context.Context, tx *storage.Tx, recs []importer.Record[thing]) (importer.Outcome, error) {
		var out importer.Outcome
		for _, rec := range recs {
			var parts int
			err := tx.QueryRowContext(ctx, "SELECT parts FROM things WHERE id = $1", rec.Value.id).Scan(&parts)
			if err == nil {
				if parts == rec.Value.parts {
					out.Unchanged++
				} else {
					out.Rejections = append(out.Rejections, &typev1.RecordRejection{Index: rec.Index, Key: rec.Value.id,
						Violations: []*typev1.RecordViolation{{Reason: "THING_CONFLICT"}}})
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO things VALUES ($1, $2)", rec.Value.id, rec.Value.parts); err != nil {
				return out, err
			}
			for i := 0; i < rec.Value.parts; i++ {
				if _, err := tx.ExecContext(ctx, "INSERT INTO parts VALUES ($1, $2)", rec.Value.id, i); err != nil {
					return out, err
				}
			}
			out.Accepted++
		}
		return out, nil
	},
}

// stream replays records and, when cutAfter >= 0, fails like a dropped
// connection after that many records.
func stream(recs []thing, cutAfter int) func() (thing, error) {
	i := 0
	return func() (thing, error) {
		if cutAfter >= 0 && i == cutAfter {
			return thing{}, status.Error(codes.Canceled, "client went away")
		}
		if i == len(recs) {
			return thing{}, io.EOF
		}
		i++
		return recs[i-1], nil
	}
}

func header(batch string) *typev1.ImportBatchHeader {
	return &typev1.ImportBatchHeader{Source: "test-agency", BatchId: batch}
}

func TestImport(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, importer.Migrations, thingTables)
		// One worker: this spec names no Keys, so on PostgreSQL's two workers
		// the duplicate "a" of the mixed batch could win its race (the
		// parallel tests below cover Keys).
		im := importer.New(db, importer.Options{Domain: "test.dtsen.go.id", ChunkSize: 3, Workers: 1})
		count := func(table string) int {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		t.Run("mixed batch: valid records land, invalid ones are rejected with reasons", func(t *testing.T) {
			recs := []thing{{"a", 2}, {"bad1", 1}, {"b", 3}, {"c", 1}, {"bad2", 1}, {"a", 5}, {"d", 2}}
			sum, err := importer.Run(ctx, im, header("mixed-1"), stream(recs, -1), spec)
			if err != nil {
				t.Fatal(err)
			}
			if sum.ReceivedCount != 7 || sum.AcceptedCount != 4 || sum.RejectedCount != 3 || sum.Replayed {
				t.Fatalf("summary %+v", sum)
			}
			var got []string
			for _, r := range sum.Rejections {
				got = append(got, fmt.Sprintf("%d:%s:%s", r.Index, r.Key, r.Violations[0].Reason))
			}
			if want := "1:bad1:THING_BAD,4:bad2:THING_BAD,5:a:THING_CONFLICT"; strings.Join(got, ",") != want {
				t.Fatalf("rejections %v, want %s", got, want)
			}
			if count("things") != 4 || count("parts") != 8 {
				t.Fatalf("things=%d parts=%d", count("things"), count("parts"))
			}
		})

		t.Run("a batch id belongs to the client that opened it", func(t *testing.T) {
			bps := auth.WithPrincipal(ctx, &auth.Principal{Subject: "client-bps", Role: auth.RoleIntegrationClient})
			ojk := auth.WithPrincipal(ctx, &auth.Principal{Subject: "client-ojk", Role: auth.RoleIntegrationClient})
			if _, err := importer.Run(bps, im, header("owned-1"), stream([]thing{{"o1", 1}}, -1), spec); err != nil {
				t.Fatal(err)
			}
			before := count("parts")
			_, err := importer.Run(ojk, im, header("owned-1"), stream([]thing{{"o2", 1}}, -1), spec)
			if status.Code(err) != codes.PermissionDenied || apierror.ReasonOf(err) != importer.ReasonBatchOfAnotherClient {
				t.Fatalf("another client's re-send: %v", err)
			}
			if count("parts") != before {
				t.Fatal("another client's re-send wrote records")
			}
			again, err := importer.Run(bps, im, header("owned-1"), stream([]thing{{"o1", 1}}, -1), spec)
			if err != nil || !again.Replayed {
				t.Fatalf("the owner's re-send: %+v %v", again, err)
			}
		})

		t.Run("re-sending a completed batch is a no-op returning the original summary", func(t *testing.T) {
			recs := []thing{{"e", 1}, {"f", 1}}
			first, err := importer.Run(ctx, im, header("resend-1"), stream(recs, -1), spec)
			if err != nil {
				t.Fatal(err)
			}
			before := count("parts")
			again, err := importer.Run(ctx, im, header("resend-1"), stream(append(recs, thing{"g", 1}), -1), spec)
			if err != nil {
				t.Fatal(err)
			}
			if !again.Replayed || again.AcceptedCount != first.AcceptedCount || count("parts") != before {
				t.Fatalf("replay: %+v, parts %d -> %d", again, before, count("parts"))
			}
		})

		t.Run("a cut stream leaves only whole records, and a re-send completes it", func(t *testing.T) {
			recs := []thing{{"h1", 2}, {"h2", 2}, {"h3", 2}, {"h4", 2}, {"h5", 2}}
			_, err := importer.Run(ctx, im, header("cut-1"), stream(recs, 4), spec)
			if status.Code(err) != codes.Canceled {
				t.Fatalf("cut stream returned %v", err)
			}
			var things, parts int
			_ = db.QueryRowContext(ctx, "SELECT count(*) FROM things WHERE id LIKE 'h%'").Scan(&things)
			_ = db.QueryRowContext(ctx, "SELECT count(*) FROM parts WHERE thing LIKE 'h%'").Scan(&parts)
			if things != 3 || parts != 6 { // the first chunk of 3 committed; record 4 was not
				t.Fatalf("after cut: things=%d parts=%d", things, parts)
			}
			sum, err := importer.Run(ctx, im, header("cut-1"), stream(recs, -1), spec)
			if err != nil {
				t.Fatal(err)
			}
			if sum.AcceptedCount != 2 || sum.UnchangedCount != 3 || sum.Replayed {
				t.Fatalf("resumed summary %+v", sum)
			}
		})

		t.Run("bad headers are rejected before anything is written", func(t *testing.T) {
			for _, h := range []*typev1.ImportBatchHeader{nil, {Source: "", BatchId: "x"}, {Source: "ok", BatchId: "has space"}, {Source: "UPPER", BatchId: "x"}} {
				_, err := importer.Run(ctx, im, h, stream([]thing{{"zz", 1}}, -1), spec)
				if status.Code(err) != codes.InvalidArgument || apierror.ReasonOf(err) == "" {
					t.Fatalf("header %+v: %v", h, err)
				}
			}
			var n int
			_ = db.QueryRowContext(ctx, "SELECT count(*) FROM things WHERE id = 'zz'").Scan(&n)
			if n != 0 {
				t.Fatal("a record was written under a bad header")
			}
		})

		t.Run("a batch being imported by another stream is refused", func(t *testing.T) {
			block := make(chan struct{})
			started := make(chan struct{})
			first := make(chan error, 1)
			go func() {
				n := 0
				_, err := importer.Run(ctx, im, header("busy-1"), func() (thing, error) {
					if n == 0 {
						n++
						close(started)
						<-block
						return thing{"busy", 1}, nil
					}
					return thing{}, io.EOF
				}, spec)
				first <- err
			}()
			<-started
			_, err := importer.Run(ctx, im, header("busy-1"), stream(nil, -1), spec)
			close(block)
			if status.Code(err) != codes.Aborted || apierror.ReasonOf(err) != "IMPORT_BATCH_IN_PROGRESS" {
				t.Fatalf("concurrent import: %v", err)
			}
			if err := <-first; err != nil {
				t.Fatal(err)
			}
		})

		t.Run("a storage failure aborts the batch and a re-send may retry it", func(t *testing.T) {
			failing := spec
			failing.Apply = func(context.Context, *storage.Tx, []importer.Record[thing]) (importer.Outcome, error) {
				return importer.Outcome{}, errors.New("disk on fire")
			}
			if _, err := importer.Run(ctx, im, header("fail-1"), stream([]thing{{"q", 1}}, -1), failing); err == nil {
				t.Fatal("failure not reported")
			}
			sum, err := importer.Run(ctx, im, header("fail-1"), stream([]thing{{"q", 1}}, -1), spec)
			if err != nil || sum.AcceptedCount != 1 {
				t.Fatalf("retry: %+v %v", sum, err)
			}
		})
	})
}

// On PostgreSQL two chunks are applied at once, unless they share a key: then
// the later one waits, so the first record to claim a key wins even when its
// chunk is the slower one.
func TestParallelChunksRespectKeys(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, storagetest.PostgresURL(t), importer.Migrations, thingTables)
	im := importer.New(db, importer.Options{Domain: "test.dtsen.go.id", ChunkSize: 2, Workers: 2})

	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	secondStarted := make(chan struct{})
	keyed := spec
	keyed.Keys = func(r thing) []string { return []string{r.id} }
	keyed.Apply = func(ctx context.Context, tx *storage.Tx, recs []importer.Record[thing]) (importer.Outcome, error) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		switch recs[0].Index {
		case 0:
			// The first chunk is slow: it lasts until the second has
			// started beside it, or long enough to show it never will.
			select {
			case <-secondStarted:
			case <-time.After(5 * time.Second):
			}
		case 2:
			close(secondStarted)
		}
		return spec.Apply(ctx, tx, recs)
	}

	// Chunks: [k1 x] [p q] [k1' y] [r s]. The second runs beside the slow
	// first; the third shares k1 with the first and must wait for it.
	recs := []thing{{"k1", 1}, {"x", 1}, {"p", 1}, {"q", 1}, {"k1", 2}, {"y", 1}, {"r", 1}, {"s", 1}}
	sum, err := importer.Run(ctx, im, header("parallel-1"), stream(recs, -1), keyed)
	if err != nil {
		t.Fatal(err)
	}
	if sum.AcceptedCount != 7 || sum.RejectedCount != 1 || sum.Rejections[0].GetIndex() != 4 {
		t.Fatalf("summary %+v", sum)
	}
	var parts int
	if err := db.QueryRowContext(ctx, "SELECT parts FROM things WHERE id = 'k1'").Scan(&parts); err != nil || parts != 1 {
		t.Fatalf("k1 parts = %d (%v): the later record won", parts, err)
	}
	if maxInFlight < 2 {
		t.Fatalf("chunks were never applied in parallel (max in flight %d)", maxInFlight)
	}
}

// Without Keys the same batch lets the later record win the race, which is
// why Keys exists: this pins that the test above tests the key locks.
func TestParallelChunksWithoutKeysRace(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, storagetest.PostgresURL(t), importer.Migrations, thingTables)
	im := importer.New(db, importer.Options{Domain: "test.dtsen.go.id", ChunkSize: 2, Workers: 2})
	unkeyed := spec
	unkeyed.Apply = func(ctx context.Context, tx *storage.Tx, recs []importer.Record[thing]) (importer.Outcome, error) {
		if recs[0].Index == 0 {
			time.Sleep(300 * time.Millisecond)
		}
		return spec.Apply(ctx, tx, recs)
	}
	recs := []thing{{"k1", 1}, {"x", 1}, {"k1", 2}, {"y", 1}}
	if _, err := importer.Run(ctx, im, header("race-1"), stream(recs, -1), unkeyed); err != nil {
		t.Fatal(err)
	}
	var parts int
	if err := db.QueryRowContext(ctx, "SELECT parts FROM things WHERE id = 'k1'").Scan(&parts); err != nil || parts != 2 {
		t.Fatalf("k1 parts = %d (%v), expected the unkeyed race to let the later record win", parts, err)
	}
}

// Prepare sees each chunk's valid records, outside any transaction, before
// Apply does, and what it annotates reaches Apply.
func TestPrepareRunsBeforeApply(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, storagetest.SQLiteURL(t), importer.Migrations, thingTables)
	im := importer.New(db, importer.Options{Domain: "test.dtsen.go.id", ChunkSize: 2})
	prepared := spec
	var chunks [][]string
	prepared.Prepare = func(_ context.Context, recs []importer.Record[thing]) error {
		var ids []string
		for i := range recs {
			ids = append(ids, recs[i].Value.id)
			recs[i].Value.parts = 3 // an annotation Apply must see
		}
		chunks = append(chunks, ids)
		return nil
	}
	recs := []thing{{"m1", 1}, {"bad-m", 1}, {"m2", 1}, {"m3", 1}, {"m4", 1}}
	sum, err := importer.Run(ctx, im, header("prepare-1"), stream(recs, -1), prepared)
	if err != nil || sum.AcceptedCount != 4 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	if fmt.Sprint(chunks) != "[[m1] [m2 m3] [m4]]" {
		t.Fatalf("Prepare saw %v", chunks)
	}
	var parts int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM parts WHERE thing = 'm4'").Scan(&parts); err != nil || parts != 3 {
		t.Fatalf("m4 has %d parts (%v): Apply did not see Prepare's annotation", parts, err)
	}

	failing := spec
	failing.Prepare = func(context.Context, []importer.Record[thing]) error { return errors.New("registry down") }
	if _, err := importer.Run(ctx, im, header("prepare-2"), stream([]thing{{"m9", 1}}, -1), failing); err == nil {
		t.Fatal("a Prepare failure was not reported")
	}
	var n int
	_ = db.QueryRowContext(ctx, "SELECT count(*) FROM things WHERE id = 'm9'").Scan(&n)
	if n != 0 {
		t.Fatal("a record was written although Prepare failed")
	}
}

// A chunk whose optimistic write found its row changed since the read is
// run again in a new transaction, which reads again: the client never sees
// the clash, and the first attempt's writes are gone.
func TestStaleWriteRetriesTheChunk(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, importer.Migrations, thingTables)
		im := importer.New(db, importer.Options{Domain: "test.dtsen.go.id", ChunkSize: 10})
		attempts := 0
		clashing := spec
		clashing.Apply = func(ctx context.Context, tx *storage.Tx, recs []importer.Record[thing]) (importer.Outcome, error) {
			attempts++
			out, err := spec.Apply(ctx, tx, recs)
			if err == nil && attempts == 1 {
				return out, fmt.Errorf("things: %w", storage.ErrStaleWrite)
			}
			return out, err
		}
		sum, err := importer.Run(ctx, im, header("stale-1"), stream([]thing{{"s1", 2}, {"s2", 1}}, -1), clashing)
		if err != nil || sum.AcceptedCount != 2 || attempts != 2 {
			t.Fatalf("summary %+v, %v after %d attempts", sum, err, attempts)
		}
		var parts int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM parts").Scan(&parts); err != nil || parts != 3 {
			t.Fatalf("%d parts (%v): the first attempt's writes were kept", parts, err)
		}
	})
}

// A message is a header or a thing, as an ImportRecordsRequest's oneof is.
type message struct {
	header *typev1.ImportBatchHeader
	thing  thing
}

func messages(ms ...message) func() (message, error) {
	return func() (message, error) {
		if len(ms) == 0 {
			return message{}, io.EOF
		}
		m := ms[0]
		ms = ms[1:]
		return m, nil
	}
}

func TestMessages(t *testing.T) {
	db := storagetest.Open(t, storagetest.SQLiteURL(t), importer.Migrations)
	im := importer.New(db, importer.Options{Domain: "test.dtsen.go.id"})
	headerOf := func(m message) *typev1.ImportBatchHeader { return m.header }

	h, next, err := importer.Messages(im, messages(message{header: header("m-1")}, message{thing: thing{"a", 1}}), headerOf)
	if err != nil || h.GetBatchId() != "m-1" {
		t.Fatalf("header %v, %v", h, err)
	}
	if m, err := next(); err != nil || m.thing.id != "a" {
		t.Fatalf("first record %v, %v", m, err)
	}
	if _, err := next(); !errors.Is(err, io.EOF) {
		t.Fatalf("end of stream: %v", err)
	}

	for name, c := range map[string]struct {
		ms     []message
		reason string
	}{
		"empty stream":    {nil, "IMPORT_HEADER_MISSING"},
		"record first":    {[]message{{thing: thing{"a", 1}}}, "IMPORT_HEADER_MISSING"},
		"bad batch id":    {[]message{{header: &typev1.ImportBatchHeader{Source: "x", BatchId: "a b"}}}, "IMPORT_HEADER_INVALID"},
		"header repeated": {[]message{{header: header("m-2")}, {header: header("m-3")}}, importer.ReasonHeaderRepeated},
	} {
		_, next, err := importer.Messages(im, messages(c.ms...), headerOf)
		if err == nil {
			_, err = next()
		}
		if status.Code(err) != codes.InvalidArgument || apierror.ReasonOf(err) != c.reason {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestImportMetrics: a batch counts its records by outcome under the owning
// context and the source, and its rejections by reason; a replayed batch
// counts nothing again.
func TestImportMetrics(t *testing.T) {
	metrics := telemetrytest.Metrics(t)
	ctx := context.Background()
	db := storagetest.Open(t, storagetest.SQLiteURL(t), importer.Migrations, thingTables)
	im := importer.New(db, importer.Options{Domain: "test.dtsen.go.id", ChunkSize: 3, Workers: 1})
	value := func(name string, attrs ...attribute.KeyValue) float64 {
		t.Helper()
		v, _ := metrics.Value(t, name, append(attrs, attribute.String("context", "test"))...)
		return v
	}
	recs := []thing{{"a", 2}, {"bad1", 1}, {"b", 3}, {"c", 1}, {"bad2", 1}, {"a", 5}, {"d", 2}}
	for range 2 { // the second run replays the completed batch
		if _, err := importer.Run(ctx, im, header("metrics-1"), stream(recs, -1), spec); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := importer.Run(ctx, im, header("metrics-2"), stream([]thing{{"a", 2}}, -1), spec); err != nil {
		t.Fatal(err)
	}
	src := attribute.String("source", "test-agency")
	for outcome, want := range map[string]float64{"accepted": 4, "unchanged": 1, "rejected": 3} {
		if got := value("dtsen_import_records", src, attribute.String("outcome", outcome)); got != want {
			t.Errorf("records %s = %v, want %v", outcome, got, want)
		}
	}
	for reason, want := range map[string]float64{"THING_BAD": 2, "THING_CONFLICT": 1} {
		if got := value("dtsen_import_rejections", attribute.String("reason", reason)); got != want {
			t.Errorf("rejections %s = %v, want %v", reason, got, want)
		}
	}
}
