package mrs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The verifier written for these tests reproduces the published SDK-HMAC-SHA256 vector.
func TestVerifierReproducesThePublishedVector(t *testing.T) {
	r, err := http.NewRequest(http.MethodGet, "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Sdk-Date", "20191115T033655Z")
	signed := []string{"content-type", "host", "x-sdk-date"}
	canonical := canonicalRequest(r, nil, signed)
	if !strings.HasPrefix(canonical, "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n") {
		t.Errorf("canonical request:\n%s", canonical)
	}
	sum := sha256Hex(canonical)
	if sum != "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a" {
		t.Errorf("canonical request hash %s", sum)
	}
	sig := signCanonical(canonical, "20191115T033655Z", testSK)
	if sig != "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe" {
		t.Errorf("signature %s", sig)
	}
	r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+testAK+", SignedHeaders=content-type;host;x-sdk-date, Signature="+sig)
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil || a.Signature != sig || len(a.SignedHeaders) != 3 {
		t.Errorf("parse: %+v %v", a, err)
	}
}

// The client's signer (the SDK's own) signs the published vector's request identically when
// given the same headers, date and keys.
func TestSDKSignerMatchesThePublishedVector(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", nil)
	s := &sdkSigner{ak: testAK, sk: testSK, projectID: testProject, now: func() time.Time { return time.Date(2019, 11, 15, 3, 36, 55, 0, time.UTC) }}
	if err := s.Sign(r); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("X-Sdk-Date"); got != "20191115T033655Z" {
		t.Errorf("X-Sdk-Date %q", got)
	}
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(a.SignedHeaders, ";") != "x-project-id;x-sdk-date" {
		t.Errorf("signed headers %v", a.SignedHeaders)
	}
	if want := signCanonical(canonicalRequest(r, nil, a.SignedHeaders), "20191115T033655Z", testSK); a.Signature != want {
		t.Errorf("SDK signature %s, independent verifier %s", a.Signature, want)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestRequestsAreSignedWithProjectAndSecurityToken(t *testing.T) {
	f := newFake(t, true, testToken)
	c := f.client(t)
	ctx := testCtx(t)
	id, err := c.Submit(ctx, testCluster, JobSpec{Name: "wordcount", Type: "MapReduce", Arguments: []string{"obs://b/prog.jar", "wordcount"}, Properties: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetJob(ctx, testCluster, id); err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(ctx, testCluster, id); err != nil {
		t.Fatal(err)
	}
	if err := c.ListJobs(ctx, testCluster, ListFilter{JobName: "wordcount", JobState: "KILLED", SortBy: "asc"}, func(Job) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := c.BatchDelete(ctx, testCluster, []string{id}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests("", "")); n != 5 {
		t.Fatalf("%d requests, want 5", n)
	}
	for _, r := range f.requests("", "") {
		a, err := parseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			t.Fatal(err)
		}
		signed := strings.Join(a.SignedHeaders, ";")
		if !strings.Contains(signed, "user-agent") || !strings.Contains(signed, "x-security-token") || !strings.Contains(signed, "x-project-id") {
			t.Errorf("%s %s signed %s", r.Method, r.Path, signed)
		}
		if r.Header.Get("X-Project-Id") != testProject || r.Header.Get("X-Security-Token") != testToken {
			t.Errorf("%s %s headers %v", r.Method, r.Path, r.Header)
		}
		if ua := r.Header.Get("User-Agent"); !strings.Contains(ua, "batchops-test/1.0") || !strings.Contains(ua, "huaweicloud-usdk-go") {
			t.Errorf("user agent %q", ua)
		}
	}
	sub := f.requests(http.MethodPost, "/job-executions")[0]
	var body map[string]any
	if err := json.Unmarshal(sub.Body, &body); err != nil || body["job_name"] != "wordcount" || body["job_type"] != "MapReduce" {
		t.Errorf("submit body %s", sub.Body)
	}
	list := f.requests(http.MethodGet, "/job-executions")[0]
	if list.Query.Get("job_state") != "KILLED" || list.Query.Get("sort_by") != "asc" || list.Query.Get("job_name") != "wordcount" {
		t.Errorf("list query %v", list.Query)
	}
}

func TestWithoutTokenNoSecurityTokenHeader(t *testing.T) {
	f := newFake(t, false, "")
	c := f.client(t)
	if _, err := c.GetJob(testCtx(t), testCluster, "missing"); !IsJobGone(err) {
		t.Fatalf("got %v", err)
	}
	r := f.requests("", "")[0]
	if r.Header.Get("X-Security-Token") != "" {
		t.Error("X-Security-Token sent without temporary credentials")
	}
}

// A 503 is retried by the transport, and every attempt carries a fresh date and signature.
func TestRetryAfter503IsResigned(t *testing.T) {
	f := newFake(t, false, testToken)
	var calls atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		if calls.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			mrsError(w, http.StatusServiceUnavailable, "APIGW.0203", "busy")
			return true
		}
		return false
	}
	c := f.client(t)
	base := time.Now().UTC().Truncate(time.Second)
	var tick atomic.Int64
	c.now = func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }

	id, err := c.Submit(testCtx(t), testCluster, JobSpec{Name: "j1", Type: "SparkSubmit"})
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("no id")
	}
	reqs := f.requests(http.MethodPost, "/job-executions")
	if len(reqs) != 3 {
		t.Fatalf("%d submit attempts, want 3", len(reqs))
	}
	dates, sigs := map[string]bool{}, map[string]bool{}
	for _, r := range reqs {
		dates[r.Header.Get("X-Sdk-Date")] = true
		sigs[r.Header.Get("Authorization")] = true
	}
	if len(dates) != 3 || len(sigs) != 3 {
		t.Errorf("attempts share dates or signatures: %v %v", dates, sigs)
	}
	if n := len(f.requests(http.MethodGet, "")); n != 0 {
		t.Errorf("a 503 needs no look-up, got %d GETs", n)
	}
}

