package hpcsoa

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// The rules of batch names and session ids, in words.
const (
	BatchNameRule = "must be 1 to 128 characters of letters, digits, underscores (_), hyphens (-) and braces ({ })"
	SessionIDRule = "must be a numeric session id (the session's positive job id)"
)

// ParseSessionID reads a session id: a positive whole number.
func ParseSessionID(s string) (int, error) {
	id, err := strconv.Atoi(s)
	if err != nil || id <= 0 || strings.TrimSpace(s) != s || strings.HasPrefix(s, "+") {
		return 0, fmt.Errorf("session id %s %s", quote(s), SessionIDRule)
	}
	return id, nil
}

// CheckSessionID reports a session id that breaks SessionIDRule.
func CheckSessionID(s string) error {
	_, err := ParseSessionID(s)
	return err
}

const (
	// RequestsPerSend bounds one Send Requests call; each call's body is streamed.
	RequestsPerSend = 1000
	// sendBatchAttempts is how often a batch is sent from scratch after ambiguous failures.
	sendBatchAttempts = 3
)

// SendBatch sends a batch's requests in chunks of RequestsPerSend; with commit, the last chunk
// also commits the batch, so a small batch is one write. A send that fails after the broker may
// have taken part of it (a lost answer, a 5xx) cannot simply be repeated, which would duplicate
// requests: after the retry policy's backoff the batch is purged and sent again from the start,
// at most sendBatchAttempts times in all. A refusal (a fault, an invalid request) is returned
// at once, and so is the end of ctx: the broker may then hold part of the batch, which the
// caller keeps track of so that it is purged.
func (c *Client) SendBatch(ctx context.Context, sessionID int, batch string, generic, commit bool, requests []Request) error {
	var err error
	for attempt := 1; attempt <= sendBatchAttempts; attempt++ {
		if attempt > 1 {
			// The broker just failed: give it the retry policy's backoff before the purge.
			delay := c.retry.OrDefault().Backoff().Delay(attempt - 1)
			transport.Debug(ctx, "sending the batch failed ambiguously: purging it and sending it again",
				map[string]any{"attempt": attempt, "wait": delay.String(), "error": err.Error()})
			if wait.Sleep(ctx, c.retry.Clock, delay) != nil {
				return err
			}
			if purgeErr := c.Purge(ctx, sessionID, batch); purgeErr != nil {
				return fmt.Errorf("%w (and purging the partial batch failed: %v)", err, purgeErr)
			}
		}
		err = nil
		for start := 0; start < len(requests) && err == nil; start += RequestsPerSend {
			chunk := requests[start:min(start+RequestsPerSend, len(requests))]
			if commit && start+RequestsPerSend >= len(requests) {
				err = c.SendFinalRequests(ctx, sessionID, batch, generic, chunk)
			} else {
				err = c.SendRequests(ctx, sessionID, batch, generic, chunk)
			}
		}
		var fault *Fault
		var invalid *RequestError
		if err == nil || errors.As(err, &fault) || errors.As(err, &invalid) || ctx.Err() != nil {
			return err // sent, or refused: sending again would not help
		}
	}
	return err
}

// MaxBatchNameLength is the broker's limit on a batch ("client id") name.
const MaxBatchNameLength = 128

// ValidBatchName checks a batch name: 1 to 128 characters among ASCII letters, digits, '_',
// '-', '{' and '}'. The broker's own rule (^[0-9a-zA-Z_\-\{\}\s]*$) also allows whitespace
// and the empty name; both are rejected here, because the name is a URL path segment.
func ValidBatchName(name string) error {
	if name == "" {
		return fmt.Errorf("batch name must not be empty")
	}
	for _, r := range name {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-' || r == '{' || r == '}') {
			return fmt.Errorf("batch name %s contains %q; only letters, digits, '_', '-', '{' and '}' are allowed", quote(name), r)
		}
	}
	if len(name) > MaxBatchNameLength {
		return fmt.Errorf("batch name %s is %d characters long; at most %d are allowed", quote(name), len(name), MaxBatchNameLength)
	}
	return nil
}

