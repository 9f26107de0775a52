package hpcpack

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/internal/servicekit"
)

// ServiceName is the emulator's name for this service.
const ServiceName = "hpcpack"

// Defaults used when Config leaves them empty (also by the emulator command).
const (
	DefaultUsername    = `CONTOSO\batchops`
	DefaultPassword    = "Batchops-Demo-Pa55w0rd!" // a fixed demo password
	DefaultWorkers     = 4
	DefaultRequestTime = 50 * time.Millisecond
	// DefaultServiceOperationTimeout is WebSessionInfo.ServiceOperationTimeout
	// (ms) when WebSessionStartInfo does not set it.
	DefaultServiceOperationTimeout = 86400000
	// ServerVersion is what GET .../Version returns.
	ServerVersion = "4.5.5079.0"
	// EchoServiceName and GenericServiceName are the services registered
	// when Config.Services is empty.
	EchoServiceName    = "EchoService"
	GenericServiceName = "GenericService"
)

// APIVersions are the accepted api-version values (spec §1.2).
var APIVersions = []string{"2011-11-01", "2012-03-31.3.4", "2012-11-01.4.0"}

// SOAService is a registered SOA service.
type SOAService struct {
	Name     string   // registration name (matched case-insensitively)
	Versions []string // accepted ServiceVersion values such as "1.0"; empty: any (or none)
	Generic  bool     // a generic service: batches use the genericservice=true text format
}

// Config configures the service.
type Config struct {
	// ClusterName non-empty emulates a server before HPC Pack 2016: URIs
	// are /WindowsHPC/{ClusterName}/... and GET /WindowsHPC/Clusters
	// exists. Empty emulates HPC Pack 2016: URIs are /WindowsHPC/...
	ClusterName string
	// Users maps "DOMAIN\user" to its password. HTTP Basic credentials and
	// the run-as credentials of Create Session are checked against it;
	// user names are compared case-insensitively, passwords exactly.
	// Default: {DefaultUsername: DefaultPassword}.
	Users map[string]string
	// Services are the registered SOA services. Default:
	// {Name: "EchoService"} and {Name: "GenericService", Generic: true}.
	Services []SOAService
	// Workers is how many requests of a batch are answered at once
	// (default 4); RequestTime is how long one worker needs per request
	// (default 50ms). See README.md, "Workers".
	Workers     int
	RequestTime time.Duration
	// StatusXMLAsNumber makes XML Status answers hold the number
	// (<BrokerClientStatus ...>2</BrokerClientStatus>) instead of the
	// member name.
	StatusXMLAsNumber bool
	// SessionIDStart is the id of the first session (default 1).
	SessionIDStart int
	// BrokerNode, when set, is the BrokerNode every session reports (WebSessionInfo), e.g.
	// "127.0.0.2"; emulator.Start then also serves the batch routes there (see Broker and
	// README.md, "Broker node"). Empty: sessions report the head node's host name.
	BrokerNode string
}

type userEntry struct {
	name     string
	password string
}

// Service is the emulated HPC Pack SOA web service of one cluster. It
// implements http.Handler; see README.md for the behaviour.
type Service struct {
	servicekit.Endpoint // SetBaseURL, BaseURL

	cfg      Config
	now      func() time.Time
	users    map[string]userEntry // key: lower-cased user name
	defUser  userEntry
	services map[string]SOAService // key: lower-cased name

	mu       sync.Mutex
	nextID   int
	sessions map[int]*session
}