// The service does the work, then the connection is dropped: Submit finds the job by name and
// does not submit it twice.
func TestSubmitAfterLostResponseFindsTheJob(t *testing.T) {
	f := newFake(t, true, "")
	// An older job with the same name but other arguments (a replaced job) must not be taken.
	f.addJob(&fakeJob{ID: "old-job", Name: "etl", Type: "SparkSubmit", Args: []string{"old.jar"}, Submitted: time.Now().Add(-time.Minute).UnixMilli()})
	var lost atomic.Bool
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/job-executions") && lost.CompareAndSwap(false, true) {
			f.submit(httptestDiscard{}, rec.Body)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return true
			}
			_ = conn.Close()
			return true
		}
		return false
	}
	c := f.client(t)
	before := time.Now()
	id, err := c.Submit(testCtx(t), testCluster, JobSpec{Name: "etl", Type: "SparkSubmit", Arguments: []string{"--class", "x", "new.jar"}, Properties: map[string]string{"a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if id != "job-0001" {
		t.Errorf("found %q, want job-0001", id)
	}
	if n := len(f.requests(http.MethodPost, "/job-executions")); n != 1 {
		t.Errorf("%d submissions, want 1", n)
	}
	lists := f.requests(http.MethodGet, "/job-executions")
	if len(lists) != 1 {
		t.Fatalf("%d look-ups, want 1", len(lists))
	}
	q := lists[0].Query
	begin, _ := strconv.ParseInt(q.Get("submitted_time_begin"), 10, 64)
	if q.Get("job_name") != "etl" || begin > before.Add(-submitLookupSkew).UnixMilli()+1000 || begin < before.Add(-submitLookupSkew-time.Minute).UnixMilli() {
		t.Errorf("look-up query %v (before %d)", q, before.UnixMilli())
	}
}

type httptestDiscard struct{}

func (httptestDiscard) Header() http.Header         { return http.Header{} }
func (httptestDiscard) Write(b []byte) (int, error) { return len(b), nil }
func (httptestDiscard) WriteHeader(int)             {}

// A 500 without an error code that did not create the job: the look-up finds nothing and the
// job is submitted again, once.
func TestSubmitAfterAmbiguous500NotFoundSubmitsAgain(t *testing.T) {
	f := newFake(t, false, "")
	var n atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		if r.Method == http.MethodPost && n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("<html>internal error</html>"))
			return true
		}
		return false
	}
	c := f.client(t)
	id, err := c.Submit(testCtx(t), testCluster, JobSpec{Name: "j", Type: "HiveSql", Arguments: []string{"select 1"}})
	if err != nil || id == "" {
		t.Fatalf("%q %v", id, err)
	}
	if s, l := len(f.requests(http.MethodPost, "/job-executions")), len(f.requests(http.MethodGet, "/job-executions")); s != 2 || l != 1 {
		t.Errorf("%d submissions and %d look-ups, want 2 and 1", s, l)
	}
}

