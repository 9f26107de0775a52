package mrs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

const (
	testAK        = "QTWAOYTTINDUT2QVKYUC"
	testSK        = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
	testToken     = "temporary-security-token-value"
	testProject   = "0123456789abcdef0123456789abcdef"
	testCluster   = "cluster-1"
	mrsDateFormat = "20060102T150405Z"
)

var fastRetry = transport.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}

// ---- An independent SDK-HMAC-SHA256 verifier (written from spec §2, not from the SDK) ----

type authHeader struct {
	Access        string
	SignedHeaders []string
	Signature     string
}

func parseAuthorization(v string) (authHeader, error) {
	alg, rest, ok := strings.Cut(v, " ")
	if !ok || alg != "SDK-HMAC-SHA256" {
		return authHeader{}, fmt.Errorf("not an SDK-HMAC-SHA256 Authorization: %q", v)
	}
	var a authHeader
	for _, part := range strings.Split(rest, ", ") {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return authHeader{}, fmt.Errorf("bad Authorization part %q", part)
		}
		switch k {
		case "Access":
			a.Access = val
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(val, ";")
		case "Signature":
			a.Signature = val
		}
	}
	if a.Access == "" || len(a.SignedHeaders) == 0 || a.Signature == "" {
		return authHeader{}, fmt.Errorf("incomplete Authorization %q", v)
	}
	return a, nil
}

func hwEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// canonicalRequest rebuilds the canonical request from the SignedHeaders list.
func canonicalRequest(r *http.Request, body []byte, signed []string) string {
	segments := strings.Split(r.URL.EscapedPath(), "/")
	for i, seg := range segments {
		if u, err := url.PathUnescape(seg); err == nil {
			seg = u
		}
		segments[i] = hwEscape(seg)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			pairs = append(pairs, hwEscape(k)+"="+hwEscape(v))
		}
	}
	var headers strings.Builder
	for _, h := range signed {
		v := strings.Join(r.Header.Values(h), ",")
		if h == "host" {
			v = r.Host
		}
		headers.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	payload := r.Header.Get("X-Sdk-Content-Sha256")
	if payload != "UNSIGNED-PAYLOAD" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	return strings.Join([]string{r.Method, uri, strings.Join(pairs, "&"), headers.String(), strings.Join(signed, ";"), payload}, "\n")
}

func signCanonical(canonical, date, sk string) string {
	sum := sha256.Sum256([]byte(canonical))
	sts := "SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(sum[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(sts))
	return hex.EncodeToString(mac.Sum(nil))
}

// verifySignature checks a request as API Gateway would, and that the headers that must be
// signed are.
func verifySignature(r *http.Request, body []byte, ak, sk, token string, now time.Time) error {
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	if a.Access != ak {
		return fmt.Errorf("access key %q", a.Access)
	}
	if !sort.StringsAreSorted(a.SignedHeaders) {
		return fmt.Errorf("signed headers not sorted: %v", a.SignedHeaders)
	}
	must := []string{"x-sdk-date", "x-project-id"}
	if token != "" {
		must = append(must, "x-security-token")
	}
	for _, m := range must {
		found := false
		for _, h := range a.SignedHeaders {
			found = found || h == m
		}
		if !found {
			return fmt.Errorf("%s is not signed (signed: %v)", m, a.SignedHeaders)
		}
	}
	date := r.Header.Get("X-Sdk-Date")
	at, err := time.Parse(mrsDateFormat, date)
	if err != nil {
		return fmt.Errorf("X-Sdk-Date %q: %v", date, err)
	}
	if d := now.Sub(at); d > 15*time.Minute || d < -15*time.Minute {
		return fmt.Errorf("X-Sdk-Date %s is %s away from now", date, d)
	}
	if want := signCanonical(canonicalRequest(r, body, a.SignedHeaders), date, sk); want != a.Signature {
		return fmt.Errorf("signature mismatch: got %s want %s\ncanonical:\n%s", a.Signature, want, canonicalRequest(r, body, a.SignedHeaders))
	}
	return nil
}

// ---- A fake MRS service ----

type fakeJob struct {
	ID, Name, Type, State, Result string
	Args                          []string
	Props                         map[string]string
	Submitted                     int64
}

type record struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