// New returns the service. now is the emulator clock that drives the
// workers (nil: time.Now).
func New(cfg Config, now func() time.Time) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	if cfg.Users == nil {
		cfg.Users = map[string]string{DefaultUsername: DefaultPassword}
	}
	if len(cfg.Users) == 0 {
		return nil, fmt.Errorf("hpcpack: at least one user is required")
	}
	if cfg.Services == nil {
		cfg.Services = []SOAService{{Name: EchoServiceName}, {Name: GenericServiceName, Generic: true}}
	}
	if cfg.Workers == 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("hpcpack: workers must be positive, got %d", cfg.Workers)
	}
	if cfg.RequestTime == 0 {
		cfg.RequestTime = DefaultRequestTime
	}
	if cfg.RequestTime < 0 {
		return nil, fmt.Errorf("hpcpack: request time must not be negative, got %v", cfg.RequestTime)
	}
	if cfg.SessionIDStart == 0 {
		cfg.SessionIDStart = 1
	}
	if cfg.SessionIDStart < 0 {
		return nil, fmt.Errorf("hpcpack: session id start must be positive, got %d", cfg.SessionIDStart)
	}
	if strings.ContainsFunc(cfg.BrokerNode, func(r rune) bool { return r <= ' ' || r == 0x7f }) || strings.ContainsAny(cfg.BrokerNode, "/?#@") {
		return nil, fmt.Errorf("hpcpack: broker node %q must be a host name or host:port", cfg.BrokerNode)
	}
	if strings.ContainsAny(cfg.ClusterName, "/?#%") {
		return nil, fmt.Errorf("hpcpack: cluster name %q must not contain '/', '?', '#' or '%%'", cfg.ClusterName)
	}
	s := &Service{cfg: cfg, now: now, users: map[string]userEntry{}, services: map[string]SOAService{},
		nextID: cfg.SessionIDStart, sessions: map[int]*session{}}
	names := make([]string, 0, len(cfg.Users))
	for name, pw := range cfg.Users {
		if name == "" || strings.Contains(name, ":") {
			return nil, fmt.Errorf("hpcpack: user name %q must be non-empty and must not contain ':'", name)
		}
		if _, dup := s.users[strings.ToLower(name)]; dup {
			return nil, fmt.Errorf("hpcpack: user %q is configured twice (names are case-insensitive)", name)
		}
		s.users[strings.ToLower(name)] = userEntry{name: name, password: pw}
		names = append(names, name)
	}
	sort.Strings(names)
	s.defUser = s.users[strings.ToLower(names[0])]
	for _, svc := range cfg.Services {
		if svc.Name == "" {
			return nil, fmt.Errorf("hpcpack: a service needs a name")
		}
		for _, v := range svc.Versions {
			if _, err := parseVersion(v); err != nil {
				return nil, fmt.Errorf("hpcpack: service %s: %w", svc.Name, err)
			}
		}
		s.services[strings.ToLower(svc.Name)] = svc
	}
	return s, nil
}

// Name returns "hpcpack".
func (s *Service) Name() string { return ServiceName }

// ClusterName returns the configured cluster name ("" for the HPC Pack 2016
// URI form).
func (s *Service) ClusterName() string { return s.cfg.ClusterName }

// Username returns the default user: the only configured user, or the first
// in sorted order when there are several.
func (s *Service) Username() string { return s.defUser.name }

// Password returns the default user's password.
func (s *Service) Password() string { return s.defUser.password }

// PathPrefix returns the path every operation starts with:
// "/WindowsHPC/{ClusterName}" before HPC Pack 2016, "/WindowsHPC" otherwise.
func (s *Service) PathPrefix() string {
	if s.cfg.ClusterName != "" {
		return "/WindowsHPC/" + s.cfg.ClusterName
	}
	return "/WindowsHPC"
}

// clockNow reads the emulator clock in UTC.
func (s *Service) clockNow() time.Time { return s.now().UTC().Round(0) }

// WriteFault writes an HpcWebServiceFault (code UnknownError) for an
// injected status fault, in XML or JSON per Accept.
func (s *Service) WriteFault(w http.ResponseWriter, r *http.Request, status int) {
	writeFault(w, r, injectedFault(status))
}

// opKind is one of the head node's operations.
type opKind int

const (
	opClusters opKind = iota
	opVersion
	opCreate
	opAttach
	opClose
	opSend
	opCommit
	opStatus
	opResponse
	opPurge
	opJobs
)

type opSpec struct {
	name        string
	method      string
	apiOptional bool // api-version may be absent (Version, Clusters, Jobs)
	zeroLength  bool // Content-Length: 0 required
	handle      func(s *Service, c *call) *apiError
}

