// Package outbox is the transactional outbox and change feed that every DTSEN
// context publishes (DESIGN.md §3, "Change feeds, not a shared bus").
//
// A write appends its domain events in the same transaction as the data, so
// an event exists exactly when its write committed. Sequences come from a
// one-row counter that the appending transaction updates last: the row lock
// queues concurrent writers until the holder commits or rolls back, so
// sequences are assigned in commit order, with no gaps (a rolled-back
// transaction gives its numbers back) and no duplicates. A reader therefore
// never sees sequence n+1 before n, and a consumer that resumes from its cursor
// misses nothing.
package outbox

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/timestamppb"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the outbox tables; every service applies it.
var Migrations = storage.EmbeddedMigrations("outbox", migrationFS, storage.Tables{
	// One gapless sequence per service needs one row lock: the outbox stays
	// on the coordinator until the per-shard inbox of docs/scale-out.md §7.4.
	"outbox_events": storage.Local,
	"outbox_head":   storage.Local,
})

// Event is a domain event to append. Events are notifications: they name what
// changed, and consumers read the current state from the owning context.
type Event struct {
	// Type is `<context>.<resource>.<verb>`, e.g. `registry.family.updated`.
	Type string
	// Resource is the changed resource's name, e.g. `persons/{nik}`.
	Resource string
	// Family is `families/{kk}` when the change belongs to a family.
	Family string
}

// Record is an event as stored, with its sequence.
type Record struct {
	Sequence   int64
	Event      Event
	CommitTime time.Time
	// Head is the feed's last committed sequence when the record was read,
	// so a consumer knows how far behind it is (ChangeEvent.head_sequence).
	Head int64
}

// Proto converts the record for a WatchChanges stream.
func (r Record) Proto() *typev1.ChangeEvent {
	return &typev1.ChangeEvent{
		Sequence:     r.Sequence,
		EventType:    r.Event.Type,
		Resource:     r.Event.Resource,
		Family:       r.Event.Family,
		CommitTime:   timestamppb.New(r.CommitTime),
		HeadSequence: r.Head,
	}
}

// Outbox appends to and reads from one service's feed.
type Outbox struct {
	db   *storage.DB
	poll time.Duration

	mu        sync.Mutex
	wake      chan struct{} // closed and replaced after each commit that appended
	committed []func([]Event)
}

// OnCommit runs fn with the events of every transaction this process
// commits, right after the commit and before the writer's call returns.
// Followers see the same events a moment later; a hook gives the writing
// replica read-your-writes (the cache drops a changed family before the
// client that changed it can read it again). fn must be quick and must not
// fail: it runs on the writer's path.
func (o *Outbox) OnCommit(fn func([]Event)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.committed = append(o.committed, fn)
}

// New returns the outbox of db. Live followers wake at once on commits made
// through this process, and poll every poll interval for commits made by other
// replicas sharing the database.
func New(db *storage.DB, poll time.Duration) *Outbox {
	if poll <= 0 {
		poll = time.Second
	}
	return &Outbox{db: db, poll: poll, wake: make(chan struct{})}
}

// copyThreshold is where COPY beats a multi-row INSERT on PostgreSQL.
const copyThreshold = 64

// Append adds events to tx. Call it as the last write of the transaction: from
// here to commit, every other writer of this service waits for the counter row.
func (o *Outbox) Append(ctx context.Context, tx *storage.Tx, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	var last int64
	err := tx.QueryRowContext(ctx,
		"UPDATE outbox_head SET sequence = sequence + $1 WHERE id = 1 RETURNING sequence", len(events)).Scan(&last)
	if err != nil {
		return fmt.Errorf("outbox: reserve sequences: %w", err)
	}
	first := last - int64(len(events)) + 1
	now := time.Now().UnixMicro()
	if len(events) >= copyThreshold {
		rows := make([][]any, len(events))
		for i, e := range events {
			rows[i] = []any{first + int64(i), e.Type, e.Resource, e.Family, now}
		}
		if _, err := tx.CopyFrom(ctx, "outbox_events",
			[]string{"sequence", "event_type", "resource", "family", "commit_time"}, rows); err != nil {
			return fmt.Errorf("outbox: append: %w", err)
		}
	} else {
		var sb strings.Builder
		args := make([]any, 0, len(events)*5)
		sb.WriteString("INSERT INTO outbox_events (sequence, event_type, resource, family, commit_time) VALUES ")
		for i, e := range events {
			if i > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5)
			args = append(args, first+int64(i), e.Type, e.Resource, e.Family, now)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("outbox: append: %w", err)
		}
	}
	tx.AfterCommit(o.notify)
	o.mu.Lock()
	hooks := o.committed
	o.mu.Unlock()
	if len(hooks) > 0 {
		tx.AfterCommit(func() {
			for _, fn := range hooks {
				fn(events)
			}
		})
	}
	return nil
}

func (o *Outbox) notify() {
	o.mu.Lock()
	close(o.wake)
	o.wake = make(chan struct{})
	o.mu.Unlock()
}

func (o *Outbox) waiter() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.wake
}

// Read returns up to limit records with a sequence greater than after. Each
// carries the head as the same statement saw it (one snapshot, so never
// below the records' own sequences), at no extra round trip.
func (o *Outbox) Read(ctx context.Context, after int64, limit int) ([]Record, error) {
	rows, err := o.db.QueryContext(ctx,
		`SELECT e.sequence, e.event_type, e.resource, e.family, e.commit_time,
		        (SELECT h.sequence FROM outbox_head h WHERE h.id = 1) AS head
		 FROM outbox_events e WHERE e.sequence > $1 ORDER BY e.sequence LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: read: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var micros int64
		if err := rows.Scan(&r.Sequence, &r.Event.Type, &r.Event.Resource, &r.Event.Family, &micros, &r.Head); err != nil {
			return nil, fmt.Errorf("outbox: read: %w", err)
		}
		r.CommitTime = time.UnixMicro(micros).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Head returns the last sequence handed out (0 when the feed is empty).
func (o *Outbox) Head(ctx context.Context) (int64, error) {
	var head int64
	err := o.db.QueryRowContext(ctx, "SELECT sequence FROM outbox_head WHERE id = 1").Scan(&head)
	if err != nil {
		return 0, fmt.Errorf("outbox: head: %w", err)
	}
	return head, nil
}

// pageSize bounds one read of a catching-up follower.
const pageSize = 500

// Follow delivers every record after the cursor in order, then follows live
// until ctx ends or send fails. It returns ctx's error or send's.
//
// Its reads are not traced: a WatchChanges stream lives for days and polls
// every second, and each poll as a child span would bury the stream's trace.
func (o *Outbox) Follow(ctx context.Context, after int64, send func(Record) error) error {
	untraced := trace.ContextWithSpanContext(ctx, trace.SpanContext{})
	for {
		// Take the wake channel before reading, so a commit that lands between
		// the read and the wait still wakes us.
		wake := o.waiter()
		recs, err := o.Read(untraced, after, pageSize)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := send(r); err != nil {
				return err
			}
			after = r.Sequence
		}
		if len(recs) == pageSize {
			continue
		}
		timer := time.NewTimer(o.poll)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}
