package mrs

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// slowRetry has waits long enough that a test on real time would notice them.
func slowRetry(clock wait.Clock) transport.RetryPolicy {
	return transport.RetryPolicy{MaxAttempts: 3, MinBackoff: 10 * time.Second, MaxBackoff: time.Minute, Clock: clock}
}

func checkWaits(t *testing.T, waited []time.Duration, steps ...time.Duration) {
	t.Helper()
	if len(waited) != len(steps) {
		t.Fatalf("waited %v, want %d waits", waited, len(steps))
	}
	for i, step := range steps {
		if waited[i] < step/2 || waited[i] > step {
			t.Errorf("wait %d is %v, want between %v and %v (equal jitter)", i+1, waited[i], step/2, step)
		}
	}
}

// Between submissions Submit waits the policy's backoff, with jitter, on the configured clock.
func TestSubmitBacksOffOnTheConfiguredClock(t *testing.T) {
	f := newFake(t, false, "")
	var posts atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		if r.Method == http.MethodPost && posts.Add(1) <= 2 {
			w.WriteHeader(http.StatusInternalServerError) // ambiguous: looked up, not found
			_, _ = w.Write([]byte("<html>internal error</html>"))
			return true
		}
		return false
	}
	clock := wait.NewFake(time.Now())
	c := f.client(t, func(cfg *Config) { cfg.Retry = slowRetry(clock) })
	var id string
	var err error
	waited := clock.Drive(func() {
		id, err = c.Submit(testCtx(t), testCluster, JobSpec{Name: "j", Type: "HiveSql", Arguments: []string{"select 1"}})
	})
	if err != nil || id == "" {
		t.Fatalf("%q %v", id, err)
	}
	if s, l := len(f.requests(http.MethodPost, "/job-executions")), len(f.requests(http.MethodGet, "/job-executions")); s != 3 || l != 2 {
		t.Errorf("%d submissions and %d look-ups, want 3 and 2", s, l)
	}
	checkWaits(t, waited, 10*time.Second, 20*time.Second)
}

// An interrupt during Submit's wait ends it at once: the outcome of the earlier attempt is
// unknown.
func TestSubmitWaitEndsWithTheContext(t *testing.T) {
	f := newFake(t, false, "")
	f.hook = failPOSTs(http.StatusBadGateway)
	clock := wait.NewFake(time.Now())
	c := f.client(t, func(cfg *Config) { cfg.Retry = slowRetry(clock) })
	ctx, cancel := context.WithCancel(testCtx(t))
	result := make(chan error, 1)
	go func() {
		_, err := c.Submit(ctx, testCluster, JobSpec{Name: "j", Type: "HiveSql"})
		result <- err
	}()
	if err := clock.BlockUntil(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	err := <-result
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("got %v", err)
	}
	if n := len(f.requests(http.MethodPost, "/job-executions")); n != 1 {
		t.Errorf("%d submissions, want 1", n)
	}
}

// Kill and batch delete are repeated after ambiguous failures with the policy's backoff, on
// the configured clock.
func TestRepeatAfterAmbiguousBacksOffOnTheConfiguredClock(t *testing.T) {
	f := newFake(t, false, "")
	f.addJob(&fakeJob{ID: "k1", Name: "n", Type: "MapReduce", State: "RUNNING"})
	var kills atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		if strings.HasSuffix(r.URL.Path, "/kill") && kills.Add(1) <= 2 {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	}
	clock := wait.NewFake(time.Now())
	c := f.client(t, func(cfg *Config) { cfg.Retry = slowRetry(clock) })
	var err error
	waited := clock.Drive(func() { err = c.Kill(testCtx(t), testCluster, "k1") })
	if err != nil || kills.Load() != 3 {
		t.Fatalf("%v after %d kill calls", err, kills.Load())
	}
	checkWaits(t, waited, 10*time.Second, 20*time.Second)
}
