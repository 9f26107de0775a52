package hpcpack

import (
	"maps"
	"sort"
	"time"
)

// SessionView is a session as the Go API shows it. It never holds the
// run-as password.
type SessionView struct {
	ID                      int
	ServiceName             string // as registered
	ServiceVersion          string // requested version ("" when none)
	Durable                 bool
	Closed                  bool
	Username                string // run-as user, as configured in Users
	Owner                   string // HTTP user who created the session
	BrokerNode              string
	MaxMessageSize          int
	ServiceOperationTimeout int
	StartInfo               StartInfo // the WebSessionStartInfo received (no password)
	CreatedAt               time.Time
	ClosedAt                time.Time // zero while open
	Batches                 []string  // batch names seen (including purged ones), in order of first use; empty once closed
}

// RequestView is one stored request.
type RequestView struct {
	MessageID          string
	GeneratedMessageID bool   // the request had no a:MessageID (or was generic): the broker made one
	Action             string // request action
	UserData           string
	HasUserData        bool
	Body               string // non-generic: the operation element as sent; generic: the input text
	AnsweredAt         time.Time
	Answered           bool // at the time of the call
	Deleted            bool // retrieved by an interactive session and deleted
}

// BatchView is a batch as the Go API shows it, evaluated at the clock.
type BatchView struct {
	SessionID          int
	Name               string
	Owner              string
	Generic            bool
	Status             BrokerClientStatus
	Committed          bool
	CommittedAt        time.Time
	Purged             bool // purged and not used again by Send Requests since
	RequestCount       int  // requests stored, duplicates included
	DistinctMessageIDs int
	Duplicates         int      // RequestCount - DistinctMessageIDs
	MessageIDs         []string // in arrival order, duplicates included
	Requests           []RequestView
	Answered           int // responses available so far
	Deleted            int // responses deleted after retrieval (interactive sessions)
}

func (sess *session) view() SessionView {
	v := SessionView{ID: sess.id, ServiceName: sess.service.Name, Durable: sess.durable, Closed: sess.closed,
		Username: sess.runAs, Owner: sess.owner, BrokerNode: sess.brokerNode, MaxMessageSize: sess.info.MaxMessageSize,
		ServiceOperationTimeout: sess.serviceOperationTimeout(), StartInfo: sess.info, CreatedAt: sess.created,
		ClosedAt: sess.closedAt}
	if sess.version != nil {
		v.ServiceVersion = sess.version.String()
	}
	v.StartInfo.Environments = maps.Clone(sess.info.Environments)
	if !sess.closed {
		v.Batches = append([]string(nil), sess.batchOrder...)
	}
	return v
}

func (s *Service) batchView(sid int, b *batch, now time.Time) BatchView {
	v := BatchView{SessionID: sid, Name: b.name, Owner: b.owner, Generic: b.generic, Status: s.status(b, now),
		Committed: b.committed, CommittedAt: b.commitAt, Purged: b.purged, RequestCount: len(b.requests)}
	seen := map[string]bool{}
	for i, q := range b.requests {
		v.MessageIDs = append(v.MessageIDs, q.messageID)
		seen[q.messageID] = true
		rv := RequestView{MessageID: q.messageID, GeneratedMessageID: q.generatedID, Action: q.action,
			UserData: q.userData, HasUserData: q.hasUserData, Body: q.body, Deleted: b.deleted[i]}
		if b.committed {
			rv.AnsweredAt = s.answerTime(b, i)
			rv.Answered = !now.Before(rv.AnsweredAt)
		}
		if rv.Answered {
			v.Answered++
		}
		if rv.Deleted {
			v.Deleted++
		}
		v.Requests = append(v.Requests, rv)
	}
	v.DistinctMessageIDs = len(seen)
	v.Duplicates = v.RequestCount - v.DistinctMessageIDs
	return v
}

// Session returns a session, open or closed.
func (s *Service) Session(id int) (SessionView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return SessionView{}, false
	}
	return sess.view(), true
}

// Sessions returns every session, open or closed, by id.
func (s *Service) Sessions() []SessionView {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := make([]SessionView, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.sessions[id].view())
	}
	return out
}

// SessionCount returns the number of open sessions (closed ones are not
// counted; Sessions lists them too).
func (s *Service) SessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sess := range s.sessions {
		if !sess.closed {
			n++
		}
	}
	return n
}

// CloseSession closes a session out of band (as if its job ended). It
// reports whether the session was open.
func (s *Service) CloseSession(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok || sess.closed {
		return false
	}
	sess.close(s.clockNow())
	return true
}

// Batch returns a batch of an open session (a purged one too, with Purged
// set and no requests).
func (s *Service) Batch(sessionID int, name string) (BatchView, bool) {
	now := s.clockNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[sessionID]
	if !ok {
		return BatchView{}, false
	}
	b, ok := sess.batches[name]
	if !ok {
		return BatchView{}, false
	}
	return s.batchView(sessionID, b, now), true
}

// Batches returns the batches of a session in order of first use.
func (s *Service) Batches(sessionID int) []BatchView {
	now := s.clockNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[sessionID]
	if !ok {
		return nil
	}
	var out []BatchView
	for _, name := range sess.batchOrder {
		if b, ok := sess.batches[name]; ok {
			out = append(out, s.batchView(sessionID, b, now))
		}
	}
	return out
}

// PurgeBatch purges a batch out of band, exactly as the Purge operation
// does. It reports whether a batch that was not already purged existed; it
// returns false, changing nothing, when the session is unknown or closed.
func (s *Service) PurgeBatch(sessionID int, name string) bool {
	now := s.clockNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[sessionID]
	if !ok || sess.closed {
		return false
	}
	return sess.purge(name, now)
}
