package hpcpack

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxStartInfoBytes bounds a Create Session body.
const maxStartInfoBytes = 1 << 20

type session struct {
	id         int
	info       StartInfo
	durable    bool
	owner      string // HTTP user who created it
	runAs      string // run-as user as configured
	service    SOAService
	version    *version // requested ServiceVersion
	brokerNode string
	created    time.Time
	closed     bool
	closedAt   time.Time
	batches    map[string]*batch // key: batch name (case-sensitive)
	batchOrder []string
	msgSeq     int // generated message ids so far
}

func (s *session) serviceOperationTimeout() int {
	if s.info.ServiceOperationTimeout != nil {
		return *s.info.ServiceOperationTimeout
	}
	return DefaultServiceOperationTimeout
}

// parseSessionID reads the {sid} segment: a non-negative 32-bit integer.
func parseSessionID(raw string) (int, *apiError) {
	n, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || n < 0 {
		return 0, newFault(http.StatusBadRequest, CodeInvalidSessionID,
			fmt.Sprintf("The session id '%s' is not valid: it must be an integer.", raw), "SessionId", raw)
	}
	return int(n), nil
}

func invalidSession(id int) *apiError {
	return newFault(http.StatusBadRequest, CodeInvalidSessionID,
		fmt.Sprintf("The session %d does not exist or has been closed.", id), "SessionId", strconv.Itoa(id))
}

// openSession returns an open session; callers hold s.mu.
func (s *Service) openSession(id int) (*session, *apiError) {
	sess, ok := s.sessions[id]
	if !ok || sess.closed {
		return nil, invalidSession(id)
	}
	return sess, nil
}

// createSession: POST .../Sessions/Create?durable=true|false (durable is
// required; durable sessions are supported and kept). The body is XML or
// JSON per Content-Type; the answer is XML or JSON per Accept. After the
// member checks: an unregistered service is Service_NotFound, a version not
// in SOAService.Versions ServiceVersion_NotFound (400), and run-as
// credentials that do not match Users are 403 AuthenticationFailure [I].
func (s *Service) createSession(c *call) *apiError {
	if err := checkContentType(c.r, "Create Session", "application/xml", "application/json"); err != nil {
		return err
	}
	durable, err := parseBool(c, "durable", true)
	if err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	body := io.LimitReader(c.r.Body, maxStartInfoBytes)
	var vals map[string]pval
	if mt == "application/json" {
		vals, err = parseStartInfoJSON(body)
	} else {
		vals, err = parseStartInfoXML(body)
	}
	if err != nil {
		return err
	}
	info, password, err := buildStartInfo(vals)
	if err != nil {
		return err
	}
	svc, ok := s.services[strings.ToLower(info.ServiceName)]
	if !ok {
		return newFault(http.StatusBadRequest, CodeServiceNotFound,
			fmt.Sprintf("The service %s is not registered on the cluster.", info.ServiceName), "ServiceName", info.ServiceName)
	}
	var ver *version
	if v, ok := vals["ServiceVersion"]; ok && !v.isNil {
		vv := v.ver
		ver = &vv
		if len(svc.Versions) > 0 {
			found := false
			for _, sv := range svc.Versions {
				if p, _ := parseVersion(sv); p.matches(vv) {
					found = true
				}
			}
			if !found {
				return newFault(http.StatusBadRequest, CodeServiceVersionNotFound,
					fmt.Sprintf("The version %s of the service %s is not registered (registered: %s).", vv, svc.Name, strings.Join(svc.Versions, ", ")),
					"ServiceName", svc.Name, "ServiceVersion", vv.String())
			}
		}
	}
	runAs, ok := s.checkRunAs(info.Username, password)
	if !ok {
		return newFault(http.StatusForbidden, CodeAuthenticationFailure,
			fmt.Sprintf("The run-as credentials of user %s are not valid.", info.Username), "Username", info.Username)
	}

	s.mu.Lock()
	id := s.nextID
	s.nextID++
	sess := &session{id: id, info: info, durable: durable, owner: c.user, runAs: runAs, service: svc, version: ver,
		brokerNode: s.brokerNode(c.r), created: c.now, batches: map[string]*batch{}}
	s.sessions[id] = sess
	s.mu.Unlock()
	writeSessionInfo(c, http.StatusCreated, sess)
	return nil
}

