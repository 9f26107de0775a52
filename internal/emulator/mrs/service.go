package mrs

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/internal/servicekit"
)

// ServiceName is the emulator's name for this service.
const ServiceName = "mrs"

// Defaults used when Config leaves them empty (also by the emulator command).
const (
	DefaultProjectID = "5e1f7c9b2a4d4c6e8f0a1b2c3d4e5f60" // a fixed 32-hex project id
	DefaultAccessKey = "BATCHOPSEMULATORAK01"             // a fixed demo AK (20 characters, like real AKs)
	DefaultSecretKey = "BatchopsEmulatorDemoSecretKey0123456789A"
	DefaultClusterID = "demo-cluster"
	DefaultRunTime   = 2 * time.Second
	DefaultUser      = "batchops"
	DefaultQueue     = "default"
)

// maxBodyBytes is the request body limit [I: API Gateway's 12 MB].
const maxBodyBytes = 12 << 20

var (
	projectIDRE = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
	clusterIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Config configures the MRS service.
type Config struct {
	ProjectID string // the only project; default DefaultProjectID
	AccessKey string // default DefaultAccessKey
	SecretKey string // default DefaultSecretKey
	// SecurityToken, when set, makes AccessKey/SecretKey temporary
	// credentials: every request must carry X-Security-Token equal to it.
	SecurityToken string
	// Region is the region of ProjectID: the IAM project list (GET
	// /v3/projects) names the project after it. Default DefaultRegion.
	Region string
	// OtherProjects are further IAM projects of the account, listed next to
	// ProjectID's (sub-projects such as "cn-north-4_dev", other regions, or a
	// second project named Region to make the look-up ambiguous). The MRS
	// routes accept only ProjectID.
	OtherProjects []Project
	// DenyProjectList makes GET /v3/projects answer 403: keys without the
	// IAM permission to list projects.
	DenyProjectList bool
	// Clusters are the cluster ids that exist; default {DefaultClusterID}.
	Clusters []string
	// RunTime is a job's run time (RUNNING phase) unless an argument
	// sleep=N overrides it; default DefaultRunTime. Negative is an error.
	RunTime time.Duration
	// RejectRunningDelete (default true when nil): a batch-delete that
	// lists a non-terminal job fails as a whole with 0183. False: such jobs
	// are deleted (and so stopped) like finished ones.
	RejectRunningDelete *bool
	// MaxRunningJobs limits the non-terminal jobs per cluster; a submit
	// beyond it is 500 12000060. 0: unlimited.
	MaxRunningJobs int
	// RejectSparkSQLKill makes a kill of a non-terminal SparkSql job fail
	// with 500 0175 (the user guide says Spark SQL jobs cannot be stopped;
	// the API's answer is not documented). Default false: they are killed
	// like any other job.
	RejectSparkSQLKill bool
	// User is the submitting user shown in job details; default
	// DefaultUser.
	User string

	// AuthNow is the real-time source for the 15-minute X-Sdk-Date window;
	// nil means time.Now. Only tests of fixed signatures set it. The
	// emulator clock (the now argument of New) is never used for it.
	AuthNow func() time.Time
}

// Bool returns a pointer to v (for Config.RejectRunningDelete).
func Bool(v bool) *bool { return &v }

// cluster is one cluster's job table.
type cluster struct {
	id      string
	jobs    map[string]*job
	order   []*job // submit order
	rmStart int64  // "ResourceManager start" ms in application ids
	appSeq  int
	// submits counts the submissions of each job name, deleted jobs included: the "flaky"
	// rule fails only a name's first one.
	submits map[string]int
}

// Service is the emulated MRS V2 job API of one project. It implements
// http.Handler; see README.md for the behaviour.
type Service struct {
	servicekit.Endpoint // SetBaseURL, BaseURL

	cfg                 Config
	now                 func() time.Time
	authNow             func() time.Time
	rejectRunningDelete bool

	mu         sync.Mutex
	seq        int64
	clusters   map[string]*cluster
	clusterIDs []string       // in configuration order
	kills      map[string]int // key: cluster + "/" + job id; survives deletion
}

// New returns the service. now is the emulator clock that drives the job
// state machine (nil: time.Now).
func New(cfg Config, now func() time.Time) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	if cfg.ProjectID == "" {
		cfg.ProjectID = DefaultProjectID
	}
	if !projectIDRE.MatchString(cfg.ProjectID) {
		return nil, fmt.Errorf("mrs: project id %q must be 1-64 letters and digits", cfg.ProjectID)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	for _, p := range append([]Project{{ID: cfg.ProjectID, Name: cfg.Region}}, cfg.OtherProjects...) {
		if !projectIDRE.MatchString(p.ID) || !projectNameRE.MatchString(p.Name) {
			return nil, fmt.Errorf("mrs: IAM project %q named %q: ids are 1-64 letters and digits, names 1-64 letters, digits, '_' and '-'", p.ID, p.Name)
		}
	}
	if cfg.AccessKey == "" {
		cfg.AccessKey = DefaultAccessKey
	}
	if cfg.SecretKey == "" {
		cfg.SecretKey = DefaultSecretKey
	}
	if strings.ContainsAny(cfg.AccessKey, " ,=") {
		return nil, fmt.Errorf("mrs: access key %q must not contain spaces, commas or '='", cfg.AccessKey)
	}
	if cfg.Clusters == nil {
		cfg.Clusters = []string{DefaultClusterID}
	}
	if cfg.RunTime == 0 {
		cfg.RunTime = DefaultRunTime
	}
	if cfg.RunTime < 0 {
		return nil, fmt.Errorf("mrs: run time must not be negative, got %v", cfg.RunTime)
	}
	if cfg.MaxRunningJobs < 0 {
		return nil, fmt.Errorf("mrs: max running jobs must not be negative, got %d", cfg.MaxRunningJobs)
	}
	if cfg.User == "" {
		cfg.User = DefaultUser
	}
	authNow := cfg.AuthNow
	if authNow == nil {
		authNow = time.Now
	}
	s := &Service{cfg: cfg, now: now, authNow: authNow, rejectRunningDelete: cfg.RejectRunningDelete == nil || *cfg.RejectRunningDelete,
		clusters: map[string]*cluster{}, kills: map[string]int{}}
	for _, id := range cfg.Clusters {
		if err := s.AddCluster(id); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Name returns "mrs".
func (s *Service) Name() string { return ServiceName }

// ProjectID returns the configured project id.
func (s *Service) ProjectID() string { return s.cfg.ProjectID }

// AccessKey returns the configured AK.
func (s *Service) AccessKey() string { return s.cfg.AccessKey }

// SecretKey returns the configured SK.
func (s *Service) SecretKey() string { return s.cfg.SecretKey }

// SecurityToken returns the configured security token ("" for permanent
// credentials).
func (s *Service) SecurityToken() string { return s.cfg.SecurityToken }

// RunTime returns the default run time of a job.
func (s *Service) RunTime() time.Duration { return s.cfg.RunTime }

// Credentials returns what requests are verified against.
func (s *Service) Credentials() Credentials {
	return Credentials{AccessKey: s.cfg.AccessKey, SecretKey: s.cfg.SecretKey, SecurityToken: s.cfg.SecurityToken, ProjectID: s.cfg.ProjectID}
}

// JobsPath returns the path of a cluster's job-executions collection,
// "/v2/{project_id}/clusters/{cluster_id}/job-executions".
func (s *Service) JobsPath(clusterID string) string {
	return "/v2/" + s.cfg.ProjectID + "/clusters/" + url.PathEscape(clusterID) + "/job-executions"
}

// clockNow reads the emulator clock in UTC.
func (s *Service) clockNow() time.Time { return s.now().UTC().Round(0) }

// AddCluster makes a cluster exist (out of band). Ids are letters, digits,
// '_' and '-', 1-64 characters; adding an existing cluster is an error.
func (s *Service) AddCluster(id string) error {
	if !clusterIDRE.MatchString(id) {
		return fmt.Errorf("mrs: cluster id %q must be 1-64 letters, digits, '_' and '-'", id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clusters[id]; ok {
		return fmt.Errorf("mrs: cluster %q is configured twice", id)
	}
	s.clusters[id] = &cluster{id: id, jobs: map[string]*job{}, rmStart: ms(s.clockNow())}
	s.clusterIDs = append(s.clusterIDs, id)
	return nil
}

// RemoveCluster deletes a cluster and its jobs (out of band); requests for
// it then get 12000003. It reports whether the cluster existed.
func (s *Service) RemoveCluster(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clusters[id]; !ok {
		return false
	}
	delete(s.clusters, id)
	for i, c := range s.clusterIDs {
		if c == id {
			s.clusterIDs = append(s.clusterIDs[:i:i], s.clusterIDs[i+1:]...)
			break
		}
	}
	return true
}

// Clusters returns the existing cluster ids in the order they were added.
func (s *Service) Clusters() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.clusterIDs...)
}

// WriteFault writes an MRS-shaped error body for an injected status fault
// (see injectedError).
func (s *Service) WriteFault(w http.ResponseWriter, r *http.Request, status int) {
	id := newRequestID()
	w.Header().Set("X-Request-Id", id)
	writeError(w, injectedError(status, id))
}

// opKind is one of the service's operations.
type opKind int

const (
	opSubmit opKind = iota
	opList
	opDetail
	opKill
	opBatchDelete
	opListProjects // IAM
)

type route struct {
	op      opKind
	project string
	cluster string
	jobID   string
}

// route maps method and path to an operation. API Gateway matches method
// and path together, so an unknown path and a known path with another
// method are both 404 APIGW.0101 [I]; sql-result is not emulated (404).
func (s *Service) route(r *http.Request, requestID string) (route, *apiError) {
	path, _ := requestTarget(r)
	raw := strings.Split(strings.TrimPrefix(path, "/"), "/")
	segs := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil || u == "" {
			return route{}, routeNotFound(requestID)
		}
		segs[i] = u
	}
	if len(segs) == 2 && segs[0] == "v3" && segs[1] == "projects" {
		if r.Method != http.MethodGet {
			return route{}, routeNotFound(requestID)
		}
		return route{op: opListProjects}, nil
	}
	if len(segs) < 5 || segs[0] != "v2" || segs[2] != "clusters" || segs[4] != "job-executions" {
		return route{}, routeNotFound(requestID)
	}
	rt := route{project: segs[1], cluster: segs[3]}
	rest := segs[5:]
	m := r.Method
	switch {
	case len(rest) == 0 && m == http.MethodPost:
		rt.op = opSubmit
	case len(rest) == 0 && m == http.MethodGet:
		rt.op = opList
	case len(rest) == 1 && m == http.MethodPost && rest[0] == "batch-delete":
		rt.op = opBatchDelete
	case len(rest) == 1 && m == http.MethodGet:
		rt.op, rt.jobID = opDetail, rest[0]
	case len(rest) == 2 && m == http.MethodPost && rest[1] == "kill":
		rt.op, rt.jobID = opKill, rest[0]
	default:
		return route{}, routeNotFound(requestID)
	}
	return rt, nil
}

// ServeHTTP implements the API (README.md, "Order of checks").
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	w.Header().Set("X-Request-Id", requestID)
	if err := s.handle(w, r, requestID); err != nil {
		writeError(w, err)
	}
}

func (s *Service) handle(w http.ResponseWriter, r *http.Request, requestID string) *apiError {
	rt, e := s.route(r, requestID)
	if e != nil {
		return e
	}
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			return invalidParam("the request body could not be read")
		}
		if len(b) > maxBodyBytes {
			return &apiError{status: http.StatusRequestEntityTooLarge, body: ErrorBody{ErrorCode: CodeInvalidParameter,
				ErrorMsg: fmt.Sprintf("The parameter is invalid: the request body exceeds %d bytes.", maxBodyBytes)}}
		}
		body = b
	}
	if err := Verify(r, body, s.Credentials(), s.authNow()); err != nil {
		detail := err.Error()
		if ae, ok := err.(*AuthError); ok {
			detail = ae.Detail
		}
		return authError(detail, requestID)
	}
	if rt.op == opListProjects {
		return s.listProjects(w, r, requestID)
	}
	if rt.project != s.cfg.ProjectID {
		return newError(http.StatusUnauthorized, CodeInvalidAuth,
			"Invalid authentication: the project ID "+rt.project+" in the URL is not the project of the credentials.")
	}
	switch rt.op {
	case opSubmit:
		return s.submit(w, r, rt, body)
	case opList:
		return s.list(w, r, rt)
	case opDetail:
		return s.getJob(w, rt)
	case opKill:
		return s.kill(w, rt)
	case opBatchDelete:
		return s.batchDelete(w, r, rt, body)
	}
	return routeNotFound(requestID)
}

// checkJSONContentType requires Content-Type application/json (any
// parameters) on requests with a JSON body [I: 415, as a Spring service
// answers; code 12000002].
func checkJSONContentType(r *http.Request) *apiError {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &apiError{status: http.StatusUnsupportedMediaType, body: ErrorBody{ErrorCode: CodeInvalidParameter,
			ErrorMsg: fmt.Sprintf("The parameter is invalid: Content-Type must be application/json, got %q.", ct)}}
	}
	return nil
}
