package hpcsoa

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// Wire constants of Send Requests.
const (
	messageArrayElement = "HPCServer2008_WebAPI_MessageArray"
	nsSOAP12            = "http://www.w3.org/2003/05/soap-envelope"
	nsAddressing        = "http://www.w3.org/2005/08/addressing"
	nsHPC               = "http://www.microsoft.com/hpc"
	userDataHeader      = "HPCServer2008_Broker_UserDataNS"
	envelopeStart       = `<s:Envelope xmlns:s="` + nsSOAP12 + `" xmlns:a="` + nsAddressing + `"><s:Header><a:Action s:mustUnderstand="1">`
	genericFieldSep     = "\uFFFF"
	genericRecordSep    = "\x00"
)

type bufWriter = bufio.Writer

// writeXMLBatch writes the non-generic body: one SOAP 1.2 envelope per request inside
// <HPCServer2008_WebAPI_MessageArray>. Bodies are written verbatim (checked beforehand).
func writeXMLBatch(w *bufWriter, requests []Request) error {
	out := &stickyWriter{w: w}
	out.str("<" + messageArrayElement + ">")
	for i := range requests {
		r := &requests[i]
		out.str(envelopeStart)
		out.text(r.Action)
		out.str("</a:Action><a:MessageID>")
		out.text(r.MessageID)
		out.str("</a:MessageID>")
		if r.UserData != "" {
			out.str("<" + userDataHeader + ` xmlns="` + nsHPC + `">`)
			out.text(r.UserData)
			out.str("</" + userDataHeader + ">")
		}
		out.str("</s:Header><s:Body>", r.Body, "</s:Body></s:Envelope>")
		if out.err != nil {
			return out.err // the reader is gone: stop writing
		}
	}
	out.str("</" + messageArrayElement + ">")
	return out.err
}

// stickyWriter writes to w until a write fails, and keeps that first error, so a body is
// written piece by piece and checked once per request.
type stickyWriter struct {
	w   *bufWriter
	err error
}

// str writes ss in order.
func (s *stickyWriter) str(ss ...string) {
	for _, x := range ss {
		if s.err == nil {
			_, s.err = s.w.WriteString(x)
		}
	}
}

// text writes t as XML character data.
func (s *stickyWriter) text(t string) {
	if s.err == nil {
		s.err = xml.EscapeText(s.w, []byte(t))
	}
}

// writeGenericBatch writes the generic-service body: input U+FFFF userdata U+0000 per request,
// in UTF-8.
func writeGenericBatch(w *bufWriter, requests []Request) error {
	out := &stickyWriter{w: w}
	for i := range requests {
		out.str(requests[i].Body, genericFieldSep, requests[i].UserData, genericRecordSep)
		if out.err != nil {
			return out.err
		}
	}
	return nil
}

// streamBody is a request body produced on the fly by a goroutine writing into a pipe. The
// goroutine starts at the first Read, so a body that is never read costs nothing, and it ends
// when the body is closed or the context is done.
type streamBody struct {
	ctx   context.Context
	write func(*bufWriter) error
	once  sync.Once
	pr    *io.PipeReader
	pw    *io.PipeWriter
	stop  func() bool
}

var errBodyClosed = errors.New("request body closed")

func newStreamBody(ctx context.Context, write func(*bufWriter) error) *streamBody {
	pr, pw := io.Pipe()
	b := &streamBody{ctx: ctx, write: write, pr: pr, pw: pw}
	b.stop = context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	return b
}

func (b *streamBody) start() {
	go func() {
		w := bufio.NewWriterSize(b.pw, 32<<10)
		err := b.write(w)
		if err == nil {
			err = w.Flush()
		}
		b.pw.CloseWithError(err) // nil: EOF for the reader
	}()
}

func (b *streamBody) Read(p []byte) (int, error) {
	b.once.Do(b.start)
	return b.pr.Read(p)
}

func (b *streamBody) Close() error {
	b.stop()
	b.once.Do(func() {}) // a body closed before any Read never starts its goroutine
	return b.pr.CloseWithError(errBodyClosed)
}

