package hpcsoa

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

const (
	testUser     = `CONTOSO\alice`
	testPassword = "Pa55-w0rd!secret"
)

var fastRetry = transport.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}

// seen is what the test server recorded of one request.
type seen struct {
	Method        string
	Path          string // decoded
	RequestURI    string // as sent
	Query         url.Values
	Header        http.Header
	ContentLength int64
	Chunked       bool
	Body          []byte
}

// recorder is an httptest server that records every request (reading its body fully unless
// the handler wants the stream) and answers through handle.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

// newRecorder starts a server. handle gets the recorded request; when stream is true the body
// is left unread for handle to consume from r.Body.
func newRecorder(t *testing.T, stream bool, handle func(w http.ResponseWriter, r *http.Request, s seen)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{
			Method: r.Method, Path: r.URL.Path, RequestURI: r.RequestURI, Query: r.URL.Query(),
			Header: r.Header.Clone(), ContentLength: r.ContentLength,
		}
		for _, te := range r.TransferEncoding {
			if te == "chunked" {
				s.Chunked = true
			}
		}
		if !stream {
			s.Body, _ = io.ReadAll(r.Body)
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, s)
		rec.mu.Unlock()
		handle(w, r, s)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) requests() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.reqs...)
}

func (rec *recorder) last(t *testing.T) seen {
	t.Helper()
	r := rec.requests()
	if len(r) == 0 {
		t.Fatal("the server saw no request")
	}
	return r[len(r)-1]
}

func testClient(t *testing.T, endpoint string, mutate ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{Endpoint: endpoint, Username: testUser, Password: testPassword, Retry: fastRetry, UserAgent: "hpcsoa-test"}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func basicHeader() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword))
}

func reply(status int, contentType, body string) func(http.ResponseWriter, *http.Request, seen) {
	return func(w http.ResponseWriter, _ *http.Request, _ seen) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func intp(v int) *int { return &v }