// A 500 whose code says the job was refused is returned at once: no look-up, no resubmission.
func TestSubmitDefiniteRefusal(t *testing.T) {
	f := newFake(t, false, "")
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		mrsError(w, http.StatusInternalServerError, "0168", "Hive jobs cannot be submitted.")
		return true
	}
	c := f.client(t)
	_, err := c.Submit(testCtx(t), testCluster, JobSpec{Name: "j", Type: "HiveSql"})
	if !HasCode(err, "0168") || !strings.Contains(err.Error(), "Hive jobs cannot be submitted") || !strings.Contains(err.Error(), "submit job") {
		t.Fatalf("got %v", err)
	}
	if n := len(f.requests("", "")); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// Every attempt lost and never created: bounded attempts, then an error.
func TestSubmitGivesUpAfterBoundedAttempts(t *testing.T) {
	f := newFake(t, false, "")
	f.hook = failPOSTs(http.StatusBadGateway)
	c := f.client(t)
	_, err := c.Submit(testCtx(t), testCluster, JobSpec{Name: "j", Type: "Flink"})
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Fatalf("got %v", err)
	}
	if s := len(f.requests(http.MethodPost, "/job-executions")); s != submitAttempts {
		t.Errorf("%d submissions", s)
	}
}

func TestSubmitFailedStateReturnsIDAndError(t *testing.T) {
	f := newFake(t, false, "")
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		writeJSON(w, http.StatusOK, map[string]any{"job_submit_result": map[string]string{"job_id": "j-bad", "state": "JOBSTAT_SUBMIT_FAILED"},
			"error_code": "0173", "error_msg": "Failed to submit the job."})
		return true
	}
	c := f.client(t)
	id, err := c.Submit(testCtx(t), testCluster, JobSpec{Name: "j", Type: "MapReduce"})
	if id != "j-bad" || !HasCode(err, "0173") || !strings.Contains(err.Error(), "JOBSTAT_SUBMIT_FAILED") {
		t.Fatalf("%q %v", id, err)
	}
}

