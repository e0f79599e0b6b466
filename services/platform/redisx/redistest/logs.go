package redistest

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
)

// Logs records log lines so tests can count the warnings an outage caused
// ("one warning per outage, not per request") and check that no line
// carries a full NIK.
type Logs struct {
	mu     sync.Mutex
	levels []slog.Level
	text   bytes.Buffer
}

// NewLogs returns a recorder and a logger writing to it.
func NewLogs() (*Logs, *slog.Logger) {
	l := &Logs{}
	text := slog.NewTextHandler(&l.text, &slog.HandlerOptions{Level: slog.LevelDebug})
	return l, slog.New(logsHandler{l: l, text: text})
}

// Count returns how many lines were logged at exactly level.
func (l *Logs) Count(level slog.Level) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, lv := range l.levels {
		if lv == level {
			n++
		}
	}
	return n
}

// Text returns every line logged so far, attributes included.
func (l *Logs) Text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()
}

type logsHandler struct {
	l    *Logs
	text slog.Handler
}

func (h logsHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h logsHandler) Handle(ctx context.Context, r slog.Record) error {
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	h.l.levels = append(h.l.levels, r.Level)
	return h.text.Handle(ctx, r)
}

func (h logsHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logsHandler{l: h.l, text: h.text.WithAttrs(as)}
}

func (h logsHandler) WithGroup(name string) slog.Handler {
	return logsHandler{l: h.l, text: h.text.WithGroup(name)}
}
