// Package servicekit holds what the emulated services (azurebatch, hpcpack,
// mrs) do alike, so each package keeps only its own wire rules.
package servicekit

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Endpoint is the base URL the emulator tells a service once it listens.
// Services embed it; its zero value has no URL yet.
type Endpoint struct {
	mu  sync.Mutex
	url string
}

// SetBaseURL tells the service its endpoint (the emulator calls it).
func (e *Endpoint) SetBaseURL(u string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.url = strings.TrimRight(u, "/")
}

// BaseURL returns the endpoint set by SetBaseURL.
func (e *Endpoint) BaseURL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.url
}

// WriteJSON answers status with v marshalled as JSON under contentType; a
// value that cannot be marshalled is the emulator's bug, answered 500.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// DecodeQuery splits a raw query into decoded names and their values, as the
// signature schemes canonicalise it. Unlike url.ParseQuery it never fails: a
// part that does not decode is kept as sent, so the signature still covers
// it.
func DecodeQuery(rawQuery string) map[string][]string {
	params := map[string][]string{}
	for _, part := range strings.Split(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		params[k] = append(params[k], v)
	}
	return params
}
