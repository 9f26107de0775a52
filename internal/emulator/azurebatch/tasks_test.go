package azurebatch

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	bodyTimeRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)
	etagRe     = regexp.MustCompile(`^0x[0-9A-F]{15}$`)
)

func TestAPIVersionRules(t *testing.T) {
	e := newEnv(t)
	r := e.do(http.MethodGet, e.srv.URL+"/jobs/job-1/tasks/x", nil)
	expectError(t, r, http.StatusBadRequest, codeMissingRequiredQueryParameter)
	if !strings.Contains(string(r.body), `"api-version"`) {
		t.Errorf("values should name api-version: %s", r.body)
	}
	r = e.do(http.MethodGet, e.srv.URL+"/jobs/job-1/tasks/x?api-version=2023-05-01.17.0", nil)
	expectError(t, r, http.StatusBadRequest, codeInvalidQueryParameterValue)
	// query names are case-insensitive
	r = e.do(http.MethodGet, e.srv.URL+"/jobs/job-1/tasks/x?API-Version="+APIVersion, nil)
	expectError(t, r, http.StatusNotFound, codeTaskNotFound)
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t)
	expectError(t, e.do(http.MethodGet, e.url("/pools"), nil), http.StatusNotFound, codeResourceNotFound)
	expectError(t, e.do(http.MethodGet, e.url("/jobs/job-1/tasks/t/files/x"), nil), http.StatusNotFound, codeResourceNotFound)
	r := e.do(http.MethodPatch, e.url("/jobs/job-1/tasks/t"), "{}")
	expectError(t, r, http.StatusMethodNotAllowed, codeUnsupportedHTTPVerb)
	if r.header.Get("Allow") == "" {
		t.Error("405 without Allow header")
	}
	expectError(t, e.do(http.MethodGet, e.url("/jobs/nope/tasks/t"), nil), http.StatusNotFound, codeJobNotFound)
	expectError(t, e.addTask("nope", map[string]any{"id": "a", "commandLine": "x"}), http.StatusNotFound, codeJobNotFound)
}