func TestGetJobParsesStringFormsAndTimes(t *testing.T) {
	f := newFake(t, false, "")
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"job_detail":{"job_id":"a1","user":"admin","job_name":"pi","job_result":"FAILED","job_state":"FINISHED",
"job_progress":33.3,"job_type":"SparkSubmit","started_time":1700000001000,"submitted_time":1700000000000,"finished_time":0,
"elapsed_time":0,"arguments":"[--class, org.Pi, --master, yarn-cluster, obs://b/x.jar, 10000]","properties":"{fs.obs.a=1, spark.x=a=b}",
"launcher_id":"app_1","app_id":"app_2","queue":"default","tracking_url":null,"unknown_field":[1,2]}}`))
		return true
	}
	c := f.client(t)
	j, err := c.GetJob(testCtx(t), testCluster, "a1")
	if err != nil {
		t.Fatal(err)
	}
	want := Job{ID: "a1", Name: "pi", Type: "SparkSubmit", State: "FINISHED", Result: "FAILED", User: "admin", Queue: "default", Progress: 33.3,
		Arguments:     []string{"--class", "org.Pi", "--master", "yarn-cluster", "obs://b/x.jar", "10000"},
		Properties:    map[string]string{"fs.obs.a": "1", "spark.x": "a=b"},
		SubmittedTime: time.UnixMilli(1700000000000).UTC(), StartedTime: time.UnixMilli(1700000001000).UTC()}
	if fmt.Sprintf("%#v", *j) != fmt.Sprintf("%#v", want) {
		t.Errorf("got  %#v\nwant %#v", *j, want)
	}
	if !j.FinishedTime.IsZero() || j.Succeeded() || !IsTerminal(j.State) {
		t.Errorf("finished %v succeeded %v terminal %v", j.FinishedTime, j.Succeeded(), IsTerminal(j.State))
	}
}

func TestMalformedAnswersAreErrorsNamingTheOperation(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		call       func(*Client) error
		op         string
	}{
		{"get not json", `not json`, 202, func(c *Client) error { _, err := c.GetJob(context.Background(), testCluster, "x"); return err }, "get job"},
		{"get wrong type", `{"job_detail":{"job_progress":"fast"}}`, 202, func(c *Client) error { _, err := c.GetJob(context.Background(), testCluster, "x"); return err }, "get job"},
		{"get empty", ``, 200, func(c *Client) error { _, err := c.GetJob(context.Background(), testCluster, "x"); return err }, "get job"},
		{"get no detail", `{}`, 202, func(c *Client) error { _, err := c.GetJob(context.Background(), testCluster, "x"); return err }, "get job"},
		{"list not json", `[1,2`, 202, func(c *Client) error {
			return c.ListJobs(context.Background(), testCluster, ListFilter{}, func(Job) error { return nil })
		}, "list jobs"},
		{"list no list", `{"foo":1}`, 202, func(c *Client) error {
			return c.ListJobs(context.Background(), testCluster, ListFilter{}, func(Job) error { return nil })
		}, "list jobs"},
		{"list arguments array", `{"total_record":1,"job_list":[{"job_id":"a","arguments":["x"]}]}`, 202, func(c *Client) error {
			return c.ListJobs(context.Background(), testCluster, ListFilter{}, func(Job) error { return nil })
		}, "list jobs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, "")
			f.hook = answerEvery(tc.status, tc.body)
			err := tc.call(f.client(t))
			if err == nil || !strings.Contains(err.Error(), "MRS "+tc.op) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestListJobsPagesUntilAShortPage(t *testing.T) {
	f := newFake(t, false, "")
	now := time.Now().UnixMilli()
	for i := range 250 {
		f.addJob(&fakeJob{ID: fmt.Sprintf("id-%03d", i), Name: fmt.Sprintf("n%d", i), Type: "MapReduce", State: "FINISHED", Result: "SUCCEEDED", Submitted: now})
	}
	c := f.client(t)
	var got []string
	begin := time.UnixMilli(now - 1000)
	err := c.ListJobs(testCtx(t), testCluster, ListFilter{SubmittedBegin: begin, JobType: "SparkPython", User: "admin"}, func(j Job) error {
		got = append(got, j.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || got[0] != "id-000" || got[249] != "id-249" {
		t.Errorf("%d jobs", len(got))
	}
	reqs := f.requests(http.MethodGet, "/job-executions")
	if len(reqs) != 3 {
		t.Fatalf("%d list requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.Query.Get("limit") != "100" || r.Query.Get("offset") != strconv.Itoa(i+1) {
			t.Errorf("request %d query %v", i+1, r.Query)
		}
		if r.Query.Get("job_type") != "SparkSubmit" || r.Query.Get("user") != "admin" || r.Query.Get("submitted_time_begin") != strconv.FormatInt(begin.UnixMilli(), 10) {
			t.Errorf("filters %v", r.Query)
		}
	}
	// A callback error stops the listing and comes back as is.
	stop := errors.New("stop")
	if err := c.ListJobs(testCtx(t), testCluster, ListFilter{}, func(Job) error { return stop }); err != stop {
		t.Errorf("got %v", err)
	}
}

func TestListJobsStopsAtTotalRecordAndDetectsIgnoredOffset(t *testing.T) {
	f := newFake(t, false, "")
	for i := range 200 {
		f.addJob(&fakeJob{ID: fmt.Sprintf("id-%03d", i), Name: "n", Type: "MapReduce"})
	}
	c := f.client(t)
	count := 0
	if err := c.ListJobs(testCtx(t), testCluster, ListFilter{}, func(Job) error { count++; return nil }); err != nil || count != 200 {
		t.Fatalf("%d %v", count, err)
	}
	if n := len(f.requests(http.MethodGet, "/job-executions")); n != 2 {
		t.Errorf("%d list requests for 200 jobs with total_record 200, want 2", n)
	}

	g := newFake(t, false, "")
	g.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		jobs := make([]map[string]any, 100)
		for i := range jobs {
			jobs[i] = map[string]any{"job_id": fmt.Sprint("same-", i), "job_name": "n", "job_state": "FINISHED"}
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"job_list": jobs}) // no total_record, offset ignored
		return true
	}
	err := g.client(t).ListJobs(testCtx(t), testCluster, ListFilter{}, func(Job) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "ignored offset") {
		t.Errorf("got %v", err)
	}
}

func TestBatchDeleteChunks(t *testing.T) {
	f := newFake(t, false, "")
	var ids []string
	for i := range 250 {
		id := fmt.Sprintf("id-%03d", i)
		ids = append(ids, id)
		f.addJob(&fakeJob{ID: id, Name: "n", Type: "MapReduce"})
	}
	c := f.client(t)
	if err := c.BatchDelete(testCtx(t), testCluster, append(ids, ids[0])); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests(http.MethodPost, "/batch-delete")
	if len(reqs) != 3 {
		t.Fatalf("%d calls, want 3", len(reqs))
	}
	for i, want := range []int{100, 100, 50} {
		var body struct {
			IDs []string `json:"job_id_list"`
		}
		if err := json.Unmarshal(reqs[i].Body, &body); err != nil || len(body.IDs) != want {
			t.Errorf("call %d: %d ids (%v)", i, len(body.IDs), err)
		}
	}
	if len(f.jobs) != 0 {
		t.Errorf("%d jobs left", len(f.jobs))
	}
	if err := c.BatchDelete(testCtx(t), testCluster, nil); err != nil || len(f.requests(http.MethodPost, "/batch-delete")) != 3 {
		t.Errorf("an empty list must make no call: %v", err)
	}
}

// Ids already gone count as deleted, with either code; the other ids of a refused chunk are
// still deleted.
func TestBatchDeleteTreatsGoneJobsAsDeleted(t *testing.T) {
	for _, code := range []string{"0176", "0201", "0161"} {
		t.Run(code, func(t *testing.T) {
			f := newFake(t, false, "")
			f.deleteUnknownCode = code
			f.addJob(&fakeJob{ID: "keep-1", Name: "n", Type: "MapReduce"})
			f.addJob(&fakeJob{ID: "keep-2", Name: "n", Type: "MapReduce"})
			c := f.client(t)
			err := c.BatchDelete(testCtx(t), testCluster, []string{"keep-1", "gone-1", "keep-2"})
			if code == "0161" {
				// 0161 for a single id is a real failure.
				if !HasCode(err, "0161") {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(f.jobs) != 0 {
				t.Errorf("jobs left: %v", f.jobs)
			}
			if n := len(f.requests(http.MethodPost, "/batch-delete")); n != 4 {
				t.Errorf("%d calls, want 1 + 3 single ones", n)
			}
		})
	}
	// A cluster that is gone means every job is gone.
	f := newFake(t, false, "")
	if err := f.client(t).BatchDelete(testCtx(t), "other-cluster", []string{"a", "b"}); err != nil {
		t.Errorf("cluster gone: %v", err)
	}
	// A bare 404 is not taken for "gone".
	g := newFake(t, false, "")
	g.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool { http.NotFound(w, r); return true }
	if err := g.client(t).BatchDelete(testCtx(t), testCluster, []string{"a"}); err == nil {
		t.Error("a bare 404 on batch-delete must be an error")
	}
}

func TestBatchDeleteAccepts202WithABodyAndIsRetriedAfter500(t *testing.T) {
	f := newFake(t, false, "")
	var n atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		if n.Add(1) == 1 {
			mrsError(w, http.StatusInternalServerError, "12000004", "Internal server error")
			return true
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("accepted"))
		return true
	}
	c := f.client(t)
	if err := c.BatchDelete(testCtx(t), testCluster, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("%d calls, want 2 (a delete is repeated after an internal error)", n.Load())
	}
}

func TestKill(t *testing.T) {
	f := newFake(t, false, "")
	f.addJob(&fakeJob{ID: "k1", Name: "n", Type: "MapReduce", State: "RUNNING"})
	var n atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		if strings.HasSuffix(r.URL.Path, "/kill") && n.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	}
	c := f.client(t)
	if err := c.Kill(testCtx(t), testCluster, "k1"); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("%d kill calls, want 2 (a kill is repeated after a 502)", n.Load())
	}
	j, err := c.GetJob(testCtx(t), testCluster, "k1")
	if err != nil || j.State != "KILLED" {
		t.Fatalf("%+v %v", j, err)
	}
	if err := c.Kill(testCtx(t), testCluster, "nope"); !IsJobGone(err) {
		t.Errorf("got %v", err)
	}

	// A definite refusal (HTTP 500 with an MRS code) is not repeated.
	g := newFake(t, false, "")
	g.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		mrsError(w, http.StatusInternalServerError, "0175", "Failed to kill the job.")
		return true
	}
	if err := g.client(t).Kill(testCtx(t), testCluster, "k1"); !HasCode(err, "0175") || !strings.Contains(err.Error(), "kill job") {
		t.Errorf("got %v", err)
	}
	if n := len(g.requests("", "")); n != 1 {
		t.Errorf("%d kill calls after a definite refusal, want 1", n)
	}
}

func TestErrorClassification(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		status               int
		body                 string
		gone, auth, running  bool
		code, msg, requestID string
		header               map[string]string
	}{
		{name: "400 0176", status: 400, body: `{"error_code":"0176","error_msg":"The job does not exist."}`, gone: true, code: "0176", msg: "The job does not exist."},
		{name: "500 0201", status: 500, body: `{"error_code":"0201","error_msg":"The job does not exist."}`, gone: true, code: "0201"},
		{name: "camel 12000003", status: 400, body: `{"errorCode":"12000003","errorMsg":"The cluster does not exist."}`, gone: true, code: "12000003", msg: "The cluster does not exist."},
		{name: "code only", status: 400, body: `{"error_code":"0176"}`, gone: true, code: "0176"},
		{name: "bare 404", status: 404, body: `404 page not found`, gone: true, msg: "404 page not found"},
		{name: "401 apigw", status: 401, body: `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail","request_id":"r-1"}`, auth: true, code: "APIGW.0301", requestID: "r-1"},
		{name: "12000001", status: 400, body: `{"error_code":"12000001","error_msg":"Invalid authentication."}`, auth: true, code: "12000001"},
		{name: "running", status: 500, body: `{"error_code":"0183","error_msg":"The job is running."}`, running: true, code: "0183"},
		{name: "request id header", status: 500, body: `{"error_code":"0162","error_msg":"Failed to query the job."}`, code: "0162", requestID: "hdr-1", header: map[string]string{"X-Request-Id": "hdr-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, "")
			f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
				return true
			}
			_, err := f.client(t).GetJob(testCtx(t), testCluster, "j1")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v", err, err)
			}
			if IsJobGone(err) != tc.gone || IsAuthFailure(err) != tc.auth || IsJobRunning(err) != tc.running {
				t.Errorf("gone %v auth %v running %v: %v", IsJobGone(err), IsAuthFailure(err), IsJobRunning(err), err)
			}
			if e.StatusCode != tc.status || e.Code != tc.code || e.Operation != "get job" {
				t.Errorf("%+v", e)
			}
			if tc.msg != "" && e.Message != tc.msg {
				t.Errorf("message %q", e.Message)
			}
			if tc.requestID != "" && e.RequestID != tc.requestID {
				t.Errorf("request id %q", e.RequestID)
			}
		})
	}
}

