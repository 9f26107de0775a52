package mrs

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

var testStart = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

const (
	testProject = "0123456789abcdef0123456789abcdef"
	testAK      = "TESTAK0123456789ABCD"
	testSK      = "test-secret-key-0123456789abcdefghijklmn"
	testCluster = "c1"
)

type env struct {
	t     *testing.T
	svc   *Service
	clock *wait.Fake
	// hdr are extra headers set on every request before signing
	hdr map[string]string
}

func newEnv(t *testing.T, mod ...func(*Config)) *env {
	t.Helper()
	cfg := Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, Clusters: []string{testCluster, "c2"}}
	for _, m := range mod {
		m(&cfg)
	}
	clock := wait.NewFake(testStart)
	svc, err := New(cfg, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, svc: svc, clock: clock, hdr: map[string]string{}}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) errBody(t *testing.T) ErrorBody {
	t.Helper()
	var e ErrorBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return e
}

// wantError checks status and error_code.
func (r resp) wantError(t *testing.T, status int, code string) ErrorBody {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	e := r.errBody(t)
	if e.ErrorCode != code {
		t.Fatalf("error_code %q, want %q: %s", e.ErrorCode, code, r.body)
	}
	return e
}

// raw serves a prepared request.
func (e *env) raw(r *http.Request) resp {
	w := httptest.NewRecorder()
	e.svc.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return resp{status: w.Code, header: w.Header(), body: b}
}

// newReq builds a request signed like the Huawei SDK (user-agent,
// x-project-id, x-sdk-date) with the test credentials.
func (e *env) newReq(method, path, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, "https://mrs.emulator.test"+path, rd)
	r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	r.Header.Set("X-Project-Id", testProject)
	if body != "" {
		r.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	for k, v := range e.hdr {
		r.Header.Set(k, v)
	}
	signed := []string{"user-agent", "x-project-id", "x-sdk-date"}
	if r.Header.Get("X-Security-Token") != "" {
		signed = append(signed, "x-security-token")
	}
	SignRequest(r, []byte(body), testAK, testSK, time.Now(), signed...)
	return r
}

func (e *env) do(method, path, body string) resp {
	return e.raw(e.newReq(method, path, body))
}

func jobsPath(cluster string) string {
	return "/v2/" + testProject + "/clusters/" + cluster + "/job-executions"
}

// submit posts a job and returns its id.
func (e *env) submit(name, typ string, args []string, props map[string]string) string {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"job_name": name, "job_type": typ, "arguments": args, "properties": props})
	r := e.do("POST", jobsPath(testCluster), string(b))
	if r.status != 200 {
		e.t.Fatalf("submit %s: %d %s", name, r.status, r.body)
	}
	var out struct {
		Result struct {
			JobID string `json:"job_id"`
			State string `json:"state"`
		} `json:"job_submit_result"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || out.Result.JobID == "" || out.Result.State != "COMPLETE" {
		e.t.Fatalf("submit response %s", r.body)
	}
	return out.Result.JobID
}

// wireJob is job_detail as decoded by a client.
type wireJob struct {
	JobID         string  `json:"job_id"`
	User          string  `json:"user"`
	JobName       string  `json:"job_name"`
	JobResult     string  `json:"job_result"`
	JobState      string  `json:"job_state"`
	JobProgress   float64 `json:"job_progress"`
	JobType       string  `json:"job_type"`
	StartedTime   int64   `json:"started_time"`
	SubmittedTime int64   `json:"submitted_time"`
	FinishedTime  int64   `json:"finished_time"`
	ElapsedTime   int64   `json:"elapsed_time"`
	Queue         string  `json:"queue"`
	Arguments     string  `json:"arguments"`
	Properties    string  `json:"properties"`
	LauncherID    *string `json:"launcher_id"`
	AppID         *string `json:"app_id"`
	TrackingURL   *string `json:"tracking_url"`
}

func (e *env) get(id string) wireJob {
	e.t.Helper()
	r := e.do("GET", jobsPath(testCluster)+"/"+id, "")
	if r.status != 202 {
		e.t.Fatalf("get %s: %d %s", id, r.status, r.body)
	}
	var out struct {
		Detail wireJob `json:"job_detail"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Detail
}

type listResp struct {
	Total int       `json:"total_record"`
	Jobs  []wireJob `json:"job_list"`
}

func (e *env) list(query string) listResp {
	e.t.Helper()
	p := jobsPath(testCluster)
	if query != "" {
		p += "?" + query
	}
	r := e.do("GET", p, "")
	if r.status != 202 {
		e.t.Fatalf("list %s: %d %s", query, r.status, r.body)
	}
	var out listResp
	if err := json.Unmarshal(r.body, &out); err != nil || out.Jobs == nil {
		e.t.Fatalf("list body %s: %v", r.body, err)
	}
	return out
}

func names(l listResp) string {
	var n []string
	for _, j := range l.Jobs {
		n = append(n, j.JobName)
	}
	return strings.Join(n, ",")
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
