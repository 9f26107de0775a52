package mrs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuthOverHTTP(t *testing.T) {
	e := newEnv(t)
	// SDK-style signature accepted
	if r := e.do("GET", jobsPath(testCluster), ""); r.status != 202 || r.header.Get("X-Request-Id") == "" {
		t.Fatalf("signed list: %d %s", r.status, r.body)
	}
	// unsigned
	r := e.newReq("GET", jobsPath(testCluster), "")
	r.Header.Del("Authorization")
	res := e.raw(r)
	body := res.wantError(t, 401, CodeAPIGWAuth)
	if !strings.HasPrefix(body.ErrorMsg, "Incorrect IAM authentication information: ") || body.RequestID == "" || body.RequestID != res.header.Get("X-Request-Id") {
		t.Errorf("401 body %s", res.body)
	}
	// bad signature
	r = e.newReq("GET", jobsPath(testCluster), "")
	r.Header.Set("User-Agent", "changed-after-signing")
	e.raw(r).wantError(t, 401, CodeAPIGWAuth)
	// stale date (real time; the emulator clock does not matter)
	r = e.newReq("GET", jobsPath(testCluster), "")
	SignRequest(r, nil, testAK, testSK, time.Now().Add(-16*time.Minute), "user-agent", "x-project-id", "x-sdk-date")
	e.raw(r).wantError(t, 401, CodeAPIGWAuth)
	e.clock.Advance(48 * time.Hour)
	if r := e.do("GET", jobsPath(testCluster), ""); r.status != 202 {
		t.Fatalf("after advancing the emulator clock: %d", r.status)
	}
	// wrong X-Project-Id header
	e.hdr["X-Project-Id"] = "ffffffffffffffffffffffffffffffff"
	e.do("GET", jobsPath(testCluster), "").wantError(t, 401, CodeAPIGWAuth)
	delete(e.hdr, "X-Project-Id")
	// wrong project in the path
	e.do("GET", "/v2/ffffffffffffffffffffffffffffffff/clusters/c1/job-executions", "").wantError(t, 401, CodeInvalidAuth)
	// POST body is covered by the signature
	r = e.newReq("POST", jobsPath(testCluster), `{"job_name":"a","job_type":"MapReduce"}`)
	r.Body = http.NoBody
	e.raw(r).wantError(t, 401, CodeAPIGWAuth)
	if e.svc.JobCount(testCluster) != 0 {
		t.Error("a rejected request submitted a job")
	}
	// temporary credentials need their token
	tmp := newEnv(t, func(c *Config) { c.SecurityToken = "sts-token-value" })
	tmp.do("GET", jobsPath(testCluster), "").wantError(t, 401, CodeAPIGWAuth)
	tmp.hdr["X-Security-Token"] = "other"
	tmp.do("GET", jobsPath(testCluster), "").wantError(t, 401, CodeAPIGWAuth)
	tmp.hdr["X-Security-Token"] = "sts-token-value"
	if r := tmp.do("GET", jobsPath(testCluster), ""); r.status != 202 {
		t.Fatalf("temporary credentials with token: %d %s", r.status, r.body)
	}
	// the published vector's style (content-type;host;x-sdk-date) works too
	r = e.newReq("GET", jobsPath(testCluster)+"?limit=2&offset=1", "")
	r.Header.Set("Content-Type", "application/json")
	SignRequest(r, nil, testAK, testSK, time.Now(), "content-type", "host", "x-sdk-date")
	if res := e.raw(r); res.status != 202 {
		t.Fatalf("golangsdk-style: %d %s", res.status, res.body)
	}
}

