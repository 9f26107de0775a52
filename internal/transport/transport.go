// Package transport is the HTTP layer shared by every service client: TLS options, retries with
// backoff and Retry-After, per-attempt request signing, and request logging into tflog with
// secrets masked. It knows nothing of Terraform resources.
package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// Signer adds authentication to a request. It is called once per attempt, after the body has
// been rewound, so every retry carries a fresh signature and date.
type Signer interface {
	Sign(req *http.Request) error
}

// SignerFunc adapts a function to Signer.
type SignerFunc func(req *http.Request) error

// Sign calls f.
func (f SignerFunc) Sign(req *http.Request) error { return f(req) }

// Options configures a client.
type Options struct {
	// Service names the service in log lines ("azurebatch", "hpcpack", "mrs").
	Service string
	// UserAgent is put in front of any User-Agent the caller (or an SDK) already set.
	UserAgent string
	// CACertificateFile is an extra trusted CA bundle (PEM), added to the system roots.
	CACertificateFile string
	// InsecureSkipVerify turns off TLS verification.
	InsecureSkipVerify bool
	// Signer authenticates each attempt; nil sends requests as they are.
	Signer Signer
	// Secrets are values that must never appear in a log line (keys, passwords).
	Secrets []string
	// Retry bounds the retries and names the clock that times them; bounds left zero use
	// DefaultRetry's.
	Retry RetryPolicy
	// Base is the round tripper that does the network I/O; nil builds one from the TLS options.
	Base http.RoundTripper
}

// RetryPolicy bounds retries. The operation's context deadline bounds them too: a wait that
// would pass the deadline is not started and the last error is returned instead.
type RetryPolicy struct {
	MaxAttempts int
	// MinBackoff and MaxBackoff shape the wait.Backoff between attempts.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Clock times the waits between attempts and reads Retry-After dates; nil is the real
	// clock. It travels with the bounds so that every client's retries, in the transport and
	// in the client's own repeats, run on the clock its configuration names.
	Clock wait.Clock
}

// OrDefault returns p, with DefaultRetry's bounds when p sets none (p's clock is kept).
func (p RetryPolicy) OrDefault() RetryPolicy {
	if p.MaxAttempts == 0 && p.MinBackoff == 0 && p.MaxBackoff == 0 {
		p.MaxAttempts, p.MinBackoff, p.MaxBackoff = DefaultRetry.MaxAttempts, DefaultRetry.MinBackoff, DefaultRetry.MaxBackoff
	}
	return p
}

// Backoff is the backoff between attempts.
func (p RetryPolicy) Backoff() wait.Backoff {
	return wait.Backoff{Min: p.MinBackoff, Max: p.MaxBackoff}
}

// maxRetryAfter bounds a Retry-After when the context has no deadline.
const maxRetryAfter = 5 * time.Minute

// DefaultRetry's bounds are used when a policy sets none.
var DefaultRetry = RetryPolicy{MaxAttempts: 8, MinBackoff: 250 * time.Millisecond, MaxBackoff: 30 * time.Second}

// NewClient returns an *http.Client whose transport retries, signs and logs.
func NewClient(opts Options) (*http.Client, error) {
	rt, err := NewRoundTripper(opts)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: rt}, nil
}

// NewRoundTripper returns the retrying, signing, logging round tripper.
func NewRoundTripper(opts Options) (*RoundTripper, error) {
	opts.Retry = opts.Retry.OrDefault()
	if opts.Retry.MaxAttempts < 1 {
		opts.Retry.MaxAttempts = 1
	}
	base := opts.Base
	if base == nil {
		tlsConfig, err := TLSConfig(opts.CACertificateFile, opts.InsecureSkipVerify)
		if err != nil {
			return nil, err
		}
		def, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, errors.New("transport: http.DefaultTransport is not an *http.Transport")
		}
		t := def.Clone()
		t.TLSClientConfig = tlsConfig
		t.MaxIdleConnsPerHost = 32
		base = t
	}
	return &RoundTripper{opts: opts, base: base, clock: wait.OrReal(opts.Retry.Clock), redact: NewRedactor(opts.Secrets...)}, nil
}

// TLSConfig builds the client TLS configuration: the system roots plus caFile, if given.
func TLSConfig(caFile string, insecureSkipVerify bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecureSkipVerify} //nolint:gosec // only when the user asks
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading ca_certificate_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_certificate_file %q holds no PEM certificate", caFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

type idempotentKey struct{}

