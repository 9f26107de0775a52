package hpcsoa

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

// SessionStartInfo is the WebSessionStartInfo of Create Session.
type SessionStartInfo struct {
	ServiceName string
	// ServiceVersion is "" or "major.minor[.build[.revision]]" (a .NET System.Version).
	ServiceVersion string
	// Durable is the durable= query of Create and Attach.
	Durable bool
	// MaxMessageSize is required by the service (positive, at most 2^31-1).
	MaxMessageSize int64
	// RuntimeSeconds is the service job's run time; -1 = unlimited. Sent as Runtime.
	RuntimeSeconds int
	JobTemplate    string
	// NodeGroups is sent comma-joined as NodeGroupsStr.
	NodeGroups         []string
	MinUnits, MaxUnits *int
	// ResourceUnitType is a SessionUnitType member (ResourceUnitTypes), "" for the default.
	ResourceUnitType string
	// Priority is a JobPriority member (JobPriorities), "" for the default.
	Priority string
	// Environment is sent as Environments (service host environment variables).
	Environment  map[string]string
	ShareSession bool
	// Username and Password are the run-as credentials of the service job (required by the
	// service; often the same as the HTTP credentials).
	Username, Password string
	// ServiceJobName names the service job (at most 80 characters). Empty: CreateSession
	// generates a unique one (NewServiceJobName), by which it finds the session again when the
	// answer to Create Session is lost.
	ServiceJobName string
}

// JobPriorities are the JobPriority members; each is sent as its position.
var JobPriorities = []string{"Lowest", "BelowNormal", "Normal", "AboveNormal", "Highest"}

// ResourceUnitTypes are the SessionUnitType members; each is sent as its position.
var ResourceUnitTypes = []string{"Core", "Socket", "Node"}

// enumValue is the wire value of an enum member: its position. "" (the default) is nil.
func enumValue(name string, members []string) (*int, error) {
	if name == "" {
		return nil, nil
	}
	for i, m := range members {
		if m == name {
			return &i, nil
		}
	}
	return nil, fmt.Errorf("%s is not one of %s", quote(name), strings.Join(members, ", "))
}

// SessionInfo is the WebSessionInfo answered by Create and Attach.
type SessionInfo struct {
	ID                      int
	BrokerNode              string
	IsDurable               bool
	MaxMessageSize          int64
	ServiceOperationTimeout int
	ServiceVersion          string // "" when nil
	// ServiceJobName is the service job name CreateSession sent (generated when the start info
	// had none). The web service's answers do not carry it: it is empty after AttachSession.
	ServiceJobName string
}

const (
	nsSession   = "http://hpc.microsoft.com/"
	nsInstance  = "http://www.w3.org/2001/XMLSchema-instance"
	nsArrays    = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
	nsSystem    = "http://schemas.datacontract.org/2004/07/System"
	xmlMimeUTF8 = "application/xml; charset=utf-8"
)

// lookupAfterCancel bounds the look-up that resolves a create interrupted by its context.
const lookupAfterCancel = 10 * time.Second