var ops = map[opKind]opSpec{
	opClusters: {name: "Get Clusters", method: http.MethodGet, apiOptional: true, handle: (*Service).getClusters},
	opVersion:  {name: "Get Version", method: http.MethodGet, apiOptional: true, handle: (*Service).getVersion},
	opCreate:   {name: "Create Session", method: http.MethodPost, handle: (*Service).createSession},
	opAttach:   {name: "Attach Session", method: http.MethodGet, handle: (*Service).attachSession},
	opClose:    {name: "Close Session", method: http.MethodPost, zeroLength: true, handle: (*Service).closeSession},
	opSend:     {name: "Send Requests", method: http.MethodPost, handle: (*Service).sendRequests},
	opCommit:   {name: "Commit Requests", method: http.MethodPost, zeroLength: true, handle: (*Service).commitBatch},
	opStatus:   {name: "Get Request Status", method: http.MethodGet, handle: (*Service).batchStatus},
	opResponse: {name: "Get Responses", method: http.MethodPost, zeroLength: true, handle: (*Service).getResponses},
	opPurge:    {name: "Delete Requests", method: http.MethodPost, zeroLength: true, handle: (*Service).purgeBatch},
	opJobs:     {name: "Get Job List", method: http.MethodGet, apiOptional: true, handle: (*Service).getJobList},
}

// call is the per-request context.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	user  string            // authenticated user name as configured
	query map[string]string // lower-cased names, first value
	sid   string            // raw session id segment
	batch string            // batch name (unescaped)
	now   time.Time
}

func (c *call) q(name string) (string, bool) {
	v, ok := c.query[name]
	return v, ok
}

// ServeHTTP implements the web service.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := s.handle(w, r, false); err != nil {
		writeFault(w, r, err)
	}
}

// handle runs the checks common to all operations (README.md, "Order of
// checks"), then the operation.
func (s *Service) handle(w http.ResponseWriter, r *http.Request, onBroker bool) *apiError {
	user, err := s.authenticate(r)
	if err != nil {
		return err
	}
	kind, sid, batch, err := s.route(r)
	if err != nil {
		return err
	}
	if onBroker && !brokerOps[kind] {
		return newFault(http.StatusNotFound, CodeUnknownError,
			"Endpoint not found: "+r.URL.EscapedPath()+". This is the broker node "+s.cfg.BrokerNode+
				": it serves batch operations only; session operations and the job API go to the head node.")
	}
	spec := ops[kind]
	if r.Method != spec.method {
		e := newFault(http.StatusMethodNotAllowed, CodeArgumentError,
			fmt.Sprintf("Method %s is not allowed for %s; use %s.", r.Method, spec.name, spec.method))
		e.header = map[string]string{"Allow": spec.method}
		return e
	}
	parsed, perr := url.ParseQuery(r.URL.RawQuery)
	if perr != nil {
		return argError("The query string is malformed: %v", perr)
	}
	c := &call{w: w, r: r, user: user, query: map[string]string{}, sid: sid, batch: batch, now: s.clockNow()}
	for k, vs := range parsed {
		lk := strings.ToLower(k)
		if _, seen := c.query[lk]; !seen && len(vs) > 0 {
			c.query[lk] = vs[0]
		}
	}
	if err := checkAPIVersion(r, c, spec.apiOptional); err != nil {
		return err
	}
	if spec.zeroLength {
		cl := r.Header.Get("Content-Length")
		if cl == "" {
			return newFault(http.StatusLengthRequired, CodeArgumentError,
				spec.name+" requires the header Content-Length: 0 (a chunked or length-less request is not accepted).")
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64); err != nil || n != 0 {
			return argError("%s takes no body: Content-Length must be 0, got %s.", spec.name, cl)
		}
	}
	return spec.handle(s, c)
}

// checkAPIVersion applies spec §1.2: the api-version header wins over the
// query parameter; it is required unless optional; the value must be one of
// APIVersions. Both failures are 400 WebAPI_APIVersionIncorrect [I: the
// code for a missing value].
func checkAPIVersion(r *http.Request, c *call, optional bool) *apiError {
	v, ok := "", false
	if vs := r.Header.Values("api-version"); len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
		v, ok = strings.TrimSpace(vs[0]), true
	} else if qv, found := c.q("api-version"); found && strings.TrimSpace(qv) != "" {
		v, ok = strings.TrimSpace(qv), true
	}
	if !ok {
		if optional {
			return nil
		}
		return newFault(http.StatusBadRequest, CodeWebAPIAPIVersionIncorrect,
			"The api-version header or query parameter is required; supported values: "+strings.Join(APIVersions, ", ")+".",
			"api-version", "")
	}
	for _, a := range APIVersions {
		if v == a {
			return nil
		}
	}
	return newFault(http.StatusBadRequest, CodeWebAPIAPIVersionIncorrect,
		"The api-version '"+v+"' is not supported; supported values: "+strings.Join(APIVersions, ", ")+".",
		"api-version", v)
}

