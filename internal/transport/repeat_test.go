package transport

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRepeat(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 4, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
	errMalformed, errOther := errors.New("malformed"), errors.New("other")
	isMalformed := func(err error) bool { return errors.Is(err, errMalformed) }
	ctx := context.Background()

	calls := 0
	err := Repeat(ctx, p, isMalformed, func() error {
		calls++
		if calls < 3 {
			return errMalformed
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("success on the third call: %v after %d calls", err, calls)
	}

	calls = 0
	err = Repeat(ctx, p, isMalformed, func() error { calls++; return errMalformed })
	if !errors.Is(err, errMalformed) || calls != 4 {
		t.Errorf("always malformed: %v after %d calls, want 4", err, calls)
	}

	calls = 0
	err = Repeat(ctx, p, isMalformed, func() error { calls++; return errOther })
	if !errors.Is(err, errOther) || calls != 1 {
		t.Errorf("another error is not repeated: %v after %d calls", err, calls)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	calls = 0
	err = Repeat(cancelled, p, isMalformed, func() error { calls++; return errMalformed })
	if !errors.Is(err, errMalformed) || calls != 1 {
		t.Errorf("cancelled context: %v after %d calls", err, calls)
	}
}
