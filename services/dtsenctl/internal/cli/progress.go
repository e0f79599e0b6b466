package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress draws one carriage-return line on a terminal: records done of
// total, rate and ETA. It draws nothing when disabled (quiet, or not a
// terminal).
type progress struct {
	w       io.Writer
	on      bool
	label   string
	total   int64
	done    int64
	start   time.Time
	last    time.Time
	mu      sync.Mutex
	width   int
	drawn   bool
	refresh time.Duration
}

func newProgress(w io.Writer, on bool, label string, total int64) *progress {
	now := time.Now()
	return &progress{w: w, on: on, label: label, total: total, start: now, refresh: 150 * time.Millisecond}
}

// add counts n more records and redraws at most every refresh interval.
func (p *progress) add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if !p.on {
		return
	}
	if now := time.Now(); now.Sub(p.last) >= p.refresh {
		p.last = now
		p.draw(now)
	}
}

func (p *progress) draw(now time.Time) {
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.done) / el
	}
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(p.done) / float64(p.total)
	}
	const barLen = 24
	fill := int(pct / 100 * barLen)
	fill = max(0, min(fill, barLen))
	eta := "--:--"
	if rate > 0 && p.done < p.total {
		eta = clock(time.Duration(float64(p.total-p.done) / rate * float64(time.Second)))
	} else if p.done >= p.total {
		eta = "00:00"
	}
	s := fmt.Sprintf("%-22s [%s%s] %s/%s %3.0f%%  %s/s  ETA %s", p.label, strings.Repeat("=", fill),
		strings.Repeat(" ", barLen-fill), thousands(p.done), thousands(p.total), pct, thousands(int64(rate)), eta)
	pad := ""
	if len(s) < p.width {
		pad = strings.Repeat(" ", p.width-len(s))
	}
	p.width = len(s)
	fmt.Fprint(p.w, "\r"+s+pad)
	p.drawn = true
}

// finish draws the final state and ends the line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on {
		return
	}
	p.draw(time.Now())
	fmt.Fprintln(p.w)
}

// clear erases the line (before printing an error or a summary).
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.on && p.drawn {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.width)+"\r")
		p.drawn = false
	}
}

func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// thousands formats n with comma separators: 1234567 -> 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