// authenticate checks HTTP Basic credentials and returns the user name as
// configured. [I] No header, another scheme or an undecodable value is 401
// with a Basic challenge (realm = the request's host name); an unknown user
// or a wrong password is 403 (TP treats 403 as a credential error). Both
// carry a WebAPI_AccessDenied fault.
func (s *Service) authenticate(r *http.Request) (string, *apiError) {
	realm := hostName(r)
	challenge := func(msg string) *apiError {
		e := newFault(http.StatusUnauthorized, CodeWebAPIAccessDenied, msg)
		e.header = map[string]string{"WWW-Authenticate": `Basic realm="` + realm + `"`}
		return e
	}
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", challenge("Authentication is required: send HTTP Basic credentials.")
	}
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", challenge("The authentication scheme " + scheme + " is not supported: use HTTP Basic.")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", challenge("The Basic credentials are not valid base64.")
	}
	name, pw, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", challenge("The Basic credentials must have the form user:password.")
	}
	u, found := s.users[strings.ToLower(name)]
	if !found || subtle.ConstantTimeCompare([]byte(pw), []byte(u.password)) != 1 {
		return "", newFault(http.StatusForbidden, CodeWebAPIAccessDenied,
			"Access is denied: the user name or password is incorrect.")
	}
	return u.name, nil
}

// checkRunAs checks run-as credentials against Users.
func (s *Service) checkRunAs(name, pw string) (string, bool) {
	u, found := s.users[strings.ToLower(name)]
	if !found || subtle.ConstantTimeCompare([]byte(pw), []byte(u.password)) != 1 {
		return "", false
	}
	return u.name, true
}

// hostName is the request's host without the port.
func hostName(r *http.Request) string {
	h := r.Host
	if h == "" {
		return "localhost"
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		return strings.Trim(host, "[]")
	}
	return strings.Trim(h, "[]")
}

func notFound(path string) *apiError {
	return newFault(http.StatusNotFound, CodeUnknownError, "Endpoint not found: "+path+".")
}

// route maps the path (fixed segments and the cluster name matched
// case-insensitively) to an operation. Unknown paths, and the URI form the
// server does not serve (the cluster form on 2016, the 2016 form or a wrong
// cluster name before 2016, Get Clusters on 2016), are 404 with an
// UnknownError fault [I].
func (s *Service) route(r *http.Request) (opKind, string, string, *apiError) {
	path := r.URL.EscapedPath()
	raw := strings.Split(strings.TrimPrefix(path, "/"), "/")
	segs := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil || u == "" {
			return 0, "", "", notFound(path)
		}
		segs[i] = u
	}
	eq := strings.EqualFold
	if len(segs) == 0 || !eq(segs[0], "WindowsHPC") {
		return 0, "", "", notFound(path)
	}
	rest := segs[1:]
	if s.cfg.ClusterName != "" {
		if len(rest) == 1 && eq(rest[0], "Clusters") {
			return opClusters, "", "", nil
		}
		if len(rest) == 0 || !eq(rest[0], s.cfg.ClusterName) {
			return 0, "", "", newFault(http.StatusNotFound, CodeUnknownError,
				"Endpoint not found: "+path+". This server expects URIs of the form /WindowsHPC/"+s.cfg.ClusterName+"/...",
				"ClusterName", s.cfg.ClusterName)
		}
		rest = rest[1:]
	}
	switch {
	case len(rest) == 1 && eq(rest[0], "Version"):
		return opVersion, "", "", nil
	case len(rest) == 1 && eq(rest[0], "Jobs"):
		return opJobs, "", "", nil
	case len(rest) == 2 && eq(rest[0], "Sessions") && eq(rest[1], "Create"):
		return opCreate, "", "", nil
	case len(rest) == 3 && eq(rest[0], "Session") && eq(rest[2], "Attach"):
		return opAttach, rest[1], "", nil
	case len(rest) == 3 && eq(rest[0], "Session") && eq(rest[2], "Close"):
		return opClose, rest[1], "", nil
	case len(rest) == 4 && eq(rest[0], "Session") && eq(rest[2], "batch"):
		return opSend, rest[1], rest[3], nil
	case len(rest) == 5 && eq(rest[0], "Session") && eq(rest[2], "batch"):
		for kind, name := range map[opKind]string{opCommit: "Commit", opStatus: "Status", opResponse: "Response", opPurge: "Purge"} {
			if eq(rest[4], name) {
				return kind, rest[1], rest[3], nil
			}
		}
	}
	if s.cfg.ClusterName == "" && len(rest) >= 1 {
		if eq(rest[0], "Clusters") {
			return 0, "", "", newFault(http.StatusNotFound, CodeUnknownError,
				"Endpoint not found: "+path+". Get Clusters is not supported starting in HPC Pack 2016.")
		}
		if len(rest) >= 2 && !eq(rest[0], "Version") && !eq(rest[0], "Jobs") && !eq(rest[0], "Sessions") && !eq(rest[0], "Session") {
			return 0, "", "", newFault(http.StatusNotFound, CodeUnknownError,
				"Endpoint not found: "+path+". This server (HPC Pack 2016) expects URIs of the form /WindowsHPC/... without a cluster name.")
		}
	}
	return 0, "", "", notFound(path)
}

