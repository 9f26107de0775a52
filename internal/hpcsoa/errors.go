package hpcsoa

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// SOA fault codes (Microsoft.Hpc.Scheduler.Session.SOAFaultCode) that callers commonly test for.
const (
	CodeUnknownError                     = 0x0F000000
	CodeArgumentError                    = 0x0F00FFFF
	CodeBrokerEOMRejected                = 0x0100000B
	CodeBrokerEOMRejectGetResponse       = 0x01000018
	CodeBrokerEOMRejectEndRequests       = 0x01000019
	CodeBrokerAlreadyClosed              = 0x0100001B
	CodeBrokerEOMRejectNoRequest         = 0x0100001E
	CodeBrokerSessionFailure             = 0x0200000B
	CodeWebAPIBrokerNotActive            = 0x0200000F
	CodeInvalidSessionID                 = 0x03000001
	CodeAuthenticationFailure            = 0x03000002
	CodeInvalidAttachDurableSession      = 0x0300000A
	CodeInvalidAttachInteractiveSession  = 0x0300000B
	CodeBrokerInvalidSessionID           = 0x03000010
	CodeBrokerInvalidClientIDOrTooLong   = 0x03000016
	CodeBrokerClientIDNotMatch           = 0x03000017
	CodeBrokerUserNameNotMatch           = 0x03000018
	CodeSessionJobAlreadyFinished        = 0x0300001B
	CodeSessionJobCanceled               = 0x0300001C
	CodeServiceNotFound                  = 0x0300001E
	CodeServiceVersionNotFound           = 0x03000020
	CodeAzureNotSupportDurableSession    = 0x03000032
	CodeWebAPIAPIVersionIncorrect        = 0x03000034
	CodeWebAPIAccessDenied               = 0x03000035
	CodeClientPurged                     = 0x04000000
	CodeClientTimeout                    = 0x04000003
	codeAuthNeedEitherTypeCred           = 0x03000025
	codeAuthNeedCertOnly                 = 0x03000026
	codeAuthNeedEitherTypeCredUnReusable = 0x03000029
	codeAuthNeedPasswordOnlyUnReusable   = 0x03000030
)

// faultNames names the codes in error messages (SOAFaultCode member names).
var faultNames = map[int]string{
	CodeUnknownError:                     "UnknownError",
	CodeArgumentError:                    "ArgumentError",
	0x01000000:                           "ConnectToSchedulerFailure",
	0x01000001:                           "OpenJobFailure",
	0x01000002:                           "OperationTimeout",
	0x01000003:                           "Broker_BrokerNodeUnavailable",
	CodeBrokerEOMRejected:                "Broker_EOMRejected",
	0x0100000D:                           "Broker_BrokerIsOffline",
	0x01000013:                           "Broker_TooManyBrokerRunning",
	0x01000014:                           "Broker_NotInitialized",
	0x01000015:                           "Broker_BrokerSuspending",
	CodeBrokerEOMRejectGetResponse:       "Broker_EOMReject_GetResponse",
	CodeBrokerEOMRejectEndRequests:       "Broker_EOMReject_EndRequests",
	0x0100001A:                           "Broker_FlushRejected",
	CodeBrokerAlreadyClosed:              "Broker_AlreadyClosed",
	CodeBrokerEOMRejectNoRequest:         "Broker_EOMReject_NoRequest",
	0x02000000:                           "NoAvailableBrokerNodes",
	0x02000001:                           "CreateJobFailure",
	0x02000005:                           "SubmitJobFailure",
	0x02000007:                           "Broker_BrokerUnavailable",
	CodeBrokerSessionFailure:             "Broker_SessionFailure",
	0x0200000E:                           "CreateSessionCanceled",
	CodeWebAPIBrokerNotActive:            "WebAPI_BrokerNotActive",
	0x02000010:                           "WebAPI_FailedToSendRequest",
	0x03000000:                           "InvalidArgument",
	CodeInvalidSessionID:                 "InvalidSessionId",
	CodeAuthenticationFailure:            "AuthenticationFailure",
	0x03000003:                           "AccessDenied_Broker",
	0x03000004:                           "AccessDenied_BrokerLauncher",
	CodeInvalidAttachDurableSession:      "InvalidAttachDurableSession",
	CodeInvalidAttachInteractiveSession:  "InvalidAttachInteractiveSession",
	CodeBrokerInvalidSessionID:           "Broker_InvalidSessionId",
	CodeBrokerInvalidClientIDOrTooLong:   "Broker_InvalidClientIdOrTooLong",
	CodeBrokerClientIDNotMatch:           "Broker_ClientIdNotMatch",
	CodeBrokerUserNameNotMatch:           "Broker_UserNameNotMatch",
	0x03000019:                           "Session_ValidateJobFailed_NotServiceJob",
	0x0300001A:                           "Session_ValidateJobFailed_NotDurableSession",
	CodeSessionJobAlreadyFinished:        "Session_ValidateJobFailed_AlreadyFinished",
	CodeSessionJobCanceled:               "Session_ValidateJobFailed_JobCanceled",
	CodeServiceNotFound:                  "Service_NotFound",
	CodeServiceVersionNotFound:           "ServiceVersion_NotFound",
	codeAuthNeedEitherTypeCred:           "AuthenticationFailure_NeedEitherTypeCred",
	codeAuthNeedCertOnly:                 "AuthenticationFailure_NeedCertOnly",
	codeAuthNeedEitherTypeCredUnReusable: "AuthenticationFailure_NeedEitherTypeCred_UnReusable",
	codeAuthNeedPasswordOnlyUnReusable:   "AuthenticationFailure_NeedPasswordOnly_UnReusable",
	CodeAzureNotSupportDurableSession:    "Azure_NotSupportDurableSession",
	CodeWebAPIAPIVersionIncorrect:        "WebAPI_APIVersionIncorrect",
	CodeWebAPIAccessDenied:               "WebAPI_AccessDenied",
	CodeClientPurged:                     "ClientPurged",
	0x04000001:                           "Broker_RetryLimitExceeded",
	CodeClientTimeout:                    "ClientTimeout",
}

