package wait

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFakeTimersFireWhenTheTimeIsReached(t *testing.T) {
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	f := NewFake(start)
	ctx := context.Background()
	a, b := f.After(ctx, 2*time.Second), f.After(ctx, 5*time.Second)
	if got := f.Pending(); !slices.Equal(got, []time.Duration{2 * time.Second, 5 * time.Second}) {
		t.Fatalf("pending %v", got)
	}
	f.Advance(time.Second)
	select {
	case <-a:
		t.Fatal("a 2s timer fired after 1s")
	default:
	}
	f.Advance(time.Second)
	if got := <-a; !got.Equal(start.Add(2 * time.Second)) {
		t.Errorf("the timer fired with %v", got)
	}
	if got := f.Pending(); !slices.Equal(got, []time.Duration{3 * time.Second}) {
		t.Errorf("pending after the first fired: %v", got)
	}
	f.Advance(time.Hour)
	<-b
	if !f.Now().Equal(start.Add(time.Hour + 2*time.Second)) {
		t.Errorf("now %v", f.Now())
	}
}

func TestFakeTimerIsReleasedWhenItsContextEnds(t *testing.T) {
	f := NewFake(time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	ch := f.After(ctx, time.Second)
	if err := f.BlockUntil(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	// The release runs in the context's callback, in its own goroutine: wait for it.
	for {
		f.mu.Lock()
		pending, changed := len(f.timers), f.changed
		f.mu.Unlock()
		if pending == 0 {
			break
		}
		<-changed
	}
	f.Advance(time.Minute)
	select {
	case <-ch:
		t.Error("a released timer fired")
	default:
	}
}

func TestSleep(t *testing.T) {
	f := NewFake(time.Now())
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- Sleep(ctx, f, 3*time.Second) }()
	d, err := f.AdvanceToNext(ctx)
	if err != nil || d != 3*time.Second {
		t.Fatalf("advanced %v, %v", d, err)
	}
	if err := <-done; err != nil {
		t.Errorf("sleep: %v", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	go func() { done <- Sleep(cancelled, f, time.Hour) }()
	if err := f.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled sleep returned %v", err)
	}
	if err := Sleep(cancelled, f, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("a zero sleep in an ended context returned %v", err)
	}
	if err := Sleep(ctx, f, 0); err != nil {
		t.Errorf("a zero sleep returned %v", err)
	}
}

func TestRealClockAfterIsReleasedByItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, nil, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if err := Sleep(context.Background(), nil, time.Microsecond); err != nil {
		t.Fatalf("got %v", err)
	}
}

func TestBackoffGrowsToItsCapWithEqualJitter(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	wantSteps := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	for i, want := range wantSteps {
		if got := b.Step(i + 1); got != want {
			t.Errorf("step %d = %v, want %v", i+1, got, want)
		}
	}
	if got := b.Step(500); got != time.Second {
		t.Errorf("a large attempt number must not overflow: step %v", got)
	}
	if got := (Backoff{Min: time.Hour}).Step(80); got != time.Duration(1<<63-1) {
		t.Errorf("without a cap the step stops at the longest duration, got %v", got)
	}

	// The random source decides where in [step/2, step] the wait falls.
	lowest := Backoff{Min: 100 * time.Millisecond, Max: time.Second, Rand: func(int64) int64 { return 0 }}
	highest := Backoff{Min: 100 * time.Millisecond, Max: time.Second, Rand: func(n int64) int64 { return n - 1 }}
	for n := 1; n <= 6; n++ {
		step := b.Step(n)
		if got := lowest.Delay(n); got != step/2 {
			t.Errorf("attempt %d: lowest delay %v, want %v", n, got, step/2)
		}
		if got := highest.Delay(n); got != step {
			t.Errorf("attempt %d: highest delay %v, want %v", n, got, step)
		}
		for range 100 {
			if got := b.Delay(n); got < step/2 || got > step {
				t.Fatalf("attempt %d: delay %v outside [%v, %v]", n, got, step/2, step)
			}
		}
	}
	if got := (Backoff{}).Delay(3); got != 0 {
		t.Errorf("a zero backoff waits %v", got)
	}
}

// expiring is a context whose deadline the test passes by hand, so that no test waits for
// real time.
type expiring struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newExpiring() *expiring {
	return &expiring{Context: context.Background(), done: make(chan struct{})}
}

func (e *expiring) Done() <-chan struct{} { return e.done }

func (e *expiring) Err() error {
	select {
	case <-e.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (e *expiring) expire() { e.once.Do(func() { close(e.done) }) }

// pollInBackground runs Poll on a fake clock and advances the clock through its waits; it
// returns the intervals it waited and Poll's error.
func pollInBackground(t *testing.T, ctx context.Context, opts PollOptions, check func(ctx context.Context) (bool, string, error)) ([]time.Duration, error) {
	t.Helper()
	f := NewFake(time.Now())
	opts.Clock = f
	var err error
	waited := f.Drive(func() { err = Poll(ctx, opts, "thing", "queued", check) })
	return waited, err
}

func TestPollWaitsFirstAndGrowsItsInterval(t *testing.T) {
	var statuses []string
	calls := 0
	waited, err := pollInBackground(t, context.Background(), PollOptions{
		Initial: time.Second, Max: 5 * time.Second, Factor: 2,
		OnStatus: func(s string) { statuses = append(statuses, s) },
	}, func(context.Context) (bool, string, error) {
		calls++
		switch {
		case calls < 3:
			return false, "queued", nil
		case calls < 5:
			return false, "running", nil
		}
		return true, "done", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}; !slices.Equal(waited, want) {
		t.Errorf("waited %v, want %v", waited, want)
	}
	if want := []string{"queued", "running", "done"}; !slices.Equal(statuses, want) {
		t.Errorf("OnStatus saw %v, want the start and each change: %v", statuses, want)
	}
}

func TestPollEndsAtTheDeadlineWithTheLastStatus(t *testing.T) {
	ctx := newExpiring()
	calls := 0
	_, err := pollInBackground(t, ctx, PollOptions{Initial: 5 * time.Millisecond, Max: 10 * time.Millisecond, Factor: 2}, func(context.Context) (bool, string, error) {
		calls++
		if calls == 3 {
			ctx.expire() // the resource's timeout passes during the third check
		}
		return false, "running", nil
	})
	if calls == 0 {
		t.Fatal("check was never called")
	}
	if err == nil || !strings.Contains(err.Error(), "timed out waiting for thing (last status: running)") {
		t.Fatalf("got %v", err)
	}
	var waitErr *WaitError
	if !errors.As(err, &waitErr) || !errors.Is(err, context.DeadlineExceeded) || waitErr.What != "thing" || waitErr.LastStatus != "running" {
		t.Errorf("got %#v", err)
	}
}

func TestPollInterruptedKeepsTheLastStatusAndCheckErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	errBroken := errors.New("broken")
	calls := 0
	_, err := pollInBackground(t, ctx, PollOptions{Initial: time.Second, Max: time.Second, Factor: 1}, func(context.Context) (bool, string, error) {
		calls++
		if calls == 2 {
			cancel() // Ctrl-C while the second check is under way: its error is the interrupt's
			return false, "", errBroken
		}
		return false, "running", nil
	})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped waiting for thing: the operation was interrupted (last status: running)") {
		t.Errorf("got %v", err)
	}

	_, err = pollInBackground(t, context.Background(), PollOptions{}, func(context.Context) (bool, string, error) {
		return false, "", errBroken
	})
	if err != errBroken {
		t.Errorf("a check's error is returned as it is, got %v", err)
	}
}

func TestPollTakesDefaultIntervals(t *testing.T) {
	calls := 0
	waited, _ := pollInBackground(t, context.Background(), PollOptions{}, func(context.Context) (bool, string, error) {
		calls++
		return calls == 3, "s", nil
	})
	if want := []time.Duration{500 * time.Millisecond, 750 * time.Millisecond, 1125 * time.Millisecond}; !slices.Equal(waited, want) {
		t.Errorf("waited %v, want %v", waited, want)
	}
}
