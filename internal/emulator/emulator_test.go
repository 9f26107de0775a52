package emulator

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
)

const (
	testAccount = "emuacct"
	apiVersion  = "2024-07-01.20.0"
)

var (
	testKey   = base64.StdEncoding.EncodeToString([]byte("emulator-test-key-0123456789abcd"))
	testStart = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
)

// signAzure is a minimal client-side Shared Key signer (spec §6.1) for the
// tests; the real client signer lives elsewhere.
func signAzure(req *http.Request, account, key string) {
	req.Header.Set("ocp-date", time.Now().UTC().Format(http.TimeFormat))
	cl := ""
	if req.Method == http.MethodPost || req.Method == http.MethodPut || req.ContentLength > 0 {
		cl = strconv.FormatInt(req.ContentLength, 10)
	}
	h := req.Header
	sts := strings.Join([]string{req.Method, "", "", cl, "", h.Get("Content-Type"), "", "", h.Get("If-Match"), h.Get("If-None-Match"), "", ""}, "\n") + "\n"
	sts += "ocp-date:" + h.Get("ocp-date") + "\n"
	sts += "/" + account + req.URL.EscapedPath()
	q := req.URL.Query()
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		sts += "\n" + strings.ToLower(k) + ":" + strings.Join(q[k], ",")
	}
	k, _ := base64.StdEncoding.DecodeString(key)
	m := hmac.New(sha256.New, k)
	m.Write([]byte(sts))
	req.Header.Set("Authorization", "SharedKey "+account+":"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	t      *testing.T
	emu    *Emulator
	client *http.Client
	log    *syncBuffer
}