// CreateSession creates a session: POST .../sessions/Create?durable=True|False with the
// WebSessionStartInfo as DataContract XML. Every session gets a service job name (s's, else a
// generated unique one), returned in SessionInfo.ServiceJobName. Create is not repeated after
// an ambiguous failure (a repeat could start a second service job); only unprocessed attempts
// (429, 503, refused connections) are.
//
// An ambiguous failure is a success answer without a readable WebSessionInfo, or a connection
// that failed (or a context that ended) once the request may have been sent. The session may
// then exist all the same, so CreateSession looks it up by its job name (FindSessionByJobName)
// and, when an open one is found, attaches to it and returns it as if the create had answered.
// If the context has ended, the look-up runs on a context that is not cancelled, for at most
// ten seconds. Otherwise:
//   - no open job has the name: an error (not ErrAmbiguous) saying no session was left open;
//   - the look-up fails: an error wrapping ErrAmbiguous that names the job to look for;
//   - the job is found but Attach fails: a SessionInfo holding only ID and ServiceJobName,
//     with the error, so the caller can record the session and close it later (unless Attach
//     says the session has already ended: then only the error).
func (c *Client) CreateSession(ctx context.Context, s SessionStartInfo) (*SessionInfo, error) {
	const op = "create session"
	if s.ServiceJobName == "" {
		name, err := NewServiceJobName()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		s.ServiceJobName = name
	}
	body, err := s.marshalXML()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err) // nothing was sent
	}
	resp, err := c.do(ctx, call{
		op:          op,
		method:      http.MethodPost,
		path:        "/sessions/Create",
		query:       "durable=" + dotnetBool(s.Durable),
		body:        func() io.ReadCloser { return io.NopCloser(bytes.NewReader(body)) },
		bodyLen:     int64(len(body)),
		contentType: xmlMimeUTF8,
		secrets:     []string{s.Password},
		authHint:    ", and the session's run-as username and password",
	})
	var fault *Fault
	if err != nil && (errors.As(err, &fault) || neverSent(err)) {
		return nil, err
	}
	var info *SessionInfo
	if err == nil {
		info, err = decodeAnswer(op, resp, "a WebSessionInfo", decodeSessionInfo)
	}
	if err != nil {
		return c.resolveCreate(ctx, s, err)
	}
	info.ServiceJobName = s.ServiceJobName
	c.brokers.learn(info)
	return info, nil
}

// resolveCreate finds the session of an ambiguous create by its service job name (see
// CreateSession).
func (c *Client) resolveCreate(ctx context.Context, s SessionStartInfo, createErr error) (*SessionInfo, error) {
	name := s.ServiceJobName
	if ctx.Err() != nil {
		// The caller gave up while the request was in flight (Terraform cancels on Ctrl-C, or a
		// timeout ran out): the session may exist all the same. A short look-up that ignores
		// the cancellation still finds it, so an interrupted create leaves no session nobody
		// tracks.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), lookupAfterCancel)
		defer cancel()
	}
	id, found, err := c.FindSessionByJobName(ctx, name)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w; %w: looking the session up by its service job name %s failed too (%v), so a session (a service job of service %s for %s) may exist that is not tracked; look for an open job named %s on the cluster and close it",
			createErr, ErrAmbiguous, quote(name), err, quote(s.ServiceName), s.Username, quote(name))
	case !found:
		return nil, fmt.Errorf("%w; no open service job named %s was found afterwards, so no session was left open (unless the service is still creating it, which would then show under that name)",
			createErr, quote(name))
	}
	info, err := c.AttachSession(ctx, id, s.Durable)
	switch {
	case IsSessionGone(err):
		return nil, fmt.Errorf("%w; session %d (service job %s) was created but has already ended: %w", createErr, id, quote(name), err)
	case err != nil:
		return &SessionInfo{ID: id, ServiceJobName: name}, fmt.Errorf("%w; session %d (service job %s) was created, but attaching to it failed: %w", createErr, id, quote(name), err)
	}
	info.ServiceJobName = name
	return info, nil
}

// neverSent reports a connection failure before the request reached the service.
func neverSent(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) && opErr.Op == "dial" || errors.As(err, &dnsErr)
}