func TestRoutesAndLookups(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1.1/" + testProject + "/job-executions"},
		{"DELETE", jobsPath(testCluster) + "/x"},
		{"GET", jobsPath(testCluster) + "/x/sql-result"},
		{"PUT", jobsPath(testCluster)},
		{"GET", jobsPath(testCluster) + "/"},
	} {
		r := e.do(c.method, c.path, "")
		if b := r.wantError(t, 404, CodeAPIGWNotFound); b.RequestID == "" {
			t.Errorf("%s %s: %s", c.method, c.path, r.body)
		}
	}
	// unknown cluster: both key spellings
	r := e.do("GET", jobsPath("nope"), "")
	b := r.wantError(t, 400, CodeClusterNotFound)
	if b.ErrorCodeCamel != CodeClusterNotFound || b.ErrorMsgCamel != "The cluster does not exist." || b.ErrorMsg != "The cluster does not exist." {
		t.Errorf("cluster body %s", r.body)
	}
	var m map[string]string
	_ = json.Unmarshal(r.body, &m)
	if len(m) != 4 || m["errorCode"] != "12000003" || m["error_code"] != "12000003" {
		t.Errorf("cluster body keys %v", m)
	}
	for _, p := range []string{"", "/x", "/batch-delete", "/x/kill"} {
		method := "GET"
		if strings.HasSuffix(p, "kill") || p == "/batch-delete" {
			method = "POST"
		}
		body := ""
		if p == "/batch-delete" {
			body = `{"job_id_list":["x"]}`
		}
		e.do(method, jobsPath("nope")+p, body).wantError(t, 400, CodeClusterNotFound)
	}
	// unknown job
	r = e.do("GET", jobsPath(testCluster)+"/7c4c1a9e-0000-4000-8000-000000000000", "")
	if b := r.wantError(t, 400, CodeJobNotFound); b.ErrorMsg != "The job does not exist." || strings.Contains(string(r.body), "errorCode") {
		t.Errorf("job body %s", r.body)
	}
	e.do("POST", jobsPath(testCluster)+"/nope/kill", "").wantError(t, 400, CodeJobNotFound)
	// a job of another cluster is unknown here
	id := e.submit("j", "MapReduce", nil, nil)
	e.do("GET", jobsPath("c2")+"/"+id, "").wantError(t, 400, CodeJobNotFound)
	// out-of-band cluster removal
	if !e.svc.RemoveCluster("c2") || e.svc.RemoveCluster("c2") {
		t.Error("RemoveCluster")
	}
	e.do("GET", jobsPath("c2"), "").wantError(t, 400, CodeClusterNotFound)
	if err := e.svc.AddCluster("c2"); err != nil || strings.Join(e.svc.Clusters(), ",") != "c1,c2" {
		t.Errorf("AddCluster: %v %v", err, e.svc.Clusters())
	}
}

func TestSubmitValidation(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("a", 75001)
	type submitCase struct {
		name, body string
		status     int
		code       string
	}
	cases := []submitCase{
		{"not JSON", `{"job_name":`, 400, CodeInvalidParameter},
		{"array", `[]`, 400, CodeInvalidParameter},
		{"null", `null`, 400, CodeInvalidParameter},
		{"no type", `{"job_name":"a"}`, 400, CodeInvalidParameter},
		{"no name", `{"job_type":"MapReduce"}`, 400, CodeInvalidParameter},
		{"bad type", `{"job_name":"a","job_type":"Spark"}`, 400, CodeInvalidParameter},
		{"type case", `{"job_name":"a","job_type":"mapreduce"}`, 400, CodeInvalidParameter},
		{"type not string", `{"job_name":"a","job_type":1}`, 400, CodeInvalidParameter},
		{"empty name", `{"job_name":"","job_type":"MapReduce"}`, 400, CodeInvalidParameter},
		{"name too long", `{"job_name":"` + strings.Repeat("n", 65) + `","job_type":"MapReduce"}`, 400, CodeInvalidParameter},
		{"name char", `{"job_name":"a.b","job_type":"MapReduce"}`, 400, CodeInvalidParameter},
		{"args not array", `{"job_name":"a","job_type":"MapReduce","arguments":"x"}`, 400, CodeInvalidParameter},
		{"args not strings", `{"job_name":"a","job_type":"MapReduce","arguments":[1]}`, 400, CodeInvalidParameter},
		{"args too long", `{"job_name":"a","job_type":"MapReduce","arguments":["` + long + `","` + long + `"]}`, 400, CodeInvalidParameter},
		{"props not object", `{"job_name":"a","job_type":"MapReduce","properties":["x"]}`, 400, CodeInvalidParameter},
		{"props not strings", `{"job_name":"a","job_type":"MapReduce","properties":{"a":1}}`, 400, CodeInvalidParameter},
		{"props too long", `{"job_name":"a","job_type":"MapReduce","properties":{"k":"` + strings.Repeat("v", 2048) + `"}}`, 400, CodeInvalidParameter},
	}
	for _, ch := range ForbiddenArgumentChars {
		arg, _ := json.Marshal([]string{"x" + string(ch) + "y"})
		cases = append(cases, submitCase{"arg char " + string(ch), `{"job_name":"a","job_type":"MapReduce","arguments":` + string(arg) + `}`, 400, CodeInvalidParameter})
	}
	for _, ch := range ForbiddenPropertyChars {
		for _, kv := range [][2]string{{"k", "v" + string(ch)}, {"k" + string(ch), "v"}} {
			p, _ := json.Marshal(map[string]string{kv[0]: kv[1]})
			cases = append(cases, submitCase{"prop char " + string(ch), `{"job_name":"a","job_type":"MapReduce","properties":` + string(p) + `}`, 400, CodeInvalidParameter})
		}
	}
	for _, c := range cases {
		r := e.do("POST", jobsPath(testCluster), c.body)
		if r.status != c.status || r.errBody(t).ErrorCode != c.code {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	// Content-Type must be JSON
	r := e.newReq("POST", jobsPath(testCluster), `{"job_name":"a","job_type":"MapReduce"}`)
	r.Header.Set("Content-Type", "text/plain")
	SignRequest(r, []byte(`{"job_name":"a","job_type":"MapReduce"}`), testAK, testSK, time.Now())
	e.raw(r).wantError(t, 415, CodeInvalidParameter)
	if n := e.svc.JobCount(testCluster); n != 0 {
		t.Fatalf("%d jobs stored by rejected submits", n)
	}
	// limits are inclusive; ',' '=' ':' and '"' in properties are fine; unknown fields ignored
	okArgs, _ := json.Marshal([]string{strings.Repeat("a", 75000), strings.Repeat("b", 75000)})
	r2 := e.do("POST", jobsPath(testCluster), `{"job_name":"`+strings.Repeat("n", 64)+`","job_type":"DistCp","arguments":`+string(okArgs)+`,"properties":{"k":"`+strings.Repeat("v", 2047)+`"},"extra":1}`)
	if r2.status != 200 {
		t.Fatalf("limits: %d %s", r2.status, r2.body)
	}
	// every type is accepted; SparkPython is stored as SparkSubmit
	for _, typ := range append(append([]string{}, JobTypes...), JobTypeSparkPython) {
		id := e.submit("t_"+typ, typ, []string{}, nil)
		v, _ := e.svc.Job(testCluster, id)
		want := typ
		if typ == JobTypeSparkPython {
			want = "SparkSubmit"
		}
		if v.Type != want || v.SentType != typ || e.get(id).JobType != want {
			t.Errorf("%s stored as %s", typ, v.Type)
		}
	}
	// out-of-band submit uses the same rules
	if _, err := e.svc.SubmitJob(testCluster, JobSubmission{JobType: "MapReduce", JobName: "bad name"}); err == nil {
		t.Error("SubmitJob accepted a bad name")
	}
	if v, err := e.svc.SubmitJob(testCluster, JobSubmission{JobType: "SparkPython", JobName: "oob", Arguments: []string{"a"},
		Properties: []Property{{"k", "1"}, {"j", "2"}, {"k", "3"}}}); err != nil || v.Type != "SparkSubmit" || v.State != StateNew || v.PropertiesString != "{k=3, j=2}" {
		t.Errorf("SubmitJob: %v %+v", err, v)
	}
	if _, err := e.svc.SubmitJob("nope", JobSubmission{JobType: "MapReduce", JobName: "x"}); err == nil {
		t.Error("SubmitJob to an unknown cluster")
	}
}

func TestMaxRunningJobs(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxRunningJobs = 2 })
	e.submit("a", "MapReduce", nil, nil)
	e.submit("b", "MapReduce", nil, nil)
	r := e.do("POST", jobsPath(testCluster), `{"job_name":"c","job_type":"MapReduce"}`)
	if b := r.wantError(t, 500, CodeTooManyRunningJobs); !strings.Contains(b.ErrorMsg, "cannot exceed 2") {
		t.Errorf("body %s", r.body)
	}
	// per cluster
	if r := e.do("POST", jobsPath("c2"), `{"job_name":"c","job_type":"MapReduce"}`); r.status != 200 {
		t.Errorf("other cluster: %d", r.status)
	}
	e.clock.Advance(3 * time.Second) // a and b finish
	e.submit("c", "MapReduce", nil, nil)
}

