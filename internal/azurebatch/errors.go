package azurebatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// batchError is the service's error body.
type batchError struct {
	Code    string `json:"code"`
	Message struct {
		Value string `json:"value"`
	} `json:"message"`
	Values []batchErrorValue `json:"values"`
}

type batchErrorValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// MalformedError is a success answer that lacks what the caller needs: a body that does not
// decode (a proxy's HTML page, a body cut short, fields of the wrong type), a task without an
// id or a known state, or a success status the operation does not answer with. Such an answer
// is an error, never state. The request may have taken effect.
type MalformedError struct {
	// Operation names the call ("get task", "add task") and Target its job/task ids; both are
	// empty until the client method fills them in.
	Operation, Target string
	StatusCode        int
	// Detail says what is wrong with the answer.
	Detail string
	// Effect, when set, says what the caller cannot know after this answer.
	Effect string
}

func (e *MalformedError) Error() string {
	var b strings.Builder
	b.WriteString("Azure Batch ")
	if e.Operation != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Operation, e.Target)
	}
	fmt.Fprintf(&b, "malformed answer (HTTP %d): %s", e.StatusCode, e.Detail)
	if e.Effect != "" {
		fmt.Fprintf(&b, "; %s", e.Effect)
	}
	return b.String()
}

// IsMalformed reports a *MalformedError.
func IsMalformed(err error) bool {
	var m *MalformedError
	return errors.As(err, &m)
}

// withOperation names the call in a *MalformedError (and, when effect is set, what the answer
// leaves unknown); other errors pass through.
func withOperation(err error, op, target, effect string) error {
	var m *MalformedError
	if errors.As(err, &m) {
		m.Operation, m.Target = op, target
		if effect != "" {
			m.Effect = effect
		}
	}
	return err
}

// maxDetail bounds the server text quoted in a *MalformedError.
const maxDetail = 200

// decodeFailure turns the SDK's failure to decode a success answer (raw, captured with
// policy.WithCaptureResponse) into a *MalformedError. Anything else passes through, such as a
// connection lost while the body was read.
func decodeFailure(err error, raw *http.Response) error {
	var e *Error
	if err == nil || raw == nil || raw.StatusCode < 200 || raw.StatusCode > 299 || errors.As(err, &e) || IsMalformed(err) {
		return err
	}
	// A body cut short because the caller gave up (Ctrl-C, a timeout) says nothing about the
	// service's answer.
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || raw.Request != nil && raw.Request.Context().Err() != nil {
		return err
	}
	body, readErr := runtime.Payload(raw)
	if readErr != nil {
		return err
	}
	what := "the body does not decode"
	if ct := raw.Header.Get("Content-Type"); ct != "" && !strings.Contains(strings.ToLower(ct), "json") {
		what = fmt.Sprintf("the body is %s, not JSON", ct)
	}
	msg := err.Error()
	if len(msg) > maxDetail {
		msg = msg[:maxDetail] + "…"
	}
	return &MalformedError{StatusCode: raw.StatusCode, Detail: fmt.Sprintf("%s (%d bytes): %s", what, len(body), msg)}
}

// asError turns azcore's ResponseError into *Error (or, for a success status the operation
// does not answer with, *MalformedError); other errors pass through.
// setBody fills e from a BatchError: its code (when given), its message without the
// "\nRequestId:…\nTime:…" the service appends (the request id is kept separately), and its
// values.
func (e *Error) setBody(be batchError) {
	if be.Code != "" {
		e.Code = be.Code
	}
	e.Message, _, _ = strings.Cut(be.Message.Value, "\n")
	for _, v := range be.Values {
		if e.Values == nil {
			e.Values = map[string]string{}
		}
		e.Values[v.Key] = v.Value
	}
}

func asError(err error) error {
	var respErr *azcore.ResponseError
	if !errors.As(err, &respErr) {
		return err
	}
	if respErr.StatusCode >= 200 && respErr.StatusCode <= 299 {
		return &MalformedError{StatusCode: respErr.StatusCode, Detail: "unexpected success status for this operation"}
	}
	e := &Error{StatusCode: respErr.StatusCode, Code: respErr.ErrorCode}
	if resp := respErr.RawResponse; resp != nil {
		e.RequestID = resp.Header.Get("request-id")
		if body, readErr := runtime.Payload(resp); readErr == nil && len(body) > 0 {
			var be batchError
			decodeErr := json.Unmarshal(body, &be)
			e.Unreadable = decodeErr != nil || be.Code == ""
			if decodeErr == nil {
				e.setBody(be)
			}
		}
	}
	return e
}
