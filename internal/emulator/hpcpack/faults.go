package hpcpack

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// SOA fault codes (spec §1.5; TP SOAFaultCode.cs): category | n.
const (
	CodeInvalidSessionID                = 0x03000001
	CodeAuthenticationFailure           = 0x03000002
	CodeInvalidAttachDurableSession     = 0x0300000A
	CodeInvalidAttachInteractiveSession = 0x0300000B
	CodeBrokerInvalidClientIDOrTooLong  = 0x03000016
	CodeBrokerClientIDNotMatch          = 0x03000017
	CodeBrokerUserNameNotMatch          = 0x03000018
	CodeServiceNotFound                 = 0x0300001E
	CodeServiceVersionNotFound          = 0x03000020
	CodeWebAPIAPIVersionIncorrect       = 0x03000034
	CodeWebAPIAccessDenied              = 0x03000035
	CodeBrokerEOMRejected               = 0x0100000B
	CodeBrokerEOMRejectEndRequests      = 0x01000019
	CodeBrokerEOMRejectNoRequest        = 0x0100001E
	CodeClientPurged                    = 0x04000000
	CodeArgumentError                   = 0x0F00FFFF
	CodeUnknownError                    = 0x0F000000
)

// XML namespaces (spec §4).
const (
	nsCommon        = "http://schemas.microsoft.com/HPCS2008R2/common"
	nsXSI           = "http://www.w3.org/2001/XMLSchema-instance"
	nsGeneric       = "http://schemas.datacontract.org/2004/07/System.Collections.Generic"
	nsHPCSlash      = "http://hpc.microsoft.com/"
	nsHPCNoSlash    = "http://hpc.microsoft.com"
	nsSystem        = "http://schemas.datacontract.org/2004/07/System"
	nsArrays        = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
	nsSerialization = "http://schemas.microsoft.com/2003/10/Serialization/"
	nsSOAP12        = "http://www.w3.org/2003/05/soap-envelope"
	nsWSA           = "http://www.w3.org/2005/08/addressing"
	nsBroker        = "http://www.microsoft.com/hpc"
	nsTempuri       = "http://tempuri.org/"
)

// KeyValue is one item of an HpcWebServiceFault's Values.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Fault is the HpcWebServiceFault body (spec §1.5) as the emulator writes
// it; JSON field names are Code, Message, Values.
type Fault struct {
	Code    int        `json:"Code"`
	Message string     `json:"Message"`
	Values  []KeyValue `json:"Values"`
}

// apiError is an error response to write: an HTTP status plus a fault.
type apiError struct {
	status int
	fault  Fault
	header map[string]string // extra response headers (WWW-Authenticate, Allow)
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d 0x%08X %s", e.status, e.fault.Code, e.fault.Message)
}

// newFault builds an error; kv are Values pairs (key, value, ...).
func newFault(status, code int, msg string, kv ...string) *apiError {
	e := &apiError{status: status, fault: Fault{Code: code, Message: msg}}
	for i := 0; i+1 < len(kv); i += 2 {
		e.fault.Values = append(e.fault.Values, KeyValue{Key: kv[i], Value: kv[i+1]})
	}
	return e
}

// argError is a 400 ArgumentError fault.
func argError(format string, args ...any) *apiError {
	return newFault(http.StatusBadRequest, CodeArgumentError, fmt.Sprintf(format, args...))
}

// faultXML renders the fault in DataContract XML.
func (f Fault) faultXML() []byte {
	var b strings.Builder
	b.WriteString(`<HpcWebServiceFault xmlns="` + nsCommon + `" xmlns:i="` + nsXSI + `"><Code>`)
	fmt.Fprint(&b, f.Code)
	b.WriteString(`</Code><Message>`)
	b.WriteString(escapeText(f.Message))
	b.WriteString(`</Message>`)
	if f.Values == nil {
		b.WriteString(`<Values i:nil="true" xmlns:a="` + nsGeneric + `"/>`)
	} else {
		b.WriteString(`<Values xmlns:a="` + nsGeneric + `">`)
		for _, kv := range f.Values {
			b.WriteString(`<a:KeyValuePairOfstringstring><a:key>`)
			b.WriteString(escapeText(kv.Key))
			b.WriteString(`</a:key><a:value>`)
			b.WriteString(escapeText(kv.Value))
			b.WriteString(`</a:value></a:KeyValuePairOfstringstring>`)
		}
		b.WriteString(`</Values>`)
	}
	b.WriteString(`</HpcWebServiceFault>`)
	return []byte(b.String())
}

// wantsJSON reports whether the Accept header asks for JSON: the first of
// application/json and application/xml (also text/json, text/xml) listed
// wins, q-values are ignored, XML is the default.
func wantsJSON(r *http.Request) bool {
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/json", "text/json":
			return true
		case "application/xml", "text/xml":
			return false
		}
	}
	return false
}

// writeFault writes e as an HpcWebServiceFault in XML or, with Accept:
// application/json, JSON.
func writeFault(w http.ResponseWriter, r *http.Request, e *apiError) {
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	if wantsJSON(r) {
		b, _ := json.Marshal(e.fault)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(e.status)
		_, _ = w.Write(b)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(e.status)
	_, _ = w.Write(e.fault.faultXML())
}

// injectedFault is the fault body of an injected status (emulator fault
// injection): UnknownError with a message naming the condition.
func injectedFault(status int) *apiError {
	msg := http.StatusText(status)
	switch status {
	case http.StatusServiceUnavailable:
		msg = "The service is temporarily unavailable. Please retry the request."
	case http.StatusInternalServerError:
		msg = "The server encountered an internal error. Please retry the request."
	case http.StatusTooManyRequests:
		msg = "Too many requests. Please retry the request later."
	}
	if msg == "" {
		msg = fmt.Sprintf("HTTP status %d", status)
	}
	return newFault(status, CodeUnknownError, msg)
}