func TestStateMachine(t *testing.T) {
	e := newEnv(t) // RunTime 2s
	ok := e.submit("ok", "SparkSubmit", []string{"--class", "x", "app.jar"}, nil)
	fail := e.submit("fail", "MapReduce", []string{"app.jar", "mode=fail"}, nil)
	crash := e.submit("crash", "HiveSql", nil, map[string]string{"x": "CRASH"})
	failure := e.submit("failure", "MapReduce", []string{"failure", "failed", "sleep=10"}, nil)
	long := e.submit("long", "Flink", []string{"run", "sleep=2h"}, nil)
	t0 := testStart.UnixMilli()

	j := e.get(ok)
	if j.JobState != StateNew || j.JobResult != ResultUndefined || j.JobProgress != 0 || j.SubmittedTime != t0 || j.StartedTime != 0 ||
		j.FinishedTime != 0 || j.ElapsedTime != 0 || j.LauncherID != nil || j.AppID != nil || j.TrackingURL != nil || j.User != "batchops" || j.Queue != "default" {
		t.Fatalf("at T: %+v", j)
	}
	steps := []struct {
		by    time.Duration
		state string
	}{{250 * time.Millisecond, StateSubmitted}, {250 * time.Millisecond, StateAccepted}, {499 * time.Millisecond, StateAccepted}, {time.Millisecond, StateRunning}}
	for _, s := range steps {
		e.clock.Advance(s.by)
		if j := e.get(ok); j.JobState != s.state || j.JobResult != ResultUndefined {
			t.Fatalf("at +%v: %s/%s", e.clock.Now().Sub(testStart), j.JobState, j.JobResult)
		}
	}
	j = e.get(ok)
	if j.StartedTime != t0+1000 || j.LauncherID == nil || !strings.HasPrefix(*j.AppID, "application_") || j.TrackingURL == nil || !strings.Contains(*j.TrackingURL, *j.AppID) {
		t.Fatalf("running: %+v", j)
	}
	if *j.LauncherID != fmt.Sprintf("application_%d_0001", t0) || *j.AppID != fmt.Sprintf("application_%d_0002", t0) {
		t.Errorf("yarn ids %s %s", *j.LauncherID, *j.AppID)
	}
	if j := e.get(fail); j.TrackingURL != nil || *j.AppID != fmt.Sprintf("application_%d_0004", t0) {
		t.Errorf("MapReduce tracking url / app id: %+v", j)
	}
	e.clock.Advance(500 * time.Millisecond)
	if j := e.get(ok); j.JobState != StateRunning || j.JobProgress != 25 || j.ElapsedTime != 500 {
		t.Fatalf("progress at 25%%: %+v", j)
	}
	e.clock.Advance(1499 * time.Millisecond)
	if j := e.get(ok); j.JobState != StateRunning || j.JobProgress != 99.95 {
		t.Fatalf("progress just before the end: %v", j.JobProgress)
	}
	e.clock.Advance(time.Millisecond) // T+3s
	j = e.get(ok)
	if j.JobState != StateFinished || j.JobResult != ResultSucceeded || j.JobProgress != 100 || j.FinishedTime != t0+3000 || j.ElapsedTime != 2000 {
		t.Fatalf("finished: %+v", j)
	}
	if j := e.get(fail); j.JobState != StateFinished || j.JobResult != ResultFailed || j.JobProgress != 100 {
		t.Errorf("fail: %s/%s", j.JobState, j.JobResult)
	}
	if j := e.get(crash); j.JobState != StateFailed || j.JobResult != ResultFailed || j.FinishedTime != t0+3000 {
		t.Errorf("crash: %s/%s", j.JobState, j.JobResult)
	}
	// "failure" and "failed" are not the word fail; sleep=10 → 10 s
	if j := e.get(failure); j.JobState != StateRunning || j.JobProgress != 20 {
		t.Errorf("sleep=10 at +3s: %s %v", j.JobState, j.JobProgress)
	}
	e.clock.Advance(8 * time.Second) // T+11s
	if j := e.get(failure); j.JobState != StateFinished || j.JobResult != ResultSucceeded || j.ElapsedTime != 10000 {
		t.Errorf("sleep=10 at +11s: %+v", j)
	}
	if v, _ := e.svc.Job(testCluster, long); v.RunTime != 2*time.Hour || v.State != StateRunning || v.Terminal {
		t.Errorf("sleep=2h: %+v", v)
	}
	e.clock.Advance(2 * time.Hour)
	if v, _ := e.svc.Job(testCluster, long); v.State != StateFinished || v.Result != ResultSucceeded || !v.Terminal {
		t.Errorf("sleep=2h later: %+v", v)
	}
	// sleep=0: RUNNING is skipped
	z := e.submit("zero", "MapReduce", []string{"sleep=0"}, nil)
	e.clock.Advance(time.Second)
	if v, _ := e.svc.Job(testCluster, z); v.State != StateFinished {
		t.Errorf("sleep=0: %s", v.State)
	}
	for arg, want := range map[string]time.Duration{"sleep=1.5": 1500 * time.Millisecond, "sleep=90s": 90 * time.Second, "sleep=-1": 2 * time.Second, "sleep=x": 2 * time.Second, "sleep": 2 * time.Second} {
		if d, ok := parseSleep(arg); (ok && d != want) || (!ok && want != 2*time.Second) {
			t.Errorf("parseSleep(%q) = %v %v", arg, d, ok)
		}
	}
}

