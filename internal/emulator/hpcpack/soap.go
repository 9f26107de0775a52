package hpcpack

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Broker header names (spec §2.6: the runtime's HPCServer2008_* spelling;
// the docs' HPCPack2008_* spelling is accepted too).
const (
	hdrUserData       = "HPCServer2008_Broker_UserDataNS"
	hdrClientID       = "HPCServer2008_Broker_ClientIdNS"
	hdrRequestAction  = "HPCServer2008_Broker_RequestActionNS"
	hdrCallbackID     = "HPCServer2008_Broker_ResponseCallbackId"
	docsHdrUserData   = "HPCPack2008_Broker_UserDataNS"
	docsHdrClientID   = "HPCPack2008_Broker_ClientIdNS"
	messageArrayRoot  = "HPCServer2008_WebAPI_MessageArray"
	endOfGetResponse  = "http://hpc.microsoft.com/EndOfGetResponse"
	genericAction     = "http://hpc.microsoft.com/GenericService/IGenericService/GenericOperation"
	anonymousAddress  = "http://www.w3.org/2005/08/addressing/anonymous"
	maxUserDataLength = 1024
)

// Generic-service separators (spec §2.6, §2.9).
const (
	genericFieldSep  = "\uFFFF"
	genericRecordEnd = "\u0000"
)

// soaRequest is one stored request.
type soaRequest struct {
	messageID   string
	generatedID bool
	action      string
	userData    string
	hasUserData bool
	body        string // non-generic: the operation element as sent; generic: the input text
	opName      string
	opNS        string
	input       string // the echo input: text of the operation's first child element, or the generic input
}

func (q *soaRequest) replyAction() string { return q.action + "Response" }

// recReader is the decoder's byte source; it keeps the bytes read since
// the last trim so that the raw text of an element can be cut out by
// input offsets.
type recReader struct {
	r    *bufio.Reader
	buf  []byte
	base int64 // input offset of buf[0]
	hold bool  // do not trim
}

func (rr *recReader) ReadByte() (byte, error) {
	b, err := rr.r.ReadByte()
	if err != nil {
		return 0, err
	}
	if !rr.hold && len(rr.buf) >= 8192 {
		const keep = 64
		n := len(rr.buf) - keep
		copy(rr.buf, rr.buf[n:])
		rr.buf = rr.buf[:keep]
		rr.base += int64(n)
	}
	rr.buf = append(rr.buf, b)
	return b, nil
}

func (rr *recReader) Read(p []byte) (int, error) {
	for i := range p {
		b, err := rr.ReadByte()
		if err != nil {
			return i, err
		}
		p[i] = b
	}
	return len(p), nil
}

func (rr *recReader) slice(from, to int64) string {
	if from < rr.base || to-rr.base > int64(len(rr.buf)) || from > to {
		return ""
	}
	return string(rr.buf[from-rr.base : to-rr.base])
}

type envelopeParser struct {
	dec   *xml.Decoder
	rr    *recReader
	batch string
}

// parseEnvelopes decodes a Send Requests body (root element of any name
// holding SOAP 1.2 envelopes) as a stream, envelope by envelope.
func parseEnvelopes(body io.Reader, batch string) ([]*soaRequest, *apiError) {
	rr := &recReader{r: bufio.NewReaderSize(body, 64<<10)}
	p := &envelopeParser{dec: xml.NewDecoder(rr), rr: rr, batch: batch}
	malformed := func(n int, err error) *apiError {
		if n > 0 {
			return argError("The request body is not a valid message array: envelope %d: %v.", n, err)
		}
		return argError("The request body is not a valid message array: %v.", err)
	}
	if _, err := nextStart(p.dec); err != nil {
		return nil, malformed(0, err)
	}
	var out []*soaRequest
	for {
		tok, err := p.dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("unexpected end of the body (the root element is not closed)")
			}
			return nil, malformed(len(out)+1, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != nsSOAP12 || t.Name.Local != "Envelope" {
				return nil, malformed(len(out)+1, fmt.Errorf("unexpected element %s; the root must hold SOAP 1.2 Envelope elements (namespace %s)", qname(t.Name), nsSOAP12))
			}
			q, e := p.envelope(len(out) + 1)
			if e != nil {
				return nil, e
			}
			out = append(out, q)
		case xml.EndElement:
			if err := expectEOF(p.dec); err != nil {
				return nil, malformed(0, err)
			}
			return out, nil
		case xml.CharData:
			if !isSpace(t) {
				return nil, malformed(len(out)+1, errors.New("text between envelopes"))
			}
		}
	}
}