// WithIdempotent marks the requests made with ctx as safe to repeat after an ambiguous failure
// (a connection error after the request was sent, or a 500/502/504), because the server
// deduplicates them, e.g. Azure Batch's Add Task answers a repeat with 409 TaskExists.
// Without it only GET, HEAD, PUT, DELETE and OPTIONS are repeated after such failures;
// requests that were never processed (429, 503, connection refused) are always retried.
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

// RoundTripper implements the retry loop around a base transport.
type RoundTripper struct {
	opts   Options
	base   http.RoundTripper
	clock  wait.Clock
	redact Redactor
}

// RoundTrip sends req, retrying as the policy allows.
func (t *RoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		// A body that cannot be rewound is buffered once so that retries can resend it.
		data, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading request body: %w", err)
		}
		req = req.Clone(ctx)
		req.Body = io.NopCloser(bytes.NewReader(data))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	idempotent := isIdempotentMethod(req.Method) || ctx.Value(idempotentKey{}) != nil

	var lastErr error
	for attempt := 1; ; attempt++ {
		attemptReq, err := t.prepare(req, attempt)
		if err != nil {
			return nil, err
		}
		start := time.Now() // the attempt's duration is logged in real time, whatever the clock
		resp, err := t.base.RoundTrip(attemptReq)
		t.logAttempt(ctx, attemptReq, resp, err, attempt, time.Since(start))

		retry, delay := t.shouldRetry(resp, err, idempotent, attempt)
		if !retry {
			if err != nil {
				return nil, t.wrapError(err, lastErr)
			}
			return resp, nil
		}
		if err != nil {
			lastErr = err
		} else {
			lastErr = fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		if deadline, ok := ctx.Deadline(); ok && t.clock.Now().Add(delay).After(deadline) {
			if err != nil {
				return nil, t.wrapError(err, nil)
			}
			return resp, nil // the caller turns the final status into its own error
		}
		if resp != nil {
			// Drain so the connection can be reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
		}
		tflog.Debug(ctx, "retrying request", map[string]any{
			"service": t.opts.Service, "method": req.Method, "url": t.redact.Redact(redactURL(req.URL.String())),
			"attempt": attempt, "wait": delay.String(), "reason": t.redact.Redact(lastErr.Error()),
		})
		if err := wait.Sleep(ctx, t.clock, delay); err != nil {
			return nil, fmt.Errorf("%w (last error: %s)", err, t.redact.Redact(lastErr.Error()))
		}
	}
}

func (t *RoundTripper) prepare(req *http.Request, attempt int) (*http.Request, error) {
	r := req.Clone(req.Context())
	if attempt > 1 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("rewinding request body: %w", err)
		}
		r.Body = body
	}
	if t.opts.UserAgent != "" {
		ua := r.Header.Get("User-Agent")
		if !strings.Contains(ua, t.opts.UserAgent) {
			r.Header.Set("User-Agent", strings.TrimSpace(t.opts.UserAgent+" "+ua))
		}
	}
	if t.opts.Signer != nil {
		if err := t.opts.Signer.Sign(r); err != nil {
			return nil, fmt.Errorf("signing request: %w", err)
		}
	}
	return r, nil
}

func (t *RoundTripper) wrapError(err, previous error) error {
	if previous != nil && !errors.Is(err, previous) {
		return fmt.Errorf("%w (earlier attempt: %s)", err, t.redact.Redact(previous.Error()))
	}
	return err
}

func isIdempotentMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// shouldRetry decides whether to try again and how long to wait first.
func (t *RoundTripper) shouldRetry(resp *http.Response, err error, idempotent bool, attempt int) (bool, time.Duration) {
	if attempt >= t.opts.Retry.MaxAttempts {
		return false, 0
	}
	backoff := t.opts.Retry.Backoff().Delay(attempt)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false, 0
		}
		if notSent(err) || idempotent {
			return true, backoff
		}
		return false, 0
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		// The server did not process the request: always safe to repeat.
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		if !idempotent {
			return false, 0
		}
	default:
		return false, 0
	}
	if ra, ok := retryAfter(resp.Header.Get("Retry-After"), t.clock.Now()); ok {
		// The server's word wins over the backoff; the operation's deadline still bounds it.
		return true, min(max(ra, 0), maxRetryAfter)
	}
	return true, backoff
}

// notSent reports errors that happen before the request reaches the server.
func notSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return at.Sub(now), true
	}
	return 0, false
}