type fakeMRS struct {
	t     *testing.T
	srv   *httptest.Server
	token string
	now   func() time.Time // server clock for the signature window

	mu      sync.Mutex
	jobs    []*fakeJob
	nextID  int
	reqs    []record
	badSigs []string
	// hook, when set, sees each verified request first; returning true means it answered.
	hook func(w http.ResponseWriter, r *http.Request, rec record) bool
	// deleteUnknown decides the answer of a batch delete naming an unknown id.
	deleteUnknownCode string
}

// answerEvery is a hook answering every request with status and body.
func answerEvery(status int, body string) func(http.ResponseWriter, *http.Request, record) bool {
	return func(w http.ResponseWriter, r *http.Request, rec record) bool {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return true
	}
}

// failPOSTs is a hook answering every POST (a submission) with status and no body; the fake
// answers the other requests.
func failPOSTs(status int) func(http.ResponseWriter, *http.Request, record) bool {
	return func(w http.ResponseWriter, r *http.Request, rec record) bool {
		if r.Method == http.MethodPost {
			w.WriteHeader(status)
			return true
		}
		return false
	}
}

func newFake(t *testing.T, tlsServer bool, token string) *fakeMRS {
	t.Helper()
	f := &fakeMRS{t: t, token: token, now: time.Now, deleteUnknownCode: "0176"}
	h := http.HandlerFunc(f.serve)
	if tlsServer {
		f.srv = httptest.NewTLSServer(h)
	} else {
		f.srv = httptest.NewServer(h)
	}
	t.Cleanup(func() {
		f.srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, b := range f.badSigs {
			t.Errorf("request with a bad signature: %s", b)
		}
	})
	return f
}