// FaultCodeName returns the SOAFaultCode member name of code, or "" when it is not known.
func FaultCodeName(code int) string { return faultNames[code] }

// Fault is a failed call: the HTTP status and, when the answer carried one, the service's
// HpcWebServiceFault (XML in ns http://schemas.microsoft.com/HPCS2008R2/common, or JSON).
// A fault read from inside a Get Responses stream (a SOAP fault envelope with an HPC Pack
// SessionFault detail) has the status of the stream, 200.
type Fault struct {
	StatusCode int
	Code       int
	// Message is the fault message, its {0}-style placeholders filled from Values in order
	// (as the HPC Pack runtime does with string.Format).
	Message string
	Values  map[string]string

	// hint is appended to Error(): what the user should check.
	hint string
	// inStream marks a fault read from a response stream rather than an HTTP error answer.
	inStream bool
	// placeholders records that Message had placeholders, so Values are not repeated.
	placeholders bool
}

func (f *Fault) Error() string {
	var b strings.Builder
	if f.inStream {
		b.WriteString("HPC Pack sent a SOAP fault in the response stream")
		if f.Code != 0 {
			fmt.Fprintf(&b, ": fault 0x%08X", uint32(f.Code))
		}
	} else {
		fmt.Fprintf(&b, "HPC Pack returned HTTP %d", f.StatusCode)
		if f.Code != 0 {
			fmt.Fprintf(&b, " fault 0x%08X", uint32(f.Code))
		}
	}
	if name := faultNames[f.Code]; name != "" && f.Code != 0 {
		fmt.Fprintf(&b, " (%s)", name)
	}
	if f.Message != "" {
		fmt.Fprintf(&b, ": %s", f.Message)
	}
	if !f.placeholders {
		keys := slices.Sorted(maps.Keys(f.Values))
		for _, k := range keys {
			fmt.Fprintf(&b, "; %s=%s", k, f.Values[k])
		}
	}
	if f.hint != "" {
		fmt.Fprintf(&b, "; %s", f.hint)
	}
	return b.String()
}

func asFault(err error) (*Fault, bool) {
	var f *Fault
	ok := errors.As(err, &f)
	return f, ok
}

// HasCode reports a Fault with the given SOA fault code.
func HasCode(err error, code int) bool {
	f, ok := asFault(err)
	return ok && f.Code == code
}

// IsAuthFailure reports rejected credentials: HTTP 401 or 403, or an AuthenticationFailure /
// WebAPI_AccessDenied fault code.
func IsAuthFailure(err error) bool {
	f, ok := asFault(err)
	return ok && isAuthFault(f.StatusCode, f.Code)
}

