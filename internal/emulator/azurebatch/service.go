package azurebatch

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/internal/servicekit"
)

// APIVersion is the only api-version the emulator accepts.
const APIVersion = "2024-07-01.20.0"

// ServiceName is the emulator's name for this service.
const ServiceName = "azurebatch"

// Defaults used when Config leaves them empty (also by the emulator command).
const (
	DefaultAccount = "batchopsdemo"
	// DefaultKey is a fixed demo key (base64 of
	// "batchops-emulator-demo-account-key!!").
	DefaultKey    = "YmF0Y2hvcHMtZW11bGF0b3ItZGVtby1hY2NvdW50LWtleSEh"
	DefaultPoolID = "batchops-pool"
	// DefaultAudience is the public cloud's Batch resource.
	DefaultAudience = "https://batch.core.windows.net/"
)

// maxBodyBytes is the request body limit (the service's 1 MB).
const maxBodyBytes = 1 << 20

// Config configures the Azure Batch service.
type Config struct {
	Account     string // account name; default DefaultAccount
	Key         string // base64 account key; default DefaultKey
	BearerToken string // optional: accept "Authorization: Bearer <this>" as Microsoft Entra ID auth
	Jobs        []Job  // pre-created jobs

	// Tokens, when set, looks up a Bearer token in the Entra ID authority that issued it and
	// returns the audience (Batch resource) it was issued for; Start sets it to the emulator's
	// authority. Only tokens issued for Audience are accepted, as a real account accepts only
	// tokens for its own cloud's Batch resource.
	Tokens func(token string) (audience string, ok bool)
	// Audience is the Batch resource of the account's cloud, e.g.
	// "https://batch.core.windows.net/" (the default) or "https://batch.chinacloudapi.cn/".
	Audience string

	// AuthNow is the real-time source for the 15-minute ocp-date window;
	// nil means time.Now. Only tests of fixed signatures set it. The
	// emulator clock (the now argument of New) is never used for it.
	AuthNow func() time.Time
}

// Job describes a job to pre-create (or to add with AddJob). It is turned
// into an Add Job body and validated like one; zero values mean the
// service's defaults.
type Job struct {
	ID                   string
	DisplayName          string
	UsesTaskDependencies bool
	MaxTaskRetryCount    int32  // the default maxTaskRetryCount of its tasks
	PoolID               string // default DefaultPoolID
	OnTaskFailure        string // "noaction" (default) or "performexitoptionsjobaction"
	Priority             int32  // -1000..1000
	MaxParallelTasks     int32  // 0 means the default, -1 (no limit)
	AllowTaskPreemption  bool
	MaxWallClockTime     string // ISO 8601; "" means unlimited
	OnAllTasksComplete   string // "noaction" (default) or "terminatejob"
	Metadata             []NameValuePair
}

// Service is the emulated Azure Batch data plane of one account. It
// implements http.Handler; see README.md for the behaviour.
type Service struct {
	// SetBaseURL, BaseURL: the base of URLs in objects the Go API returns
	// (HTTP responses use the request's Host).
	servicekit.Endpoint

	cfg     Config
	key     []byte
	now     func() time.Time
	authNow func() time.Time

	mu        sync.Mutex
	jobs      map[string]*jobState // key: lower-cased id
	jobSeq    uint64               // numbers the jobs' internal names (job-N)
	lastTicks int64
}

