package transport

import "testing"

func TestRedactor(t *testing.T) {
	r := NewRedactor("abc", "password1", "password1-token")
	for in, want := range map[string]string{
		"user:password1":             "user:***",
		"token password1-token here": "token *** here",
		"abc is too short to mask":   "abc is too short to mask",
		"":                           "",
	} {
		if got := r.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	call := r.With("run-as-secret")
	if got := call.Redact("run-as-secret and password1"); got != "*** and ***" {
		t.Errorf("With: got %q", got)
	}
	if got := r.Redact("run-as-secret"); got != "run-as-secret" {
		t.Errorf("With must not change the Redactor it extends: got %q", got)
	}
	if got := (Redactor{}).Redact("anything"); got != "anything" {
		t.Errorf("the zero Redactor changed %q", got)
	}
}