func isAuthFault(status, code int) bool {
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return true
	}
	switch code {
	case CodeAuthenticationFailure, CodeWebAPIAccessDenied, codeAuthNeedEitherTypeCred, codeAuthNeedCertOnly,
		codeAuthNeedEitherTypeCredUnReusable, codeAuthNeedPasswordOnlyUnReusable:
		return true
	}
	return false
}

// IsSessionGone reports a fault meaning the session no longer exists or can no longer be used:
// InvalidSessionId, Broker_InvalidSessionId, Session_ValidateJobFailed_AlreadyFinished,
// Session_ValidateJobFailed_JobCanceled, Broker_SessionFailure (the session failed or was
// canceled) and Broker_AlreadyClosed. A bare HTTP 404 is deliberately not included: a head
// node that does not serve the SOA routes answers 404 too (see IsNotFound).
func IsSessionGone(err error) bool {
	f, ok := asFault(err)
	if !ok {
		return false
	}
	switch f.Code {
	case CodeInvalidSessionID, CodeBrokerInvalidSessionID, CodeSessionJobAlreadyFinished, CodeSessionJobCanceled,
		CodeBrokerSessionFailure, CodeBrokerAlreadyClosed:
		return true
	}
	return false
}

// IsAlreadyCommitted reports the Broker_EOMReject_EndRequests fault: the batch was already
// committed (for example by an earlier attempt whose answer was lost).
func IsAlreadyCommitted(err error) bool { return HasCode(err, CodeBrokerEOMRejectEndRequests) }

// IsNotFound reports an HTTP 404 answer.
func IsNotFound(err error) bool {
	f, ok := asFault(err)
	return ok && f.StatusCode == http.StatusNotFound
}

// MalformedError is a success answer that lacks what the caller needs: a body that is not
// the operation's XML or JSON (a proxy's HTML page, an empty body, a document cut short or of
// the wrong shape), a session without an Id, a batch status that is not a BrokerClientStatus.
// Such an answer is an error, never a result. The request may have taken effect.
type MalformedError struct {
	Op         string // the operation, e.g. "attach session"
	StatusCode int
	Detail     string // what is wrong, quoting the answer
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("%s: malformed answer (HTTP %d): %s", e.Op, e.StatusCode, e.Detail)
}

// IsMalformed reports a *MalformedError.
func IsMalformed(err error) bool {
	var m *MalformedError
	return errors.As(err, &m)
}

// ErrAmbiguous marks the failure of a request that creates something when the request may
// have taken effect all the same (a malformed answer, a connection lost after sending): what
// it created, if anything, is unknown. Test with errors.Is.
var ErrAmbiguous = errors.New("the request may have taken effect")

// maxFaultBody bounds how much of an error answer is read.
const maxFaultBody = 1 << 20

// kv is one fault value, in wire order.
type kv struct{ key, value string }

// readFault builds the Fault of a non-2xx answer. It never fails: a body that is empty or not a
// fault gives a Fault with only the status and a generic message.
func readFault(resp *http.Response) *Fault {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxFaultBody))
	f := &Fault{StatusCode: resp.StatusCode}
	code, msg, values, ok := parseFaultBody(resp.Header.Get("Content-Type"), data)
	if ok {
		f.Code = code
		f.setMessage(msg, values)
	}
	if f.Message == "" {
		f.Message = http.StatusText(resp.StatusCode)
		if f.Message == "" {
			f.Message = "no fault details in the answer"
		}
	}
	return f
}

// setMessage stores the message and values, filling {n} placeholders from the values in order.
func (f *Fault) setMessage(msg string, values []kv) {
	for _, v := range values {
		if f.Values == nil {
			f.Values = map[string]string{}
		}
		f.Values[v.key] = v.value
	}
	args := make([]string, len(values))
	for i, v := range values {
		args[i] = v.value
	}
	f.Message, f.placeholders = formatNET(msg, args)
}