// A rejected signature is an auth failure whose text names the settings, and the secret key
// appears neither there nor in any log line, even when the server echoes it.
func TestAuthFailureTextAndLogsNeverHoldTheSecretKey(t *testing.T) {
	f := newFake(t, false, testToken)
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		w.Header().Set("X-Echo", testSK+" "+testToken)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error_code": "APIGW.0301",
			"error_msg": "Incorrect IAM authentication information: string to sign with sk=" + testSK + " token=" + testToken, "request_id": "abc"})
		return true
	}
	c := f.client(t)
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(testCtx(t), &logs)
	_, err := c.Submit(ctx, testCluster, JobSpec{Name: "j", Type: "MapReduce"})
	if !IsAuthFailure(err) {
		t.Fatalf("got %v", err)
	}
	text := err.Error()
	for _, want := range []string{"mrs.access_key", "mrs.secret_key", "HW_ACCESS_KEY", "HW_SECRET_KEY", "APIGW.0301", "request id abc"} {
		if !strings.Contains(text, want) {
			t.Errorf("error lacks %q: %s", want, text)
		}
	}
	if _, err := c.GetJob(ctx, testCluster, "j1"); !IsAuthFailure(err) {
		t.Fatalf("got %v", err)
	}
	out := logs.String()
	if out == "" {
		t.Fatal("no logs captured")
	}
	for _, leaked := range []string{testSK, testToken} {
		if strings.Contains(text, leaked) {
			t.Errorf("error text holds %q: %s", leaked, text)
		}
		if strings.Contains(out, leaked) {
			t.Errorf("logs hold %q:\n%s", leaked, out)
		}
	}
}