func TestKill(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RunTime = 10 * time.Second })
	a := e.submit("a", "SparkSql", []string{"select 1"}, nil)
	b := e.submit("b", "MapReduce", nil, nil)
	e.clock.Advance(2 * time.Second) // running, 10%
	r := e.do("POST", jobsPath(testCluster)+"/"+a+"/kill", "")
	if r.status != 202 || len(r.body) != 0 {
		t.Fatalf("kill: %d %q", r.status, r.body)
	}
	if j := e.get(a); j.JobState != StateRunning || j.JobResult != ResultUndefined {
		t.Fatalf("right after kill: %s/%s", j.JobState, j.JobResult)
	}
	e.clock.Advance(999 * time.Millisecond)
	if j := e.get(a); j.JobState != StateRunning {
		t.Fatalf("kill +999ms: %s", j.JobState)
	}
	e.do("POST", jobsPath(testCluster)+"/"+a+"/kill", "") // a second kill does not delay it
	e.clock.Advance(time.Millisecond)
	j := e.get(a)
	if j.JobState != StateKilled || j.JobResult != ResultKilled || j.FinishedTime != testStart.UnixMilli()+3000 || j.JobProgress != 20 || j.ElapsedTime != 2000 {
		t.Fatalf("killed: %+v", j)
	}
	v, _ := e.svc.Job(testCluster, a)
	if !v.Killed || !v.KillRequested || v.KillCount != 2 || !v.KillRequestedAt.Equal(testStart.Add(2*time.Second)) {
		t.Errorf("view %+v", v)
	}
	// killing a terminal job: 202, nothing changes, counted
	e.clock.Advance(time.Hour)
	if j := e.get(b); j.JobState != StateFinished {
		t.Fatal(j.JobState)
	}
	if r := e.do("POST", jobsPath(testCluster)+"/"+b+"/kill", ""); r.status != 202 {
		t.Fatalf("kill finished: %d", r.status)
	}
	e.clock.Advance(time.Second)
	if j := e.get(b); j.JobState != StateFinished || j.JobResult != ResultSucceeded {
		t.Errorf("finished job after kill: %s/%s", j.JobState, j.JobResult)
	}
	if e.svc.KillCount(testCluster, b) != 1 || len(e.svc.KillCounts(testCluster)) != 2 {
		t.Errorf("kill counts %v", e.svc.KillCounts(testCluster))
	}
	// killed before it ran: no start time, progress 0
	c := e.submit("c", "MapReduce", nil, nil)
	e.do("POST", jobsPath(testCluster)+"/"+c+"/kill", "")
	e.clock.Advance(time.Second)
	if j := e.get(c); j.JobState != StateKilled || j.StartedTime != 0 || j.JobProgress != 0 || j.ElapsedTime != 0 || j.AppID != nil {
		t.Errorf("killed early: %+v", j)
	}
	// a kill arriving less than a second before the natural end loses
	d := e.submit("d", "MapReduce", []string{"sleep=1"}, nil)
	e.clock.Advance(1500 * time.Millisecond)
	e.do("POST", jobsPath(testCluster)+"/"+d+"/kill", "")
	e.clock.Advance(time.Second)
	if j := e.get(d); j.JobState != StateFinished || j.JobResult != ResultSucceeded {
		t.Errorf("late kill: %s/%s", j.JobState, j.JobResult)
	}
	// the kill count survives deletion
	if !e.svc.DeleteJob(testCluster, a) || e.svc.KillCount(testCluster, a) != 2 {
		t.Error("kill count after delete")
	}
	// optional: Spark SQL jobs cannot be stopped
	s := newEnv(t, func(c *Config) { c.RejectSparkSQLKill = true })
	sq := s.submit("s", "SparkSql", []string{"select 1"}, nil)
	s.do("POST", jobsPath(testCluster)+"/"+sq+"/kill", "").wantError(t, 500, CodeKillFailed)
	if s.svc.KillCount(testCluster, sq) != 0 {
		t.Error("rejected kill counted")
	}
}