// Request is one SOA request of a batch.
type Request struct {
	// Action is the WS-Addressing action, e.g. http://tempuri.org/IEchoSvc/Echo. Required for
	// non-generic services; ignored for generic ones (their wire format has no action).
	Action string
	// Body is, for a non-generic service, the XML of the operation element placed in s:Body,
	// e.g. <Echo xmlns="http://tempuri.org/"><input>hi</input></Echo>; for a generic service,
	// the raw input text.
	Body string
	// UserData is optional, at most 1024 characters; it comes back with the response.
	UserData string
	// MessageID is urn:uuid:<guid>; responses carry it as RelatesTo. SendRequests fills in
	// empty ones (non-generic only). NewMessageID makes one.
	MessageID string
}

// MaxUserDataLength is the limit on Request.UserData, in characters.
const MaxUserDataLength = 1024

// NewMessageID returns a fresh random urn:uuid: message id (a version 4 UUID).
func NewMessageID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// RequestError is a request that SendRequests refused before sending anything. Index is the
// position in the slice passed to SendRequests.
type RequestError struct {
	Index int
	Err   error
}

func (e *RequestError) Error() string { return fmt.Sprintf("request %d: %v", e.Index, e.Err) }
func (e *RequestError) Unwrap() error { return e.Err }

// SendRequests adds requests to a batch: one POST .../session/{sid}/batch/{name}?commit=False
// (plus &genericservice=true for a generic service), Content-Type application/octet-stream,
// whose body is streamed through an io.Pipe as it is written, never built in memory. The body
// is regenerated from the slice for each transport retry, so requests must not be modified
// until SendRequests returns. Pass a few thousand requests per call at most and call it again
// for more: every call appends to the same batch until Commit.
//
// Every request is checked before anything is sent (a *RequestError names the first bad one):
// a non-generic Body must be well-formed XML with one root element and no DOCTYPE or
// processing instruction, using only namespace prefixes it declares itself; a generic Body and
// UserData must not contain U+FFFF or U+0000 (the generic format's separators). Empty
// MessageIDs of non-generic requests are filled in, in place, before sending, so the caller
// can read them afterwards; message ids must be unique within the call.
//
// The send is not idempotent: a repeat of a processed POST would add the requests twice. So
// only attempts the service cannot have processed (429, 503, refused connections) are
// retried; after an ambiguous failure the caller must find out which message ids arrived.
func (c *Client) SendRequests(ctx context.Context, sessionID int, batch string, generic bool, requests []Request) error {
	return c.sendRequests(ctx, sessionID, batch, generic, false, requests)
}

// SendFinalRequests sends the last requests of a batch and commits it in the same call
// (commit=True, answered 201), which saves the separate Commit request.
func (c *Client) SendFinalRequests(ctx context.Context, sessionID int, batch string, generic bool, requests []Request) error {
	return c.sendRequests(ctx, sessionID, batch, generic, true, requests)
}

func (c *Client) sendRequests(ctx context.Context, sessionID int, batch string, generic, commit bool, requests []Request) error {
	const op = "send requests"
	p, err := batchPath(sessionID, batch)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if len(requests) == 0 {
		return fmt.Errorf("%s: no requests to send", op)
	}
	if err := prepareRequests(generic, requests); err != nil {
		return fmt.Errorf("%s to batch %q: %w", op, batch, err)
	}
	query := "commit=False"
	if commit {
		query = "commit=True"
	}
	if generic {
		query += "&genericservice=true"
	}
	base, err := c.batchBase(ctx, op, sessionID)
	if err != nil {
		return err
	}
	write := func(w *bufWriter) error { return writeXMLBatch(w, requests) }
	if generic {
		write = func(w *bufWriter) error { return writeGenericBatch(w, requests) }
	}
	resp, err := c.do(ctx, call{
		op:          op,
		method:      http.MethodPost,
		base:        base,
		path:        p,
		query:       query,
		body:        func() io.ReadCloser { return newStreamBody(ctx, write) },
		bodyLen:     -1,
		contentType: "application/octet-stream",
	})
	if err != nil {
		return err
	}
	drain(resp.Body)
	return nil
}

// Commit commits the batch (EndRequests): POST .../batch/{name}/Commit with Content-Length: 0.
// It is marked idempotent for the transport: a repeat after a lost answer is answered with the
// Broker_EOMReject_EndRequests fault, which IsAlreadyCommitted recognises and the caller
// treats as success.
func (c *Client) Commit(ctx context.Context, sessionID int, batch string) error {
	return c.batchPost(ctx, "commit batch", sessionID, batch, "/Commit")
}