// AttachSession reads a session: GET .../session/{id}/Attach?durable=True|False. durable must
// match the session (InvalidAttachDurableSession / InvalidAttachInteractiveSession otherwise).
// A session that has ended gives a fault that IsSessionGone recognises.
func (c *Client) AttachSession(ctx context.Context, id int, durable bool) (*SessionInfo, error) {
	const op = "attach session"
	p, err := sessionPath(id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var info *SessionInfo
	err = transport.Repeat(ctx, c.retry, IsMalformed, func() error {
		resp, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p + "/Attach", query: "durable=" + dotnetBool(durable)})
		if err != nil {
			return err
		}
		info, err = decodeAnswer(op, resp, "a WebSessionInfo", decodeSessionInfo)
		if err == nil && info.ID != id {
			err = &MalformedError{Op: op, StatusCode: resp.StatusCode, Detail: fmt.Sprintf("the answer is for session %d", info.ID)}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	c.brokers.learn(info)
	return info, nil
}

// CloseSession closes a session (ending its service job): POST .../session/{id}/Close with
// Content-Length: 0. A fault is returned as an error; the caller decides (a session that is
// already closed gives a fault that IsSessionGone recognises; the HPC Pack runtime ignores
// session faults on Close). It is marked idempotent for the transport: a repeat after a lost
// answer can only find the session already closed, which is that same recognisable fault.
func (c *Client) CloseSession(ctx context.Context, id int) error {
	const op = "close session"
	p, err := sessionPath(id)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	resp, err := c.do(ctx, call{op: op, method: http.MethodPost, path: p + "/Close", idempotent: true})
	if err == nil || IsSessionGone(err) {
		c.brokers.forget(id)
	}
	if err != nil {
		return err
	}
	drain(resp.Body)
	return nil
}

// The service's limits on a session's strings, in characters.
const (
	// MaxUsernameLength and MaxServiceJobNameLength: a job's user and name (ISchedulerJob).
	MaxUsernameLength       = 80
	MaxServiceJobNameLength = 80
	MaxPasswordLength       = 127
)

// ServiceVersionRule is the form of a service version: a .NET System.Version.
const ServiceVersionRule = "must be a version such as 1.0 or 2.1.3 (major.minor[.build[.revision]], non-negative integers)"

// CheckServiceVersion reports a service version that breaks ServiceVersionRule.
func CheckServiceVersion(s string) error {
	_, err := parseVersion(s)
	return err
}

// validate checks what the service requires, so that mistakes fail before any call.
func (s SessionStartInfo) validate() error {
	if strings.TrimSpace(s.ServiceName) == "" {
		return fmt.Errorf("service name is required")
	}
	if s.MaxMessageSize <= 0 || s.MaxMessageSize > math.MaxInt32 {
		return fmt.Errorf("max message size %d must be between 1 and %d", s.MaxMessageSize, math.MaxInt32)
	}
	if s.RuntimeSeconds < -1 {
		return fmt.Errorf("runtime %d seconds must be -1 (unlimited) or positive", s.RuntimeSeconds)
	}
	if s.Username == "" {
		return fmt.Errorf("the run-as username is required")
	}
	if n := utf8.RuneCountInString(s.Username); n > MaxUsernameLength {
		return fmt.Errorf("the run-as username is %d characters long; at most %d are allowed", n, MaxUsernameLength)
	}
	if s.Password == "" {
		return fmt.Errorf("the run-as password is required")
	}
	// A job name is limited to 80 Unicode characters (ISchedulerJob.Name).
	if n := utf8.RuneCountInString(s.ServiceJobName); n > MaxServiceJobNameLength {
		return fmt.Errorf("the service job name is %d characters long; at most %d are allowed", n, MaxServiceJobNameLength)
	}
	if n := utf8.RuneCountInString(s.Password); n > MaxPasswordLength {
		return fmt.Errorf("the run-as password is %d characters long; at most %d are allowed", n, MaxPasswordLength)
	}
	if s.ServiceVersion != "" {
		if _, err := parseVersion(s.ServiceVersion); err != nil {
			return err
		}
	}
	for _, g := range s.NodeGroups {
		if strings.TrimSpace(g) == "" || strings.Contains(g, ",") {
			return fmt.Errorf("node group %s must be non-empty and must not contain a comma", quote(g))
		}
	}
	for name, v := range map[string]*int{"min units": s.MinUnits, "max units": s.MaxUnits} {
		if v != nil && *v < 0 {
			return fmt.Errorf("%s %d must not be negative", name, *v)
		}
	}
	if s.MinUnits != nil && s.MaxUnits != nil && *s.MinUnits > *s.MaxUnits {
		return fmt.Errorf("min units %d is greater than max units %d", *s.MinUnits, *s.MaxUnits)
	}
	if _, err := enumValue(s.ResourceUnitType, ResourceUnitTypes); err != nil {
		return fmt.Errorf("resource unit type: %w", err)
	}
	if _, err := enumValue(s.Priority, JobPriorities); err != nil {
		return fmt.Errorf("priority: %w", err)
	}
	for k := range s.Environment {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return fmt.Errorf("environment variable name %s is not valid", quote(k))
		}
	}
	for name, v := range map[string]string{"service name": s.ServiceName, "job template": s.JobTemplate, "run-as username": s.Username, "run-as password": s.Password, "service job name": s.ServiceJobName} {
		if err := checkXMLText(v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	for k, v := range s.Environment {
		if err := checkXMLText(k + v); err != nil {
			return fmt.Errorf("environment variable %s: %w", quote(k), err)
		}
	}
	for _, g := range s.NodeGroups {
		if err := checkXMLText(g); err != nil {
			return fmt.Errorf("node group: %w", err)
		}
	}
	return nil
}

// marshalXML writes the WebSessionStartInfo. DataContractSerializer wants the members in
// ordinal (alphabetical) order; optional members that are not set are left out.
func (s SessionStartInfo) marshalXML() ([]byte, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	elem := func(name, value string) {
		b.WriteString("<" + name + ">")
		_ = xml.EscapeText(&b, []byte(value))
		b.WriteString("</" + name + ">")
	}
	intElem := func(name string, v *int) {
		if v != nil {
			elem(name, strconv.Itoa(*v))
		}
	}
	b.WriteString(`<WebSessionStartInfo xmlns="` + nsSession + `" xmlns:i="` + nsInstance + `">`)
	if len(s.Environment) > 0 {
		keys := slices.Sorted(maps.Keys(s.Environment))
		b.WriteString(`<Environments xmlns:a="` + nsArrays + `">`)
		for _, k := range keys {
			b.WriteString("<a:KeyValueOfstringstring>")
			elem("a:Key", k)
			elem("a:Value", s.Environment[k])
			b.WriteString("</a:KeyValueOfstringstring>")
		}
		b.WriteString("</Environments>")
	}
	if s.JobTemplate != "" {
		elem("JobTemplate", s.JobTemplate)
	}
	elem("MaxMessageSize", strconv.FormatInt(s.MaxMessageSize, 10))
	intElem("MaxUnits", s.MaxUnits)
	intElem("MinUnits", s.MinUnits)
	if len(s.NodeGroups) > 0 {
		elem("NodeGroupsStr", strings.Join(s.NodeGroups, ","))
	}
	elem("Password", s.Password)
	priority, _ := enumValue(s.Priority, JobPriorities)
	intElem("Priority", priority)
	unitType, _ := enumValue(s.ResourceUnitType, ResourceUnitTypes)
	intElem("ResourceUnitType", unitType)
	elem("Runtime", strconv.Itoa(s.RuntimeSeconds))
	if s.ServiceJobName != "" {
		elem("ServiceJobName", s.ServiceJobName)
	}
	elem("ServiceName", s.ServiceName)
	if s.ServiceVersion != "" {
		v, _ := parseVersion(s.ServiceVersion)
		b.WriteString(`<ServiceVersion xmlns:a="` + nsSystem + `">`)
		elem("a:_Build", strconv.Itoa(v[2]))
		elem("a:_Major", strconv.Itoa(v[0]))
		elem("a:_Minor", strconv.Itoa(v[1]))
		elem("a:_Revision", strconv.Itoa(v[3]))
		b.WriteString("</ServiceVersion>")
	}
	if s.ShareSession {
		elem("ShareSession", "true")
	}
	elem("Username", s.Username)
	b.WriteString("</WebSessionStartInfo>")
	return b.Bytes(), nil
}

// parseVersion parses "major.minor[.build[.revision]]" into four components, -1 for those
// not given (System.Version's convention).
func parseVersion(s string) ([4]int, error) {
	v := [4]int{-1, -1, -1, -1}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return v, fmt.Errorf("service version %s is not major.minor[.build[.revision]]", quote(s))
	}
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil || n < 0 || strings.TrimSpace(p) != p || strings.HasPrefix(p, "+") {
			return v, fmt.Errorf("service version %s is not major.minor[.build[.revision]] with non-negative integers", quote(s))
		}
		v[i] = int(n)
	}
	return v, nil
}

// formatVersion writes a System.Version: major.minor, then build and revision unless -1.
func formatVersion(major, minor, build, revision int) string {
	s := strconv.Itoa(major) + "." + strconv.Itoa(minor)
	if build >= 0 {
		s += "." + strconv.Itoa(build)
		if revision >= 0 {
			s += "." + strconv.Itoa(revision)
		}
	}
	return s
}

type xmlVersion struct {
	Nil      string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
	Major    *int   `xml:"_Major"`
	Minor    *int   `xml:"_Minor"`
	Build    *int   `xml:"_Build"`
	Revision *int   `xml:"_Revision"`
	Text     string `xml:",chardata"`
}

type xmlSessionInfo struct {
	XMLName                 xml.Name
	BrokerNode              string      `xml:"BrokerNode"`
	ID                      *int        `xml:"Id"`
	IsDurable               bool        `xml:"IsDurable"`
	MaxMessageSize          int64       `xml:"MaxMessageSize"`
	ServiceOperationTimeout int         `xml:"ServiceOperationTimeout"`
	ServiceVersion          *xmlVersion `xml:"ServiceVersion"`
}

type jsonSessionInfo struct {
	BrokerNode              string          `json:"BrokerNode"`
	ID                      *int            `json:"Id"`
	IsDurable               bool            `json:"IsDurable"`
	MaxMessageSize          int64           `json:"MaxMessageSize"`
	ServiceOperationTimeout int             `json:"ServiceOperationTimeout"`
	ServiceVersion          json.RawMessage `json:"ServiceVersion"`
}

func decodeSessionInfo(contentType string, data []byte) (*SessionInfo, error) {
	switch formatOf(contentType, data) {
	case formatXML:
		var x xmlSessionInfo
		if err := xml.Unmarshal(data, &x); err != nil {
			return nil, err
		}
		if x.XMLName.Local != "WebSessionInfo" {
			return nil, fmt.Errorf("root element <%s>, want <WebSessionInfo>", x.XMLName.Local)
		}
		if x.ID == nil || *x.ID <= 0 {
			return nil, fmt.Errorf("no positive Id")
		}
		info := &SessionInfo{ID: *x.ID, BrokerNode: strings.TrimSpace(x.BrokerNode), IsDurable: x.IsDurable,
			MaxMessageSize: x.MaxMessageSize, ServiceOperationTimeout: x.ServiceOperationTimeout}
		if v := x.ServiceVersion; v != nil && v.Nil != "true" && v.Nil != "1" {
			switch {
			case v.Major != nil || v.Minor != nil:
				if v.Major == nil || v.Minor == nil {
					return nil, fmt.Errorf("ServiceVersion lacks _Major or _Minor")
				}
				info.ServiceVersion = formatVersion(*v.Major, *v.Minor, orAbsent(v.Build), orAbsent(v.Revision))
			default:
				info.ServiceVersion = strings.TrimSpace(v.Text)
			}
		}
		return info, nil
	case formatJSON:
		var j jsonSessionInfo
		if err := json.Unmarshal(data, &j); err != nil {
			return nil, err
		}
		if j.ID == nil || *j.ID <= 0 {
			return nil, fmt.Errorf("no positive Id")
		}
		info := &SessionInfo{ID: *j.ID, BrokerNode: j.BrokerNode, IsDurable: j.IsDurable,
			MaxMessageSize: j.MaxMessageSize, ServiceOperationTimeout: j.ServiceOperationTimeout}
		sv, err := jsonVersion(j.ServiceVersion)
		if err != nil {
			return nil, err
		}
		info.ServiceVersion = sv
		return info, nil
	}
	return nil, fmt.Errorf("neither XML nor JSON: %s", quote(string(data)))
}

// jsonVersion reads ServiceVersion as null, a string, or {"_Major":1,"_Minor":0,...}.
func jsonVersion(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return strings.TrimSpace(s), nil
	}
	var v struct {
		Major    *int `json:"_Major"`
		Minor    *int `json:"_Minor"`
		Build    *int `json:"_Build"`
		Revision *int `json:"_Revision"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("ServiceVersion: %w", err)
	}
	if v.Major == nil || v.Minor == nil {
		return "", fmt.Errorf("ServiceVersion %s lacks _Major or _Minor", quote(string(raw)))
	}
	return formatVersion(*v.Major, *v.Minor, orAbsent(v.Build), orAbsent(v.Revision)), nil
}

// orAbsent is *p, or -1 (a part formatVersion leaves out) when p is nil.
func orAbsent(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}
