package hpcpack

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/internal/servicekit"
)

// escapeText escapes s for XML character data and attribute values
// (quotes included).
func escapeText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func writeXML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	servicekit.WriteJSON(w, status, "application/json; charset=utf-8", v)
}

// version is a System.Version; build and revision are -1 when undefined.
type version struct {
	major, minor, build, revision int
}

// parseVersion reads "major.minor[.build[.revision]]" (System.Version.Parse).
func parseVersion(s string) (version, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) < 2 || len(parts) > 4 {
		return version{}, fmt.Errorf("version %q must have the form major.minor[.build[.revision]]", s)
	}
	v := version{build: -1, revision: -1}
	dst := []*int{&v.major, &v.minor, &v.build, &v.revision}
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil || n < 0 {
			return version{}, fmt.Errorf("version %q must have the form major.minor[.build[.revision]] with non-negative numbers", s)
		}
		*dst[i] = int(n)
	}
	return v, nil
}

// String formats the version as System.Version.ToString does.
func (v version) String() string {
	s := strconv.Itoa(v.major) + "." + strconv.Itoa(v.minor)
	if v.build >= 0 {
		s += "." + strconv.Itoa(v.build)
		if v.revision >= 0 {
			s += "." + strconv.Itoa(v.revision)
		}
	}
	return s
}

// matches compares versions treating undefined components as 0.
func (v version) matches(o version) bool {
	z := func(n int) int { return max(n, 0) }
	return v.major == o.major && v.minor == o.minor && z(v.build) == z(o.build) && z(v.revision) == z(o.revision)
}

func (v version) valid() error {
	if v.major < 0 || v.minor < 0 || v.build < -1 || v.revision < -1 || (v.build == -1 && v.revision != -1) {
		return fmt.Errorf("ServiceVersion %d.%d.%d.%d is not a valid System.Version", v.major, v.minor, v.build, v.revision)
	}
	return nil
}

// versionXML renders a System.Version's DataContract members (prefix a:
// bound to the System namespace by the caller).
func (v version) xmlMembers() string {
	return fmt.Sprintf("<a:_Build>%d</a:_Build><a:_Major>%d</a:_Major><a:_Minor>%d</a:_Minor><a:_Revision>%d</a:_Revision>",
		v.build, v.major, v.minor, v.revision)
}

// xmlIsNil reports whether the element carries i:nil="true".
func xmlIsNil(t xml.StartElement) bool {
	for _, a := range t.Attr {
		if a.Name.Space == nsXSI && a.Name.Local == "nil" {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

var errNotText = errors.New("must hold text only, not child elements")

// readText reads the character data of the element just started, up to
// its end element; a child element is an error.
func readText(dec *xml.Decoder) (string, error) {
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			return "", errNotText
		case xml.EndElement:
			return b.String(), nil
		}
	}
}

// nextStart returns the first start element, skipping the prolog
// (declaration, comments, whitespace).
func nextStart(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return xml.StartElement{}, errors.New("the document is empty")
			}
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return xml.StartElement{}, errors.New("text before the root element")
			}
		case xml.EndElement:
			return xml.StartElement{}, errors.New("unexpected end element")
		}
	}
}

// expectEOF checks that only whitespace, comments and processing
// instructions follow the root element.
func expectEOF(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return errors.New("content after the root element")
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return errors.New("text after the root element")
			}
		}
	}
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

func isSpace(b []byte) bool { return strings.TrimSpace(string(b)) == "" }

var messageIDRe = regexp.MustCompile(`^(?i:urn:uuid:)[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Body redaction for the request log.
var (
	xmlPasswordRe  = regexp.MustCompile(`(?s)(<(?:[A-Za-z_][\w.-]*:)?Password\b[^>]*[^/]>|<(?:[A-Za-z_][\w.-]*:)?Password>)(.*?)(</(?:[A-Za-z_][\w.-]*:)?Password\s*>|$)`)
	jsonPasswordRe = regexp.MustCompile(`(?i)("Password"\s*:\s*")((?:[^"\\]|\\.)*\\?)("|$)`)
)

// RedactBody replaces the run-as password in a recorded request body
// (<Password>…</Password> in XML, "Password":"…" in JSON) by ***; a
// password cut off by the recording limit is redacted to the end of the
// body. Send Requests bodies (Content-Type application/octet-stream) are
// returned unchanged. The emulator calls it for the request log; the
// request itself is not changed.
func (s *Service) RedactBody(r *http.Request, body []byte) []byte {
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/octet-stream") {
		return body
	}
	out := xmlPasswordRe.ReplaceAll(body, []byte("${1}***${3}"))
	out = jsonPasswordRe.ReplaceAll(out, []byte(`${1}***${3}`))
	return out
}
