package transport

import (
	"slices"
	"strings"
)

// Redactor masks secrets (keys, passwords, tokens) in text bound for a log line or an error
// message. The transport masks its log lines with one; the clients mask the service's error
// texts with one built from the same secrets, since a server may echo what it was sent.
type Redactor struct {
	secrets []string // longest first
}

// minSecretLen is the shortest value masked: masking shorter values would blank out common
// words without protecting anything.
const minSecretLen = 4

// NewRedactor returns a Redactor for secrets; values shorter than four characters are ignored.
func NewRedactor(secrets ...string) Redactor {
	return Redactor{}.With(secrets...)
}

// With returns a Redactor that masks extra as well, e.g. a password sent in one call only.
func (r Redactor) With(extra ...string) Redactor {
	all := slices.Clone(r.secrets)
	for _, s := range extra {
		if len(s) >= minSecretLen && !slices.Contains(all, s) {
			all = append(all, s)
		}
	}
	// Longest first: a secret that contains a shorter one must be masked whole, not leave
	// what is around the shorter one in clear.
	slices.SortStableFunc(all, func(a, b string) int { return len(b) - len(a) })
	return Redactor{secrets: all}
}

// Redact replaces every secret in s with "***".
func (r Redactor) Redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}