// Purge removes the batch's requests and responses from the broker: POST .../batch/{name}/Purge
// with Content-Length: 0. It is marked idempotent for the transport: purging twice leaves the
// same state (the broker creates a batch it does not know and removes it again).
func (c *Client) Purge(ctx context.Context, sessionID int, batch string) error {
	return c.batchPost(ctx, "purge batch", sessionID, batch, "/Purge")
}

func (c *Client) batchPost(ctx context.Context, op string, sessionID int, batch, suffix string) error {
	p, err := batchPath(sessionID, batch)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	base, err := c.batchBase(ctx, op, sessionID)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, call{op: op, method: http.MethodPost, base: base, path: p + suffix, idempotent: true})
	if err != nil {
		return err
	}
	drain(resp.Body)
	return nil
}

// BatchStatus is the broker's BrokerClientStatus of a batch.
type BatchStatus int

// The BrokerClientStatus members.
const (
	StatusUnknown    BatchStatus = 0 // the default
	StatusReady      BatchStatus = 1 // requests are being sent, no commit yet
	StatusProcessing BatchStatus = 2 // committed, requests in flight
	StatusFinished   BatchStatus = 3 // all requests done (or responses being retrieved)
)

var batchStatusNames = [...]string{"Unknown", "Ready", "Processing", "Finished"}

// String gives the member name, or BatchStatus(n) for a value outside the enum.
func (s BatchStatus) String() string {
	if s >= 0 && int(s) < len(batchStatusNames) {
		return batchStatusNames[s]
	}
	return "BatchStatus(" + strconv.Itoa(int(s)) + ")"
}

// ParseBatchStatus reads a member name (case-insensitive) or its number (0-3).
func ParseBatchStatus(v string) (BatchStatus, error) {
	t := strings.TrimSpace(v)
	for i, name := range batchStatusNames {
		if strings.EqualFold(t, name) {
			return BatchStatus(i), nil
		}
	}
	if n, err := strconv.Atoi(t); err == nil {
		if n >= 0 && n < len(batchStatusNames) {
			return BatchStatus(n), nil
		}
		return 0, fmt.Errorf("batch status %s is out of range (want 0-3)", quote(v))
	}
	return 0, fmt.Errorf("unknown batch status %s (want Unknown, Ready, Processing, Finished or 0-3)", quote(v))
}

// BatchStatus reads a batch's status: GET .../batch/{name}/Status. JSON answers are a bare
// number; XML answers a BrokerClientStatus element holding the member name or a number.
// The broker creates a batch it does not know, so an unknown name reports Ready, not an error.
func (c *Client) BatchStatus(ctx context.Context, sessionID int, batch string) (BatchStatus, error) {
	const op = "get batch status"
	p, err := batchPath(sessionID, batch)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	base, err := c.batchBase(ctx, op, sessionID)
	if err != nil {
		return 0, err
	}
	var st BatchStatus
	err = transport.Repeat(ctx, c.retry, IsMalformed, func() error {
		resp, err := c.do(ctx, call{op: op, method: http.MethodGet, base: base, path: p + "/Status"})
		if err != nil {
			return err
		}
		st, err = decodeAnswer(op, resp, "", decodeBatchStatus)
		return err
	})
	if err != nil {
		return 0, err
	}
	return st, nil
}

func decodeBatchStatus(contentType string, data []byte) (BatchStatus, error) {
	switch formatOf(contentType, data) {
	case formatJSON:
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return 0, fmt.Errorf("malformed JSON status %s: %v", quote(string(data)), err)
		}
		if dec.More() {
			return 0, fmt.Errorf("malformed JSON status %s", quote(string(data)))
		}
		switch x := v.(type) {
		case json.Number:
			return ParseBatchStatus(x.String())
		case string:
			return ParseBatchStatus(x)
		}
		return 0, fmt.Errorf("unexpected JSON status %s (want a number)", quote(string(data)))
	case formatXML:
		var x struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
			Any     []struct {
				XMLName xml.Name
			} `xml:",any"`
		}
		if err := xml.Unmarshal(data, &x); err != nil {
			return 0, fmt.Errorf("malformed XML status %s: %v", quote(string(data)), err)
		}
		if x.XMLName.Local != "BrokerClientStatus" || len(x.Any) > 0 {
			return 0, fmt.Errorf("unexpected XML status %s (want <BrokerClientStatus>)", quote(string(data)))
		}
		return ParseBatchStatus(x.Value)
	}
	return 0, fmt.Errorf("unexpected status answer %s (neither XML nor JSON)", quote(string(data)))
}
