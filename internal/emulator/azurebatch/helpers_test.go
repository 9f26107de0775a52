package azurebatch

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// testSign signs req the way a client does (spec §6.1), independently of
// the server's StringToSign: ocp-date, then the string to sign from the
// outgoing request.
func testSign(req *http.Request, account, key string, date time.Time) {
	req.Header.Set("ocp-date", date.UTC().Format(http.TimeFormat))
	req.Header.Set("Authorization", "SharedKey "+account+":"+testSignature(req, account, key))
}

func testStringToSign(req *http.Request, account string) string {
	cl := ""
	if req.ContentLength > 0 || (req.Method == http.MethodPost || req.Method == http.MethodPut) && req.ContentLength == 0 {
		cl = strconv.FormatInt(req.ContentLength, 10)
	}
	if v := req.Header.Get("Content-Length"); v != "" {
		cl = v
	}
	h := req.Header
	lines := []string{req.Method, h.Get("Content-Encoding"), h.Get("Content-Language"), cl, h.Get("Content-MD5"),
		h.Get("Content-Type"), "", h.Get("If-Modified-Since"), h.Get("If-Match"), h.Get("If-None-Match"),
		h.Get("If-Unmodified-Since"), h.Get("Range")}
	sts := strings.Join(lines, "\n") + "\n"
	var ocp []string
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "ocp-") {
			ocp = append(ocp, strings.ToLower(k))
		}
	}
	sort.Strings(ocp)
	for _, k := range ocp {
		sts += k + ":" + strings.TrimSpace(h.Get(k)) + "\n"
	}
	sts += "/" + account + req.URL.EscapedPath()
	q := req.URL.Query()
	names := make([]string, 0, len(q))
	lower := map[string][]string{}
	for k, v := range q {
		lk := strings.ToLower(k)
		if _, ok := lower[lk]; !ok {
			names = append(names, lk)
		}
		lower[lk] = append(lower[lk], v...)
	}
	sort.Strings(names)
	for _, k := range names {
		vs := lower[k]
		sort.Strings(vs)
		sts += "\n" + k + ":" + strings.Join(vs, ",")
	}
	return sts
}

func testSignature(req *http.Request, account, key string) string {
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(testStringToSign(req, account)))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

var testStart = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

const testAccount = "testacct"

var testKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

type env struct {
	t     *testing.T
	svc   *Service
	clock *wait.Fake
	srv   *httptest.Server
}

func newEnv(t *testing.T, jobs ...Job) *env {
	t.Helper()
	if len(jobs) == 0 {
		jobs = []Job{{ID: "job-1", UsesTaskDependencies: true, MaxTaskRetryCount: 0}, {ID: "nodeps"}}
	}
	clock := wait.NewFake(testStart)
	svc, err := New(Config{Account: testAccount, Key: testKey, BearerToken: "entra-token", Jobs: jobs}, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	svc.SetBaseURL(srv.URL)
	return &env{t: t, svc: svc, clock: clock, srv: srv}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
	return m
}

func (r resp) code(t *testing.T) string {
	t.Helper()
	c, _ := r.json(t)["code"].(string)
	return c
}

func (r resp) task(t *testing.T) Task {
	t.Helper()
	var tk Task
	if err := json.Unmarshal(r.body, &tk); err != nil {
		t.Fatalf("body is not a task: %v: %s", err, r.body)
	}
	return tk
}

// url builds an absolute URL with the api-version.
func (e *env) url(path string, query ...string) string {
	u := e.srv.URL + path + "?api-version=" + APIVersion
	for i := 0; i+1 < len(query); i += 2 {
		u += "&" + url.QueryEscape(query[i]) + "=" + url.QueryEscape(query[i+1])
	}
	return u
}

// do sends a signed request; body v is marshalled to JSON unless it is a
// string or []byte. hdr are extra headers (name, value pairs).
func (e *env) do(method, rawURL string, v any, hdr ...string) resp {
	e.t.Helper()
	var body []byte
	switch b := v.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			e.t.Fatal(err)
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; odata=minimalmetadata")
	}
	sign := true
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "nosign" {
			sign = false
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if sign {
		testSign(req, testAccount, testKey, time.Now())
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) resp {
	e.t.Helper()
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{status: r.StatusCode, header: r.Header, body: b}
}

func (e *env) addTask(job string, p map[string]any) resp {
	e.t.Helper()
	return e.do(http.MethodPost, e.url("/jobs/"+job+"/tasks"), p)
}

func (e *env) mustAdd(job string, p map[string]any) {
	e.t.Helper()
	if r := e.addTask(job, p); r.status != http.StatusCreated {
		e.t.Fatalf("add task: %d %s", r.status, r.body)
	}
}

func (e *env) getTask(job, task string, hdr ...string) resp {
	e.t.Helper()
	return e.do(http.MethodGet, e.url("/jobs/"+job+"/tasks/"+task), nil, hdr...)
}

func (e *env) mustGet(job, task string) Task {
	e.t.Helper()
	r := e.getTask(job, task)
	if r.status != http.StatusOK {
		e.t.Fatalf("get task: %d %s", r.status, r.body)
	}
	return r.task(e.t)
}

// expectPropertyError is expectError for an error that names the property at fault first
// (PropertyName), when prop is set.
func expectPropertyError(t *testing.T, r resp, status int, code, prop string) {
	t.Helper()
	expectError(t, r, status, code)
	if prop == "" {
		return
	}
	var be BatchError
	_ = json.Unmarshal(r.body, &be)
	if len(be.Values) == 0 || be.Values[0].Key != "PropertyName" || be.Values[0].Value != prop {
		t.Errorf("values = %+v, want PropertyName %s", be.Values, prop)
	}
}

func expectError(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if code != "" {
		if got := r.code(t); got != code {
			t.Fatalf("code = %q, want %q; body %s", got, code, r.body)
		}
	}
}