func TestRequestBodyChecks(t *testing.T) {
	e := newEnv(t)
	u := e.url("/jobs/job-1/tasks")

	// no Content-Length (chunked)
	req, _ := http.NewRequest(http.MethodPost, u, io.NopCloser(strings.NewReader(`{"id":"a","commandLine":"x"}`)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	testSign(req, testAccount, testKey, time.Now())
	expectError(t, e.send(req), http.StatusLengthRequired, codeMissingContentLengthHeader)

	for _, ct := range []string{"text/plain", "application/xml", "application/json; odata=fullmetadata", "application/json; charset=latin1", "application/json;odata=minimalmetadata;foo=bar"} {
		r := e.do(http.MethodPost, u, `{"id":"a","commandLine":"x"}`, "Content-Type", ct)
		expectError(t, r, http.StatusBadRequest, codeInvalidHeaderValue)
	}
	for i, ct := range []string{"application/json", "application/json;odata=minimalmetadata", "application/json; odata=minimalmetadata", "application/json; odata=minimalmetadata; charset=utf-8", "Application/JSON; charset=UTF-8"} {
		id := "ct" + string(rune('a'+i))
		r := e.do(http.MethodPost, u, `{"id":"`+id+`","commandLine":"x"}`, "Content-Type", ct)
		if r.status != http.StatusCreated {
			t.Errorf("Content-Type %q: %d %s", ct, r.status, r.body)
		}
	}
	expectError(t, e.do(http.MethodPost, u, `{"id":"a",`), http.StatusBadRequest, codeInvalidRequestBody)
	expectError(t, e.do(http.MethodPost, u, `{"id":5,"commandLine":"x"}`), http.StatusBadRequest, codeInvalidRequestBody)
	expectError(t, e.do(http.MethodPost, u, ``, "Content-Type", "application/json"), http.StatusBadRequest, codeInvalidRequestBody)
	big := `{"id":"big","commandLine":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	expectError(t, e.do(http.MethodPost, u, big), http.StatusRequestEntityTooLarge, codeRequestBodyTooLarge)
}

func TestAddTaskValidation(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name   string
		job    string
		body   map[string]any
		status int
		code   string
		prop   string
	}{
		{"missing id", "job-1", map[string]any{"commandLine": "x"}, 400, codeMissingRequiredProperty, "id"},
		{"bad id chars", "job-1", map[string]any{"id": "a.b", "commandLine": "x"}, 400, codeInvalidPropertyValue, "id"},
		{"id too long", "job-1", map[string]any{"id": strings.Repeat("a", 65), "commandLine": "x"}, 400, codeInvalidPropertyValue, "id"},
		{"empty id", "job-1", map[string]any{"id": "", "commandLine": "x"}, 400, codeInvalidPropertyValue, "id"},
		{"missing commandLine", "job-1", map[string]any{"id": "a"}, 400, codeMissingRequiredProperty, "commandLine"},
		{"bad duration", "job-1", map[string]any{"id": "a", "commandLine": "x", "constraints": map[string]any{"maxWallClockTime": "1h"}}, 400, codeInvalidPropertyValue, "constraints.maxWallClockTime"},
		{"months not allowed", "job-1", map[string]any{"id": "a", "commandLine": "x", "constraints": map[string]any{"retentionTime": "P1M"}}, 400, codeInvalidPropertyValue, "constraints.retentionTime"},
		{"retry count", "job-1", map[string]any{"id": "a", "commandLine": "x", "constraints": map[string]any{"maxTaskRetryCount": -2}}, 400, codeInvalidPropertyValue, "constraints.maxTaskRetryCount"},
		{"required slots", "job-1", map[string]any{"id": "a", "commandLine": "x", "requiredSlots": 0}, 400, codeInvalidPropertyValue, "requiredSlots"},
		{"user and auto user", "job-1", map[string]any{"id": "a", "commandLine": "x", "userIdentity": map[string]any{"username": "u", "autoUser": map[string]any{"scope": "task"}}}, 400, codeInvalidPropertyValue, "userIdentity"},
		{"bad scope", "job-1", map[string]any{"id": "a", "commandLine": "x", "userIdentity": map[string]any{"autoUser": map[string]any{"scope": "world"}}}, 400, codeInvalidPropertyValue, "userIdentity.autoUser.scope"},
		{"two sources", "job-1", map[string]any{"id": "a", "commandLine": "x", "resourceFiles": []any{map[string]any{"httpUrl": "https://h/x", "storageContainerUrl": "https://h/c", "filePath": "x"}}}, 400, codeInvalidPropertyValue, "resourceFiles[0]"},
		{"no source", "job-1", map[string]any{"id": "a", "commandLine": "x", "resourceFiles": []any{map[string]any{"filePath": "x"}}}, 400, codeInvalidPropertyValue, "resourceFiles[0]"},
		{"httpUrl without filePath", "job-1", map[string]any{"id": "a", "commandLine": "x", "resourceFiles": []any{map[string]any{"httpUrl": "https://h/x"}}}, 400, codeMissingRequiredProperty, "resourceFiles[0].filePath"},
		{"filePath escapes", "job-1", map[string]any{"id": "a", "commandLine": "x", "resourceFiles": []any{map[string]any{"httpUrl": "https://h/x", "filePath": "../x"}}}, 400, codeInvalidPropertyValue, "resourceFiles[0].filePath"},
		{"output file", "job-1", map[string]any{"id": "a", "commandLine": "x", "outputFiles": []any{map[string]any{"filePattern": "*.txt"}}}, 400, codeMissingRequiredProperty, "outputFiles[0].destination"},
		{"env name", "job-1", map[string]any{"id": "a", "commandLine": "x", "environmentSettings": []any{map[string]any{"value": "v"}}}, 400, codeMissingRequiredProperty, "environmentSettings[0].name"},
		{"container image", "job-1", map[string]any{"id": "a", "commandLine": "x", "containerSettings": map[string]any{"containerRunOptions": "--rm"}}, 400, codeMissingRequiredProperty, "containerSettings.imageName"},
		{"multi-instance slots", "job-1", map[string]any{"id": "a", "commandLine": "x", "requiredSlots": 2, "multiInstanceSettings": map[string]any{"coordinationCommandLine": "c"}}, 400, codeInvalidPropertyValue, "requiredSlots"},
		{"job action needs onTaskFailure", "job-1", map[string]any{"id": "a", "commandLine": "x", "exitConditions": map[string]any{"default": map[string]any{"jobAction": "terminate"}}}, 400, codeInvalidPropertyValue, "exitConditions.default.jobAction"},
		{"dependsOn without job support", "nodeps", map[string]any{"id": "a", "commandLine": "x", "dependsOn": map[string]any{"taskIds": []string{"b"}}}, 400, codeTaskDependenciesNotOnJob, ""},
		{"bad range", "job-1", map[string]any{"id": "a", "commandLine": "x", "dependsOn": map[string]any{"taskIdRanges": []any{map[string]any{"start": 5, "end": 1}}}}, 400, codeInvalidPropertyValue, "dependsOn.taskIdRanges[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.addTask(c.job, c.body)
			expectPropertyError(t, r, c.status, c.code, c.prop)
		})
	}
	if n := e.svc.TaskCount("job-1"); n != 0 {
		t.Fatalf("rejected adds created %d tasks", n)
	}
}

func TestAddTaskResponseAndDefaults(t *testing.T) {
	e := newEnv(t, Job{ID: "job-1", MaxTaskRetryCount: 5})
	r := e.addTask("job-1", map[string]any{"id": "Task-One", "commandLine": "/bin/sh -c 'echo hi'"})
	if r.status != http.StatusCreated || len(r.body) != 0 {
		t.Fatalf("add: %d %q", r.status, r.body)
	}
	for _, h := range []string{"ETag", "Last-Modified", "Location", "DataServiceId", "request-id"} {
		if r.header.Get(h) == "" {
			t.Errorf("201 lacks %s", h)
		}
	}
	if got, want := r.header.Get("Location"), e.srv.URL+"/jobs/job-1/tasks/Task-One"; got != want {
		t.Errorf("Location = %s, want %s", got, want)
	}
	if !etagRe.MatchString(r.header.Get("ETag")) {
		t.Errorf("ETag %q is not like 0x8DB77E8D7593569", r.header.Get("ETag"))
	}
	if r.header.Get("DataServiceVersion") != "3.0" {
		t.Errorf("DataServiceVersion = %q", r.header.Get("DataServiceVersion"))
	}
	addETag := r.header.Get("ETag")

	// differently-cased id finds the task
	g := e.getTask("job-1", "task-one")
	if g.status != http.StatusOK {
		t.Fatalf("get: %d %s", g.status, g.body)
	}
	if ct := g.header.Get("Content-Type"); ct != "application/json;odata=minimalmetadata" {
		t.Errorf("Content-Type = %q", ct)
	}
	if _, err := time.Parse(http.TimeFormat, g.header.Get("Last-Modified")); err != nil {
		t.Errorf("Last-Modified %q: %v", g.header.Get("Last-Modified"), err)
	}
	m := g.json(t)
	if m["odata.metadata"] != e.srv.URL+"/$metadata#tasks/@Element" {
		t.Errorf("odata.metadata = %v", m["odata.metadata"])
	}
	tk := g.task(t)
	if tk.ID != "Task-One" {
		t.Errorf("id = %q, want case preserved", tk.ID)
	}
	if tk.ETag != g.header.Get("ETag") || tk.ETag != addETag {
		t.Errorf("eTag body %s, header %s, add %s", tk.ETag, g.header.Get("ETag"), addETag)
	}
	for name, v := range map[string]string{"creationTime": tk.CreationTime, "lastModified": tk.LastModified, "stateTransitionTime": tk.StateTransitionTime} {
		if !bodyTimeRe.MatchString(v) {
			t.Errorf("%s = %q, want 7 fractional digits", name, v)
		}
	}
	if tk.State != StateActive || tk.PreviousState != nil {
		t.Errorf("state %s previous %v", tk.State, tk.PreviousState)
	}
	c := tk.Constraints
	if *c.MaxWallClockTime != "P10675199DT2H48M5.4775807S" || *c.RetentionTime != "P7D" || *c.MaxTaskRetryCount != 5 {
		t.Errorf("constraints = %s %s %d", *c.MaxWallClockTime, *c.RetentionTime, *c.MaxTaskRetryCount)
	}
	if tk.RequiredSlots != 1 {
		t.Errorf("requiredSlots = %d", tk.RequiredSlots)
	}
	ui, _ := json.Marshal(tk.UserIdentity)
	if string(ui) != `{"autoUser":{"scope":"pool","elevationLevel":"nonadmin"}}` {
		t.Errorf("userIdentity = %s", ui)
	}
	ei, _ := json.Marshal(m["executionInfo"])
	if string(ei) != `{"requeueCount":0,"retryCount":0}` {
		t.Errorf("executionInfo = %s", ei)
	}
	if tk.URL != e.srv.URL+"/jobs/job-1/tasks/Task-One" {
		t.Errorf("url = %s", tk.URL)
	}
}

func TestEchoAndNormalisation(t *testing.T) {
	e := newEnv(t)
	add := map[string]any{
		"id": "full", "displayName": "Full task", "commandLine": "cmd /c echo",
		"constraints":         map[string]any{"maxWallClockTime": "PT24H", "retentionTime": "PT90M", "maxTaskRetryCount": 2},
		"environmentSettings": []any{map[string]any{"name": "A", "value": "1"}},
		"resourceFiles":       []any{map[string]any{"httpUrl": "https://h/in.txt", "filePath": "in.txt", "fileMode": "0770"}},
		"outputFiles": []any{map[string]any{"filePattern": "*.log",
			"destination":   map[string]any{"container": map[string]any{"containerUrl": "https://h/c?sas", "path": "logs"}},
			"uploadOptions": map[string]any{"uploadCondition": "taskcompletion"}}},
		"userIdentity":                 map[string]any{"autoUser": map[string]any{"elevationLevel": "admin"}},
		"containerSettings":            map[string]any{"imageName": "ubuntu", "registry": map[string]any{"registryServer": "r.io", "username": "u", "password": "s3cret"}, "containerHostBatchBindMounts": []any{}},
		"dependsOn":                    map[string]any{"taskIds": []string{"x"}, "taskIdRanges": []any{map[string]any{"start": 1, "end": 3}}},
		"applicationPackageReferences": []any{map[string]any{"applicationId": "app", "version": "1"}},
		"affinityInfo":                 map[string]any{"affinityId": "aff"},
		"requiredSlots":                2,
	}
	e.mustAdd("job-1", add)
	g := e.getTask("job-1", "full")
	body := string(g.body)
	if strings.Contains(body, "s3cret") || strings.Contains(body, "password") {
		t.Errorf("the registry password is echoed: %s", body)
	}
	tk := g.task(t)
	if *tk.Constraints.MaxWallClockTime != "P1D" || *tk.Constraints.RetentionTime != "PT1H30M" {
		t.Errorf("durations not normalised: %s %s", *tk.Constraints.MaxWallClockTime, *tk.Constraints.RetentionTime)
	}
	if *tk.UserIdentity.AutoUser.Scope != "pool" || *tk.UserIdentity.AutoUser.ElevationLevel != "admin" {
		t.Errorf("autoUser = %+v", tk.UserIdentity.AutoUser)
	}
	if tk.ContainerSettings.ContainerHostBatchBindMounts == nil || len(*tk.ContainerSettings.ContainerHostBatchBindMounts) != 0 {
		t.Errorf("empty bind mount list not preserved")
	}
	if tk.DisplayName == nil || *tk.DisplayName != "Full task" || tk.RequiredSlots != 2 || tk.AffinityInfo == nil ||
		len(tk.EnvironmentSettings) != 1 || len(tk.ResourceFiles) != 1 || len(tk.OutputFiles) != 1 ||
		tk.DependsOn == nil || len(tk.DependsOn.TaskIDRanges) != 1 || len(tk.ApplicationPackageReferences) != 1 {
		t.Errorf("fields not echoed: %s", body)
	}

	e.mustAdd("job-1", map[string]any{"id": "zero", "commandLine": "x", "constraints": map[string]any{"maxWallClockTime": "P0D", "retentionTime": "PT0.5S"}})
	tk = e.mustGet("job-1", "zero")
	if *tk.Constraints.MaxWallClockTime != "PT0S" || *tk.Constraints.RetentionTime != "PT0.5S" {
		t.Errorf("durations = %s %s", *tk.Constraints.MaxWallClockTime, *tk.Constraints.RetentionTime)
	}
}

func TestTaskExistsCaseInsensitive(t *testing.T) {
	e := newEnv(t)
	e.mustAdd("job-1", map[string]any{"id": "MyTask", "commandLine": "x"})
	expectError(t, e.addTask("job-1", map[string]any{"id": "mytask", "commandLine": "y"}), http.StatusConflict, codeTaskExists)
	expectError(t, e.addTask("JOB-1", map[string]any{"id": "MYTASK", "commandLine": "y"}), http.StatusConflict, codeTaskExists)
	if !e.svc.TaskExists("job-1", "MYTASK") || e.svc.TaskCount("job-1") != 1 {
		t.Fatal("Go API disagrees")
	}
}

func TestLifecycleSuccess(t *testing.T) {
	e := newEnv(t)
	e.mustAdd("job-1", map[string]any{"id": "ok", "commandLine": "/bin/sh -c 'sleep 2.5 && echo done'"})
	tk := e.mustGet("job-1", "ok")
	if tk.State != StateActive || tk.NodeInfo != nil || tk.ExecutionInfo.StartTime != nil {
		t.Fatalf("new task: %+v", tk)
	}
	etag0 := tk.ETag

	e.clock.Advance(999 * time.Millisecond)
	if tk = e.mustGet("job-1", "ok"); tk.State != StateActive {
		t.Fatalf("still active expected, got %s", tk.State)
	}
	e.clock.Advance(time.Millisecond)
	tk = e.mustGet("job-1", "ok")
	if tk.State != StateRunning {
		t.Fatalf("state = %s, want running", tk.State)
	}
	if tk.ETag == etag0 {
		t.Error("ETag unchanged by a state transition")
	}
	if tk.PreviousState == nil || *tk.PreviousState != StateActive || *tk.PreviousStateTransitionTime != formatTime(testStart) {
		t.Errorf("previous state: %v %v", tk.PreviousState, tk.PreviousStateTransitionTime)
	}
	if tk.StateTransitionTime != formatTime(testStart.Add(time.Second)) || *tk.ExecutionInfo.StartTime != formatTime(testStart.Add(time.Second)) {
		t.Errorf("running since %s, start %v", tk.StateTransitionTime, tk.ExecutionInfo.StartTime)
	}
	if tk.LastModified != tk.StateTransitionTime {
		t.Errorf("lastModified %s != transition %s", tk.LastModified, tk.StateTransitionTime)
	}
	n := tk.NodeInfo
	if n == nil || !strings.HasPrefix(n.NodeID, "tvm-") || n.PoolID != DefaultPoolID || n.AffinityID == "" || n.NodeURL == "" || n.TaskRootDirectory == "" || n.TaskRootDirectoryURL == "" {
		t.Errorf("nodeInfo = %+v", n)
	}
	etag1 := tk.ETag

	e.clock.Advance(2500 * time.Millisecond)
	tk = e.mustGet("job-1", "ok")
	if tk.State != StateCompleted || tk.ExecutionInfo.Result == nil || *tk.ExecutionInfo.Result != "success" ||
		tk.ExecutionInfo.ExitCode == nil || *tk.ExecutionInfo.ExitCode != 0 || tk.ExecutionInfo.FailureInfo != nil {
		t.Fatalf("completed task: %+v", tk.ExecutionInfo)
	}
	if *tk.ExecutionInfo.EndTime != formatTime(testStart.Add(3500*time.Millisecond)) {
		t.Errorf("endTime = %s", *tk.ExecutionInfo.EndTime)
	}
	if tk.ETag == etag1 || *tk.PreviousState != StateRunning {
		t.Error("completion did not change ETag/previousState")
	}
	// stable afterwards
	e.clock.Advance(time.Hour)
	if again := e.mustGet("job-1", "ok"); again.ETag != tk.ETag {
		t.Error("ETag changed without a transition")
	}
}

func TestLifecycleRetriesAndFailure(t *testing.T) {
	e := newEnv(t)
	e.mustAdd("job-1", map[string]any{"id": "bad", "commandLine": "/bin/sh -c 'sleep 2; exit 3'",
		"constraints": map[string]any{"maxTaskRetryCount": 2}})
	// attempt 1: running 1s..3s; active 3s..4s; attempt 2 (retry 1): 4s..6s; active 6..7; attempt 3 (retry 2): 7..9 -> completed
	e.clock.Advance(3 * time.Second)
	tk := e.mustGet("job-1", "bad")
	if tk.State != StateActive || tk.ExecutionInfo.RetryCount != 0 || tk.ExecutionInfo.ExitCode == nil || *tk.ExecutionInfo.ExitCode != 3 {
		t.Fatalf("after first failure: %s %+v", tk.State, tk.ExecutionInfo)
	}
	e.clock.Advance(time.Second)
	tk = e.mustGet("job-1", "bad")
	if tk.State != StateRunning || tk.ExecutionInfo.RetryCount != 1 || *tk.ExecutionInfo.LastRetryTime != formatTime(testStart.Add(4*time.Second)) {
		t.Fatalf("first retry: %s %+v", tk.State, tk.ExecutionInfo)
	}
	e.clock.Advance(5 * time.Second)
	tk = e.mustGet("job-1", "bad")
	ei := tk.ExecutionInfo
	if tk.State != StateCompleted || ei.RetryCount != 2 || *ei.Result != "failure" || *ei.ExitCode != 3 {
		t.Fatalf("final: %s %+v", tk.State, ei)
	}
	if *ei.LastRetryTime != formatTime(testStart.Add(7*time.Second)) || *ei.EndTime != formatTime(testStart.Add(9*time.Second)) {
		t.Errorf("times: lastRetry %s end %s", *ei.LastRetryTime, *ei.EndTime)
	}
	fi := ei.FailureInfo
	if fi == nil || fi.Category != "usererror" || fi.Code != "FailureExitCode" || fi.Message != "The task process exited with an unexpected exit code" ||
		len(fi.Details) != 1 || fi.Details[0].Name != "Message" {
		t.Errorf("failureInfo = %+v", fi)
	}
}

func TestLifecycleBlobNotFoundAndWallClock(t *testing.T) {
	e := newEnv(t)
	e.mustAdd("job-1", map[string]any{"id": "blob", "commandLine": "sleep 100",
		"constraints":   map[string]any{"maxTaskRetryCount": 3},
		"resourceFiles": []any{map[string]any{"httpUrl": "https://acct.blob.core.windows.net/c/missing.txt", "filePath": "in.txt"}}})
	e.mustAdd("job-1", map[string]any{"id": "wall", "commandLine": "sleep 600", "constraints": map[string]any{"maxWallClockTime": "PT1M"}})
	e.clock.Advance(2 * time.Second)
	tk := e.mustGet("job-1", "blob")
	ei := tk.ExecutionInfo
	if tk.State != StateCompleted || ei.ExitCode != nil || *ei.Result != "failure" || ei.FailureInfo.Code != "BlobNotFound" || ei.FailureInfo.Category != "usererror" || ei.RetryCount != 0 {
		t.Fatalf("blob: %s %+v", tk.State, ei)
	}
	e.clock.Advance(60 * time.Second)
	tk = e.mustGet("job-1", "wall")
	if tk.State != StateCompleted || tk.ExecutionInfo.FailureInfo.Code != "MaxWallClockTimeExceeded" || *tk.ExecutionInfo.EndTime != formatTime(testStart.Add(61*time.Second)) {
		t.Fatalf("wall: %s %+v", tk.State, tk.ExecutionInfo)
	}
}

func TestUnlimitedRetriesFastForwardMatchesStepping(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	for _, e := range []*env{a, b} {
		e.mustAdd("job-1", map[string]any{"id": "loop", "commandLine": "sleep 1.5; exit 1", "constraints": map[string]any{"maxTaskRetryCount": -1}})
	}
	for i := 0; i < 200; i++ { // step a through every 250ms
		a.clock.Advance(250 * time.Millisecond)
		a.svc.Task("job-1", "loop")
	}
	b.clock.Advance(50 * time.Second) // b in one go
	ta, _ := a.svc.Task("job-1", "loop")
	tb, _ := b.svc.Task("job-1", "loop")
	if ta.State != tb.State || ta.ExecutionInfo.RetryCount != tb.ExecutionInfo.RetryCount ||
		*ta.ExecutionInfo.LastRetryTime != *tb.ExecutionInfo.LastRetryTime || ta.StateTransitionTime != tb.StateTransitionTime {
		t.Fatalf("stepped %s %+v\n  jumped %s %+v", ta.State, ta.ExecutionInfo, tb.State, tb.ExecutionInfo)
	}
	// cycle = 1s active + 1.5s running = 2.5s; 50s = 20 cycles
	if ta.ExecutionInfo.RetryCount != 19 && ta.ExecutionInfo.RetryCount != 20 {
		t.Errorf("retryCount = %d", ta.ExecutionInfo.RetryCount)
	}
	b.clock.Advance(24 * 365 * time.Hour) // cheap even for years
	tb, _ = b.svc.Task("job-1", "loop")
	if tb.State == StateCompleted {
		t.Error("unlimited retries completed")
	}
}

func TestDependencies(t *testing.T) {
	e := newEnv(t)
	e.mustAdd("job-1", map[string]any{"id": "1", "commandLine": "sleep 5"})
	e.mustAdd("job-1", map[string]any{"id": "2", "commandLine": "exit 2"})
	e.mustAdd("job-1", map[string]any{"id": "after1", "commandLine": "x", "dependsOn": map[string]any{"taskIds": []string{"1"}}})
	e.mustAdd("job-1", map[string]any{"id": "after2", "commandLine": "x", "dependsOn": map[string]any{"taskIdRanges": []any{map[string]any{"start": 2, "end": 2}}}})
	e.mustAdd("job-1", map[string]any{"id": "afterMissing", "commandLine": "x", "dependsOn": map[string]any{"taskIds": []string{"ghost"}}})
	e.clock.Advance(6 * time.Second) // task 1 completes at 6s
	if s := e.mustGet("job-1", "after1").State; s != StateActive {
		t.Fatalf("after1 = %s at 6s", s)
	}
	e.clock.Advance(time.Second)
	if s := e.mustGet("job-1", "after1").State; s != StateRunning {
		t.Fatalf("after1 = %s at 7s", s)
	}
	e.clock.Advance(time.Hour)
	if s := e.mustGet("job-1", "after2").State; s != StateActive {
		t.Errorf("after2 (dependency failed) = %s, want blocked in active", s)
	}
	if s := e.mustGet("job-1", "afterMissing").State; s != StateActive {
		t.Errorf("afterMissing = %s", s)
	}
}

func TestUpdateTask(t *testing.T) {
	e := newEnv(t, Job{ID: "job-1", MaxTaskRetryCount: 4})
	e.mustAdd("job-1", map[string]any{"id": "u", "commandLine": "sleep 1000", "constraints": map[string]any{"maxWallClockTime": "PT2H", "retentionTime": "P1D", "maxTaskRetryCount": 1}})
	tk := e.mustGet("job-1", "u")
	u := e.url("/jobs/job-1/tasks/u")

	expectError(t, e.do(http.MethodPut, u, map[string]any{"constraints": map[string]any{"maxTaskRetryCount": 3}}, "If-Match", "0x8D0000000000000"), http.StatusPreconditionFailed, codeConditionNotMet)

	e.clock.Advance(10 * time.Millisecond)
	r := e.do(http.MethodPut, u, map[string]any{"constraints": map[string]any{"maxWallClockTime": "PT120M", "maxTaskRetryCount": 3}}, "If-Match", tk.ETag)
	if r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("ETag") == "" || r.header.Get("ETag") == tk.ETag {
		t.Fatalf("update: %d %s etag %s (old %s)", r.status, r.body, r.header.Get("ETag"), tk.ETag)
	}
	tk2 := e.mustGet("job-1", "u")
	c := tk2.Constraints
	if *c.MaxWallClockTime != "PT2H" || *c.RetentionTime != "P7D" || *c.MaxTaskRetryCount != 3 {
		t.Errorf("constraints after PUT = %s %s %d (retentionTime must reset)", *c.MaxWallClockTime, *c.RetentionTime, *c.MaxTaskRetryCount)
	}
	if tk2.ETag != r.header.Get("ETag") || tk2.LastModified == tk.LastModified {
		t.Errorf("etag %s vs %s, lastModified %s", tk2.ETag, r.header.Get("ETag"), tk2.LastModified)
	}
	// a full PUT body as azbatch's ReplaceTask sends it (the whole task) is accepted
	full, _ := json.Marshal(tk2)
	if r := e.do(http.MethodPut, u, full); r.status != http.StatusOK {
		t.Fatalf("full-body PUT: %d %s", r.status, r.body)
	}
	// empty constraints reset everything
	if r := e.do(http.MethodPut, u, `{}`); r.status != http.StatusOK {
		t.Fatalf("empty PUT: %d %s", r.status, r.body)
	}
	c = e.mustGet("job-1", "u").Constraints
	if *c.MaxWallClockTime != UnlimitedDuration || *c.RetentionTime != "P7D" || *c.MaxTaskRetryCount != 4 {
		t.Errorf("reset constraints = %s %s %d", *c.MaxWallClockTime, *c.RetentionTime, *c.MaxTaskRetryCount)
	}
	expectError(t, e.do(http.MethodPut, u, map[string]any{"constraints": map[string]any{"retentionTime": "forever"}}), http.StatusBadRequest, codeInvalidPropertyValue)
	expectError(t, e.do(http.MethodPut, e.url("/jobs/job-1/tasks/nope"), `{}`), http.StatusNotFound, codeTaskNotFound)
	// a shorter wall clock ends the running attempt
	e.clock.Advance(time.Minute)
	if r := e.do(http.MethodPut, u, map[string]any{"constraints": map[string]any{"maxWallClockTime": "PT30S"}}); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	if tk := e.mustGet("job-1", "u"); tk.State != StateCompleted || tk.ExecutionInfo.FailureInfo.Code != "MaxWallClockTimeExceeded" {
		t.Errorf("after shortening the wall clock: %s %+v", tk.State, tk.ExecutionInfo)
	}
}

func TestConditionalHeaders(t *testing.T) {
	e := newEnv(t)
	e.mustAdd("job-1", map[string]any{"id": "c", "commandLine": "x"})
	tk := e.mustGet("job-1", "c")
	r := e.getTask("job-1", "c", "If-None-Match", tk.ETag)
	if r.status != http.StatusNotModified || len(r.body) != 0 {
		t.Fatalf("If-None-Match: %d %s", r.status, r.body)
	}
	if r := e.getTask("job-1", "c", "If-None-Match", "0x1"); r.status != http.StatusOK {
		t.Fatalf("If-None-Match other: %d", r.status)
	}
	if r := e.getTask("job-1", "c", "If-Match", `"`+tk.ETag+`"`); r.status != http.StatusOK {
		t.Fatalf("quoted If-Match: %d", r.status)
	}
	expectError(t, e.getTask("job-1", "c", "If-Match", tk.ETag, "If-None-Match", "x"), http.StatusBadRequest, codeMultipleConditionHeaders)
	u := e.url("/jobs/job-1/tasks/c")
	expectError(t, e.do(http.MethodDelete, u, nil, "If-Match", "0x1"), http.StatusPreconditionFailed, codeConditionNotMet)
	expectError(t, e.do(http.MethodPost, e.url("/jobs/job-1/tasks/c/terminate"), "", "If-Match", "0x1"), http.StatusPreconditionFailed, codeConditionNotMet)
	lm := r.header.Get("Last-Modified")
	expectError(t, e.getTask("job-1", "c", "If-Modified-Since", lm), http.StatusNotModified, "")
	if !e.svc.TaskExists("job-1", "c") {
		t.Fatal("task deleted despite failed condition")
	}
	r = e.do(http.MethodDelete, u, nil, "If-Match", tk.ETag)
	if r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("ETag") != "" {
		t.Fatalf("delete: %d %q etag %q", r.status, r.body, r.header.Get("ETag"))
	}
	expectError(t, e.do(http.MethodDelete, u, nil), http.StatusNotFound, codeTaskNotFound)
}

func TestTerminateAndReactivate(t *testing.T) {
	e := newEnv(t)
	e.mustAdd("job-1", map[string]any{"id": "long", "commandLine": "sleep 100"})
	e.mustAdd("job-1", map[string]any{"id": "good", "commandLine": "echo"})
	e.mustAdd("job-1", map[string]any{"id": "bad", "commandLine": "sleep 1; exit 9", "constraints": map[string]any{"maxTaskRetryCount": 1}})
	post := func(task, op string) resp {
		return e.do(http.MethodPost, e.url("/jobs/job-1/tasks/"+task+"/"+op), "")
	}
	expectError(t, post("long", "reactivate"), http.StatusConflict, codeTaskNotCompleted)
	e.clock.Advance(5 * time.Second)
	r := post("long", "terminate")
	if r.status != http.StatusNoContent || r.header.Get("ETag") == "" {
		t.Fatalf("terminate: %d %s", r.status, r.body)
	}
	tk := e.mustGet("job-1", "long")
	if tk.State != StateCompleted || tk.ExecutionInfo.FailureInfo.Code != "TaskEnded" || *tk.ExecutionInfo.Result != "failure" || *tk.ExecutionInfo.EndTime != formatTime(testStart.Add(5*time.Second)) {
		t.Fatalf("terminated: %s %+v", tk.State, tk.ExecutionInfo)
	}
	expectError(t, post("long", "terminate"), http.StatusConflict, codeTaskCompleted)
	expectError(t, post("good", "reactivate"), http.StatusConflict, codeTaskSucceeded)

	tk = e.mustGet("job-1", "bad")
	if tk.State != StateCompleted || tk.ExecutionInfo.RetryCount != 1 {
		t.Fatalf("bad: %s %+v", tk.State, tk.ExecutionInfo)
	}
	if r := post("bad", "reactivate"); r.status != http.StatusNoContent {
		t.Fatalf("reactivate: %d %s", r.status, r.body)
	}
	tk = e.mustGet("job-1", "bad")
	if tk.State != StateActive || tk.ExecutionInfo.RetryCount != 0 || tk.ExecutionInfo.ExitCode != nil || tk.ExecutionInfo.FailureInfo != nil || tk.ExecutionInfo.Result != nil {
		t.Fatalf("reactivated: %s %+v", tk.State, tk.ExecutionInfo)
	}
	e.clock.Advance(time.Second)
	if tk = e.mustGet("job-1", "bad"); tk.State != StateRunning {
		t.Fatalf("reactivated task should run again: %s", tk.State)
	}
	expectError(t, post("nope", "terminate"), http.StatusNotFound, codeTaskNotFound)
}

func TestListTasksPagingAndFilter(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 25; i++ {
		prefix := "a"
		if i%2 == 1 {
			prefix = "b"
		}
		cmd := "sleep 1000"
		if i < 5 {
			cmd = "echo quick"
		}
		e.mustAdd("job-1", map[string]any{"id": prefix + "-" + string(rune('A'+i)), "commandLine": cmd})
	}
	e.clock.Advance(3 * time.Second) // the first 5 are completed, the rest running

	var ids []string
	next := e.url("/jobs/job-1/tasks", "maxresults", "10")
	pages := 0
	for next != "" {
		r := e.do(http.MethodGet, next, nil)
		if r.status != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages, r.status, r.body)
		}
		var page struct {
			Meta  string `json:"odata.metadata"`
			Value []Task `json:"value"`
			Next  string `json:"odata.nextLink"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		if page.Meta != e.srv.URL+"/$metadata#tasks" {
			t.Errorf("odata.metadata = %s", page.Meta)
		}
		if page.Next != "" && (!strings.HasPrefix(page.Next, e.srv.URL+"/jobs/job-1/tasks?") || !strings.Contains(page.Next, "api-version="+APIVersion) || !strings.Contains(page.Next, "maxresults=10")) {
			t.Errorf("nextLink = %s", page.Next)
		}
		for _, tk := range page.Value {
			ids = append(ids, tk.ID)
		}
		next = page.Next
		pages++
	}
	if pages != 3 || len(ids) != 25 || ids[0] != "a-A" || ids[24] != "a-Y" {
		t.Fatalf("pages %d ids %v", pages, ids)
	}

	count := func(filter string, extra ...string) int {
		t.Helper()
		r := e.do(http.MethodGet, e.url("/jobs/job-1/tasks", append([]string{"$filter", filter}, extra...)...), nil)
		if r.status != http.StatusOK {
			t.Fatalf("filter %q: %d %s", filter, r.status, r.body)
		}
		var page struct{ Value []map[string]any }
		_ = json.Unmarshal(r.body, &page)
		return len(page.Value)
	}
	if n := count("state eq 'completed'"); n != 5 {
		t.Errorf("completed = %d", n)
	}
	if n := count("startswith(id,'b')"); n != 12 {
		t.Errorf("startswith b = %d", n)
	}
	if n := count("state eq 'running' and startswith(id, 'a-')"); n != 10 {
		t.Errorf("running a = %d", n)
	}
	if n := count("(state eq 'completed' or state eq 'active') and not startswith(id,'b')"); n != 3 {
		t.Errorf("combined = %d", n)
	}
	if n := count("executionInfo/exitCode eq 0"); n != 5 {
		t.Errorf("exitCode eq 0 = %d", n)
	}
	// filtered paging
	r := e.do(http.MethodGet, e.url("/jobs/job-1/tasks", "$filter", "state eq 'running'", "maxresults", "15", "$select", "id,state"), nil)
	var page struct {
		Value []map[string]any
		Next  string `json:"odata.nextLink"`
	}
	_ = json.Unmarshal(r.body, &page)
	if len(page.Value) != 15 || page.Next == "" || len(page.Value[0]) != 2 {
		t.Fatalf("filtered page: %d next %q first %v", len(page.Value), page.Next, page.Value[0])
	}
	r = e.do(http.MethodGet, page.Next, nil)
	page.Value, page.Next = nil, ""
	_ = json.Unmarshal(r.body, &page)
	if len(page.Value) != 5 || page.Next != "" {
		t.Fatalf("second filtered page: %d next %q", len(page.Value), page.Next)
	}

	expectError(t, e.do(http.MethodGet, e.url("/jobs/job-1/tasks", "maxresults", "0"), nil), http.StatusBadRequest, codeOutOfRangeQueryParameterValue)
	expectError(t, e.do(http.MethodGet, e.url("/jobs/job-1/tasks", "maxresults", "1001"), nil), http.StatusBadRequest, codeOutOfRangeQueryParameterValue)
	expectError(t, e.do(http.MethodGet, e.url("/jobs/job-1/tasks", "$filter", "state eq"), nil), http.StatusBadRequest, codeInvalidQueryParameterValue)
	expectError(t, e.do(http.MethodGet, e.url("/jobs/job-1/tasks", "$skiptoken", "junk"), nil), http.StatusBadRequest, codeInvalidQueryParameterValue)
}

func TestAddTaskCollection(t *testing.T) {
	e := newEnv(t)
	e.mustAdd("job-1", map[string]any{"id": "exists", "commandLine": "x"})
	u := e.url("/jobs/job-1/addtaskcollection")
	r := e.do(http.MethodPost, u, map[string]any{"value": []any{
		map[string]any{"id": "c1", "commandLine": "x"},
		map[string]any{"id": "c2"},
		map[string]any{"id": "EXISTS", "commandLine": "x"},
		map[string]any{"id": "c3", "commandLine": "x", "constraints": map[string]any{"maxWallClockTime": "PT1H"}},
	}})
	if r.status != http.StatusOK {
		t.Fatalf("collection: %d %s", r.status, r.body)
	}
	var res struct {
		Meta  string          `json:"odata.metadata"`
		Value []TaskAddResult `json:"value"`
	}
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, status, code string }{{"c1", "Success", ""}, {"c2", "ClientError", codeMissingRequiredProperty}, {"EXISTS", "ClientError", codeTaskExists}, {"c3", "Success", ""}}
	if len(res.Value) != len(want) {
		t.Fatalf("results: %s", r.body)
	}
	for i, w := range want {
		got := res.Value[i]
		if got.TaskID != w.id || got.Status != w.status {
			t.Errorf("result %d = %+v, want %+v", i, got, w)
		}
		if w.code != "" && (got.Error == nil || got.Error.Code != w.code) {
			t.Errorf("result %d error = %+v", i, got.Error)
		}
		if w.status == "Success" && (got.ETag == "" || got.Location == "" || !bodyTimeRe.MatchString(got.LastModified)) {
			t.Errorf("result %d lacks eTag/location/lastModified: %+v", i, got)
		}
	}
	if !e.svc.TaskExists("job-1", "c1") || !e.svc.TaskExists("job-1", "c3") || e.svc.TaskExists("job-1", "c2") {
		t.Error("wrong tasks created")
	}
	var many []any
	for i := 0; i < 101; i++ {
		many = append(many, map[string]any{"id": "m" + strings.Repeat("x", i%10) + string(rune('a'+i%26)), "commandLine": "x"})
	}
	expectError(t, e.do(http.MethodPost, u, map[string]any{"value": many}), http.StatusRequestEntityTooLarge, codeRequestBodyTooLarge)
	expectError(t, e.do(http.MethodPost, u, `{}`), http.StatusBadRequest, codeMissingRequiredProperty)
	expectError(t, e.do(http.MethodPost, e.url("/jobs/nope/addtaskcollection"), `{"value":[]}`), http.StatusNotFound, codeJobNotFound)
}