func TestDetailRendering(t *testing.T) {
	e := newEnv(t)
	body := `{"job_name":"render","job_type":"SparkSubmit","arguments":["--class","org.Example","--master","yarn-cluster","obs://b/app.jar","10000"],` +
		`"properties":{"zeta":"1","alpha":"a=b","fs.obs.endpoint":"obs.example.com","zeta":"2"}}`
	r := e.do("POST", jobsPath(testCluster), body)
	if r.status != 200 {
		t.Fatal(r.status, string(r.body))
	}
	var sr struct {
		R struct {
			ID string `json:"job_id"`
		} `json:"job_submit_result"`
	}
	_ = json.Unmarshal(r.body, &sr)
	j := e.get(sr.R.ID)
	if j.Arguments != "[--class, org.Example, --master, yarn-cluster, obs://b/app.jar, 10000]" {
		t.Errorf("arguments %q", j.Arguments)
	}
	// insertion order; a repeated key keeps its first place and its last value
	if j.Properties != "{zeta=2, alpha=a=b, fs.obs.endpoint=obs.example.com}" {
		t.Errorf("properties %q", j.Properties)
	}
	empty := e.submit("empty", "HiveSql", nil, nil)
	if j := e.get(empty); j.Arguments != "[]" || j.Properties != "{}" {
		t.Errorf("empty forms %q %q", j.Arguments, j.Properties)
	}
	v, _ := e.svc.Job(testCluster, sr.R.ID)
	if v.ArgumentsString != j.Arguments || v.PropertyMap()["zeta"] != "2" || v.Properties[1].Key != "alpha" {
		t.Errorf("view %+v", v)
	}
	// raw JSON: the documented field set, numbers for times and progress
	raw := e.do("GET", jobsPath(testCluster)+"/"+empty, "")
	var m map[string]map[string]any
	if err := json.Unmarshal(raw.body, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"job_id", "user", "job_name", "job_result", "job_state", "job_progress", "job_type", "started_time", "submitted_time", "finished_time", "elapsed_time", "queue", "arguments", "properties"} {
		if _, ok := m["job_detail"][k]; !ok {
			t.Errorf("job_detail lacks %s: %s", k, raw.body)
		}
	}
	if _, ok := m["job_detail"]["started_time"].(float64); !ok || raw.header.Get("Content-Type") != "application/json;charset=UTF-8" {
		t.Errorf("types/content type: %s %s", raw.body, raw.header.Get("Content-Type"))
	}
}