func TestNewValidatesSettings(t *testing.T) {
	good := Config{Endpoint: "https://mrs.cn-north-4.myhuaweicloud.com", ProjectID: testProject, AccessKey: testAK, SecretKey: testSK}
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.Endpoint = "" }, "endpoint is required"},
		{func(c *Config) { c.Endpoint = "ftp://x" }, "endpoint"},
		{func(c *Config) { c.Endpoint = "https://mrs.example.com/prefix" }, "endpoint"},
		{func(c *Config) { c.ProjectID = "" }, "project_id is not set, and no region is set to look it up from"},
		{func(c *Config) { c.ProjectID, c.Region = "", "cn north" }, `region "cn north" is not a region name`},
		{func(c *Config) { c.ProjectID, c.Region, c.IAMEndpoint = "", "cn-north-4", "https://iam.example.com/v3" }, "iam_endpoint"},
		{func(c *Config) { c.ProjectID, c.Region, c.CACertificateFile = "", "cn-north-4", "/does/not/exist.pem" }, "ca_certificate_file"},
		{func(c *Config) { c.ProjectID = "has-dash" }, "project_id"},
		{func(c *Config) { c.AccessKey = "" }, "access_key"},
		{func(c *Config) { c.SecretKey = "" }, "secret_key"},
		{func(c *Config) { c.CACertificateFile = "/does/not/exist.pem" }, "ca_certificate_file"},
	} {
		cfg := good
		tc.mutate(&cfg)
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", cfg, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), testSK) {
			t.Errorf("error holds the secret key: %v", err)
		}
	}
	c, err := New(Config{Endpoint: "mrs.cn-north-4.myhuaweicloud.com/", ProjectID: testProject, AccessKey: testAK, SecretKey: testSK})
	if err != nil || c.endpoint != "https://mrs.cn-north-4.myhuaweicloud.com" {
		t.Errorf("schemeless endpoint: %v %+v", err, c)
	}
	// Invalid ids are refused before any request (the SDK does not escape path parameters).
	if _, err := c.GetJob(context.Background(), "a/b", "j"); err == nil || !strings.Contains(err.Error(), "cluster_id") {
		t.Errorf("got %v", err)
	}
	if err := c.Kill(context.Background(), "c", "../x"); err == nil || !strings.Contains(err.Error(), "job id") {
		t.Errorf("got %v", err)
	}
	if _, err := c.Submit(context.Background(), "c", JobSpec{Name: "bad name", Type: "MapReduce"}); err == nil || !strings.Contains(err.Error(), "job name") {
		t.Errorf("got %v", err)
	}
}

