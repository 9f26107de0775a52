package wait

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// PollOptions shapes a Poll: the first interval, growing by Factor up to Max, on Clock.
type PollOptions struct {
	Initial time.Duration
	Max     time.Duration
	Factor  float64
	// Clock runs the intervals; nil is the real clock.
	Clock Clock
	// OnStatus, when set, is called with the status a poll starts from and with every change
	// of status, so that the caller can show a long wait's progress.
	OnStatus func(status string)
}

// DefaultPoll's intervals suit batch work that takes seconds to hours. Options whose Initial is
// not positive take them.
var DefaultPoll = PollOptions{Initial: 500 * time.Millisecond, Max: 15 * time.Second, Factor: 1.5}

// WaitError is a wait that ended before its object was done: the context's deadline (the
// resource's timeout) passed, or the operation was cancelled (Terraform stops the provider
// on Ctrl-C).
type WaitError struct {
	What       string // what was waited for, e.g. "task job-1/t1 to complete"
	LastStatus string
	Err        error // context.DeadlineExceeded or context.Canceled
}

func (e *WaitError) Error() string {
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return fmt.Sprintf("timed out waiting for %s (last status: %s)", e.What, e.LastStatus)
	}
	return fmt.Sprintf("stopped waiting for %s: the operation was interrupted (last status: %s)", e.What, e.LastStatus)
}

func (e *WaitError) Unwrap() error { return e.Err }

// Poll waits, then calls check, until check reports done or fails, with growing intervals
// between calls. It waits before the first call because callers have just read the object
// themselves. The end of the context (the resource's timeout, or an interrupt) ends the wait at
// once with a *WaitError naming what it waited for and the last status seen.
func Poll(ctx context.Context, opts PollOptions, what, status string, check func(ctx context.Context) (done bool, status string, err error)) error {
	if opts.Initial <= 0 {
		opts.Initial, opts.Max, opts.Factor = DefaultPoll.Initial, DefaultPoll.Max, DefaultPoll.Factor
	}
	onStatus := opts.OnStatus
	if onStatus == nil {
		onStatus = func(string) {}
	}
	interval := opts.Initial
	onStatus(status)
	for {
		if Sleep(ctx, opts.Clock, interval) != nil {
			return &WaitError{What: what, LastStatus: status, Err: ctx.Err()}
		}
		interval = min(time.Duration(float64(interval)*opts.Factor), opts.Max)
		done, s, err := check(ctx)
		if err != nil && ctx.Err() != nil {
			return &WaitError{What: what, LastStatus: status, Err: ctx.Err()}
		}
		if err != nil {
			return err
		}
		if s != status {
			onStatus(s)
			status = s
		}
		if done {
			return nil
		}
	}
}