// formatNET fills .NET composite-format placeholders ({0}, {1,-5}, {0:X}) from args, as
// string.Format does; {{ and }} are literal braces. Placeholders without a value stay as
// they are. It reports whether any placeholder was filled.
func formatNET(format string, args []string) (string, bool) {
	if !strings.ContainsAny(format, "{}") {
		return format, false
	}
	var b strings.Builder
	filled := false
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '{' && i+1 < len(format) && format[i+1] == '{':
			b.WriteByte('{')
			i++
		case c == '}' && i+1 < len(format) && format[i+1] == '}':
			b.WriteByte('}')
			i++
		case c == '{':
			end := strings.IndexByte(format[i:], '}')
			if end < 0 {
				b.WriteString(format[i:])
				return b.String(), filled
			}
			spec := format[i+1 : i+end]
			idx := spec
			if j := strings.IndexAny(spec, ",:"); j >= 0 {
				idx = spec[:j]
			}
			n, err := strconv.Atoi(strings.TrimSpace(idx))
			if err != nil || n < 0 || n >= len(args) {
				b.WriteString(format[i : i+end+1])
			} else {
				b.WriteString(args[n])
				filled = true
			}
			i += end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), filled
}

// parseFaultBody reads an HpcWebServiceFault (XML or JSON) or a legacy <string> error.
func parseFaultBody(contentType string, data []byte) (code int, msg string, values []kv, ok bool) {
	switch formatOf(contentType, data) {
	case formatJSON:
		return parseJSONFault(data)
	case formatXML:
		return parseXMLFault(data)
	}
	return 0, "", nil, false
}

type xmlFault struct {
	XMLName xml.Name
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
	Values  struct {
		Items []struct {
			Key   string `xml:"key"`
			Value string `xml:"value"`
		} `xml:",any"`
	} `xml:"Values"`
	Text string `xml:",chardata"`
}

func parseXMLFault(data []byte) (int, string, []kv, bool) {
	var xf xmlFault
	if err := xml.Unmarshal(data, &xf); err != nil {
		return 0, "", nil, false
	}
	switch xf.XMLName.Local {
	case "HpcWebServiceFault":
		code, err := strconv.ParseInt(strings.TrimSpace(xf.Code), 10, 64)
		if err != nil && strings.TrimSpace(xf.Code) != "" {
			return 0, "", nil, false
		}
		var values []kv
		for _, it := range xf.Values.Items {
			values = append(values, kv{it.Key, it.Value})
		}
		return int(int32(code)), xf.Message, values, true
	case "string":
		// Legacy error form: <string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">msg</string>.
		return 0, strings.TrimSpace(xf.Text), nil, true
	}
	return 0, "", nil, false
}

func parseJSONFault(data []byte) (int, string, []kv, bool) {
	var jf struct {
		Code    *json.Number    `json:"Code"`
		Message string          `json:"Message"`
		Values  json.RawMessage `json:"Values"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&jf); err != nil || (jf.Code == nil && jf.Message == "") {
		return 0, "", nil, false
	}
	code := 0
	if jf.Code != nil {
		n, err := jf.Code.Int64()
		if err != nil {
			return 0, "", nil, false
		}
		code = int(int32(n))
	}
	return code, jf.Message, parseJSONValues(jf.Values), true
}

// parseJSONValues accepts [{"key":..,"value":..}] (KeyValuePair), [{"Key":..,"Value":..}]
// (Dictionary) and a plain object, keeping the wire order.
func parseJSONValues(raw json.RawMessage) []kv {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var values []kv
	if raw[0] == '[' {
		var items []map[string]any
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		for _, it := range items {
			var k, v string
			for name, val := range it {
				switch strings.ToLower(name) {
				case "key":
					k = jsonText(val)
				case "value":
					v = jsonText(val)
				}
			}
			values = append(values, kv{k, v})
		}
		return values
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return values
		}
		key, _ := tok.(string)
		var val any
		if dec.Decode(&val) != nil {
			return values
		}
		values = append(values, kv{key, jsonText(val)})
	}
	return values
}

func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// Body formats.
const (
	formatUnknown = iota
	formatXML
	formatJSON
)

// htmlPage returns a description of an answer whose Content-Type says HTML (a proxy's or a
// login page standing in for the service's), or "".
func htmlPage(contentType string) string {
	if strings.Contains(strings.ToLower(contentType), "html") {
		return fmt.Sprintf("the answer is an HTML page (%s), not the service's XML or JSON", contentType)
	}
	return ""
}

// formatOf decides how to parse an answer: by its Content-Type, else by its first byte.
func formatOf(contentType string, data []byte) int {
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "json"):
		return formatJSON
	case strings.Contains(ct, "xml"):
		return formatXML
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) == 0 {
		return formatUnknown
	}
	switch c := trimmed[0]; {
	case c == '<':
		return formatXML
	case c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 'n' || c == 't' || c == 'f':
		return formatJSON
	}
	return formatUnknown
}