func TestList(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RunTime = 10 * time.Second })
	var ids []string
	for i := 0; i < 25; i++ {
		typ, args := "MapReduce", []string{"x"}
		if i%5 == 0 {
			typ = "SparkSubmit"
		}
		if i == 3 {
			args = []string{"fail"}
		}
		if i == 4 {
			args = []string{"sleep=1"}
		}
		ids = append(ids, e.submit(fmt.Sprintf("job-%02d", i), typ, args, nil))
		e.clock.Advance(100 * time.Millisecond)
	}
	all := e.list("")
	if all.Total != 25 || len(all.Jobs) != 10 || all.Jobs[0].JobName != "job-24" || all.Jobs[9].JobName != "job-15" {
		t.Fatalf("default page: %d %s", all.Total, names(all))
	}
	if p := e.list("limit=10&offset=3"); p.Total != 25 || names(p) != "job-04,job-03,job-02,job-01,job-00" {
		t.Errorf("page 3: %s", names(p))
	}
	if p := e.list("limit=10&offset=4"); p.Total != 25 || len(p.Jobs) != 0 {
		t.Errorf("page 4: %s", names(p))
	}
	if p := e.list("limit=100&offset=999999999999"); p.Total != 25 || len(p.Jobs) != 0 {
		t.Errorf("huge page: %s", names(p))
	}
	if p := e.list("sort_by=asc&limit=3&offset=2"); names(p) != "job-03,job-04,job-05" {
		t.Errorf("asc page 2: %s", names(p))
	}
	if p := e.list("limit=100"); len(p.Jobs) != 25 {
		t.Errorf("limit 100: %d", len(p.Jobs))
	}
	// same submitted_time: submit order breaks the tie
	e2 := newEnv(t)
	for _, n := range []string{"x1", "x2", "x3"} {
		e2.submit(n, "MapReduce", nil, nil)
	}
	if p := e2.list(""); names(p) != "x3,x2,x1" {
		t.Errorf("tie desc: %s", names(p))
	}
	if p := e2.list("sort_by=asc"); names(p) != "x1,x2,x3" {
		t.Errorf("tie asc: %s", names(p))
	}
	// filters
	if p := e.list("job_type=SparkSubmit&sort_by=asc"); p.Total != 5 || names(p) != "job-00,job-05,job-10,job-15,job-20" {
		t.Errorf("type filter: %d %s", p.Total, names(p))
	}
	if p := e.list("job_type=SparkPython"); p.Total != 0 {
		t.Errorf("SparkPython filter: %d", p.Total)
	}
	if p := e.list("job_id=" + ids[7]); p.Total != 1 || p.Jobs[0].JobName != "job-07" {
		t.Errorf("id filter: %s", names(p))
	}
	if p := e.list("job_name=JOB-1&limit=100"); p.Total != 10 {
		t.Errorf("name filter (case-insensitive substring): %d", p.Total)
	}
	if p := e.list("job_name=job-07"); p.Total != 1 {
		t.Errorf("exact name: %d", p.Total)
	}
	if p := e.list("user=batchops&queue=default"); p.Total != 25 {
		t.Errorf("user/queue: %d", p.Total)
	}
	if p := e.list("user=someone"); p.Total != 0 {
		t.Errorf("other user: %d", p.Total)
	}
	begin, end := testStart.Add(500*time.Millisecond).UnixMilli(), testStart.Add(900*time.Millisecond).UnixMilli()
	if p := e.list(fmt.Sprintf("submitted_time_begin=%d&submitted_time_end=%d&sort_by=asc", begin, end)); names(p) != "job-05,job-06,job-07,job-08,job-09" {
		t.Errorf("time range: %s", names(p))
	}
	// states on the clock: now T+2.5s; job-04 (sleep=1, submitted T+0.4) finished at T+2.4
	if p := e.list("job_state=FINISHED"); p.Total != 1 || p.Jobs[0].JobName != "job-04" {
		t.Errorf("finished: %s", names(p))
	}
	if p := e.list("job_state=RUNNING&limit=100"); p.Total != 15 {
		t.Errorf("running: %d", p.Total)
	}
	if p := e.list("job_result=UNDEFINED&limit=100"); p.Total != 24 {
		t.Errorf("undefined: %d", p.Total)
	}
	e.clock.Advance(time.Minute)
	if p := e.list("job_state=FINISHED&job_result=FAILED"); p.Total != 1 || p.Jobs[0].JobName != "job-03" {
		t.Errorf("FINISHED+FAILED: %s", names(p))
	}
	if p := e.list("job_result=SUCCEEDED&limit=100"); p.Total != 24 {
		t.Errorf("succeeded: %d", p.Total)
	}
	// bad parameters
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "offset=0", "offset=-1", "sort_by=up", "job_state=DONE", "job_result=OK",
		"job_type=Spark", "submitted_time_begin=yesterday", "job_id=a_b", "user=1abc", "queue=a.b", "job_name=" + strings.Repeat("n", 129)} {
		p := jobsPath(testCluster) + "?" + q
		e.do("GET", p, "").wantError(t, 400, CodeInvalidParameter)
	}
	// empty values count as absent
	if p := e.list("limit=&offset=&job_state="); len(p.Jobs) != 10 {
		t.Errorf("empty values: %d", len(p.Jobs))
	}
}

