package workflow

import (
	"sync"
	"time"
)

// Clock is where the engine reads time. Every "today" and every journal `at`
// comes from one Clock.
type Clock interface {
	Now() time.Time
}

// SystemClock reads the real time.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// StartedClock starts at a given instant and runs on in real time from
// there: the clock DECISIONFLOW_NOW sets.
type StartedClock struct {
	start time.Time
	base  time.Time
}

// NewStartedClock returns a clock that reads start now and runs on.
func NewStartedClock(start time.Time) *StartedClock {
	return &StartedClock{start: start, base: time.Now()}
}

// Now returns start plus the real time elapsed since the clock was made.
func (c *StartedClock) Now() time.Time { return c.start.Add(time.Since(c.base)) }

// ManualClock is a clock that moves only when told, for tests.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock on by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