// caFile writes the TLS server's certificate as a PEM file.
func (f *fakeMRS) caFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fakeMRS) client(t *testing.T, mutate ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{Endpoint: f.srv.URL, ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, SecurityToken: f.token, Retry: fastRetry, UserAgent: "batchops-test/1.0"}
	if f.srv.TLS != nil {
		cfg.CACertificateFile = f.caFile(t)
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fakeMRS) requests(method, suffix string) []record {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []record
	for _, r := range f.reqs {
		if (method == "" || r.Method == method) && strings.HasSuffix(r.Path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeMRS) addJob(j *fakeJob) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, j)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func mrsError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error_code": code, "error_msg": msg})
}

func (f *fakeMRS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := record{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	f.mu.Unlock()

	if err := verifySignature(r, body, testAK, testSK, f.token, f.now()); err != nil {
		f.mu.Lock()
		f.badSigs = append(f.badSigs, r.Method+" "+r.URL.String()+": "+err.Error())
		f.mu.Unlock()
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: verify aksk signature fail", "request_id": "req-401"})
		return
	}
	if r.Header.Get("X-Project-Id") != testProject {
		mrsError(w, http.StatusUnauthorized, "APIGW.0301", "X-Project-Id missing")
		return
	}
	if f.token != "" && r.Header.Get("X-Security-Token") != f.token {
		mrsError(w, http.StatusUnauthorized, "APIGW.0301", "X-Security-Token missing")
		return
	}
	if f.hook != nil && f.hook(w, r, rec) {
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// v2 {project} clusters {cluster} job-executions [id|batch-delete] [kill]
	if len(parts) < 5 || parts[0] != "v2" || parts[1] != testProject || parts[2] != "clusters" || parts[4] != "job-executions" {
		http.NotFound(w, r)
		return
	}
	if parts[3] != testCluster {
		writeJSON(w, http.StatusBadRequest, map[string]string{"errorCode": "12000003", "errorMsg": "The cluster does not exist."})
		return
	}
	switch {
	case len(parts) == 5 && r.Method == http.MethodPost:
		f.submit(w, body)
	case len(parts) == 5 && r.Method == http.MethodGet:
		f.list(w, r.URL.Query())
	case len(parts) == 6 && parts[5] == "batch-delete" && r.Method == http.MethodPost:
		f.batchDelete(w, body)
	case len(parts) == 6 && r.Method == http.MethodGet:
		f.get(w, parts[5])
	case len(parts) == 7 && parts[6] == "kill" && r.Method == http.MethodPost:
		f.kill(w, parts[5])
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeMRS) submit(w http.ResponseWriter, body []byte) {
	var in struct {
		JobType    string            `json:"job_type"`
		JobName    string            `json:"job_name"`
		Arguments  []string          `json:"arguments"`
		Properties map[string]string `json:"properties"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.JobName == "" || in.JobType == "" {
		mrsError(w, http.StatusBadRequest, "12000002", "The parameter is invalid.")
		return
	}
	f.mu.Lock()
	f.nextID++
	j := &fakeJob{ID: fmt.Sprintf("job-%04d", f.nextID), Name: in.JobName, Type: in.JobType, State: "RUNNING", Result: "UNDEFINED",
		Args: in.Arguments, Props: in.Properties, Submitted: time.Now().UnixMilli()}
	f.jobs = append(f.jobs, j)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"job_submit_result": map[string]string{"job_id": j.ID, "state": "COMPLETE"}})
}

func render(j *fakeJob) map[string]any {
	props := make([]string, 0, len(j.Props))
	for k, v := range j.Props {
		props = append(props, k+"="+v)
	}
	state := j.State
	if state == "" {
		state = "FINISHED" // the service always reports a state; tests that do not care leave it out
	}
	return map[string]any{
		"job_id": j.ID, "job_name": j.Name, "job_type": j.Type, "job_state": state, "job_result": j.Result,
		"user": "admin", "queue": "default", "job_progress": 50, "submitted_time": j.Submitted, "started_time": j.Submitted,
		"finished_time": 0, "elapsed_time": 0,
		"arguments":  "[" + strings.Join(j.Args, ", ") + "]",
		"properties": "{" + strings.Join(props, ", ") + "}",
	}
}

func (f *fakeMRS) find(id string) (int, *fakeJob) {
	for i, j := range f.jobs {
		if j.ID == id {
			return i, j
		}
	}
	return -1, nil
}

func (f *fakeMRS) get(w http.ResponseWriter, id string) {
	f.mu.Lock()
	_, j := f.find(id)
	var out map[string]any
	if j != nil {
		out = render(j)
	}
	f.mu.Unlock()
	if j == nil {
		mrsError(w, http.StatusBadRequest, "0176", "The job does not exist.")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"job_detail": out})
}

func (f *fakeMRS) list(w http.ResponseWriter, q url.Values) {
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 10
	}
	page, _ := strconv.Atoi(q.Get("offset"))
	if page <= 0 {
		page = 1
	}
	begin, _ := strconv.ParseInt(q.Get("submitted_time_begin"), 10, 64)
	f.mu.Lock()
	var match []map[string]any
	for _, j := range f.jobs {
		if name := q.Get("job_name"); name != "" && j.Name != name {
			continue
		}
		if begin > 0 && j.Submitted < begin {
			continue
		}
		match = append(match, render(j))
	}
	f.mu.Unlock()
	total := len(match)
	from := min((page-1)*limit, total)
	to := min(from+limit, total)
	writeJSON(w, http.StatusAccepted, map[string]any{"total_record": total, "job_list": match[from:to]})
}

func (f *fakeMRS) kill(w http.ResponseWriter, id string) {
	f.mu.Lock()
	_, j := f.find(id)
	if j != nil {
		j.State, j.Result = "KILLED", "KILLED"
	}
	f.mu.Unlock()
	if j == nil {
		mrsError(w, http.StatusBadRequest, "0176", "The job does not exist.")
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (f *fakeMRS) batchDelete(w http.ResponseWriter, body []byte) {
	var in struct {
		IDs []string `json:"job_id_list"`
	}
	if err := json.Unmarshal(body, &in); err != nil || len(in.IDs) == 0 {
		mrsError(w, http.StatusInternalServerError, "0178", "The job ID cannot be left blank.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range in.IDs {
		if i, _ := f.find(id); i < 0 {
			// All or nothing: one unknown id refuses the whole request.
			mrsError(w, http.StatusInternalServerError, f.deleteUnknownCode, "The job does not exist.")
			return
		}
	}
	for _, id := range in.IDs {
		i, _ := f.find(id)
		f.jobs = append(f.jobs[:i], f.jobs[i+1:]...)
	}
	w.WriteHeader(http.StatusOK)
}
