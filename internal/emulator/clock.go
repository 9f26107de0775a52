package emulator

import (
	"sync"
	"time"
)

// Clock is the emulator's controllable clock. The service state machines
// (for example Azure Batch tasks going active → running → completed) read it,
// so tests can move time forward instead of sleeping.
//
// A clock made by NewClock follows wall time plus an offset that Advance and
// Set change; a clock made by NewFrozenClock stands still until Advance or Set
// moves it, which makes state machine tests fully deterministic.
//
// Authentication date windows (Azure's 15-minute ocp-date rule, and the
// equivalents of other services) are checked against real wall time, never
// against this clock, so a test can advance the clock by hours or days without
// invalidating the signatures its clients compute from the real time.
//
// A Clock is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	frozen bool
	offset time.Duration // following clocks: Now = wall + offset
	at     time.Time     // frozen clocks: Now = at
	wall   func() time.Time
}

// NewClock returns a clock that follows wall time.
func NewClock() *Clock {
	return &Clock{wall: time.Now}
}

// NewFrozenClock returns a clock that reads t until Advance or Set moves it.
func NewFrozenClock(t time.Time) *Clock {
	return &Clock{frozen: true, at: t.UTC().Round(0), wall: time.Now}
}

// Now returns the clock's current time, in UTC and without a monotonic
// reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.at
	}
	return c.wall().Add(c.offset).UTC().Round(0)
}

// Advance moves the clock forward by d (backward for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.at = c.at.Add(d)
		return
	}
	c.offset += d
}

// Set makes the clock read t now. A following clock keeps running from t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.at = t.UTC().Round(0)
		return
	}
	c.offset = t.Sub(c.wall())
}

// Frozen reports whether the clock stands still between Advance/Set calls.
func (c *Clock) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen
}
