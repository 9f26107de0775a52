package hpcsoa

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Response is one response of a batch.
type Response struct {
	Action string
	// RelatesTo is the request's message id (empty for generic services, whose wire format
	// does not carry it).
	RelatesTo string
	UserData  string
	// Body is, for a non-generic service, the inner XML of s:Body (namespace declarations of
	// the enclosing envelope are not repeated); for a generic one, the output text.
	Body string
	// Fault is the SOAP fault text when the response is a fault (the request failed).
	Fault string
}

// EndOfResponses ends a Get Responses stream.
type EndOfResponses struct {
	// Count is the number of responses the service says this call returned.
	Count int
	// Reason is Success, ClientPurged (the batch was purged) or ClientTimeout.
	Reason string
}

// ResponseOptions select what Get Responses returns.
type ResponseOptions struct {
	// Generic selects the generic-service text format (genericservice=true).
	Generic bool
	// Reset true starts from the first response and deletes nothing (non-destructive);
	// false continues after the last response returned and, for interactive sessions,
	// deletes the responses earlier calls returned.
	Reset bool
	// Count is how many responses to return; -1 or 0 = all.
	Count int
	// Action returns only responses to this request action ("" = all).
	Action string
	// ClientData is echoed by the service in each response's ResponseCallbackId header.
	ClientData string
}

// Actions of the broker's own messages in a response stream.
const (
	ActionEndOfGetResponse          = "http://hpc.microsoft.com/EndOfGetResponse"
	ActionBrokerInstanceUnavailable = "http://hpc.microsoft.com/BrokerInstanceUnavailable"
	actionAddressingFault           = "http://www.w3.org/2005/08/addressing/soap/fault"
)

// GetResponses reads a batch's responses: POST .../batch/{name}/Response?action=&clientdata=
// &count=&reset=[&genericservice=true] with Content-Length: 0. The answer is a stream; each
// response is decoded as it arrives and passed to each (the whole body is never held). An
// error from each stops the reading and is returned as is.
//
// The stream ends with an EndOfResponses envelope (or record), returned. A SOAP fault envelope
// that does not answer a request (no RelatesTo), a BrokerInstanceUnavailable envelope, or a
// stream that ends without EndOfResponses is an error; a fault answering a request is passed to
// each with Response.Fault set.
//
// With Reset the call changes nothing on the service and is marked idempotent for the
// transport; without it a repeat could lose responses, so it is not.
func (c *Client) GetResponses(ctx context.Context, sessionID int, batch string, opts ResponseOptions, each func(Response) error) (EndOfResponses, error) {
	const op = "get responses"
	p, err := batchPath(sessionID, batch)
	if err != nil {
		return EndOfResponses{}, fmt.Errorf("%s: %w", op, err)
	}
	count := opts.Count
	if count == 0 {
		count = -1
	}
	if count < -1 {
		return EndOfResponses{}, fmt.Errorf("%s: count %d must be -1 (all) or positive", op, opts.Count)
	}
	query := "action=" + queryEscape(opts.Action) + "&clientdata=" + queryEscape(opts.ClientData) +
		"&count=" + strconv.Itoa(count) + "&reset=" + dotnetBool(opts.Reset)
	if opts.Generic {
		query += "&genericservice=true"
	}
	base, err := c.batchBase(ctx, op, sessionID)
	if err != nil {
		return EndOfResponses{}, err
	}
	resp, err := c.do(ctx, call{op: op, method: http.MethodPost, base: base, path: p + "/Response", query: query, idempotent: opts.Reset})
	if err != nil {
		return EndOfResponses{}, err
	}
	defer drain(resp.Body)
	if each == nil {
		each = func(Response) error { return nil }
	}
	r := &responseReader{op: op, sessionID: sessionID, batch: batch, each: each, status: resp.StatusCode}
	if page := htmlPage(resp.Header.Get("Content-Type")); page != "" {
		return EndOfResponses{}, r.malformed("%s", page)
	}
	br := bufio.NewReaderSize(resp.Body, 32<<10)
	first, err := firstByte(br)
	switch {
	case err == io.EOF:
		return EndOfResponses{}, r.malformed("the answer is empty (no EndOfResponses)")
	case err != nil:
		return EndOfResponses{}, fmt.Errorf("%s: reading the answer: %w", op, err)
	case first == '<':
		return r.readXML(br)
	case opts.Generic:
		return r.readGeneric(br)
	}
	head, _ := br.Peek(80)
	return EndOfResponses{}, r.malformed("the answer is not XML: %s", quote(string(head)))
}

// queryEscape escapes a query value with %20 for spaces (not '+', which some .NET query
// parsers keep literally).
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// firstByte skips a UTF-8 byte order mark and white space and peeks at the first byte.
func firstByte(br *bufio.Reader) (byte, error) {
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.Discard(1)
		default:
			return b[0], nil
		}
	}
}