func (p *envelopeParser) envelope(n int) (*soaRequest, *apiError) {
	bad := func(format string, args ...any) *apiError {
		return argError("The request body is not a valid message array: envelope %d: %s.", n, fmt.Sprintf(format, args...))
	}
	q := &soaRequest{}
	haveHeader, haveBody := false, false
	for {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, bad("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Space == nsSOAP12 && t.Name.Local == "Header":
				if haveHeader || haveBody {
					return nil, bad("s:Header must come once, before s:Body")
				}
				haveHeader = true
				if e := p.header(q, n); e != nil {
					return nil, e
				}
			case t.Name.Space == nsSOAP12 && t.Name.Local == "Body":
				if haveBody {
					return nil, bad("more than one s:Body")
				}
				haveBody = true
				if e := p.body(q, n); e != nil {
					return nil, e
				}
			default:
				return nil, bad("unexpected element %s in s:Envelope", qname(t.Name))
			}
		case xml.EndElement:
			if !haveBody {
				return nil, bad("the envelope has no s:Body")
			}
			if strings.TrimSpace(q.action) == "" {
				return nil, bad("the envelope has no a:Action header (namespace %s)", nsWSA)
			}
			return q, nil
		case xml.CharData:
			if !isSpace(t) {
				return nil, bad("text in s:Envelope")
			}
		}
	}
}

func (p *envelopeParser) header(q *soaRequest, n int) *apiError {
	bad := func(format string, args ...any) *apiError {
		return argError("The request body is not a valid message array: envelope %d: %s.", n, fmt.Sprintf(format, args...))
	}
	for {
		tok, err := p.dec.Token()
		if err != nil {
			return bad("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			ns, local := t.Name.Space, t.Name.Local
			switch {
			case ns == nsWSA && local == "Action":
				v, err := readText(p.dec)
				if err != nil {
					return bad("a:Action %v", err)
				}
				q.action = strings.TrimSpace(v)
			case ns == nsWSA && local == "MessageID":
				v, err := readText(p.dec)
				if err != nil {
					return bad("a:MessageID %v", err)
				}
				v = strings.TrimSpace(v)
				if !messageIDRe.MatchString(v) {
					return bad("a:MessageID '%s' is not of the form urn:uuid:<GUID>", v)
				}
				q.messageID = v
			case ns == nsBroker && (local == hdrUserData || local == docsHdrUserData):
				v, err := readText(p.dec)
				if err != nil {
					return bad("%s %v", local, err)
				}
				if utf8.RuneCountInString(v) > maxUserDataLength {
					return bad("the user data header is longer than %d characters", maxUserDataLength)
				}
				q.userData, q.hasUserData = v, true
			case ns == nsBroker && (local == hdrClientID || local == docsHdrClientID):
				v, err := readText(p.dec)
				if err != nil {
					return bad("%s %v", local, err)
				}
				if v != p.batch {
					return newFault(http.StatusBadRequest, CodeBrokerClientIDNotMatch,
						fmt.Sprintf("Envelope %d names the batch '%s' in its %s header, but the request URI names '%s'.", n, v, local, p.batch),
						"BatchName", p.batch)
				}
			default:
				if err := p.dec.Skip(); err != nil {
					return bad("%v", err)
				}
			}
		case xml.EndElement:
			return nil
		}
	}
}

func (p *envelopeParser) body(q *soaRequest, n int) *apiError {
	bad := func(format string, args ...any) *apiError {
		return argError("The request body is not a valid message array: envelope %d: %s.", n, fmt.Sprintf(format, args...))
	}
	p.rr.hold = true
	defer func() { p.rr.hold = false }()
	found := false
	for {
		off := p.dec.InputOffset()
		tok, err := p.dec.Token()
		if err != nil {
			return bad("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if found {
				return bad("s:Body must hold exactly one operation element")
			}
			found = true
			q.opName, q.opNS = t.Name.Local, t.Name.Space
			input, err := firstChildText(p.dec)
			if err != nil {
				return bad("%v", err)
			}
			q.input = input
			q.body = p.rr.slice(off, p.dec.InputOffset())
		case xml.EndElement:
			if !found {
				return bad("s:Body holds no operation element")
			}
			return nil
		case xml.CharData:
			if !isSpace(t) {
				return bad("text in s:Body")
			}
		}
	}
}

// firstChildText reads the operation element just started up to its end
// and returns the character data of its first child element.
func firstChildText(dec *xml.Decoder) (string, error) {
	var b strings.Builder
	depth := 0
	state := 0 // 0: before the first child, 1: inside it, 2: after it
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 && state == 0 {
				state = 1
			}
		case xml.EndElement:
			if depth == 0 {
				return b.String(), nil
			}
			if depth == 1 && state == 1 {
				state = 2
			}
			depth--
		case xml.CharData:
			if state == 1 {
				b.Write(t)
			}
		}
	}
}