// New returns the service. now is the emulator clock that drives the task
// state machine (nil: time.Now).
func New(cfg Config, now func() time.Time) (*Service, error) {
	if cfg.Account == "" {
		cfg.Account = DefaultAccount
	}
	if cfg.Key == "" {
		cfg.Key = DefaultKey
	}
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	key, err := base64.StdEncoding.DecodeString(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("azurebatch: account key is not valid base64: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	authNow := cfg.AuthNow
	if authNow == nil {
		authNow = time.Now
	}
	s := &Service{cfg: cfg, key: key, now: now, authNow: authNow, jobs: map[string]*jobState{}}
	for _, j := range cfg.Jobs {
		if err := s.AddJob(j); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Name returns "azurebatch".
func (s *Service) Name() string { return ServiceName }

// Account returns the account name.
func (s *Service) Account() string { return s.cfg.Account }

// Key returns the base64 account key.
func (s *Service) Key() string { return s.cfg.Key }

// clockNow reads the emulator clock in UTC.
func (s *Service) clockNow() time.Time { return s.now().UTC().Round(0) }

// request is the per-request context.
type request struct {
	w     http.ResponseWriter
	r     *http.Request
	id    string
	base  string
	now   time.Time
	query map[string][]string // lower-cased names
	path  string              // escaped path as received
}

func (q *request) queryValue(name string) (string, bool) {
	v, ok := q.query[name]
	if !ok || len(v) == 0 {
		return "", ok
	}
	return v[0], true
}

// ServeHTTP implements the data plane.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := s.newRequest(w, r)
	if err := s.handle(req); err != nil {
		s.writeError(req, err)
	}
}

func (s *Service) newRequest(w http.ResponseWriter, r *http.Request) *request {
	req := &request{w: w, r: r, id: newUUID(), base: requestBase(r), now: s.clockNow()}
	h := w.Header()
	h.Set("request-id", req.id)
	h.Set("DataServiceVersion", "3.0")
	if strings.EqualFold(r.Header.Get("return-client-request-id"), "true") {
		if c := r.Header.Get("client-request-id"); c != "" {
			h.Set("client-request-id", c)
		}
	}
	return req
}

// WriteFault writes a BatchError for an injected status fault (503
// ServerBusy, 500 InternalError, 429 TooManyRequests, 408/504
// OperationTimedOut, otherwise the status text without spaces).
func (s *Service) WriteFault(w http.ResponseWriter, r *http.Request, status int) {
	req := s.newRequest(w, r)
	s.writeError(req, newError(status, faultCode(status)))
}

func (s *Service) writeError(req *request, e *apiError) {
	if e.status == http.StatusNotModified {
		req.w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(req.w, e.status, e.batchError(req.base, req.id, req.now))
}

func requestBase(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

// handle runs the checks common to all operations, then routes.
func (s *Service) handle(req *request) *apiError {
	r := req.r
	path, rawQuery := requestTarget(r)
	req.path = path
	parsed, err := url.ParseQuery(rawQuery)
	if err != nil {
		return newError(http.StatusBadRequest, codeInvalidQueryParameterValue,
			"QueryParameterName", "", "Reason", "The query string is malformed.")
	}
	req.query = map[string][]string{}
	for k, v := range parsed {
		lk := strings.ToLower(k)
		req.query[lk] = append(req.query[lk], v...)
	}
	// api-version
	vs, ok := req.query["api-version"]
	if !ok {
		return newError(http.StatusBadRequest, codeMissingRequiredQueryParameter, "QueryParameterName", "api-version")
	}
	for _, v := range vs {
		if v != APIVersion {
			return newError(http.StatusBadRequest, codeInvalidQueryParameterValue,
				"QueryParameterName", "api-version", "QueryParameterValue", v,
				"Reason", "The specified api-version is not supported; this service supports "+APIVersion+".")
		}
	}
	if v, ok := req.queryValue("timeout"); ok {
		if n, err := strconv.ParseInt(v, 10, 32); err != nil || n <= 0 {
			return newError(http.StatusBadRequest, codeInvalidQueryParameterValue,
				"QueryParameterName", "timeout", "QueryParameterValue", v, "Reason", "The timeout must be a positive integer number of seconds.")
		}
	}
	if err := s.authenticate(r); err != nil {
		return err
	}
	return s.route(req)
}

func (s *Service) route(req *request) *apiError {
	raw := strings.Split(strings.TrimPrefix(req.path, "/"), "/")
	segs := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil || u == "" {
			return newError(http.StatusNotFound, codeResourceNotFound)
		}
		segs[i] = u
	}
	eq := strings.EqualFold
	var handlers map[string]func(*request) *apiError
	var args []string
	switch {
	case len(segs) == 1 && eq(segs[0], "jobs"):
		handlers = map[string]func(*request) *apiError{
			http.MethodPost: func(q *request) *apiError { return s.addJob(q) },
		}
	case len(segs) == 2 && eq(segs[0], "jobs"):
		args = segs[1:2]
		handlers = map[string]func(*request) *apiError{
			http.MethodGet:    func(q *request) *apiError { return s.getJob(q, args[0]) },
			http.MethodPatch:  func(q *request) *apiError { return s.changeJob(q, args[0], false) },
			http.MethodPut:    func(q *request) *apiError { return s.changeJob(q, args[0], true) },
			http.MethodDelete: func(q *request) *apiError { return s.deleteJob(q, args[0]) },
		}
	case len(segs) == 3 && eq(segs[0], "jobs") && eq(segs[2], "tasks"):
		args = segs[1:2]
		handlers = map[string]func(*request) *apiError{
			http.MethodPost: func(q *request) *apiError { return s.addTask(q, args[0]) },
			http.MethodGet:  func(q *request) *apiError { return s.listTasks(q, args[0]) },
		}
	case len(segs) == 3 && eq(segs[0], "jobs") && eq(segs[2], "addtaskcollection"):
		args = segs[1:2]
		handlers = map[string]func(*request) *apiError{
			http.MethodPost: func(q *request) *apiError { return s.addTaskCollection(q, args[0]) },
		}
	case len(segs) == 4 && eq(segs[0], "jobs") && eq(segs[2], "tasks"):
		args = []string{segs[1], segs[3]}
		handlers = map[string]func(*request) *apiError{
			http.MethodGet:    func(q *request) *apiError { return s.getTask(q, args[0], args[1]) },
			http.MethodPut:    func(q *request) *apiError { return s.updateTask(q, args[0], args[1]) },
			http.MethodDelete: func(q *request) *apiError { return s.deleteTask(q, args[0], args[1]) },
		}
	case len(segs) == 5 && eq(segs[0], "jobs") && eq(segs[2], "tasks") && eq(segs[4], "terminate"):
		args = []string{segs[1], segs[3]}
		handlers = map[string]func(*request) *apiError{
			http.MethodPost: func(q *request) *apiError { return s.terminateTask(q, args[0], args[1]) },
		}
	case len(segs) == 5 && eq(segs[0], "jobs") && eq(segs[2], "tasks") && eq(segs[4], "reactivate"):
		args = []string{segs[1], segs[3]}
		handlers = map[string]func(*request) *apiError{
			http.MethodPost: func(q *request) *apiError { return s.reactivateTask(q, args[0], args[1]) },
		}
	case len(segs) == 5 && eq(segs[0], "jobs") && eq(segs[2], "tasks") && eq(segs[4], "subtasksinfo"):
		args = []string{segs[1], segs[3]}
		handlers = map[string]func(*request) *apiError{
			http.MethodGet: func(q *request) *apiError { return s.listSubtasks(q, args[0], args[1]) },
		}
	default:
		return newError(http.StatusNotFound, codeResourceNotFound)
	}
	h, ok := handlers[req.r.Method]
	if !ok {
		allowed := make([]string, 0, len(handlers))
		for m := range handlers {
			allowed = append(allowed, m)
		}
		req.w.Header().Set("Allow", strings.Join(sortedStrings(allowed), ", "))
		return newError(http.StatusMethodNotAllowed, codeUnsupportedHTTPVerb, "HttpVerb", req.r.Method)
	}
	if m := req.r.Method; m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch {
		if req.r.Header.Get("Content-Length") == "" {
			return newError(http.StatusLengthRequired, codeMissingContentLengthHeader, "HeaderName", "Content-Length")
		}
	}
	return h(req)
}

// readBody checks Content-Type and reads the JSON body of a POST, PUT or
// PATCH.
func readBody(req *request) ([]byte, *apiError) {
	r := req.r
	if r.ContentLength > maxBodyBytes {
		return nil, newError(http.StatusRequestEntityTooLarge, codeRequestBodyTooLarge)
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, newError(http.StatusBadRequest, codeInvalidRequestBody, "Reason", "The request body could not be read.")
	}
	if len(b) > maxBodyBytes {
		return nil, newError(http.StatusRequestEntityTooLarge, codeRequestBodyTooLarge)
	}
	return b, nil
}

// writeCreated answers an add: 201 with the new resource's ETag and time, and
// its URL in Location and DataServiceId.
func writeCreated(q *request, etag string, lastModified time.Time, url string) {
	h := q.w.Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", httpTime(lastModified))
	h.Set("Location", url)
	h.Set("DataServiceId", url)
	q.w.WriteHeader(http.StatusCreated)
}

// checkContentType accepts application/json with at most the parameters
// odata=minimalmetadata and charset=utf-8.
func checkContentType(ct string) *apiError {
	bad := func(reason string) *apiError {
		return newError(http.StatusBadRequest, codeInvalidHeaderValue,
			"HeaderName", "Content-Type", "HeaderValue", ct, "Reason", reason)
	}
	if strings.TrimSpace(ct) == "" {
		return bad("The Content-Type header is required; use application/json; odata=minimalmetadata.")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return bad("The Content-Type must be application/json; odata=minimalmetadata.")
	}
	for k, v := range params {
		switch {
		case k == "odata" && strings.EqualFold(v, "minimalmetadata"):
		case k == "charset" && (strings.EqualFold(v, "utf-8") || strings.EqualFold(v, "utf8")):
		default:
			return bad("Unsupported Content-Type parameter " + k + "=" + v + ".")
		}
	}
	return nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// formatTime writes a body timestamp: RFC 3339, UTC, 7 fractional digits.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}

func formatTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

// httpTime writes a header time (RFC 1123, GMT).
func httpTime(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// newETag returns a new ETag for a change at t: the .NET ticks of t as
// upper-case hex with a 0x prefix (like 0x8DB77E8D7593569), made strictly
// increasing over the service so every change gets a new value even on a
// frozen clock. Callers hold s.mu.
func (s *Service) newETag(t time.Time) string {
	ticks := t.UnixNano()/100 + 621355968000000000
	if ticks <= s.lastTicks {
		ticks = s.lastTicks + 1
	}
	s.lastTicks = ticks
	return fmt.Sprintf("0x%X", ticks)
}

func sortedStrings(ss []string) []string {
	sort.Strings(ss)
	return ss
}