func start(t *testing.T, mod ...func(*Config)) *harness {
	t.Helper()
	log := &syncBuffer{}
	cfg := Config{
		Seed:  42,
		Clock: NewFrozenClock(testStart),
		AzureBatch: azurebatch.Config{
			Account: testAccount, Key: testKey,
			Jobs: []azurebatch.Job{{ID: "job-1", UsesTaskDependencies: true}},
		},
		RequestLogWriter: log,
	}
	for _, m := range mod {
		m(&cfg)
	}
	emu, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(emu.CACertPEM()) {
		t.Fatal("bad CA PEM")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	return &harness{t: t, emu: emu, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, log: log}
}

// newRequest builds a request with body ("" for none).
func (h *harness) newRequest(method, url, body string) *http.Request {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	return req
}

// send sends req with the client that trusts the emulator's CA and returns
// the answer with its body read.
func (h *harness) send(req *http.Request) (*http.Response, []byte) {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// azure sends a signed request to the Azure Batch endpoint.
func (h *harness) azure(method, path string, body any) (*http.Response, []byte, error) {
	h.t.Helper()
	var rd io.Reader
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, err := http.NewRequest(method, h.emu.AzureBatchURL()+path+sep+"api-version="+apiVersion, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; odata=minimalmetadata")
	}
	signAzure(req, testAccount, testKey)
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func (h *harness) mustAzure(method, path string, body any, want int) []byte {
	h.t.Helper()
	resp, b, err := h.azure(method, path, body)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != want {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	return b
}

func TestStartServesAzureBatchOverTLS(t *testing.T) {
	h := start(t)
	u := h.emu.AzureBatchURL()
	if !strings.HasPrefix(u, "https://127.0.0.1:") {
		t.Fatalf("AzureBatchURL = %s", u)
	}
	if h.emu.URL("azurebatch") != u || h.emu.AzureBatch().BaseURL() != u {
		t.Error("URL accessors disagree")
	}
	pem, err := os.ReadFile(h.emu.CAFile())
	if err != nil || !bytes.Equal(pem, h.emu.CACertPEM()) {
		t.Fatalf("CA file: %v", err)
	}
	resp, _, err := h.azure(http.MethodPost, "/jobs/job-1/tasks", map[string]any{"id": "t1", "commandLine": "sleep 2"})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add: %v %v", resp, err)
	}
	if resp.Proto != "HTTP/1.1" || resp.TLS == nil {
		t.Errorf("proto %s tls %v", resp.Proto, resp.TLS != nil)
	}
	// HTTP/2 is not offered, even to a client that wants it
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(h.emu.CACertPEM())
	h2 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	if r, err := h2.Get(u + "/"); err != nil || r.Proto != "HTTP/1.1" {
		t.Fatalf("h2 client: %v %v", err, r)
	} else {
		r.Body.Close()
	}
	// localhost is in the certificate too
	for _, host := range []string{"localhost"} {
		req, _ := http.NewRequest(http.MethodGet, strings.Replace(u, "127.0.0.1", host, 1)+"/jobs/job-1?api-version="+apiVersion, nil)
		signAzure(req, testAccount, testKey)
		r, err := h.client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		r.Body.Close()
	}
	// the state machine follows the emulator clock
	if tk, _ := h.emu.AzureBatch().Task("job-1", "t1"); tk.State != "active" {
		t.Fatalf("state = %s", tk.State)
	}
	h.emu.Clock().Advance(3 * time.Second)
	if tk, _ := h.emu.AzureBatch().Task("job-1", "t1"); tk.State != "completed" {
		t.Fatalf("state after 3s = %s", tk.State)
	}
	// an untrusted client fails the handshake
	if _, err := http.Get(u + "/jobs"); err == nil {
		t.Error("a client without the CA connected")
	}
}

func TestRequestRecordingAndRedaction(t *testing.T) {
	h := start(t)
	h.mustAzure(http.MethodPost, "/jobs/job-1/tasks", map[string]any{"id": "t1", "commandLine": "echo"}, http.StatusCreated)
	h.emu.Clock().Advance(time.Minute)
	h.mustAzure(http.MethodGet, "/jobs/job-1/tasks/t1", nil, http.StatusOK)
	h.mustAzure(http.MethodDelete, "/jobs/job-1/tasks/t1", nil, http.StatusOK)

	rs := h.emu.Requests()
	if len(rs) != 3 {
		t.Fatalf("%d requests", len(rs))
	}
	wantMethods := []string{"POST", "GET", "DELETE"}
	for i, r := range rs {
		if r.Seq != int64(i+1) || r.Service != "azurebatch" || r.Method != wantMethods[i] || r.Fault != "" {
			t.Errorf("request %d = %+v", i, r)
		}
		if r.Query != "api-version="+apiVersion {
			t.Errorf("query = %q", r.Query)
		}
		auth := r.Header.Get("Authorization")
		if auth != "SharedKey "+testAccount+":***" {
			t.Errorf("Authorization recorded as %q", auth)
		}
		for name, vs := range r.Header {
			for _, v := range vs {
				if strings.Contains(strings.ToLower(name), "authorization") && strings.Contains(v, "=") {
					t.Errorf("signature leaked in %s: %s", name, v)
				}
			}
		}
	}
	if rs[0].Path != "/jobs/job-1/tasks" || rs[0].Status != 201 || !strings.Contains(string(rs[0].Body), `"commandLine":"echo"`) {
		t.Errorf("POST record = %+v", rs[0])
	}
	if !rs[0].Time.Equal(testStart) || !rs[1].Time.Equal(testStart.Add(time.Minute)) {
		t.Errorf("times %v %v", rs[0].Time, rs[1].Time)
	}
	line := rs[2].String()
	if line != "2026-11-22T12:01:00Z azurebatch DELETE /jobs/job-1/tasks/t1?api-version=2024-07-01.20.0 -> 200" {
		t.Errorf("String() = %q", line)
	}
	logLines := strings.Split(strings.TrimSpace(h.log.String()), "\n")
	if len(logLines) != 3 || logLines[2] != line {
		t.Errorf("request log = %q", h.log.String())
	}
	if len(h.emu.RequestsFor("azurebatch")) != 3 || len(h.emu.RequestsFor("mrs")) != 0 {
		t.Error("RequestsFor")
	}
	// JSON round trip
	b, _ := json.Marshal(rs[0])
	var back Request
	if err := json.Unmarshal(b, &back); err != nil || back.Path != rs[0].Path || !bytes.Equal(back.Body, rs[0].Body) || back.Header.Get("Authorization") != rs[0].Header.Get("Authorization") {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
	h.emu.ResetRequests()
	if len(h.emu.Requests()) != 0 {
		t.Error("ResetRequests")
	}
}

func TestRedactAuthorization(t *testing.T) {
	for in, want := range map[string]string{
		"SharedKey acct:c2lnbmF0dXJl": "SharedKey acct:***",
		"Bearer eyJ0eXAiOiJKV1Qi":     "Bearer ***",
		"Basic " + base64.StdEncoding.EncodeToString([]byte(`CONTOSO\alice:pa55`)):    `Basic CONTOSO\alice:***`,
		"SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=abcdef": "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=***",
		"Weird secret":  "Weird ***",
		"SharedKey bad": "SharedKey ***",
	} {
		if got := RedactAuthorization(in); got != want {
			t.Errorf("RedactAuthorization(%q) = %q, want %q", in, got, want)
		}
	}
	h := redactHeader(http.Header{"X-Security-Token": {"tok"}, "Authorization": {"Bearer x"}})
	if h.Get("X-Security-Token") != "***" || h.Get("Authorization") != "Bearer ***" {
		t.Errorf("redactHeader = %v", h)
	}
}

func TestFaultRule503WithRetryAfter(t *testing.T) {
	h := start(t)
	h.emu.AddFaultRule("azurebatch", FaultRule{Method: "POST", PathRegexp: `^/jobs/[^/]+/tasks$`, Status: 503, RetryAfter: 1500 * time.Millisecond, Times: 1})
	// GET does not match the rule
	h.mustAzure(http.MethodGet, "/jobs/job-1", nil, http.StatusOK)
	resp, b, err := h.azure(http.MethodPost, "/jobs/job-1/tasks", map[string]any{"id": "t1", "commandLine": "echo"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" || resp.Header.Get("request-id") == "" {
		t.Fatalf("fault: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	var be azurebatch.BatchError
	if err := json.Unmarshal(b, &be); err != nil || be.Code != "ServerBusy" || be.Message == nil {
		t.Fatalf("fault body: %s", b)
	}
	if h.emu.AzureBatch().TaskExists("job-1", "t1") {
		t.Fatal("the faulted request was handled")
	}
	// the rule is used up: the retry succeeds
	h.mustAzure(http.MethodPost, "/jobs/job-1/tasks", map[string]any{"id": "t1", "commandLine": "echo"}, http.StatusCreated)
	rs := h.emu.Requests()
	if rs[1].Status != 503 || rs[1].Fault != "503" || rs[2].Fault != "" || rs[2].Status != 201 {
		t.Errorf("records: %+v / %+v", rs[1], rs[2])
	}
	if !strings.Contains(h.log.String(), "-> 503 (fault: 503)") {
		t.Errorf("log: %s", h.log.String())
	}
	// other statuses use the service's body too
	h.emu.AddFaultRule("azurebatch", FaultRule{Status: 500})
	h.emu.AddFaultRule("azurebatch", FaultRule{Status: 429, Times: 2})
	for _, want := range []struct {
		status int
		code   string
	}{{500, "InternalError"}, {429, "TooManyRequests"}, {429, "TooManyRequests"}, {200, ""}} {
		resp, b, _ := h.azure(http.MethodGet, "/jobs/job-1", nil)
		if resp.StatusCode != want.status || (want.code != "" && !strings.Contains(string(b), `"code":"`+want.code+`"`)) {
			t.Errorf("got %d %s, want %d %s", resp.StatusCode, b, want.status, want.code)
		}
		if resp.Header.Get("Retry-After") != "" {
			t.Errorf("Retry-After without RetryAfter")
		}
	}
}

func TestLostResponseDoesTheWork(t *testing.T) {
	h := start(t)
	h.emu.AddFaultRule("azurebatch", FaultRule{Method: "POST", Lost: true})
	_, _, err := h.azure(http.MethodPost, "/jobs/job-1/tasks", map[string]any{"id": "lost1", "commandLine": "echo"})
	if err == nil {
		t.Fatal("the client got a response")
	}
	if !h.emu.AzureBatch().TaskExists("job-1", "lost1") {
		t.Fatal("the lost request was not handled")
	}
	rs := h.emu.Requests()
	if len(rs) != 1 || rs[0].Status != 0 || rs[0].Fault != "lost" {
		t.Fatalf("records: %+v", rs)
	}
	if !strings.Contains(rs[0].String(), "-> lost (fault: lost)") {
		t.Errorf("String() = %s", rs[0].String())
	}
	// the retry sees 409 TaskExists
	_, b, err := h.azure(http.MethodPost, "/jobs/job-1/tasks", map[string]any{"id": "lost1", "commandLine": "echo"})
	if err != nil || !strings.Contains(string(b), "TaskExists") {
		t.Fatalf("retry: %v %s", err, b)
	}
}

func TestRandomFaultsAreSeeded(t *testing.T) {
	run := func(seed int64) []int {
		h := start(t, func(c *Config) {
			c.Seed = seed
			c.Faults = map[string]Faults{"azurebatch": {Rate503: 0.3, Rate429: 0.2, RetryAfter: time.Second}}
		})
		var out []int
		for i := 0; i < 30; i++ {
			resp, _, err := h.azure(http.MethodGet, "/jobs/job-1", nil)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, resp.StatusCode)
			if resp.StatusCode != 200 && resp.Header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
			}
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	if !equalInts(a, b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if equalInts(a, c) {
		t.Errorf("different seeds gave the same 30 outcomes: %v", a)
	}
	counts := map[int]int{}
	for _, s := range a {
		counts[s]++
	}
	if counts[503] == 0 || counts[429] == 0 || counts[200] == 0 {
		t.Errorf("outcomes %v", counts)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSetFaultsAndLatency(t *testing.T) {
	h := start(t)
	h.emu.SetFaults("azurebatch", Faults{Rate503: 1})
	resp, _, _ := h.azure(http.MethodGet, "/jobs/job-1", nil)
	if resp.StatusCode != 503 {
		t.Fatalf("Rate503=1 gave %d", resp.StatusCode)
	}
	h.emu.SetFaults("azurebatch", Faults{Latency: 30 * time.Millisecond})
	t0 := time.Now()
	h.mustAzure(http.MethodGet, "/jobs/job-1", nil, 200)
	if d := time.Since(t0); d < 30*time.Millisecond {
		t.Errorf("latency not applied: %v", d)
	}
	rs := h.emu.Requests()
	if rs[len(rs)-1].Fault != "latency" {
		t.Errorf("fault = %q", rs[len(rs)-1].Fault)
	}
	h.emu.SetFaults("azurebatch", Faults{LostResponseRate: 1})
	if _, _, err := h.azure(http.MethodGet, "/jobs/job-1", nil); err == nil {
		t.Error("LostResponseRate=1 answered")
	}
	h.emu.SetFaults("azurebatch", Faults{})
	h.mustAzure(http.MethodGet, "/jobs/job-1", nil, 200)
}

func TestStartRejectsBadConfig(t *testing.T) {
	if _, err := Start(Config{Faults: map[string]Faults{"azurebatch": {Rate503: 2}}}); err == nil {
		t.Error("rate 2 accepted")
	}
	if _, err := Start(Config{AzureBatch: azurebatch.Config{Key: "not base64!"}}); err == nil {
		t.Error("bad key accepted")
	}
}

func TestCloseRemovesCAFile(t *testing.T) {
	emu, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if emu.AzureBatch().Account() != azurebatch.DefaultAccount || emu.Clock().Frozen() {
		t.Error("defaults")
	}
	f := emu.CAFile()
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f); !os.IsNotExist(err) {
		t.Errorf("CA file still there: %v", err)
	}
	if err := emu.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
