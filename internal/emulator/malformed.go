package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
)

// MalformedShape is the kind of a malformed answer (see Faults.MalformedRate
// and FaultRule.Malformed). The service has handled the request before the
// answer is replaced, so the work is done whatever the client makes of it.
type MalformedShape string

// The malformed answer shapes. "Format" below is the answer's: JSON or XML
// by its Content-Type, else by its first byte.
const (
	// MalformedTruncated is the real answer cut in half, with its status
	// and headers (Content-Length fitted).
	MalformedTruncated MalformedShape = "truncated"
	// MalformedHTML is a proxy's HTML error page with status 200 and
	// Content-Type text/html.
	MalformedHTML MalformedShape = "html"
	// MalformedEmpty is status 200 with the real headers and no body.
	MalformedEmpty MalformedShape = "empty"
	// MalformedWrongTypes keeps the real status and headers; in a JSON body
	// every string becomes the number 12, every number an empty array and
	// every boolean a string ({"id":12,"state":12}; an answer without a JSON
	// body becomes {"id":12,"state":[]}); in an XML body the text of every
	// element becomes "not-a-number".
	MalformedWrongTypes MalformedShape = "wrong-types"
	// MalformedBroken keeps the real status and headers and breaks the
	// body's syntax: in XML the first end tag no longer matches its start
	// tag (so a reader that stops early sees it too), in JSON the first ':'
	// becomes ';' (or, without one, the body is preceded by '{').
	MalformedBroken MalformedShape = "broken"
)

// MalformedShapes lists the shapes, in the order a random draw picks them.
var MalformedShapes = []MalformedShape{MalformedTruncated, MalformedHTML, MalformedEmpty, MalformedWrongTypes, MalformedBroken}

func (s MalformedShape) valid() bool {
	for _, m := range MalformedShapes {
		if s == m || s == "" {
			return true
		}
	}
	return false
}

func shapeList() string {
	names := make([]string, len(MalformedShapes))
	for i, m := range MalformedShapes {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

// drawShape picks a shape from a draw in [0, 1).
func drawShape(x float64) MalformedShape {
	i := int(x * float64(len(MalformedShapes)))
	return MalformedShapes[min(max(i, 0), len(MalformedShapes)-1)]
}

// proxyPage is what a reverse proxy or captive portal answers in place of the
// service: an HTML page, with status 200.
const proxyPage = `<!DOCTYPE html>
<html>
<head><title>Service temporarily unavailable</title></head>
<body>
<h1>Service temporarily unavailable</h1>
<p>The upstream server did not answer in time. Please try again later.</p>
<hr><address>edge-proxy</address>
</body>
</html>
`

// malform returns the status, headers and body that replace a real answer.
func malform(shape MalformedShape, status int, header http.Header, body []byte) (int, http.Header, []byte) {
	h := header.Clone()
	h.Del("Content-Length")
	switch shape {
	case MalformedTruncated:
		return status, h, bytes.Clone(body[:len(body)/2])
	case MalformedHTML:
		return http.StatusOK, http.Header{"Content-Type": {"text/html; charset=utf-8"}}, []byte(proxyPage)
	case MalformedEmpty:
		return http.StatusOK, h, nil
	case MalformedWrongTypes:
		if isXML(header, body) {
			return status, h, xmlText.ReplaceAll(body, []byte(">not-a-number<"))
		}
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json")
		}
		return status, h, mistypeJSON(body)
	case MalformedBroken:
		if isXML(header, body) {
			return status, h, breakXML(body)
		}
		if i := bytes.IndexByte(body, ':'); i >= 0 {
			out := bytes.Clone(body)
			out[i] = ';'
			return status, h, out
		}
		return status, h, append([]byte("{"), body...)
	}
	return status, h, body
}

// xmlText matches the text of an element (at least one non-space character
// between a '>' and the next '<').
var xmlText = regexp.MustCompile(`>[^<>]*[^<>\s][^<>]*<`)

func isXML(header http.Header, body []byte) bool {
	ct := strings.ToLower(header.Get("Content-Type"))
	switch {
	case strings.Contains(ct, "json"):
		return false
	case strings.Contains(ct, "xml"):
		return true
	}
	return bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n\xef\xbb\xbf"), []byte("<"))
}

// mistypeJSON gives every value of a JSON body a wrong type.
func mistypeJSON(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if len(bytes.TrimSpace(body)) == 0 || dec.Decode(&v) != nil {
		return []byte(`{"id":12,"state":[]}`)
	}
	out, err := json.Marshal(mistype(v))
	if err != nil {
		return []byte(`{"id":12,"state":[]}`)
	}
	return out
}

func mistype(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = mistype(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = mistype(e)
		}
		return x
	case string:
		return 12
	case json.Number:
		return []any{}
	case bool:
		return "yes"
	}
	return v
}

// endTag matches an end tag.
var endTag = regexp.MustCompile(`</([^<>\s]+)\s*>`)

// breakXML makes the first end tag not match its start tag; a body without an
// end tag gets an unclosed one.
func breakXML(body []byte) []byte {
	if m := endTag.FindSubmatchIndex(body); m != nil {
		out := bytes.Clone(body[:m[3]])
		out = append(out, "-broken>"...)
		return append(out, body[m[1]:]...)
	}
	return append(bytes.Clone(body), "<broken"...)
}