// prepareRequests checks every request and fills in missing message ids.
func prepareRequests(generic bool, requests []Request) error {
	seen := make(map[string]int, len(requests))
	for i := range requests {
		r := &requests[i]
		fail := func(format string, args ...any) error {
			return &RequestError{Index: i, Err: fmt.Errorf(format, args...)}
		}
		if n := utf8.RuneCountInString(r.UserData); n > MaxUserDataLength {
			return fail("user data is %d characters long; at most %d are allowed", n, MaxUserDataLength)
		}
		if generic {
			if !utf8.ValidString(r.Body) || !utf8.ValidString(r.UserData) {
				return fail("body and user data must be valid UTF-8")
			}
			if strings.ContainsAny(r.Body, genericFieldSep+genericRecordSep) {
				return fail("a generic-service body must not contain U+FFFF or U+0000 (the format's separators)")
			}
			if strings.ContainsAny(r.UserData, genericFieldSep+genericRecordSep) {
				return fail("user data must not contain U+FFFF or U+0000 (the generic format's separators)")
			}
			continue
		}
		if strings.TrimSpace(r.Action) == "" {
			return fail("action is required (e.g. http://tempuri.org/IEchoSvc/Echo)")
		}
		if err := checkXMLText(r.Action); err != nil {
			return fail("action: %v", err)
		}
		if err := checkXMLText(r.UserData); err != nil {
			return fail("user data: %v", err)
		}
		if r.MessageID == "" {
			r.MessageID = NewMessageID()
		} else if !validMessageID(r.MessageID) {
			return fail("message id %s is not urn:uuid:<guid>", quote(r.MessageID))
		}
		if j, dup := seen[strings.ToLower(r.MessageID)]; dup {
			return fail("message id %s is also used by request %d", r.MessageID, j)
		}
		seen[strings.ToLower(r.MessageID)] = i
		if err := checkBodyXML(r.Body); err != nil {
			return fail("body: %v", err)
		}
	}
	return nil
}

// validMessageID accepts urn:uuid: followed by a GUID in 8-4-4-4-12 hex form.
func validMessageID(id string) bool {
	const prefix = "urn:uuid:"
	if len(id) != len(prefix)+36 || !strings.EqualFold(id[:len(prefix)], prefix) {
		return false
	}
	for i, c := range id[len(prefix):] {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// checkXMLText rejects text that XML 1.0 cannot carry (invalid UTF-8 or control characters
// other than tab, line feed and carriage return), which an encoder would otherwise replace.
func checkXMLText(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
		}
		if !isXMLChar(r) {
			return fmt.Errorf("character %U at byte %d is not allowed in XML", r, i)
		}
	}
	return nil
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// checkBodyXML makes sure a body placed verbatim into s:Body cannot corrupt the message array:
// well-formed, exactly one root element, no DOCTYPE or processing instruction, and every
// namespace prefix declared inside the body itself.
func checkBodyXML(body string) error {
	if strings.TrimSpace(body) == "" {
		return errors.New("is empty; a non-generic request needs the operation element, e.g. <Echo xmlns=\"http://tempuri.org/\">...</Echo>")
	}
	if !utf8.ValidString(body) {
		return errors.New("is not valid UTF-8")
	}
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = true
	var stack []xml.Name
	var scopes []map[string]bool
	declared := func(prefix string) bool {
		if prefix == "" || prefix == "xml" || prefix == "xmlns" {
			return true
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			if scopes[i][prefix] {
				return true
			}
		}
		return false
	}
	roots := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				roots++
				if roots > 1 {
					return fmt.Errorf("has more than one root element (<%s> follows the first); put one operation element in the body", qname(t.Name))
				}
			}
			scope := map[string]bool{}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					scope[a.Name.Local] = true
				}
			}
			scopes = append(scopes, scope)
			if !declared(t.Name.Space) {
				return fmt.Errorf("uses the namespace prefix %q (in <%s>) without declaring it in the body", t.Name.Space, qname(t.Name))
			}
			for _, a := range t.Attr {
				if !declared(a.Name.Space) {
					return fmt.Errorf("uses the namespace prefix %q (attribute %s) without declaring it in the body", a.Name.Space, qname(a.Name))
				}
			}
			stack = append(stack, t.Name)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != t.Name {
				return fmt.Errorf("is not well-formed XML: unexpected </%s>", qname(t.Name))
			}
			stack = stack[:len(stack)-1]
			scopes = scopes[:len(scopes)-1]
		case xml.CharData:
			if len(stack) == 0 && len(strings.TrimSpace(string(t))) > 0 {
				return errors.New("has text outside the root element")
			}
		case xml.ProcInst:
			return fmt.Errorf("must not contain a processing instruction or XML declaration (<?%s ...?>)", t.Target)
		case xml.Directive:
			return errors.New("must not contain a DOCTYPE or other directive")
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("is not well-formed XML: <%s> is not closed", qname(stack[len(stack)-1]))
	}
	if roots == 0 {
		return errors.New("has no element; a non-generic request needs the operation element")
	}
	return nil
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
