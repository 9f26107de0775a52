package transport

import (
	"context"
	"fmt"
	"time"
)

// PollOptions shapes a wait: the first interval, growing by Factor up to Max.
type PollOptions struct {
	Initial time.Duration
	Max     time.Duration
	Factor  float64
}

// DefaultPoll suits batch work that takes seconds to hours.
var DefaultPoll = PollOptions{Initial: 500 * time.Millisecond, Max: 15 * time.Second, Factor: 1.5}

// Poll waits, then calls check, until check reports done or fails, with backoff between calls.
// It waits before the first call because callers have just read the object themselves. The
// context's deadline (the resource's timeout) ends the wait with an error naming what it waited
// for and the last status seen.
func Poll(ctx context.Context, opts PollOptions, what, status string, check func(ctx context.Context) (done bool, status string, err error)) error {
	if opts.Initial <= 0 {
		opts = DefaultPoll
	}
	interval := opts.Initial
	for {
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("timed out waiting for %s (last status: %s): %w", what, status, ctx.Err())
		case <-timer.C:
		}
		interval = min(time.Duration(float64(interval)*opts.Factor), opts.Max)
		done, s, err := check(ctx)
		if err != nil || done {
			return err
		}
		status = s
	}
}
