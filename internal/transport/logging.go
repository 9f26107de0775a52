package transport

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Debug logs a client's decision (a retry, a look-up after an ambiguous answer) into the
// provider's log. Clients log through it, so that the transport stays the only bridge between
// the service clients and Terraform's logging.
func Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}

// sensitiveHeaders are never logged with their value. Authorization keeps only its scheme and,
// for schemes whose credential starts with a public key id, nothing else either.
var sensitiveHeaders = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"x-auth-token":        true,
	"x-security-token":    true,
	"x-subject-token":     true,
	"cookie":              true,
	"set-cookie":          true,
	"www-authenticate":    false, // a challenge holds no secret
}

// sensitiveQuery are query parameters masked in logged URLs (pre-signed URLs, SAS tokens).
var sensitiveQuery = []string{"sig", "signature", "x-amz-signature", "token", "access_token"}

// logAttempt writes one debug line per attempt and the headers at trace level.
func (t *RoundTripper) logAttempt(ctx context.Context, req *http.Request, resp *http.Response, err error, attempt int, took time.Duration) {
	fields := map[string]any{
		"service":     t.opts.Service,
		"method":      req.Method,
		"url":         t.redact.Redact(redactURL(req.URL.String())),
		"attempt":     attempt,
		"duration_ms": took.Milliseconds(),
	}
	if err != nil {
		fields["error"] = t.redact.Redact(err.Error())
		tflog.Debug(ctx, "HTTP request failed", fields)
		return
	}
	fields["status"] = resp.StatusCode
	tflog.Debug(ctx, "HTTP request", fields)
	tflog.Trace(ctx, "HTTP exchange headers", map[string]any{
		"service":          t.opts.Service,
		"request_headers":  t.redact.Redact(formatHeaders(req.Header)),
		"response_headers": t.redact.Redact(formatHeaders(resp.Header)),
	})
}

// formatHeaders returns the headers as one loggable string, sensitive values replaced.
func formatHeaders(h http.Header) string {
	names := slices.Sorted(maps.Keys(h))
	var b strings.Builder
	for _, name := range names {
		for _, v := range h[name] {
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(name)
			b.WriteString(": ")
			b.WriteString(redactHeaderValue(name, v))
		}
	}
	return b.String()
}

// redactHeaderValue keeps an Authorization scheme (useful when debugging auth) and drops the rest.
func redactHeaderValue(name, v string) string {
	if !sensitiveHeaders[strings.ToLower(name)] {
		return v
	}
	if strings.EqualFold(name, "authorization") || strings.EqualFold(name, "proxy-authorization") {
		if scheme, _, ok := strings.Cut(v, " "); ok {
			return scheme + " ***"
		}
	}
	return "***"
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.User = nil
	q := u.Query()
	changed := false
	for key := range q {
		for _, s := range sensitiveQuery {
			if strings.EqualFold(key, s) {
				q.Set(key, "***")
				changed = true
			}
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