type responseReader struct {
	op        string
	sessionID int
	batch     string
	each      func(Response) error
	received  int
	status    int
}

func (r *responseReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s of batch %q in session %d: %s", r.op, r.batch, r.sessionID, fmt.Sprintf(format, args...))
}

// malformed is a *MalformedError: the stream is not what the service sends.
func (r *responseReader) malformed(format string, args ...any) error {
	return &MalformedError{Op: fmt.Sprintf("%s of batch %q in session %d", r.op, r.batch, r.sessionID), StatusCode: r.status,
		Detail: fmt.Sprintf(format, args...)}
}

// streamError is a failure to read the XML stream: malformed when the decoder found bad XML,
// else (the connection failed) a plain error.
func (r *responseReader) streamError(err error, format string, args ...any) error {
	var syntax *xml.SyntaxError
	if errors.As(err, &syntax) {
		return r.malformed(format+": %v", append(args, err)...)
	}
	return r.errorf(format+": %v", append(args, err)...)
}

type headerItem struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// innerXML is an element's content, kept unparsed.
type innerXML struct {
	Inner []byte `xml:",innerxml"`
}

type envelope struct {
	Header struct {
		Items []headerItem `xml:",any"`
	} `xml:"Header"`
	Body innerXML `xml:"Body"`
}

func (e *envelope) header(names ...string) string {
	for _, it := range e.Header.Items {
		for _, n := range names {
			if it.XMLName.Local == n {
				return strings.TrimSpace(it.Value)
			}
		}
	}
	return ""
}

// readXML reads the non-generic stream: a root element of any name holding SOAP envelopes.
func (r *responseReader) readXML(src io.Reader) (EndOfResponses, error) {
	dec := xml.NewDecoder(src)
	rootSeen := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return EndOfResponses{}, r.malformed("the stream ended after %d responses without EndOfResponses", r.received)
		}
		if err != nil {
			return EndOfResponses{}, r.streamError(err, "malformed response stream after %d responses", r.received)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !rootSeen {
				rootSeen = true // HPCServer2008_WebAPI_MessageArray or whatever: skipped
				continue
			}
			if t.Name.Local != "Envelope" {
				if err := dec.Skip(); err != nil {
					return EndOfResponses{}, r.streamError(err, "malformed response stream")
				}
				continue
			}
			var env envelope
			if err := dec.DecodeElement(&env, &t); err != nil {
				return EndOfResponses{}, r.streamError(err, "malformed response envelope after %d responses", r.received)
			}
			eom, done, err := r.handleEnvelope(&env)
			if err != nil || done {
				return eom, err
			}
		case xml.EndElement:
			return EndOfResponses{}, r.malformed("the stream ended after %d responses without EndOfResponses", r.received)
		}
	}
}

func (r *responseReader) handleEnvelope(env *envelope) (EndOfResponses, bool, error) {
	action := env.header("Action")
	body := bytes.TrimSpace(env.Body.Inner)
	switch {
	case strings.EqualFold(action, ActionEndOfGetResponse):
		var x struct {
			XMLName xml.Name
			Count   string `xml:"Count"`
			Reason  string `xml:"Reason"`
		}
		if err := xml.Unmarshal(body, &x); err != nil || x.XMLName.Local != "EndOfResponses" {
			return EndOfResponses{}, true, r.malformed("malformed EndOfResponses: %s", quote(string(body)))
		}
		return r.endOfResponses(x.Count, x.Reason)
	case strings.EqualFold(action, ActionBrokerInstanceUnavailable):
		return EndOfResponses{}, true, r.errorf("the broker instance became unavailable after %d responses (%s)", r.received, strings.Join(strings.Fields(textOf(body)), " "))
	}
	resp := Response{
		Action:    action,
		RelatesTo: env.header("RelatesTo"),
		UserData:  env.header(userDataHeader, "HPCPack2008_Broker_UserDataNS"),
		Body:      string(body),
	}
	if f, ok := parseSOAPFault(body); ok {
		if resp.RelatesTo == "" {
			// Not the answer to a request: the stream itself failed (e.g. Broker_SessionFailure).
			return EndOfResponses{}, true, f
		}
		resp.Fault = f.Message
	}
	r.received++
	if err := r.each(resp); err != nil {
		return EndOfResponses{}, true, err
	}
	return EndOfResponses{}, false, nil
}

func (r *responseReader) endOfResponses(count, reason string) (EndOfResponses, bool, error) {
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil {
		return EndOfResponses{}, true, r.malformed("EndOfResponses count %s is not a number", quote(count))
	}
	reason = strings.TrimSpace(reason)
	switch reason {
	case "0":
		reason = "Success"
	case "1":
		reason = "ClientPurged"
	case "2":
		reason = "ClientTimeout"
	}
	return EndOfResponses{Count: n, Reason: reason}, true, nil
}