// attachSession: GET .../Session/{sid}/Attach?durable=true|false. An unknown
// or closed session is InvalidSessionId; durable=false on a durable session
// is InvalidAttachDurableSession, durable=true on an interactive one
// InvalidAttachInteractiveSession (all 400 [I]).
func (s *Service) attachSession(c *call) *apiError {
	durable, err := parseBool(c, "durable", true)
	if err != nil {
		return err
	}
	id, err := parseSessionID(c.sid)
	if err != nil {
		return err
	}
	s.mu.Lock()
	sess, err := s.openSession(id)
	if err == nil {
		switch {
		case sess.durable && !durable:
			err = newFault(http.StatusBadRequest, CodeInvalidAttachDurableSession,
				fmt.Sprintf("The session %d is a durable session: attach with durable=true.", id), "SessionId", strconv.Itoa(id))
		case !sess.durable && durable:
			err = newFault(http.StatusBadRequest, CodeInvalidAttachInteractiveSession,
				fmt.Sprintf("The session %d is an interactive session: attach with durable=false.", id), "SessionId", strconv.Itoa(id))
		}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeSessionInfo(c, http.StatusOK, sess)
	return nil
}

// closeSession: POST .../session/{sid}/Close: ends the session and deletes
// its batches. An unknown or already closed session is 400 InvalidSessionId
// (clients treat it as success).
func (s *Service) closeSession(c *call) *apiError {
	id, err := parseSessionID(c.sid)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.openSession(id)
	if err != nil {
		return err
	}
	sess.close(c.now)
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// close ends the session and deletes its batches; callers hold s.mu.
func (sess *session) close(now time.Time) {
	sess.closed = true
	sess.closedAt = now
	sess.batches = map[string]*batch{}
}

type webSessionInfoJSON struct {
	BrokerNode              string  `json:"BrokerNode"`
	ID                      int     `json:"Id"`
	IsDurable               bool    `json:"IsDurable"`
	MaxMessageSize          int     `json:"MaxMessageSize"`
	ServiceOperationTimeout int     `json:"ServiceOperationTimeout"`
	ServiceVersion          *string `json:"ServiceVersion"`
}

// writeSessionInfo writes WebSessionInfo in XML or, per Accept, JSON.
// The session's fields read here never change after creation.
func writeSessionInfo(c *call, status int, sess *session) {
	if wantsJSON(c.r) {
		j := webSessionInfoJSON{BrokerNode: sess.brokerNode, ID: sess.id, IsDurable: sess.durable,
			MaxMessageSize: sess.info.MaxMessageSize, ServiceOperationTimeout: sess.serviceOperationTimeout()}
		if sess.version != nil {
			v := sess.version.String()
			j.ServiceVersion = &v
		}
		writeJSON(c.w, status, j)
		return
	}
	var b strings.Builder
	b.WriteString(`<WebSessionInfo xmlns="` + nsHPCSlash + `" xmlns:i="` + nsXSI + `">`)
	b.WriteString(`<BrokerNode>` + escapeText(sess.brokerNode) + `</BrokerNode>`)
	fmt.Fprintf(&b, `<Id>%d</Id><IsDurable>%t</IsDurable><MaxMessageSize>%d</MaxMessageSize><ServiceOperationTimeout>%d</ServiceOperationTimeout>`,
		sess.id, sess.durable, sess.info.MaxMessageSize, sess.serviceOperationTimeout())
	if sess.version == nil {
		b.WriteString(`<ServiceVersion i:nil="true" xmlns:a="` + nsSystem + `"/>`)
	} else {
		b.WriteString(`<ServiceVersion xmlns:a="` + nsSystem + `">` + sess.version.xmlMembers() + `</ServiceVersion>`)
	}
	b.WriteString(`</WebSessionInfo>`)
	writeXML(c.w, status, b.String())
}
