package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// The waits between attempts run on the configured clock: Retry-After is waited as the server
// asks (seconds or an HTTP date read against the clock), else the backoff grows from
// MinBackoff, each wait between half and the whole step.
func TestRetryWaitsRunOnTheConfiguredClock(t *testing.T) {
	clock := wait.NewFake(time.Now().Truncate(time.Second))
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "30")
		case 2:
			w.Header().Set("Retry-After", clock.Now().Add(20*time.Second).UTC().Format(http.TimeFormat))
		case 3, 4, 5:
			// no Retry-After: the backoff decides
		default:
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	client, err := NewClient(Options{Retry: RetryPolicy{MaxAttempts: 6, MinBackoff: time.Second, MaxBackoff: 10 * time.Second, Clock: clock}})
	if err != nil {
		t.Fatal(err)
	}
	var resp *http.Response
	waited := clock.Drive(func() { resp, err = client.Get(srv.URL) })
	if err != nil || resp.StatusCode != http.StatusOK || calls.Load() != 6 {
		t.Fatalf("err=%v calls=%d", err, calls.Load())
	}
	if len(waited) != 5 || waited[0] != 30*time.Second || waited[1] != 20*time.Second {
		t.Fatalf("waited %v, want 30s and 20s (Retry-After), then three backoffs", waited)
	}
	// After attempts 3, 4 and 5 the steps are MinBackoff·2^(n-1): 4s, 8s, then 16s capped at 10s.
	for i, step := range []time.Duration{4 * time.Second, 8 * time.Second, 10 * time.Second} {
		if d := waited[2+i]; d < step/2 || d > step {
			t.Errorf("backoff %d waited %v, want between %v and %v", i+1, d, step/2, step)
		}
	}
}

// An interrupt during a wait ends it at once with the context's error and the last failure.
func TestRetryWaitEndsWithTheContext(t *testing.T) {
	clock := wait.NewFake(time.Now())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	client, _ := NewClient(Options{Retry: RetryPolicy{MaxAttempts: 5, MinBackoff: time.Minute, MaxBackoff: time.Minute, Clock: clock}})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	result := make(chan error, 1)
	go func() {
		_, err := client.Do(req)
		result <- err
	}()
	if err := clock.BlockUntil(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	err := <-result
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if want := "last error: HTTP 503 Service Unavailable"; !strings.Contains(err.Error(), want) {
		t.Errorf("%q lacks %q", err, want)
	}
}

func TestRepeatWaitsOnThePolicysClock(t *testing.T) {
	clock := wait.NewFake(time.Now())
	errMalformed := errors.New("malformed")
	calls := 0
	var err error
	waited := clock.Drive(func() {
		err = Repeat(context.Background(), RetryPolicy{MaxAttempts: 4, MinBackoff: 10 * time.Second, MaxBackoff: time.Minute, Clock: clock},
			func(err error) bool { return errors.Is(err, errMalformed) },
			func() error { calls++; return errMalformed })
	})
	if !errors.Is(err, errMalformed) || calls != 4 || len(waited) != 3 {
		t.Fatalf("%v after %d calls and waits %v", err, calls, waited)
	}
	for i, step := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second} {
		if waited[i] < step/2 || waited[i] > step {
			t.Errorf("wait %d is %v, want between %v and %v", i+1, waited[i], step/2, step)
		}
	}
}

func TestRetryPolicyDefaultsKeepTheClock(t *testing.T) {
	clock := wait.NewFake(time.Now())
	p := RetryPolicy{Clock: clock}.OrDefault()
	if p.MaxAttempts != DefaultRetry.MaxAttempts || p.MinBackoff != DefaultRetry.MinBackoff || p.MaxBackoff != DefaultRetry.MaxBackoff || p.Clock != clock {
		t.Errorf("got %+v", p)
	}
	if p := (RetryPolicy{MaxAttempts: 2}).OrDefault(); p.MaxAttempts != 2 || p.MinBackoff != 0 {
		t.Errorf("a policy with bounds is kept: %+v", p)
	}
}
