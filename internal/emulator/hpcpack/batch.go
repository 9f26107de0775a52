package hpcpack

import (
	"crypto/sha1"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// BrokerClientStatus is the batch status (spec §2.8).
type BrokerClientStatus int

// The BrokerClientStatus members.
const (
	StatusUnknown BrokerClientStatus = iota
	StatusReady
	StatusProcessing
	StatusFinished
)

// String returns the member name.
func (st BrokerClientStatus) String() string {
	switch st {
	case StatusReady:
		return "Ready"
	case StatusProcessing:
		return "Processing"
	case StatusFinished:
		return "Finished"
	}
	return "Unknown"
}

// maxBatchNameLength is the broker's MaxClientIdLength (spec §1.8).
const maxBatchNameLength = 128

type batch struct {
	name      string
	owner     string // HTTP user who created it
	generic   bool
	requests  []*soaRequest
	committed bool
	commitAt  time.Time
	purged    bool
	cursor    int          // request index after the last response returned
	pending   []int        // indices returned by the previous Get Responses
	deleted   map[int]bool // responses deleted (interactive sessions)
	created   time.Time
}

// answerTime is when request i is answered: commit + (i/Workers + 1) ×
// RequestTime.
func (s *Service) answerTime(b *batch, i int) time.Time {
	return b.commitAt.Add(time.Duration(i/s.cfg.Workers+1) * s.cfg.RequestTime)
}

func (s *Service) answered(b *batch, i int, now time.Time) bool {
	return b.committed && !now.Before(s.answerTime(b, i))
}

// status evaluates the batch status at now; nil or purged batches are
// Ready (the broker creates a fresh client for an unknown name).
func (s *Service) status(b *batch, now time.Time) BrokerClientStatus {
	switch {
	case b == nil || b.purged || !b.committed:
		return StatusReady
	case len(b.requests) == 0 || s.answered(b, len(b.requests)-1, now):
		return StatusFinished
	}
	return StatusProcessing
}

// validateBatchName applies spec §1.8: at most 128 characters of
// [0-9A-Za-z_{}-] and whitespace.
func validateBatchName(name string) *apiError {
	bad := func(reason string) *apiError {
		return newFault(http.StatusBadRequest, CodeBrokerInvalidClientIDOrTooLong,
			fmt.Sprintf("The batch name '%s' is not valid: %s.", name, reason), "BatchName", name)
	}
	if utf8.RuneCountInString(name) > maxBatchNameLength {
		return bad(fmt.Sprintf("it is longer than %d characters", maxBatchNameLength))
	}
	for _, r := range name {
		ok := r < utf8.RuneSelf && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("_-{}", r))
		if !ok && !unicode.IsSpace(r) {
			return bad("only letters, digits, '_', '-', '{', '}' and whitespace are allowed")
		}
	}
	return nil
}

// batchArgs parses and checks the session id and batch name of a batch
// operation.
func batchArgs(c *call) (int, *apiError) {
	id, err := parseSessionID(c.sid)
	if err != nil {
		return 0, err
	}
	if err := validateBatchName(c.batch); err != nil {
		return 0, err
	}
	return id, nil
}

// checkOwner applies spec §1.8: a batch belongs to its creator unless the
// session is shared. Callers hold s.mu.
func checkOwner(sess *session, b *batch, user string) *apiError {
	if b == nil || b.purged || b.owner == "" || strings.EqualFold(b.owner, user) || sess.info.ShareSession {
		return nil
	}
	return newFault(http.StatusForbidden, CodeBrokerUserNameNotMatch,
		fmt.Sprintf("The batch '%s' of session %d belongs to another user.", b.name, sess.id), "BatchName", b.name)
}

// checkGeneric requires genericservice to match the session's service.
func checkGeneric(sess *session, generic bool) *apiError {
	switch {
	case sess.service.Generic && !generic:
		return argError("Session %d runs the generic service %s: send genericservice=true.", sess.id, sess.service.Name)
	case !sess.service.Generic && generic:
		return argError("Session %d runs the service %s, which is not a generic service: genericservice=true is not allowed.", sess.id, sess.service.Name)
	}
	return nil
}

// ownedBatch finds the open session id and its batch named in the call (nil
// when the name was never used), which the caller must be allowed to use
// (checkOwner). generic is the call's genericservice parameter, nil for the
// operations that have none. Callers hold s.mu.
func (s *Service) ownedBatch(c *call, id int, generic *bool) (*session, *batch, *apiError) {
	sess, err := s.openSession(id)
	if err != nil {
		return nil, nil, err
	}
	if generic != nil {
		if err := checkGeneric(sess, *generic); err != nil {
			return nil, nil, err
		}
	}
	b := sess.batches[c.batch]
	if err := checkOwner(sess, b, c.user); err != nil {
		return nil, nil, err
	}
	return sess, b, nil
}

