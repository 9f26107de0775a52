package mrs

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

// Error codes the emulator returns (spec §1.6 and the API Gateway codes).
const (
	CodeInvalidAuth        = "12000001" // 401: the path's project is not the credentials' project [I]
	CodeInvalidParameter   = "12000002" // 400: validation failures
	CodeClusterNotFound    = "12000003" // 400, with errorCode/errorMsg too
	CodeInternalError      = "12000004" // 500: injected 500 faults
	CodeTooManyRunningJobs = "12000060" // 500: MaxRunningJobs reached
	CodeJobNotFound        = "0176"     // 400 (the docs' table says 500; TFP sees 400)
	CodeJobIDBlank         = "0178"     // 400: batch-delete without ids
	CodeJobRunning         = "0183"     // 400: batch-delete of a non-terminal job
	CodeKillFailed         = "0175"     // 500: kill of a SparkSql job when RejectSparkSQLKill is set
	CodeSubmitBusy         = "0202"     // 503: injected 503 faults
	CodeAPIGWAuth          = "APIGW.0301"
	CodeAPIGWNotFound      = "APIGW.0101"
	CodeAPIGWThrottled     = "APIGW.0308"
)

// ErrorBody is the error body the emulator writes. MRS errors carry
// error_code and error_msg; the cluster-not-found error also carries the
// camelCase errorCode and errorMsg (TFP reads those, SDK-based clients read
// the snake_case ones); API Gateway errors (APIGW.*) carry request_id.
type ErrorBody struct {
	ErrorCodeCamel string `json:"errorCode,omitempty"`
	ErrorMsgCamel  string `json:"errorMsg,omitempty"`
	ErrorCode      string `json:"error_code"`
	ErrorMsg       string `json:"error_msg"`
	RequestID      string `json:"request_id,omitempty"`
}

// apiError is an error response to write.
type apiError struct {
	status int
	body   ErrorBody
	raw    any // when set, written instead of body (IAM's own error shape)
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s %s", e.status, e.body.ErrorCode, e.body.ErrorMsg)
}

func newError(status int, code, msg string) *apiError {
	return &apiError{status: status, body: ErrorBody{ErrorCode: code, ErrorMsg: msg}}
}

// invalidParam is a 400 12000002 error; the message starts with the
// documented text and names the rule.
func invalidParam(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, CodeInvalidParameter, "The parameter is invalid: "+fmt.Sprintf(format, args...))
}

func clusterNotFound() *apiError {
	const msg = "The cluster does not exist."
	return &apiError{status: http.StatusBadRequest, body: ErrorBody{
		ErrorCodeCamel: CodeClusterNotFound, ErrorMsgCamel: msg, ErrorCode: CodeClusterNotFound, ErrorMsg: msg}}
}

func jobNotFound() *apiError {
	return newError(http.StatusBadRequest, CodeJobNotFound, "The job does not exist.")
}

// gatewayError is an API Gateway error (APIGW.*), which carries the request
// id in the body.
func gatewayError(status int, code, msg, requestID string) *apiError {
	return &apiError{status: status, body: ErrorBody{ErrorCode: code, ErrorMsg: msg, RequestID: requestID}}
}

func authError(detail, requestID string) *apiError {
	return gatewayError(http.StatusUnauthorized, CodeAPIGWAuth, "Incorrect IAM authentication information: "+detail, requestID)
}

func routeNotFound(requestID string) *apiError {
	return gatewayError(http.StatusNotFound, CodeAPIGWNotFound, "The API does not exist or has not been published in the environment", requestID)
}

// contentTypeJSON is the Content-Type of every JSON response.
const contentTypeJSON = "application/json;charset=UTF-8"

// writeJSON writes v as JSON without HTML escaping.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimRight(b.Bytes(), "\n"))
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.raw != nil {
		writeJSON(w, e.status, e.raw)
		return
	}
	writeJSON(w, e.status, e.body)
}

// injectedError is the body of an injected status fault: 429 is the API
// Gateway's throttling error APIGW.0308, 503 is MRS 0202 ("Too many jobs are
// being submitted"), 500 and other 5xx are 12000004 (internal error), other
// 4xx are 12000002 [I].
func injectedError(status int, requestID string) *apiError {
	switch {
	case status == http.StatusTooManyRequests:
		return gatewayError(status, CodeAPIGWThrottled, "The throttling threshold has been reached", requestID)
	case status == http.StatusServiceUnavailable:
		return newError(status, CodeSubmitBusy, "Too many jobs are being submitted; retry later.")
	case status >= 500:
		return newError(status, CodeInternalError, "Internal server error.")
	default:
		txt := http.StatusText(status)
		if txt == "" {
			txt = fmt.Sprintf("HTTP status %d", status)
		}
		return newError(status, CodeInvalidParameter, "The parameter is invalid: "+txt+".")
	}
}

// newRequestID returns 32 random hex digits (the X-Request-Id form).
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