func TestErrorBodyFormat(t *testing.T) {
	e := newEnv(t)
	r := e.getTask("job-1", "missing", "client-request-id", "9C4D50EE-2D56-4CD3-8152-34347DC9F2B0", "return-client-request-id", "true")
	expectError(t, r, http.StatusNotFound, codeTaskNotFound)
	var be BatchError
	if err := json.Unmarshal(r.body, &be); err != nil {
		t.Fatal(err)
	}
	if be.ODataMetadata != e.srv.URL+"/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element" {
		t.Errorf("odata.metadata = %s", be.ODataMetadata)
	}
	rid := r.header.Get("request-id")
	if be.Message == nil || be.Message.Lang != "en-US" || !strings.Contains(be.Message.Value, "\nRequestId:"+rid+"\nTime:") {
		t.Errorf("message = %+v (request-id %s)", be.Message, rid)
	}
	if r.header.Get("client-request-id") != "9C4D50EE-2D56-4CD3-8152-34347DC9F2B0" {
		t.Errorf("client-request-id not echoed")
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json;odata=minimalmetadata" {
		t.Errorf("Content-Type = %s", ct)
	}
}

func TestGoAPI(t *testing.T) {
	e := newEnv(t)
	if e.svc.Account() != testAccount || e.svc.Key() != testKey || e.svc.Name() != "azurebatch" {
		t.Fatal("accessors")
	}
	if err := e.svc.AddJob(Job{ID: "job-1"}); err == nil {
		t.Error("duplicate AddJob accepted")
	}
	if err := e.svc.AddTask("job-1", TaskAddParameter{ID: ptr("g"), CommandLine: ptr("sleep 2")}); err != nil {
		t.Fatal(err)
	}
	tk, ok := e.svc.Task("job-1", "G")
	if !ok || tk.ID != "g" || tk.URL != e.srv.URL+"/jobs/job-1/tasks/g" {
		t.Fatalf("Task() = %+v %v", tk, ok)
	}
	if len(e.svc.Tasks("job-1")) != 1 {
		t.Error("Tasks()")
	}
	if !e.svc.DeleteTask("job-1", "g") || e.svc.DeleteTask("job-1", "g") {
		t.Error("DeleteTask")
	}
	expectError(t, e.getTask("job-1", "g"), http.StatusNotFound, codeTaskNotFound)
}
