package transport

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

var fastRetry = RetryPolicy{MaxAttempts: 5, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

func TestRetriesServerBusyHonouringRetryAfterAndResigning(t *testing.T) {
	var calls atomic.Int32
	var signatures []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		signatures = append(signatures, r.Header.Get("Authorization"))
		body, _ := io.ReadAll(r.Body)
		if string(body) != "payload" {
			t.Errorf("attempt %d got body %q", calls.Load()+1, body)
		}
		if calls.Add(1) < 3 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()

	var n atomic.Int32
	client, err := NewClient(Options{Retry: fastRetry, Signer: SignerFunc(func(r *http.Request) error {
		r.Header.Set("Authorization", "Test sig-"+string('0'+n.Add(1)))
		return nil
	})})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Post(srv.URL, "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || calls.Load() != 3 {
		t.Fatalf("status %d after %d calls, want 201 after 3", resp.StatusCode, calls.Load())
	}
	if signatures[0] == signatures[1] || signatures[1] == signatures[2] {
		t.Errorf("every attempt must be signed afresh, got %v", signatures)
	}
}

func TestDoesNotRepeatAmbiguousPostUnlessIdempotent(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	client, _ := NewClient(Options{Retry: fastRetry})

	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("x"))
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != 500 || calls.Load() != 1 {
		t.Fatalf("a POST answered 500 must not be repeated: err=%v calls=%d", err, calls.Load())
	}

	calls.Store(0)
	req, _ = http.NewRequestWithContext(WithIdempotent(context.Background()), http.MethodPost, srv.URL, strings.NewReader("x"))
	resp, err = client.Do(req)
	if err != nil || resp.StatusCode != 500 || calls.Load() != int32(fastRetry.MaxAttempts) {
		t.Fatalf("an idempotent POST is retried up to MaxAttempts: err=%v calls=%d", err, calls.Load())
	}
}

func TestRetriesDroppedConnectionsForIdempotentRequests(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	client, _ := NewClient(Options{Retry: fastRetry})
	resp, err := client.Get(srv.URL)
	if err != nil || resp.StatusCode != 200 || calls.Load() != 2 {
		t.Fatalf("GET after a dropped connection: err=%v calls=%d", err, calls.Load())
	}
}

func TestRetriesStopAtTheDeadline(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	client, _ := NewClient(Options{Retry: RetryPolicy{MaxAttempts: 10, MinBackoff: time.Millisecond, MaxBackoff: time.Minute}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusTooManyRequests || calls.Load() != 1 || time.Since(start) > time.Second {
		t.Fatalf("a Retry-After beyond the deadline must end the retries at once: status %d, calls %d, took %s", resp.StatusCode, calls.Load(), time.Since(start))
	}
}

func TestConnectionRefusedIsRetriedEvenForPost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens: every dial is refused
	client, _ := NewClient(Options{Retry: RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}})
	_, err = client.Post("http://"+addr, "text/plain", strings.NewReader("x"))
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("want connection refused after retries, got %v", err)
	}
}

func TestLogsMaskSecretsAndAuthorization(t *testing.T) {
	const secret = "c2VjcmV0LWtleS12YWx1ZQ=="
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("X-Custom"))
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	client, _ := NewClient(Options{
		Service: "test", UserAgent: "terraform-provider-batchops/test", Secrets: []string{secret},
		Signer: SignerFunc(func(r *http.Request) error {
			r.Header.Set("Authorization", "SharedKey acct:c2lnbmF0dXJl")
			r.Header.Set("X-Security-Token", "temporary-token")
			r.Header.Set("X-Custom", secret)
			return nil
		}),
	})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/path?sig=abcdef&x="+secret, nil)
	if _, err := client.Do(req); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, leaked := range []string{secret, "c2lnbmF0dXJl", "temporary-token", "abcdef"} {
		if strings.Contains(out, leaked) {
			t.Errorf("log contains %q:\n%s", leaked, out)
		}
	}
	for _, want := range []string{"SharedKey ***", "terraform-provider-batchops/test", `"status":200`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