type soapFault struct {
	XMLName xml.Name
	Code    struct {
		Value   string `xml:"Value"`
		Subcode struct {
			Value string `xml:"Value"`
		} `xml:"Subcode"`
	} `xml:"Code"`
	Reason struct {
		Text []string `xml:"Text"`
	} `xml:"Reason"`
	FaultCode   string   `xml:"faultcode"`
	FaultString string   `xml:"faultstring"`
	Detail      innerXML `xml:"Detail"`
	Detail11    innerXML `xml:"detail"`
}

// parseSOAPFault reads a SOAP 1.2 (or 1.1) Fault body. The Fault's Code comes from an HPC Pack
// SessionFault detail when there is one.
func parseSOAPFault(body []byte) (*Fault, bool) {
	if !bytes.Contains(body, []byte("Fault")) {
		return nil, false
	}
	var sf soapFault
	if isFault := xml.Unmarshal(body, &sf) == nil && sf.XMLName.Local == "Fault"; !isFault {
		return nil, false // the caller reads the body as a response
	}
	f := &Fault{StatusCode: http.StatusOK, inStream: true}
	msg := strings.TrimSpace(strings.Join(sf.Reason.Text, " "))
	if msg == "" {
		msg = strings.TrimSpace(sf.FaultString)
	}
	detail := sf.Detail.Inner
	if len(bytes.TrimSpace(detail)) == 0 {
		detail = sf.Detail11.Inner
	}
	var sess struct {
		XMLName xml.Name
		Code    string `xml:"Code"`
		Reason  string `xml:"Reason"`
	}
	if xml.Unmarshal(bytes.TrimSpace(detail), &sess) == nil && sess.XMLName.Local == "SessionFault" {
		if n, err := strconv.ParseInt(strings.TrimSpace(sess.Code), 10, 64); err == nil {
			f.Code = int(int32(n))
		}
		if msg == "" {
			msg = strings.TrimSpace(sess.Reason)
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(sf.Code.Value + " " + sf.Code.Subcode.Value + sf.FaultCode)
	}
	if msg == "" {
		msg = "SOAP fault"
	}
	f.Message = msg
	return f, true
}

// textOf returns the character data of an XML fragment (for messages).
func textOf(fragment []byte) string {
	var b strings.Builder
	d := xml.NewDecoder(bytes.NewReader(fragment))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if cd, ok := tok.(xml.CharData); ok {
			b.Write(cd)
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// maxGenericRecord bounds one record of the generic format.
const maxGenericRecord = 256 << 20

// readGeneric reads the generic-service text stream: action U+FFFF output U+FFFF userdata
// U+0000 per response, ended by the EndOfGetResponse action U+FFFF count U+FFFF reason U+0000.
func (r *responseReader) readGeneric(br *bufio.Reader) (EndOfResponses, error) {
	var record []byte
	for {
		chunk, err := br.ReadSlice(0)
		record = append(record, chunk...)
		if len(record) > maxGenericRecord {
			return EndOfResponses{}, r.errorf("a generic response is larger than %d bytes", maxGenericRecord)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			if len(bytes.TrimSpace(record)) > 0 {
				return EndOfResponses{}, r.malformed("the generic stream ended inside a record after %d responses", r.received)
			}
			return EndOfResponses{}, r.malformed("the stream ended after %d responses without EndOfResponses", r.received)
		}
		if err != nil {
			return EndOfResponses{}, r.errorf("reading the generic stream after %d responses: %v", r.received, err)
		}
		rec := string(bytes.TrimLeft(record[:len(record)-1], "\r\n"))
		record = record[:0]
		fields := strings.Split(rec, genericFieldSep)
		if len(fields) != 3 {
			return EndOfResponses{}, r.malformed("generic record %d has %d fields, want 3 (action, output, user data): %s", r.received+1, len(fields), quote(rec))
		}
		action := strings.TrimSpace(fields[0])
		switch {
		case strings.EqualFold(action, ActionEndOfGetResponse):
			eom, _, err := r.endOfResponses(fields[1], fields[2])
			return eom, err
		case strings.EqualFold(action, ActionBrokerInstanceUnavailable):
			return EndOfResponses{}, r.errorf("the broker instance became unavailable after %d responses", r.received)
		}
		resp := Response{Action: action, Body: fields[1], UserData: fields[2]}
		if strings.EqualFold(action, actionAddressingFault) {
			resp.Fault = fields[1]
		}
		r.received++
		if err := r.each(resp); err != nil {
			return EndOfResponses{}, err
		}
	}
}