func TestBatchDelete(t *testing.T) {
	e := newEnv(t)
	a := e.submit("a", "MapReduce", nil, nil)
	b := e.submit("b", "MapReduce", nil, nil)
	del := func(body string) resp { return e.do("POST", jobsPath(testCluster)+"/batch-delete", body) }
	for _, body := range []string{`{}`, `{"job_id_list":[]}`, `{"job_id_list":null}`, `{"job_id_list":[""]}`, `{"job_id_list":["` + a + `","  "]}`} {
		del(body).wantError(t, 400, CodeJobIDBlank)
	}
	for _, body := range []string{`[]`, `x`, `{"job_id_list":"a"}`, `{"job_id_list":[1]}`} {
		del(body).wantError(t, 400, CodeInvalidParameter)
	}
	// a non-terminal job fails the whole request; nothing is deleted
	e.clock.Advance(time.Second)
	r := del(`{"job_id_list":["` + a + `","` + b + `"]}`)
	if body := r.wantError(t, 400, CodeJobRunning); body.ErrorMsg != "The job is running." {
		t.Errorf("0183 body %s", r.body)
	}
	if e.svc.JobCount(testCluster) != 2 {
		t.Fatal("a rejected batch-delete deleted jobs")
	}
	// finished: deleted; unknown ids ignored; repeated ids fine
	e.clock.Advance(2 * time.Second)
	r = del(`{"job_id_list":["` + a + `","unknown-id","` + a + `"]}`)
	if r.status != 200 || len(r.body) != 0 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if _, ok := e.svc.Job(testCluster, a); ok || e.svc.JobCount(testCluster) != 1 {
		t.Fatal("a not deleted")
	}
	e.do("GET", jobsPath(testCluster)+"/"+a, "").wantError(t, 400, CodeJobNotFound)
	if r := del(`{"job_id_list":["` + a + `"]}`); r.status != 200 {
		t.Errorf("deleting again: %d", r.status)
	}
	// a killed job can be deleted once the kill took effect
	c := e.submit("c", "MapReduce", []string{"sleep=3600"}, nil)
	e.do("POST", jobsPath(testCluster)+"/"+c+"/kill", "")
	del(`{"job_id_list":["`+c+`"]}`).wantError(t, 400, CodeJobRunning)
	e.clock.Advance(time.Second)
	if r := del(`{"job_id_list":["` + c + `","` + b + `"]}`); r.status != 200 || e.svc.JobCount(testCluster) != 0 {
		t.Fatalf("delete killed: %d %d", r.status, e.svc.JobCount(testCluster))
	}
	// a large list is accepted
	ids := make([]string, 5000)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%d", i)
	}
	big, _ := json.Marshal(map[string]any{"job_id_list": ids})
	if r := del(string(big)); r.status != 200 {
		t.Errorf("big list: %d", r.status)
	}
	// without RejectRunningDelete a running job is deleted
	e2 := newEnv(t, func(c *Config) { c.RejectRunningDelete = Bool(false) })
	x := e2.submit("x", "MapReduce", nil, nil)
	if r := e2.do("POST", jobsPath(testCluster)+"/batch-delete", `{"job_id_list":["`+x+`"]}`); r.status != 200 || e2.svc.JobCount(testCluster) != 0 {
		t.Errorf("running delete allowed: %d", r.status)
	}
	// out-of-band delete
	y := e2.submit("y", "MapReduce", nil, nil)
	if !e2.svc.DeleteJob(testCluster, y) || e2.svc.DeleteJob(testCluster, y) || len(e2.svc.Jobs(testCluster)) != 0 {
		t.Error("DeleteJob")
	}
}