func TestContextDeadlineEndsRetries(t *testing.T) {
	f := newFake(t, false, "")
	f.hook = func(w http.ResponseWriter, r *http.Request, rec record) bool {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	c := f.client(t, func(cfg *Config) { cfg.Retry.MaxAttempts = 10 })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetJob(ctx, testCluster, "j")
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("got %v after %s", err, time.Since(start))
	}
	if n := len(f.requests("", "")); n != 1 {
		t.Errorf("%d attempts: a Retry-After past the deadline must not be waited for", n)
	}
}

func TestDefaultEndpoint(t *testing.T) {
	for region, want := range map[string]string{
		"cn-north-4":     "https://mrs.cn-north-4.myhuaweicloud.com",
		"ap-southeast-1": "https://mrs.ap-southeast-1.myhuaweicloud.cn",
		"ap-southeast-4": "https://mrs.ap-southeast-4.myhuaweicloud.cn",
		"ru-northwest-2": "https://mrs.ru-northwest-2.myhuaweicloud.cn",
		"eu-west-101":    "https://mrs.eu-west-101.myhuaweicloud.eu",
		"xx-new-9":       "https://mrs.xx-new-9.myhuaweicloud.com",
		"":               "",
	} {
		if got := DefaultEndpoint(region); got != want {
			t.Errorf("%q: %q, want %q", region, got, want)
		}
	}
}

func TestIsTerminalAndSucceeded(t *testing.T) {
	for _, s := range []string{"FINISHED", "FAILED", "KILLED", "killed"} {
		if !IsTerminal(s) {
			t.Errorf("%s", s)
		}
	}
	for _, s := range []string{"NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", ""} {
		if IsTerminal(s) {
			t.Errorf("%s", s)
		}
	}
	if !(Job{State: "FINISHED", Result: "SUCCEEDED"}).Succeeded() || (Job{State: "FINISHED", Result: "FAILED"}).Succeeded() {
		t.Error("Succeeded")
	}
}

func TestParseArgumentsAndProperties(t *testing.T) {
	for in, want := range map[string][]string{
		"[a, b]":        {"a", "b"},
		"[]":            {},
		"[single]":      {"single"},
		"[a,b, c]":      {"a,b", "c"},
		"[select 1, 2]": {"select 1", "2"}, // the service's format cannot keep "select 1, 2" whole
		"no brackets":   {"no brackets"},
	} {
		got := ParseArguments(in)
		if !slices.Equal(got, want) || got == nil {
			t.Errorf("%q: %q", in, got)
		}
	}
	if ParseArguments("") != nil {
		t.Error("empty")
	}
	for in, want := range map[string]map[string]string{
		"{}":             {},
		"{k=v, k2=v2}":   {"k": "v", "k2": "v2"},
		"{k=a=b}":        {"k": "a=b"},
		"{k=a, b, k2=c}": {"k": "a, b", "k2": "c"},
		"{k=}":           {"k": ""},
	} {
		got := ParseProperties(in)
		if fmt.Sprint(got) != fmt.Sprint(want) || got == nil {
			t.Errorf("%q: %v", in, got)
		}
	}
	if ParseProperties("") != nil {
		t.Error("empty")
	}
	props := map[string]string{"b": "2", "a": "x, y"}
	if got := ParseProperties(formatProperties(props)); fmt.Sprint(got) != fmt.Sprint(props) {
		t.Errorf("round trip %v", got)
	}
}

