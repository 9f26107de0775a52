package azurebatch

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/internal/servicekit"
)

// Error codes (ERRDOC) and their messages.
const (
	codeMissingRequiredQueryParameter = "MissingRequiredQueryParameter"
	codeInvalidQueryParameterValue    = "InvalidQueryParameterValue"
	codeOutOfRangeQueryParameterValue = "OutOfRangeQueryParameterValue"
	codeAuthenticationFailed          = "AuthenticationFailed"
	codeInvalidAuthenticationInfo     = "InvalidAuthenticationInfo"
	codeMissingContentLengthHeader    = "MissingContentLengthHeader"
	codeInvalidHeaderValue            = "InvalidHeaderValue"
	codeInvalidRequestBody            = "InvalidRequestBody"
	codeRequestBodyTooLarge           = "RequestBodyTooLarge"
	codeInvalidPropertyValue          = "InvalidPropertyValue"
	codeMissingRequiredProperty       = "MissingRequiredProperty"
	codeMultipleConditionHeaders      = "MultipleConditionHeadersNotSupported"
	codeTaskDependenciesNotOnJob      = "TaskDependenciesNotSpecifiedOnJob"
	codeTaskDependencyListTooLong     = "TaskDependencyListTooLong"
	codeTaskExists                    = "TaskExists"
	codeJobExists                     = "JobExists"
	codeJobNotFound                   = "JobNotFound"
	codeTaskNotFound                  = "TaskNotFound"
	codeResourceNotFound              = "ResourceNotFound"
	codeUnsupportedHTTPVerb           = "UnsupportedHttpVerb"
	codeConditionNotMet               = "ConditionNotMet"
	codeTaskCompleted                 = "TaskCompleted"
	codeTaskNotCompleted              = "TaskNotCompleted"
	codeTaskSucceeded                 = "TaskSucceeded"
	codeServerBusy                    = "ServerBusy"
	codeInternalError                 = "InternalError"
	codeTooManyRequests               = "TooManyRequests"
	codeJobCompleted                  = "JobCompleted"
	codeJobBeingDeleted               = "JobBeingDeleted"
	codeOperationInvalidForState      = "OperationInvalidForCurrentState"
	codeOutOfRangePriority            = "OutOfRangePriority"
	codeEmptyMetadataKey              = "EmptyMetadataKey"
	codeUnsupportedProperty           = "UnsupportedProperty"
	codeTaskIDSameAsJobPreparation    = "TaskIdSameAsJobPreparationTask"
	codeTaskIDSameAsJobRelease        = "TaskIdSameAsJobReleaseTask"
)

var errorMessages = map[string]string{
	codeMissingRequiredQueryParameter: "A query parameter that's mandatory for this request is not specified.",
	codeInvalidQueryParameterValue:    "Value for one of the query parameters specified in the request URI is invalid.",
	codeOutOfRangeQueryParameterValue: "One of the query parameters specified in the request URI is outside the permissible range.",
	codeAuthenticationFailed:          "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
	codeInvalidAuthenticationInfo:     "Authentication information is not given in the correct format. Check the value of Authorization header.",
	codeMissingContentLengthHeader:    "The Content-Length header was not specified.",
	codeInvalidHeaderValue:            "The value for one of the HTTP headers is not in the correct format.",
	codeInvalidRequestBody:            "The specified Request Body is not syntactically valid.",
	codeRequestBodyTooLarge:           "The request body is too large and exceeds the maximum permissible limit.",
	codeInvalidPropertyValue:          "The value provided for one of the properties in the request body is invalid.",
	codeMissingRequiredProperty:       "A required property was not specified in the request body.",
	codeMultipleConditionHeaders:      "Multiple condition headers are not supported.",
	codeTaskDependenciesNotOnJob:      "The Task has dependencies but the Job does not have usesTaskDependencies set to true.",
	codeTaskDependencyListTooLong:     "The Task dependency list is too long.",
	codeTaskExists:                    "The specified task already exists.",
	codeJobExists:                     "The specified job already exists.",
	codeJobNotFound:                   "The specified job does not exist.",
	codeTaskNotFound:                  "The specified task does not exist.",
	codeResourceNotFound:              "The specified resource does not exist.",
	codeUnsupportedHTTPVerb:           "The resource doesn't support the specified HTTP verb.",
	codeConditionNotMet:               "The condition specified using HTTP conditional header(s) is not met.",
	codeTaskCompleted:                 "The specified task is already completed.",
	codeTaskNotCompleted:              "The specified task is not in completed state.",
	codeTaskSucceeded:                 "The specified task completed successfully and cannot be reactivated.",
	codeServerBusy:                    "The server is currently unable to receive requests. Please retry your request.",
	codeInternalError:                 "The server encountered an internal error. Please retry the request.",
	codeTooManyRequests:               "The request rate is too high. Please retry your request later.",
	codeJobCompleted:                  "The specified job is already in a completed state.",
	codeJobBeingDeleted:               "The specified job has been marked for deletion and is being garbage collected.",
	codeOperationInvalidForState:      "The specified operation is not valid for the current state of the resource.",
	codeOutOfRangePriority:            "The specified priority is outside the permitted range of -1000 to 1000.",
	codeEmptyMetadataKey:              "A metadata item has an empty name.",
	codeUnsupportedProperty:           "One of the properties specified in the request body is not supported.",
	codeTaskIDSameAsJobPreparation:    "The specified task id is the same as the id of the job's Job Preparation task.",
	codeTaskIDSameAsJobRelease:        "The specified task id is the same as the id of the job's Job Release task.",
}

// apiError is an error response to write.
type apiError struct {
	status int
	code   string
	values []BatchErrorValue
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.code) }

func newError(status int, code string, kv ...string) *apiError {
	e := &apiError{status: status, code: code}
	for i := 0; i+1 < len(kv); i += 2 {
		e.values = append(e.values, BatchErrorValue{Key: kv[i], Value: kv[i+1]})
	}
	return e
}

func invalidProperty(name, reason string) *apiError {
	return newError(http.StatusBadRequest, codeInvalidPropertyValue, "PropertyName", name, "Reason", reason)
}

func missingProperty(name string) *apiError {
	return newError(http.StatusBadRequest, codeMissingRequiredProperty, "PropertyName", name)
}

// batchError builds the BatchError body of e for a request; message.value
// embeds the request id and time, as the service does.
func (e *apiError) batchError(base, requestID string, now time.Time) *BatchError {
	msg := errorMessages[e.code]
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	be := &BatchError{
		Code: e.code,
		Message: &ErrorMessage{Lang: "en-US",
			Value: msg + "\nRequestId:" + requestID + "\nTime:" + formatTime(now)},
		Values: e.values,
	}
	if base != "" {
		be.ODataMetadata = base + "/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element"
	}
	return be
}

// faultCode is the error code the emulator uses for an injected status.
func faultCode(status int) string {
	switch status {
	case http.StatusServiceUnavailable:
		return codeServerBusy
	case http.StatusInternalServerError:
		return codeInternalError
	case http.StatusTooManyRequests:
		return codeTooManyRequests
	case http.StatusGatewayTimeout, http.StatusRequestTimeout:
		return "OperationTimedOut"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	servicekit.WriteJSON(w, status, "application/json;odata=minimalmetadata", v)
}
