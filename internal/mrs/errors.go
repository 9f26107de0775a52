package mrs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
)

// Error is a failed call: an answer with an HTTP error status (or a redirect), with the
// service's error_code / error_msg (or errorCode / errorMsg, or code / message).
type Error struct {
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	// Operation names the call: "submit job", "get job", "list jobs", "kill job",
	// "batch-delete jobs".
	Operation string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "MRS %s: HTTP %d", e.Operation, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " error %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	if isAuthError(e) {
		b.WriteString("; the credentials were rejected: check mrs.access_key and mrs.secret_key " +
			"(HW_ACCESS_KEY / HW_SECRET_KEY), mrs.security_token (HW_SECURITY_TOKEN) with temporary credentials, " +
			"and that mrs.project_id belongs to them")
	}
	return b.String()
}

// Error codes the helpers recognise.
const (
	CodeJobNotFound      = "0176"
	CodeJobNotFound2     = "0201"
	CodeClusterNotFound  = "12000003"
	CodeInvalidAuth      = "12000001"
	CodeGatewayAuth      = "APIGW.0301"
	CodeJobRunning       = "0183"
	CodeBatchDeleteError = "0161"
	CodeTooManySubmits   = "0202"
	codeInternalError    = "12000004"
)

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// HasCode reports an MRS error with the given error code.
func HasCode(err error, code string) bool {
	e, ok := asError(err)
	return ok && strings.EqualFold(e.Code, code)
}

// IsJobGone reports that the job (or its cluster) does not exist: error 0176 or 0201 (job),
// 12000003 (cluster), or HTTP 404, whatever the status (the docs say 500 for 0176, the
// service has been seen answering 400).
func IsJobGone(err error) bool {
	e, ok := asError(err)
	return ok && (e.StatusCode == http.StatusNotFound || isGoneCode(e.Code))
}

func isGoneCode(code string) bool {
	switch code {
	case CodeJobNotFound, CodeJobNotFound2, CodeClusterNotFound:
		return true
	}
	return false
}

// IsAuthFailure reports rejected credentials: HTTP 401, API Gateway's APIGW.0301 or MRS's
// 12000001. The error text says which settings to check; it never contains the secret key.
func IsAuthFailure(err error) bool {
	e, ok := asError(err)
	return ok && isAuthError(e)
}

func isAuthError(e *Error) bool {
	return e.StatusCode == http.StatusUnauthorized || strings.EqualFold(e.Code, CodeGatewayAuth) || e.Code == CodeInvalidAuth
}

// IsJobRunning reports error 0183, "The job is running" (e.g. a delete of an unfinished job).
func IsJobRunning(err error) bool { return HasCode(err, CodeJobRunning) }

// malformedError is a 2xx answer whose body could not be read as the operation's response, or
// lacks what the caller needs (a job's id, name or known state).
type malformedError struct {
	operation string
	status    int
	detail    string
}

func (e *malformedError) Error() string {
	return fmt.Sprintf("MRS %s: malformed response (HTTP %d): %s", e.operation, e.status, e.detail)
}

// IsMalformed reports a success answer that could not be read as the operation's response, or
// that lacks what the caller needs. The request may have taken effect.
func IsMalformed(err error) bool {
	var m *malformedError
	return errors.As(err, &m)
}

// maxMessage bounds the length of a server text kept in an error.
const maxMessage = 512

// convertError turns what the SDK returned into *Error, *malformedError or a wrapped
// transport error; secrets are masked from every server text.
func (c *Client) convertError(op string, err error, ex *exchange) error {
	if err == nil {
		return nil
	}
	var sre *sdkerr.ServiceResponseError
	if !errors.As(err, &sre) {
		var v sdkerr.ServiceResponseError
		if !errors.As(err, &v) {
			return fmt.Errorf("MRS %s: %w", op, wrapMasked{err: err, text: c.redact.Redact(err.Error())})
		}
		sre = &v
	}
	status := sre.StatusCode
	switch {
	case status == 0:
		// The SDK could not read the error answer's body.
		return fmt.Errorf("MRS %s: reading the error response: %s", op, truncate(c.redact.Redact(sre.ErrorMessage)))
	case status >= 200 && status <= 299:
		// A success status whose body the SDK could not decode.
		return &malformedError{operation: op, status: status, detail: truncate(c.redact.Redact(sre.ErrorMessage))}
	}
	e := &Error{StatusCode: status, Code: sre.ErrorCode, Message: sre.ErrorMessage, RequestID: sre.RequestId, Operation: op}
	// The SDK recognises only error_code+error_msg or code+message (both present) and drops
	// request_id; on anything else, e.g. MRS's camelCase errorCode/errorMsg, it leaves
	// ErrorCode empty and copies the raw body into ErrorMessage. Read the body ourselves.
	raw := sre.ErrorMessage
	if ex != nil && len(ex.body) > 0 {
		raw = string(ex.body)
	}
	if code, msg, requestID, ok := parseErrorBody(raw); ok {
		if code != "" {
			e.Code = code
		}
		if msg != "" || code != "" {
			e.Message = msg
		}
		if e.RequestID == "" {
			e.RequestID = requestID
		}
	}
	if status >= 300 && status <= 399 {
		e.Message = "unexpected redirect (redirects are not followed; check mrs.endpoint)"
	}
	e.Message = truncate(c.redact.Redact(strings.TrimSpace(e.Message)))
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// parseErrorBody reads an error body in any of the known shapes: error_code/error_msg,
// errorCode/errorMsg, code/message, with an optional request_id.
func parseErrorBody(raw string) (code, msg, requestID string, ok bool) {
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil {
		return "", "", "", false // not a JSON object: the raw text stays the message
	}
	pick := func(keys ...string) string {
		for _, k := range keys {
			switch v := m[k].(type) {
			case string:
				if v != "" {
					return v
				}
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		return ""
	}
	code = pick("error_code", "errorCode", "code")
	msg = pick("error_msg", "errorMsg", "message", "error_message")
	requestID = pick("request_id", "requestId")
	return code, msg, requestID, code != "" || msg != "" || requestID != ""
}

func truncate(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// wrapMasked keeps the error chain (errors.Is(err, context.DeadlineExceeded)) while printing
// a masked text.
type wrapMasked struct {
	err  error
	text string
}

func (w wrapMasked) Error() string { return w.text }
func (w wrapMasked) Unwrap() error { return w.err }