// parseGeneric decodes a generic-service body: UTF-8 text [I: the spec
// leaves UTF-8 or UTF-16 open], records "input \uFFFF userdata \u0000".
func parseGeneric(body io.Reader) ([]*soaRequest, *apiError) {
	br := bufio.NewReaderSize(body, 64<<10)
	var out []*soaRequest
	for n := 1; ; n++ {
		rec, err := br.ReadBytes(0)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, argError("The request body could not be read: %v.", err)
		}
		if errors.Is(err, io.EOF) {
			if len(rec) == 0 {
				return out, nil
			}
			return nil, argError("The generic request body is malformed: request %d is not terminated by \\u0000.", n)
		}
		rec = rec[:len(rec)-1]
		if n == 1 {
			if bytes.HasPrefix(rec, []byte{0xFF, 0xFE}) || bytes.HasPrefix(rec, []byte{0xFE, 0xFF}) {
				return nil, argError("The generic request body looks like UTF-16; the emulator expects UTF-8 text.")
			}
			rec = bytes.TrimPrefix(rec, []byte("\uFEFF"))
		}
		if !utf8.Valid(rec) {
			return nil, argError("The generic request body is malformed: request %d is not valid UTF-8 text.", n)
		}
		in, ud, ok := strings.Cut(string(rec), genericFieldSep)
		if !ok {
			return nil, argError("The generic request body is malformed: request %d has no \\uFFFF separator between input and user data.", n)
		}
		if strings.Contains(ud, genericFieldSep) {
			return nil, argError("The generic request body is malformed: request %d has more than one \\uFFFF separator.", n)
		}
		if utf8.RuneCountInString(ud) > maxUserDataLength {
			return nil, argError("The generic request body is malformed: the user data of request %d is longer than %d characters.", n, maxUserDataLength)
		}
		out = append(out, &soaRequest{action: genericAction, userData: ud, hasUserData: ud != "", body: in, input: in})
	}
}

// writeEnvelope writes the SOAP 1.2 response envelope of one echo reply.
func writeEnvelope(w io.Writer, q *soaRequest, clientData string) {
	var b strings.Builder
	b.WriteString(`<s:Envelope xmlns:s="` + nsSOAP12 + `" xmlns:a="` + nsWSA + `"><s:Header>`)
	b.WriteString(`<a:Action s:mustUnderstand="1">` + escapeText(q.replyAction()) + `</a:Action>`)
	b.WriteString(`<a:RelatesTo>` + escapeText(q.messageID) + `</a:RelatesTo>`)
	b.WriteString(`<a:To s:mustUnderstand="1">` + anonymousAddress + `</a:To>`)
	b.WriteString(`<` + hdrRequestAction + ` xmlns="` + nsBroker + `">` + escapeText(q.action) + `</` + hdrRequestAction + `>`)
	if q.hasUserData {
		b.WriteString(`<` + hdrUserData + ` xmlns="` + nsBroker + `">` + escapeText(q.userData) + `</` + hdrUserData + `>`)
	}
	if clientData != "" {
		b.WriteString(`<` + hdrCallbackID + ` xmlns="` + nsBroker + `">` + escapeText(clientData) + `</` + hdrCallbackID + `>`)
	}
	b.WriteString(`</s:Header><s:Body>`)
	op := q.opName
	b.WriteString(`<` + op + `Response xmlns="` + escapeText(q.opNS) + `"><` + op + `Result>` + escapeText(q.input) + `</` + op + `Result></` + op + `Response>`)
	b.WriteString(`</s:Body></s:Envelope>`)
	_, _ = io.WriteString(w, b.String())
}

// writeEOM writes the EndOfResponses envelope.
func writeEOM(w io.Writer, count int, reason, clientData string) {
	var b strings.Builder
	b.WriteString(`<s:Envelope xmlns:s="` + nsSOAP12 + `" xmlns:a="` + nsWSA + `"><s:Header>`)
	b.WriteString(`<a:Action s:mustUnderstand="1">` + endOfGetResponse + `</a:Action>`)
	if clientData != "" {
		b.WriteString(`<` + hdrCallbackID + ` xmlns="` + nsBroker + `">` + escapeText(clientData) + `</` + hdrCallbackID + `>`)
	}
	b.WriteString(`</s:Header><s:Body>`)
	fmt.Fprintf(&b, `<EndOfResponses xmlns="%s"><Count>%d</Count><Reason>%s</Reason></EndOfResponses>`, nsTempuri, count, reason)
	b.WriteString(`</s:Body></s:Envelope>`)
	_, _ = io.WriteString(w, b.String())
}
