// Package incremental keeps scores current between ranking runs (DESIGN.md
// §1.5, "Changed families are re-scored at once with the active model"): it
// follows the four source contexts' WatchChanges feeds and re-scores every
// family a change belongs to, within seconds.
//
// # Durable dirty marks
//
// Each feed is a platform/feed.Consumer, whose cursor is saved only after its
// handler returns. The handler does not re-score: it upserts the family into
// the scoring_dirty table and returns. Were the mark kept in memory, a crash
// after the cursor had moved past the event would lose the change for good;
// were the family re-scored inline, one slow source context (each re-score
// calls all four) would hold back every feed, and a family touched by fifty
// events in one import would be scored fifty times. A crash between the mark
// and the cursor save replays the event, and marking twice is harmless.
//
// # Coalescing
//
// Marking a family already marked only moves its marked_at forward. Workers
// take a family once it has gone Settle without a new mark, so a burst of
// events costs one re-score; a family that keeps changing is still taken
// once it has been dirty ten Settles. marked_at is also the row's version:
// after a re-score the row is deleted only if marked_at has not moved, so a
// change that arrived during the re-score, which it may not have read, is
// re-scored again.
//
// # Claims
//
// A worker lists the due families, then claims them with a conditional
// UPDATE by KK that checks again that each is due and sets not_before to a
// one-minute lease, so workers and replicas sharing the database never
// re-score one family at once (the slower might store the older score). A
// re-score is cut off at a third of the lease. A worker that dies mid re-score
// leaves its family to be retried when the lease expires; one stopped by
// shutdown hands it back at once.
//
// # Failures
//
// A family the registry no longer knows (adapters.ErrFamilyNotFound,
// domain.ErrNotFound) loses its mark. With no active model the mark waits
// Retry and no family is claimed meanwhile, since all would fail alike; the
// first ranking run will score everyone anyway. Any other failure
// (a source context down) is retried after Retry × failures in a row, at
// most five minutes apart. Logs name families by masked KK numbers only
// (platform/privacy).
package incremental
