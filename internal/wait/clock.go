// Package wait is how the provider and its clients wait: a clock that tests replace,
// exponential backoff with jitter, a sleep that ends with its context, a poll loop, and a
// bounded fan-out that waits for all its calls (ForEach). It imports nothing of Terraform;
// callers that log (the transport, the provider) do so through hooks.
package wait

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock tells the time and runs timers. Every wait in the provider goes through one, so that
// unit tests can replace real time with a Fake.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives the clock's time once d has passed. When ctx ends
	// first, the timer is released and the channel never receives.
	After(ctx context.Context, d time.Duration) <-chan time.Time
}

// Real is the system clock.
var Real Clock = realClock{}

// OrReal returns c, or Real when c is nil: a nil Clock in a configuration means real time.
func OrReal(c Clock) Clock {
	if c == nil {
		return Real
	}
	return c
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) After(ctx context.Context, d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	go func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case now := <-t.C:
			ch <- now
		}
	}()
	return ch
}

// Sleep waits d on clock. It returns ctx.Err() when ctx ends first (or has ended), else nil.
func Sleep(ctx context.Context, clock Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-OrReal(clock).After(ctx, d):
		return nil
	}
}

// Fake is a clock for tests: its time moves only when Advance is called, and timers fire when
// their time is reached. It is safe for concurrent use, so a test can advance it while the code
// under test waits in another goroutine.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	// changed is closed and replaced whenever a timer is added or removed.
	changed chan struct{}
}

type fakeTimer struct {
	at      time.Time
	ch      chan time.Time
	release func() bool
}

// NewFake returns a fake clock showing start. Code compares a clock's time with context
// deadlines, which are real, so tests usually start at time.Now().
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// After starts a timer that fires when the fake time reaches now+d.
func (f *Fake) After(ctx context.Context, d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if d <= 0 {
		ch <- f.now
		return ch
	}
	t := &fakeTimer{at: f.now.Add(d), ch: ch}
	f.timers = append(f.timers, t)
	f.notify()
	t.release = context.AfterFunc(ctx, func() { f.remove(t) })
	return ch
}

// Advance moves the time forward by d and fires the timers that are due.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	var due []*fakeTimer
	kept := f.timers[:0]
	for _, t := range f.timers {
		if t.at.After(f.now) {
			kept = append(kept, t)
		} else {
			due = append(due, t)
		}
	}
	f.timers = kept
	now := f.now
	if len(due) > 0 {
		f.notify()
	}
	f.mu.Unlock()
	for _, t := range due {
		t.release()
		t.ch <- now
	}
}

// Pending returns how long each pending timer has to run, soonest first.
func (f *Fake) Pending() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]time.Duration, len(f.timers))
	for i, t := range f.timers {
		out[i] = t.at.Sub(f.now)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// BlockUntil returns once at least n timers are pending, or ctx.Err() when ctx ends first. A
// test calls it before Advance to know that the code under test has started its wait.
func (f *Fake) BlockUntil(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		pending, changed := len(f.timers), f.changed
		f.mu.Unlock()
		if pending >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// AdvanceToNext waits until a timer is pending, advances the time to it and returns by how
// much the time moved, or ctx.Err() when ctx ends first.
func (f *Fake) AdvanceToNext(ctx context.Context) (time.Duration, error) {
	for {
		if err := f.BlockUntil(ctx, 1); err != nil {
			return 0, err
		}
		// The timer may have been released (its context ended) in between: look again.
		if pending := f.Pending(); len(pending) > 0 {
			f.Advance(pending[0])
			return pending[0], nil
		}
	}
}

func (f *Fake) remove(t *fakeTimer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.timers {
		if x == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			f.notify()
			return
		}
	}
}

// notify wakes BlockUntil; f.mu is held.
func (f *Fake) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Drive runs call while advancing the clock through every wait call starts, and returns the
// waits in order: a test sees what a retry loop would have slept without sleeping.
func (f *Fake) Drive(call func()) []time.Duration {
	done := make(chan struct{})
	go func() {
		defer close(done)
		call()
	}()
	driving, stop := context.WithCancel(context.Background())
	defer stop()
	var waited []time.Duration
	for {
		advanced := make(chan time.Duration, 1)
		go func() {
			if d, err := f.AdvanceToNext(driving); err == nil {
				advanced <- d
			}
		}()
		select {
		case <-done:
			return waited
		case d := <-advanced:
			waited = append(waited, d)
		}
	}
}