func TestWriteFault(t *testing.T) {
	e := newEnv(t)
	for status, code := range map[int]string{503: CodeSubmitBusy, 429: CodeAPIGWThrottled, 500: CodeInternalError, 502: CodeInternalError, 408: CodeInvalidParameter} {
		w := newRecorder()
		e.svc.WriteFault(w, e.newReq("GET", jobsPath(testCluster), ""), status)
		r := resp{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
		b := r.wantError(t, status, code)
		if b.ErrorMsg == "" || r.header.Get("Content-Type") != contentTypeJSON || r.header.Get("X-Request-Id") == "" {
			t.Errorf("%d: %s", status, r.body)
		}
		if status == 503 && b.ErrorMsg != "Too many jobs are being submitted; retry later." {
			t.Errorf("503 message %q", b.ErrorMsg)
		}
	}
}

func TestNewConfig(t *testing.T) {
	s, err := New(Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.ProjectID() != DefaultProjectID || s.AccessKey() != DefaultAccessKey || s.SecretKey() != DefaultSecretKey ||
		strings.Join(s.Clusters(), ",") != DefaultClusterID || s.RunTime() != DefaultRunTime || !s.rejectRunningDelete || s.Name() != "mrs" {
		t.Errorf("defaults: %+v", s.cfg)
	}
	if len(DefaultProjectID) != 32 || len(DefaultAccessKey) != 20 || len(DefaultSecretKey) != 40 {
		t.Error("default credential shapes")
	}
	for name, cfg := range map[string]Config{
		"project":       {ProjectID: "a-b"},
		"cluster":       {Clusters: []string{"a/b"}},
		"dup cluster":   {Clusters: []string{"a", "a"}},
		"run time":      {RunTime: -time.Second},
		"max running":   {MaxRunningJobs: -1},
		"access key":    {AccessKey: "a,b"},
		"empty cluster": {Clusters: []string{""}},
	} {
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if s, err := New(Config{Clusters: []string{}}, nil); err != nil || len(s.Clusters()) != 0 {
		t.Errorf("no clusters: %v", err)
	}
	s.SetBaseURL("https://127.0.0.1:1/")
	if s.BaseURL() != "https://127.0.0.1:1" || s.JobsPath("c 1") != "/v2/"+DefaultProjectID+"/clusters/c%201/job-executions" {
		t.Errorf("base %s path %s", s.BaseURL(), s.JobsPath("c 1"))
	}
}

func TestOutcomeWords(t *testing.T) {
	cases := []struct {
		args  []string
		props []Property
		want  outcome
	}{
		{[]string{"fail"}, nil, outcomeFail},
		{[]string{"--mode", "FAIL"}, nil, outcomeFail},
		{[]string{"mode=fail"}, nil, outcomeFail},
		{[]string{"will_fail"}, nil, outcomeFail},
		{[]string{"select 'x' -- fail"}, nil, outcomeFail},
		{[]string{"failure", "failed", "nofail", "fail2"}, nil, outcomeSucceed},
		{nil, []Property{{"fail", "1"}}, outcomeFail},
		{nil, []Property{{"k", "please crash"}}, outcomeCrash},
		{[]string{"fail"}, []Property{{"crash", ""}}, outcomeCrash},
		{[]string{"crash", "fail"}, nil, outcomeCrash},
		{[]string{"crashed", "crashing"}, nil, outcomeSucceed},
		{[]string{"mode=flaky"}, nil, outcomeFlaky},
		{[]string{"flaky", "fail"}, nil, outcomeFail},
		{[]string{"fail", "flaky"}, nil, outcomeFail},
		{[]string{"flakyness"}, nil, outcomeSucceed},
	}
	for _, c := range cases {
		if got, _ := planOutcome(JobSubmission{Arguments: c.args, Properties: c.props}, time.Second); got != c.want {
			t.Errorf("%v %v: %v, want %v", c.args, c.props, got, c.want)
		}
	}
	if _, d := planOutcome(JobSubmission{Arguments: []string{"sleep=5", "x", "sleep=7"}}, time.Second); d != 7*time.Second {
		t.Errorf("last sleep wins: %v", d)
	}
	if _, d := planOutcome(JobSubmission{Properties: []Property{{"sleep", "5"}}}, time.Second); d != time.Second {
		t.Errorf("sleep in properties: %v", d)
	}
}

func TestFlakyJobFailsOnlyItsNamesFirstSubmission(t *testing.T) {
	e := newEnv(t) // RunTime 2s
	first := e.submit("etl", "HiveSql", []string{"flaky"}, nil)
	other := e.submit("other", "HiveSql", []string{"flaky"}, nil)
	e.clock.Advance(5 * time.Second)
	second := e.submit("etl", "HiveSql", []string{"flaky"}, nil)
	e.clock.Advance(5 * time.Second)
	for _, c := range []struct {
		id, want string
	}{{first, ResultFailed}, {other, ResultFailed}, {second, ResultSucceeded}} {
		if j := e.get(c.id); j.JobState != StateFinished || j.JobResult != c.want {
			t.Errorf("job %s: %s/%s, want FINISHED/%s", c.id, j.JobState, j.JobResult, c.want)
		}
	}
}