// The test server's verifier does reject what it should, so the other tests' silence means
// something.
func TestVerifierRejectsTamperedRequests(t *testing.T) {
	f := newFake(t, false, testToken)
	c := f.client(t)
	if _, err := c.Submit(testCtx(t), testCluster, JobSpec{Name: "j", Type: "MapReduce", Arguments: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	rec := f.requests(http.MethodPost, "/job-executions")[0]
	build := func() *http.Request {
		r, _ := http.NewRequest(rec.Method, f.srv.URL+rec.Path, bytes.NewReader(rec.Body))
		r.Header = rec.Header.Clone()
		return r
	}
	if err := verifySignature(build(), rec.Body, testAK, testSK, testToken, time.Now()); err != nil {
		t.Fatalf("the recorded request does not verify: %v", err)
	}
	for name, tamper := range map[string]func(r *http.Request) ([]byte, string, time.Time){
		"body": func(r *http.Request) ([]byte, string, time.Time) { return append(rec.Body, ' '), testSK, time.Now() },
		"key":  func(r *http.Request) ([]byte, string, time.Time) { return rec.Body, "other-secret", time.Now() },
		"token": func(r *http.Request) ([]byte, string, time.Time) {
			r.Header.Set("X-Security-Token", "x")
			return rec.Body, testSK, time.Now()
		},
		"project": func(r *http.Request) ([]byte, string, time.Time) {
			r.Header.Set("X-Project-Id", "x")
			return rec.Body, testSK, time.Now()
		},
		"stale": func(r *http.Request) ([]byte, string, time.Time) {
			return rec.Body, testSK, time.Now().Add(20 * time.Minute)
		},
		"query": func(r *http.Request) ([]byte, string, time.Time) {
			r.URL.RawQuery = "a=1"
			return rec.Body, testSK, time.Now()
		},
	} {
		r := build()
		body, sk, now := tamper(r)
		if err := verifySignature(r, body, testAK, sk, testToken, now); err == nil {
			t.Errorf("%s: tampered request verified", name)
		}
	}
}

func TestAnswersLackingWhatTheCallerNeedsAreMalformed(t *testing.T) {
	get := func(c *Client) error { _, err := c.GetJob(context.Background(), testCluster, "x"); return err }
	list := func(c *Client) error {
		return c.ListJobs(context.Background(), testCluster, ListFilter{}, func(Job) error { return nil })
	}
	for _, tc := range []struct {
		name, body string
		call       func(*Client) error
		want       string
	}{
		{"get no id", `{"job_detail":{"job_name":"n","job_state":"RUNNING"}}`, get, "MRS get job: malformed response (HTTP 200): job_detail has no job_id"},
		{"get no name", `{"job_detail":{"job_id":"x","job_state":"RUNNING"}}`, get, "job_detail of job x has no job_name"},
		{"get no state", `{"job_detail":{"job_id":"x","job_name":"n"}}`, get, "job_detail of job x has no job_state"},
		{"get unknown state", `{"job_detail":{"job_id":"x","job_name":"n","job_state":"EXPLODED"}}`, get, `job_detail of job x has an unknown job_state "EXPLODED"`},
		{"get other job", `{"job_detail":{"job_id":"y","job_name":"n","job_state":"RUNNING"}}`, get, `the answer is for job "y", not "x"`},
		{"list entry without state", `{"total_record":2,"job_list":[{"job_id":"a","job_name":"n","job_state":"New"},{"job_id":"b","job_name":"n"}]}`, list,
			"MRS list jobs: malformed response (HTTP 200): entry 2 of job_list of job b has no job_state"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, "")
			f.hook = answerEvery(http.StatusOK, tc.body)
			err := tc.call(f.client(t))
			if !IsMalformed(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			// a read is repeated after a malformed answer, within the retry policy
			if n := len(f.requests(http.MethodGet, "")); n != fastRetry.MaxAttempts {
				t.Errorf("%d requests, want %d", n, fastRetry.MaxAttempts)
			}
		})
	}
}