// parseBool reads a .NET bool query value (True/False, any case); absent or empty, it is false.
func parseBool(c *call, name string, required bool) (bool, *apiError) {
	v, ok := c.q(name)
	if !ok {
		if required {
			return false, argError("The query parameter %s is required (true or false).", name)
		}
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "":
		if required {
			return false, argError("The query parameter %s is required (true or false).", name)
		}
		return false, nil
	}
	return false, argError("The query parameter %s must be true or false, got '%s'.", name, v)
}

// checkContentType accepts the given media types, optionally with
// charset=utf-8; a missing or other Content-Type is 415 with an
// ArgumentError fault [I: 415 chosen over 400].
func checkContentType(r *http.Request, op string, allowed ...string) *apiError {
	ct := r.Header.Get("Content-Type")
	bad := func(reason string) *apiError {
		return newFault(http.StatusUnsupportedMediaType, CodeArgumentError,
			fmt.Sprintf("%s: %s (Content-Type '%s'; expected %s).", op, reason, ct, strings.Join(allowed, " or ")),
			"Content-Type", ct)
	}
	if strings.TrimSpace(ct) == "" {
		return bad("the Content-Type header is required")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return bad("the Content-Type header is malformed")
	}
	found := false
	for _, a := range allowed {
		if mt == a {
			found = true
		}
	}
	if !found {
		return bad("unsupported media type")
	}
	for k, v := range params {
		if k != "charset" || !(strings.EqualFold(v, "utf-8") || strings.EqualFold(v, "utf8")) {
			return bad("unsupported media type parameter " + k + "=" + v)
		}
	}
	return nil
}

// getClusters answers GET /WindowsHPC/Clusters (pre-2016 only).
func (s *Service) getClusters(c *call) *apiError {
	if wantsJSON(c.r) {
		writeJSON(c.w, http.StatusOK, []any{map[string]any{"Properties": []any{map[string]string{"Name": "Name", "Value": s.cfg.ClusterName}}}})
		return nil
	}
	writeXML(c.w, http.StatusOK, `<ArrayOfObject xmlns="`+nsCommon+`" xmlns:i="`+nsXSI+`"><Object><Properties><Property><Name>Name</Name><Value>`+
		escapeText(s.cfg.ClusterName)+`</Value></Property></Properties></Object></ArrayOfObject>`)
	return nil
}

// getVersion answers GET .../Version.
func (s *Service) getVersion(c *call) *apiError {
	if wantsJSON(c.r) {
		writeJSON(c.w, http.StatusOK, ServerVersion)
		return nil
	}
	writeXML(c.w, http.StatusOK, `<string xmlns="`+nsSerialization+`">`+ServerVersion+`</string>`)
	return nil
}