// withOwnedBatch runs op under s.mu on the batch named in a call without a
// genericservice parameter, once the call's arguments and the caller's
// right to the batch are checked (see ownedBatch).
func (s *Service) withOwnedBatch(c *call, op func(id int, sess *session, b *batch) *apiError) *apiError {
	id, err := batchArgs(c)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, b, err := s.ownedBatch(c, id, nil)
	if err != nil {
		return err
	}
	return op(id, sess, b)
}

// sendState checks the session and batch before and after the body is
// read. Callers hold s.mu.
func (s *Service) sendState(c *call, id int, generic bool) (*session, *apiError) {
	sess, b, err := s.ownedBatch(c, id, &generic)
	if err != nil {
		return nil, err
	}
	if b != nil && !b.purged && b.committed {
		return nil, newFault(http.StatusBadRequest, CodeBrokerEOMRejected,
			fmt.Sprintf("The batch '%s' of session %d is already committed: no more requests can be added.", c.batch, id), "BatchName", c.batch)
	}
	return sess, nil
}

// generatedMessageID derives a message id for a request sent without one:
// a name-based (SHA-1) UUID of the session, the batch and a per-session
// sequence number, so runs are reproducible.
func generatedMessageID(sid int, name string, seq int) string {
	h := sha1.Sum([]byte(fmt.Sprintf("batchops-emulator/hpcpack/%d/%s/%d", sid, name, seq)))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// sendRequests: POST .../Session/{sid}/batch/{batch}?commit=&genericservice=.
// [I] choices: genericservice must match the session's service (else 400
// ArgumentError); the body is parsed completely before anything changes, so
// a rejected call stores nothing; a committed batch rejects more requests
// with Broker_EOMRejected; duplicates (same message id) are stored as sent.
func (s *Service) sendRequests(c *call) *apiError {
	if err := checkContentType(c.r, "Send Requests", "application/octet-stream"); err != nil {
		return err
	}
	commit, err := parseBool(c, "commit", false)
	if err != nil {
		return err
	}
	generic, err := parseBool(c, "genericservice", false)
	if err != nil {
		return err
	}
	id, err := batchArgs(c)
	if err != nil {
		return err
	}
	s.mu.Lock()
	_, err = s.sendState(c, id, generic)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	// Parse the whole body before changing anything (a malformed body
	// stores nothing).
	var reqs []*soaRequest
	if generic {
		reqs, err = parseGeneric(c.r.Body)
	} else {
		reqs, err = parseEnvelopes(c.r.Body, c.batch)
	}
	if err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.sendState(c, id, generic)
	if err != nil {
		return err
	}
	b := sess.batches[c.batch]
	if commit && len(reqs) == 0 && (b == nil || b.purged || len(b.requests) == 0) {
		return newFault(http.StatusBadRequest, CodeBrokerEOMRejectNoRequest,
			fmt.Sprintf("The batch '%s' of session %d has no requests to commit.", c.batch, id), "BatchName", c.batch)
	}
	if b == nil || b.purged {
		if b == nil {
			sess.batchOrder = append(sess.batchOrder, c.batch)
		}
		b = &batch{name: c.batch, owner: c.user, generic: generic, created: c.now, deleted: map[int]bool{}}
		sess.batches[c.batch] = b
	}
	for _, q := range reqs {
		if q.messageID == "" {
			sess.msgSeq++
			q.messageID = generatedMessageID(id, c.batch, sess.msgSeq)
			q.generatedID = true
		}
	}
	b.requests = append(b.requests, reqs...)
	if commit {
		b.committed, b.commitAt = true, c.now
		c.w.WriteHeader(http.StatusCreated)
		return nil
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// commitBatch: POST .../batch/{batch}/Commit.
func (s *Service) commitBatch(c *call) *apiError {
	return s.withOwnedBatch(c, func(id int, _ *session, b *batch) *apiError {
		switch {
		case b != nil && !b.purged && b.committed:
			return newFault(http.StatusBadRequest, CodeBrokerEOMRejectEndRequests,
				fmt.Sprintf("The batch '%s' of session %d is already committed.", c.batch, id), "BatchName", c.batch)
		case b == nil || b.purged || len(b.requests) == 0:
			return newFault(http.StatusBadRequest, CodeBrokerEOMRejectNoRequest,
				fmt.Sprintf("The batch '%s' of session %d has no requests to commit.", c.batch, id), "BatchName", c.batch)
		}
		b.committed, b.commitAt = true, c.now
		c.w.WriteHeader(http.StatusCreated)
		return nil
	})
}

// batchStatus: GET .../batch/{batch}/Status. A name never used, or purged,
// is Ready without being stored [I]. JSON: the bare number; XML: the member
// name (or the number with Config.StatusXMLAsNumber).
func (s *Service) batchStatus(c *call) *apiError {
	var st BrokerClientStatus
	err := s.withOwnedBatch(c, func(_ int, _ *session, b *batch) *apiError {
		st = s.status(b, c.now)
		return nil
	})
	if err != nil {
		return err
	}
	if wantsJSON(c.r) {
		writeJSON(c.w, http.StatusOK, int(st))
		return nil
	}
	text := st.String()
	if s.cfg.StatusXMLAsNumber {
		text = strconv.Itoa(int(st))
	}
	writeXML(c.w, http.StatusOK, `<BrokerClientStatus xmlns="`+nsHPCNoSlash+`">`+text+`</BrokerClientStatus>`)
	return nil
}

// purgeBatch: POST .../batch/{batch}/Purge: 200 also for an unknown name
// (idempotent [I]); the name stays purged until Send Requests uses it again.
func (s *Service) purgeBatch(c *call) *apiError {
	return s.withOwnedBatch(c, func(_ int, sess *session, _ *batch) *apiError {
		sess.purge(c.batch, c.now)
		c.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// purge removes a batch's requests and responses and remembers the name
// as purged; callers hold s.mu. It reports whether a live batch existed.
func (sess *session) purge(name string, now time.Time) bool {
	b := sess.batches[name]
	existed := b != nil && !b.purged
	if b == nil {
		sess.batchOrder = append(sess.batchOrder, name)
	}
	sess.batches[name] = &batch{name: name, purged: true, created: now, deleted: map[int]bool{}}
	return existed
}

// getResponses: POST .../batch/{batch}/Response?count=&action=&reset=&clientdata=&genericservice=.
// [I] It streams at once the responses available at the clock (in arrival
// order, up to count, -1 = all; action matches the reply or the request
// action), then the EOM; it never waits. reset=true starts at the first
// response and deletes nothing; reset=false (the default) continues after
// the previous call's last response and, for interactive sessions, deletes
// the responses the previous call returned. A purged batch ends at once
// with Count 0 and Reason ClientPurged. The body is XML (or the generic
// text) whatever Accept says.
func (s *Service) getResponses(c *call) *apiError {
	count := -1
	if v, ok := c.q("count"); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil || n < -1 {
			return argError("The query parameter count must be -1 (all) or a non-negative integer, got '%s'.", v)
		}
		count = int(n)
	}
	action, _ := c.q("action")
	action = strings.TrimSpace(action)
	clientData, _ := c.q("clientdata")
	reset, err := parseBool(c, "reset", false)
	if err != nil {
		return err
	}
	generic, err := parseBool(c, "genericservice", false)
	if err != nil {
		return err
	}
	id, err := batchArgs(c)
	if err != nil {
		return err
	}

	s.mu.Lock()
	sess, b, err := s.ownedBatch(c, id, &generic)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	reason := "Success"
	var out []*soaRequest
	switch {
	case b != nil && b.purged:
		reason = "ClientPurged"
	case b != nil:
		start := b.cursor
		if reset {
			start = 0
		} else if !sess.durable {
			for _, i := range b.pending {
				b.deleted[i] = true
			}
		}
		b.pending = nil
		b.cursor = start
		for i := start; i < len(b.requests); i++ {
			if count >= 0 && len(out) >= count {
				break
			}
			if !s.answered(b, i, c.now) {
				break
			}
			q := b.requests[i]
			if b.deleted[i] || (action != "" && action != q.replyAction() && action != q.action) {
				continue
			}
			out = append(out, q)
			b.pending = append(b.pending, i)
			b.cursor = i + 1
		}
	}
	s.mu.Unlock()

	// Stored requests are never modified after they are added, so the
	// snapshot can be written without the lock.
	flush := func() {
		if f, ok := c.w.(http.Flusher); ok {
			f.Flush()
		}
	}
	if generic {
		c.w.Header().Set("Content-Type", "application/octet-stream")
		c.w.WriteHeader(http.StatusOK)
		for _, q := range out {
			_, _ = io.WriteString(c.w, q.replyAction()+genericFieldSep+q.input+genericFieldSep+q.userData+genericRecordEnd)
			flush()
		}
		_, _ = io.WriteString(c.w, endOfGetResponse+genericFieldSep+strconv.Itoa(len(out))+genericFieldSep+reason+genericRecordEnd)
		flush()
		return nil
	}
	c.w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	c.w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(c.w, "<"+messageArrayRoot+">")
	for _, q := range out {
		writeEnvelope(c.w, q, clientData)
		flush()
	}
	writeEOM(c.w, len(out), reason, clientData)
	_, _ = io.WriteString(c.w, "</"+messageArrayRoot+">")
	flush()
	return nil
}
