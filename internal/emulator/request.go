package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxRecordedBody is how much of a request body a Request keeps.
const MaxRecordedBody = 64 << 10

// Request is the record of one request an emulated service received.
type Request struct {
	Seq     int64       // 1-based, in arrival order over all services
	Time    time.Time   // emulator clock at arrival
	Service string      // service name, e.g. "azurebatch"
	Host    string      // the Host the client called, e.g. "127.0.0.1:PORT" (tells an HPC Pack head node from its broker)
	Method  string      // HTTP method
	Path    string      // escaped path as received
	Query   string      // raw query as received
	Header  http.Header // copy, with credentials redacted (see RedactAuthorization)
	Body    []byte      // first MaxRecordedBody bytes of the body
	Status  int         // status written; 0 for a lost response
	Fault   string      // "" or the injected fault: "429", "500", "503", "lost", "malformed:html" (see MalformedShape), "latency", "latency,503", ...
}

// String returns the one-line text form used for the request log, e.g.
//
//	2026-11-22T12:00:01Z azurebatch DELETE /jobs/j1/tasks/t1?api-version=2024-07-01.20.0 -> 200
//
// followed by " (fault: 503)" when a fault was injected; a lost response shows
// as "-> lost".
func (r Request) String() string {
	var b strings.Builder
	b.WriteString(r.Time.UTC().Format(time.RFC3339))
	b.WriteByte(' ')
	b.WriteString(r.Service)
	b.WriteByte(' ')
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(r.Path)
	if r.Query != "" {
		b.WriteByte('?')
		b.WriteString(r.Query)
	}
	b.WriteString(" -> ")
	if r.Status == 0 {
		b.WriteString("lost")
	} else {
		fmt.Fprint(&b, r.Status)
	}
	if r.Fault != "" {
		b.WriteString(" (fault: ")
		b.WriteString(r.Fault)
		b.WriteByte(')')
	}
	return b.String()
}

type requestJSON struct {
	Seq        int64       `json:"seq"`
	Time       time.Time   `json:"time"`
	Service    string      `json:"service"`
	Host       string      `json:"host,omitempty"`
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Query      string      `json:"query,omitempty"`
	Header     http.Header `json:"header,omitempty"`
	Body       *string     `json:"body,omitempty"`
	BodyBase64 []byte      `json:"bodyBase64,omitempty"`
	Status     int         `json:"status"`
	Fault      string      `json:"fault,omitempty"`
}

// MarshalJSON writes the request with lower-case field names; the body is a
// string when it is valid UTF-8 ("body") and base64 otherwise ("bodyBase64").
func (r Request) MarshalJSON() ([]byte, error) {
	j := requestJSON{Seq: r.Seq, Time: r.Time, Service: r.Service, Host: r.Host, Method: r.Method, Path: r.Path,
		Query: r.Query, Header: r.Header, Status: r.Status, Fault: r.Fault}
	if len(r.Body) > 0 {
		if utf8.Valid(r.Body) {
			s := string(r.Body)
			j.Body = &s
		} else {
			j.BodyBase64 = r.Body
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (r *Request) UnmarshalJSON(b []byte) error {
	var j requestJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Request{Seq: j.Seq, Time: j.Time, Service: j.Service, Host: j.Host, Method: j.Method, Path: j.Path,
		Query: j.Query, Header: j.Header, Status: j.Status, Fault: j.Fault, Body: j.BodyBase64}
	if j.Body != nil {
		r.Body = []byte(*j.Body)
	}
	return nil
}

// secretHeaders are removed from recorded headers (value replaced by "***").
var secretHeaders = []string{"Proxy-Authorization", "X-Security-Token", "Cookie", "Set-Cookie", "Ocp-Apim-Subscription-Key"}

// redactHeader returns a copy of h with credentials redacted.
func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	if vs, ok := out["Authorization"]; ok {
		red := make([]string, len(vs))
		for i, v := range vs {
			red[i] = RedactAuthorization(v)
		}
		out["Authorization"] = red
	}
	for _, name := range secretHeaders {
		if vs, ok := out[name]; ok {
			red := make([]string, len(vs))
			for i := range vs {
				red[i] = "***"
			}
			out[name] = red
		}
	}
	return out
}

// RedactAuthorization reduces an Authorization header value to its scheme and
// the account or key id it names, never the secret part:
//
//	SharedKey acct:c2lnbmF0dXJl                     -> SharedKey acct:***
//	Bearer eyJ0eXAi...                              -> Bearer ***
//	Basic QUxJQ0U6cGFzc3dvcmQ=                      -> Basic ALICE:***
//	SDK-HMAC-SHA256 Access=AK, SignedHeaders=h, Signature=s -> SDK-HMAC-SHA256 Access=AK, SignedHeaders=h, Signature=***
//	anything else                                   -> <scheme> ***
func RedactAuthorization(v string) string {
	v = strings.TrimSpace(v)
	scheme, rest, _ := strings.Cut(v, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "":
		return ""
	case "sharedkey", "sharedkeylite":
		if acct, _, ok := strings.Cut(rest, ":"); ok {
			return scheme + " " + acct + ":***"
		}
		return scheme + " ***"
	case "basic":
		if raw, err := base64.StdEncoding.DecodeString(rest); err == nil {
			if user, _, ok := strings.Cut(string(raw), ":"); ok && utf8.ValidString(user) {
				return scheme + " " + user + ":***"
			}
		}
		return scheme + " ***"
	case "sdk-hmac-sha256":
		parts := strings.Split(rest, ",")
		for i, p := range parts {
			k, _, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "Signature") {
				parts[i] = " Signature=***"
				if i == 0 {
					parts[i] = "Signature=***"
				}
			}
		}
		return scheme + " " + strings.Join(parts, ",")
	default:
		return scheme + " ***"
	}
}
