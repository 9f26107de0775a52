package azurebatch

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (e *env) addJob(p map[string]any) resp {
	e.t.Helper()
	return e.do(http.MethodPost, e.url("/jobs"), p)
}

func (e *env) mustAddJob(p map[string]any) resp {
	e.t.Helper()
	r := e.addJob(p)
	if r.status != http.StatusCreated {
		e.t.Fatalf("add job: %d %s", r.status, r.body)
	}
	return r
}

// getJob returns the response, the decoded job and the raw JSON object.
func (e *env) getJob(id string, hdr ...string) (resp, CloudJob, map[string]any) {
	e.t.Helper()
	r := e.do(http.MethodGet, e.url("/jobs/"+id), nil, hdr...)
	var j CloudJob
	var m map[string]any
	if r.status == http.StatusOK {
		if err := json.Unmarshal(r.body, &j); err != nil {
			e.t.Fatalf("body is not a job: %v: %s", err, r.body)
		}
		m = r.json(e.t)
	}
	return r, j, m
}

func (e *env) mustGetJob(id string) CloudJob {
	e.t.Helper()
	r, j, _ := e.getJob(id)
	if r.status != http.StatusOK {
		e.t.Fatalf("get job %s: %d %s", id, r.status, r.body)
	}
	return j
}

func pool(id string) map[string]any { return map[string]any{"poolId": id} }

func TestAddJobResponseAndDefaults(t *testing.T) {
	e := newEnv(t) // job-1 and nodeps are the account's jobs 1 and 2
	r := e.mustAddJob(map[string]any{"id": "NewJob", "poolInfo": pool("p1")})
	if len(r.body) != 0 {
		t.Errorf("201 has a body: %s", r.body)
	}
	etag := r.header.Get("ETag")
	if !etagRe.MatchString(etag) {
		t.Errorf("ETag = %q", etag)
	}
	if _, err := http.ParseTime(r.header.Get("Last-Modified")); err != nil {
		t.Errorf("Last-Modified = %q", r.header.Get("Last-Modified"))
	}
	// Location and DataServiceId name the internal job, not the id (RECJOB).
	if loc := r.header.Get("Location"); loc != e.srv.URL+"/jobs/job-3" || r.header.Get("DataServiceId") != loc {
		t.Errorf("Location = %q, DataServiceId = %q", loc, r.header.Get("DataServiceId"))
	}

	g, j, raw := e.getJob("newjob")
	if g.header.Get("ETag") != etag || j.ETag != etag {
		t.Errorf("GET ETag %q / %q, want the 201's %q", g.header.Get("ETag"), j.ETag, etag)
	}
	if j.ID != "NewJob" || j.URL != e.srv.URL+"/jobs/NewJob" || j.ODataMetadata != e.srv.URL+"/$metadata#jobs/@Element" {
		t.Errorf("id/url/metadata: %s", g.body)
	}
	if j.State != JobStateActive || j.StateTransitionTime != j.CreationTime || j.CreationTime != formatTime(testStart) || !bodyTimeRe.MatchString(j.LastModified) {
		t.Errorf("state/times: %s", g.body)
	}
	if j.Priority != 0 || j.MaxParallelTasks != -1 || j.AllowTaskPreemption || j.UsesTaskDependencies ||
		j.OnAllTasksComplete != "noaction" || j.OnTaskFailure != "noaction" ||
		*j.Constraints.MaxWallClockTime != UnlimitedDuration || *j.Constraints.MaxTaskRetryCount != 0 {
		t.Errorf("defaults: %s", g.body)
	}
	if *j.PoolInfo.PoolID != "p1" || j.ExecutionInfo.PoolID != "p1" || j.ExecutionInfo.StartTime != j.CreationTime {
		t.Errorf("pool: %s", g.body)
	}
	for _, k := range []string{"displayName", "metadata", "commonEnvironmentSettings", "jobManagerTask", "networkConfiguration", "previousState", "previousStateTransitionTime", "stats"} {
		if _, ok := raw[k]; ok {
			t.Errorf("%s present on a new job: %s", k, g.body)
		}
	}
	ei := raw["executionInfo"].(map[string]any)
	if _, ok := ei["endTime"]; ok {
		t.Errorf("endTime on an active job")
	}
	// IDs are unique without regard to case.
	expectError(t, e.addJob(map[string]any{"id": "NEWJOB", "poolInfo": pool("p1")}), http.StatusConflict, codeJobExists)
}

func TestAddJobEcho(t *testing.T) {
	e := newEnv(t)
	e.mustAddJob(map[string]any{
		"id": "full", "displayName": "Full job", "priority": -1000, "maxParallelTasks": 4, "allowTaskPreemption": true,
		"usesTaskDependencies": true, "onAllTasksComplete": "noaction", "onTaskFailure": "PerformExitOptionsJobAction",
		"constraints":               map[string]any{"maxWallClockTime": "P3Y6M4DT12H30M5S"},
		"poolInfo":                  pool("p1"),
		"metadata":                  []any{map[string]any{"name": "owner", "value": "me"}, map[string]any{"name": "empty", "value": ""}},
		"commonEnvironmentSettings": []any{map[string]any{"name": "A", "value": "1"}},
		"jobManagerTask":            map[string]any{"id": "jm", "commandLine": "run"},
		"jobPreparationTask":        map[string]any{"commandLine": "prep"},
		"jobReleaseTask":            map[string]any{"commandLine": "release", "maxWallClockTime": "PT15M"},
		"networkConfiguration":      map[string]any{"subnetId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/x"},
	})
	j := e.mustGetJob("full")
	if j.DisplayName != "Full job" || j.Priority != -1000 || j.MaxParallelTasks != 4 || !j.AllowTaskPreemption || !j.UsesTaskDependencies ||
		j.OnTaskFailure != "performexitoptionsjobaction" {
		t.Errorf("echo: %+v", j)
	}
	// Years and months count as 365 and 30 days (RECJOB); the retry count
	// gets its default.
	if *j.Constraints.MaxWallClockTime != "P1279DT12H30M5S" || *j.Constraints.MaxTaskRetryCount != 0 {
		t.Errorf("constraints = %+v", j.Constraints)
	}
	if len(j.Metadata) != 2 || j.Metadata[0] != (NameValuePair{"owner", "me"}) || j.Metadata[1] != (NameValuePair{"empty", ""}) {
		t.Errorf("metadata = %+v", j.Metadata)
	}
	if len(j.CommonEnvironmentSettings) != 1 || *j.CommonEnvironmentSettings[0].Name != "A" {
		t.Errorf("commonEnvironmentSettings = %+v", j.CommonEnvironmentSettings)
	}
	jm := j.JobManagerTask
	if jm["killJobOnCompletion"] != true || jm["runExclusive"] != true || jm["allowLowPriorityNode"] != true || jm["requiredSlots"] != float64(1) ||
		jm["constraints"].(map[string]any)["maxTaskRetryCount"] != float64(0) {
		t.Errorf("jobManagerTask defaults: %+v", jm)
	}
	if j.JobPreparationTask["id"] != "jobpreparation" || j.JobReleaseTask["id"] != "jobrelease" {
		t.Errorf("special task ids: %+v %+v", j.JobPreparationTask, j.JobReleaseTask)
	}
	if j.NetworkConfiguration == nil || !strings.HasSuffix(*j.NetworkConfiguration.SubnetID, "/subnets/x") {
		t.Errorf("networkConfiguration = %+v", j.NetworkConfiguration)
	}
	// A task may not take the id of the preparation or release task.
	expectError(t, e.addTask("full", map[string]any{"id": "JobPreparation", "commandLine": "x"}), http.StatusConflict, codeTaskIDSameAsJobPreparation)
	expectError(t, e.addTask("full", map[string]any{"id": "jobrelease", "commandLine": "x"}), http.StatusConflict, codeTaskIDSameAsJobRelease)
	// onTaskFailure performexitoptionsjobaction lets tasks name a jobAction.
	e.mustAdd("full", map[string]any{"id": "t", "commandLine": "x", "exitConditions": map[string]any{"default": map[string]any{"jobAction": "terminate"}}})

	// An auto pool runs under a generated pool id starting with the prefix.
	e.mustAddJob(map[string]any{"id": "auto", "poolInfo": map[string]any{"autoPoolSpecification": map[string]any{
		"autoPoolIdPrefix": "pfx", "poolLifetimeOption": "Job", "pool": map[string]any{"vmSize": "standard_d2s_v3"}}}})
	a := e.mustGetJob("auto")
	as := a.PoolInfo.AutoPoolSpecification
	if a.PoolInfo.PoolID != nil || as == nil || *as.PoolLifetimeOption != "job" || *as.KeepAlive || as.Pool["vmSize"] != "standard_d2s_v3" ||
		!strings.HasPrefix(a.ExecutionInfo.PoolID, "pfx_") {
		t.Errorf("auto pool job: %+v %+v", a.PoolInfo, a.ExecutionInfo)
	}
}

func TestAddJobValidation(t *testing.T) {
	e := newEnv(t)
	base := func(kv ...any) map[string]any {
		m := map[string]any{"id": "v", "poolInfo": pool("p")}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	auto := func(spec map[string]any) map[string]any { return map[string]any{"autoPoolSpecification": spec} }
	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		prop   string
	}{
		{"missing id", base("id", nil), 400, codeMissingRequiredProperty, "id"},
		{"bad id", base("id", "a b"), 400, codeInvalidPropertyValue, "id"},
		{"long id", base("id", strings.Repeat("j", 65)), 400, codeInvalidPropertyValue, "id"},
		{"missing poolInfo", base("poolInfo", nil), 400, codeMissingRequiredProperty, "poolInfo"},
		{"empty poolInfo", base("poolInfo", map[string]any{}), 400, codeInvalidPropertyValue, "poolInfo"},
		{"both pool options", base("poolInfo", map[string]any{"poolId": "p", "autoPoolSpecification": map[string]any{"poolLifetimeOption": "job"}}), 400, codeInvalidPropertyValue, "poolInfo"},
		{"auto pool lifetime missing", base("poolInfo", auto(map[string]any{})), 400, codeMissingRequiredProperty, "poolInfo.autoPoolSpecification.poolLifetimeOption"},
		{"auto pool jobschedule", base("poolInfo", auto(map[string]any{"poolLifetimeOption": "jobschedule"})), 400, codeInvalidPropertyValue, "poolInfo.autoPoolSpecification.poolLifetimeOption"},
		{"auto pool prefix", base("poolInfo", auto(map[string]any{"poolLifetimeOption": "job", "autoPoolIdPrefix": strings.Repeat("p", 21)})), 400, codeInvalidPropertyValue, "poolInfo.autoPoolSpecification.autoPoolIdPrefix"},
		{"auto pool vmSize", base("poolInfo", auto(map[string]any{"poolLifetimeOption": "job", "pool": map[string]any{}})), 400, codeMissingRequiredProperty, "poolInfo.autoPoolSpecification.pool.vmSize"},
		{"displayName", base("displayName", strings.Repeat("d", 1025)), 400, codeInvalidPropertyValue, "displayName"},
		{"priority high", base("priority", 1001), 400, codeOutOfRangePriority, "priority"},
		{"priority low", base("priority", -1001), 400, codeOutOfRangePriority, "priority"},
		{"maxParallelTasks 0", base("maxParallelTasks", 0), 400, codeInvalidPropertyValue, "maxParallelTasks"},
		{"maxParallelTasks -2", base("maxParallelTasks", -2), 400, codeInvalidPropertyValue, "maxParallelTasks"},
		{"retry count", base("constraints", map[string]any{"maxTaskRetryCount": -2}), 400, codeInvalidPropertyValue, "constraints.maxTaskRetryCount"},
		{"wall clock", base("constraints", map[string]any{"maxWallClockTime": "1 hour"}), 400, codeInvalidPropertyValue, "constraints.maxWallClockTime"},
		{"onAllTasksComplete", base("onAllTasksComplete", "terminate"), 400, codeInvalidPropertyValue, "onAllTasksComplete"},
		{"onTaskFailure", base("onTaskFailure", "retry"), 400, codeInvalidPropertyValue, "onTaskFailure"},
		{"usesTaskDependencies type", base("usesTaskDependencies", "yes"), 400, codeInvalidRequestBody, ""},
		{"metadata value", base("metadata", []any{map[string]any{"name": "a"}}), 400, codeMissingRequiredProperty, "metadata[0].value"},
		{"metadata name", base("metadata", []any{map[string]any{"value": "a"}}), 400, codeMissingRequiredProperty, "metadata[0].name"},
		{"metadata empty name", base("metadata", []any{map[string]any{"name": "", "value": "a"}}), 400, codeEmptyMetadataKey, "metadata[0].name"},
		{"env name", base("commonEnvironmentSettings", []any{map[string]any{"value": "a"}}), 400, codeMissingRequiredProperty, "commonEnvironmentSettings[0].name"},
		{"job manager id", base("jobManagerTask", map[string]any{"commandLine": "x"}), 400, codeMissingRequiredProperty, "jobManagerTask.id"},
		{"job manager commandLine", base("jobManagerTask", map[string]any{"id": "jm"}), 400, codeMissingRequiredProperty, "jobManagerTask.commandLine"},
		{"release without preparation", base("jobReleaseTask", map[string]any{"commandLine": "x"}), 400, codeInvalidPropertyValue, "jobReleaseTask"},
		{"release too long", base("jobPreparationTask", map[string]any{"commandLine": "x"}, "jobReleaseTask", map[string]any{"commandLine": "x", "maxWallClockTime": "PT16M"}), 400, codeInvalidPropertyValue, "jobReleaseTask.maxWallClockTime"},
		{"subnet", base("networkConfiguration", map[string]any{"skipWithdrawFromVNet": true}), 400, codeMissingRequiredProperty, "networkConfiguration.subnetId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.addJob(c.body)
			expectPropertyError(t, r, c.status, c.code, c.prop)
		})
	}
	if e.svc.JobExists("v") {
		t.Error("a rejected job was stored")
	}
	expectError(t, e.do(http.MethodPost, e.url("/jobs"), ``, "Content-Type", "application/json"), http.StatusBadRequest, codeInvalidRequestBody)
}

func TestGetJobConditionsSelectExpand(t *testing.T) {
	e := newEnv(t)
	e.mustAddJob(map[string]any{"id": "g", "poolInfo": pool("p")})
	j := e.mustGetJob("g")
	r, _, _ := e.getJob("g", "If-None-Match", j.ETag)
	if r.status != http.StatusNotModified || len(r.body) != 0 {
		t.Errorf("If-None-Match current ETag: %d %s", r.status, r.body)
	}
	if r, _, _ := e.getJob("g", "If-None-Match", "0x1"); r.status != http.StatusOK {
		t.Errorf("If-None-Match other ETag: %d", r.status)
	}
	if r, _, _ := e.getJob("g", "If-Match", "0x1"); r.status != http.StatusNotModified {
		t.Errorf("If-Match other ETag: %d", r.status)
	}
	if r, _, _ := e.getJob("g", "If-Modified-Since", testStart.Add(time.Hour).Format(http.TimeFormat)); r.status != http.StatusNotModified {
		t.Errorf("If-Modified-Since later: %d", r.status)
	}
	expectError(t, e.do(http.MethodGet, e.url("/jobs/g"), nil, "If-Match", j.ETag, "If-None-Match", "0x1"), http.StatusBadRequest, codeMultipleConditionHeaders)
	expectError(t, e.do(http.MethodGet, e.url("/jobs/nope"), nil), http.StatusNotFound, codeJobNotFound)

	sel := e.do(http.MethodGet, e.url("/jobs/g", "$select", "id,State"), nil).json(t)
	if len(sel) != 3 || sel["id"] != "g" || sel["state"] != "active" || sel["odata.metadata"] == nil {
		t.Errorf("$select: %v", sel)
	}

	e.mustAdd("g", map[string]any{"id": "ok", "commandLine": "sleep 2"})
	e.mustAdd("g", map[string]any{"id": "bad", "commandLine": "exit 1", "constraints": map[string]any{"maxTaskRetryCount": 1}})
	e.clock.Advance(time.Minute)
	m := e.do(http.MethodGet, e.url("/jobs/g", "$expand", "stats"), nil).json(t)
	st, _ := m["stats"].(map[string]any)
	if st == nil || st["numSucceededTasks"] != float64(1) || st["numFailedTasks"] != float64(1) || st["numTaskRetries"] != float64(1) ||
		st["wallClockTime"] != "PT4S" || st["url"] != e.srv.URL+"/jobs/g" {
		t.Errorf("stats: %v", m["stats"])
	}
}

func TestPatchJob(t *testing.T) {
	e := newEnv(t)
	e.mustAddJob(map[string]any{"id": "p", "poolInfo": pool("pool-a"), "priority": 5, "maxParallelTasks": 3,
		"constraints": map[string]any{"maxWallClockTime": "PT2H", "maxTaskRetryCount": 5},
		"metadata":    []any{map[string]any{"name": "k", "value": "v"}}})
	before := e.mustGetJob("p")
	e.clock.Advance(time.Minute)
	patch := func(body any, hdr ...string) resp {
		t.Helper()
		return e.do(http.MethodPatch, e.url("/jobs/p"), body, hdr...)
	}
	r := patch(map[string]any{"priority": 100, "id": "other", "displayName": "ignored", "usesTaskDependencies": true})
	if r.status != http.StatusOK || len(r.body) != 0 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	after := e.mustGetJob("p")
	if r.header.Get("ETag") == before.ETag || r.header.Get("ETag") != after.ETag || r.header.Get("DataServiceId") != e.srv.URL+"/jobs/job-3" ||
		after.LastModified != formatTime(testStart.Add(time.Minute)) {
		t.Errorf("patch headers %v; job %+v", r.header, after)
	}
	if after.Priority != 100 || after.MaxParallelTasks != 3 || *after.Constraints.MaxTaskRetryCount != 5 || len(after.Metadata) != 1 ||
		after.ID != "p" || after.DisplayName != "" || after.UsesTaskDependencies {
		t.Errorf("patch changed more than priority: %+v", after)
	}
	// A constraints object replaces the old one whole (RECJOB); metadata []
	// clears the list.
	if r := patch(map[string]any{"constraints": map[string]any{"maxWallClockTime": "PT24H"}, "metadata": []any{}}); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	_, j, raw := e.getJob("p")
	if *j.Constraints.MaxWallClockTime != "P1D" || *j.Constraints.MaxTaskRetryCount != 0 || raw["metadata"] != nil {
		t.Errorf("constraints/metadata: %s", raw)
	}
	// Resending the current pool is accepted; another pool is not (the job
	// is not disabled).
	if r := patch(map[string]any{"poolInfo": pool("POOL-A")}); r.status != http.StatusOK {
		t.Errorf("same pool: %d %s", r.status, r.body)
	}
	expectError(t, patch(map[string]any{"poolInfo": pool("pool-b")}), http.StatusConflict, codeOperationInvalidForState)
	expectError(t, patch(map[string]any{"networkConfiguration": map[string]any{"subnetId": "/s"}}), http.StatusBadRequest, codeInvalidPropertyValue)
	expectError(t, patch(map[string]any{"priority": 2000}), http.StatusBadRequest, codeOutOfRangePriority)
	expectError(t, patch(map[string]any{"maxParallelTasks": 0}), http.StatusBadRequest, codeInvalidPropertyValue)
	expectError(t, patch(map[string]any{"constraints": map[string]any{"maxTaskRetryCount": -5}}), http.StatusBadRequest, codeInvalidPropertyValue)
	expectError(t, patch(map[string]any{"metadata": []any{map[string]any{"name": "x"}}}), http.StatusBadRequest, codeMissingRequiredProperty)
	expectError(t, patch(`{"priority":"high"}`), http.StatusBadRequest, codeInvalidRequestBody)
	if got := e.mustGetJob("p"); got.Priority != 100 || got.PoolInfo.PoolID == nil || *got.PoolInfo.PoolID != "pool-a" {
		t.Errorf("a rejected patch changed the job: %+v", got)
	}

	// Conditional headers, as on tasks: 412 on writes.
	cur := e.mustGetJob("p")
	expectError(t, patch(map[string]any{"priority": 1}, "If-Match", before.ETag), http.StatusPreconditionFailed, codeConditionNotMet)
	expectError(t, patch(map[string]any{"priority": 1}, "If-None-Match", cur.ETag), http.StatusPreconditionFailed, codeConditionNotMet)
	expectError(t, patch(map[string]any{"priority": 1}, "If-Unmodified-Since", testStart.Format(http.TimeFormat)), http.StatusPreconditionFailed, codeConditionNotMet)
	expectError(t, patch(map[string]any{"priority": 1}, "If-Modified-Since", testStart.Add(time.Hour).Format(http.TimeFormat)), http.StatusPreconditionFailed, codeConditionNotMet)
	if r := patch(map[string]any{"priority": 1}, "If-Match", cur.ETag); r.status != http.StatusOK {
		t.Errorf("If-Match current: %d %s", r.status, r.body)
	}

	// noaction → terminatejob is allowed, never back.
	e.mustAdd("p", map[string]any{"id": "long", "commandLine": "sleep 600"})
	if r := patch(map[string]any{"onAllTasksComplete": "terminatejob"}); r.status != http.StatusOK {
		t.Fatalf("to terminatejob: %d %s", r.status, r.body)
	}
	expectError(t, patch(map[string]any{"onAllTasksComplete": "noaction"}), http.StatusBadRequest, codeInvalidPropertyValue)
	expectError(t, e.do(http.MethodPatch, e.url("/jobs/nope"), map[string]any{"priority": 1}), http.StatusNotFound, codeJobNotFound)
}

func TestUpdateJobReplaces(t *testing.T) {
	e := newEnv(t)
	e.mustAddJob(map[string]any{"id": "u", "poolInfo": pool("pool-a"), "priority": 5, "maxParallelTasks": 3, "allowTaskPreemption": true,
		"constraints": map[string]any{"maxWallClockTime": "PT2H", "maxTaskRetryCount": 5}, "displayName": "keep",
		"metadata": []any{map[string]any{"name": "k", "value": "v"}}})
	put := func(body any, hdr ...string) resp {
		t.Helper()
		return e.do(http.MethodPut, e.url("/jobs/u"), body, hdr...)
	}
	expectError(t, put(map[string]any{"priority": 1}), http.StatusBadRequest, codeMissingRequiredProperty)
	// azbatch's ReplaceJob may send read-only and non-updatable fields: ignored.
	r := put(map[string]any{"poolInfo": pool("pool-a"), "priority": 7, "id": "u2", "state": "completed", "eTag": "0x1", "usesTaskDependencies": true})
	if r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("ETag") == "" {
		t.Fatalf("put: %d %s %v", r.status, r.body, r.header)
	}
	_, j, raw := e.getJob("u")
	if j.ID != "u" || j.State != JobStateActive || j.Priority != 7 || j.MaxParallelTasks != -1 || j.AllowTaskPreemption || j.UsesTaskDependencies ||
		*j.Constraints.MaxWallClockTime != UnlimitedDuration || *j.Constraints.MaxTaskRetryCount != 0 || raw["metadata"] != nil ||
		j.OnAllTasksComplete != "noaction" || j.DisplayName != "keep" || j.ETag != r.header.Get("ETag") {
		t.Errorf("after PUT: %s", raw)
	}
	expectError(t, put(map[string]any{"poolInfo": pool("pool-b")}), http.StatusConflict, codeOperationInvalidForState)
	expectError(t, put(map[string]any{"poolInfo": pool("pool-a")}, "If-Match", "0x1"), http.StatusPreconditionFailed, codeConditionNotMet)

	// PUT leaving out onAllTasksComplete means noaction: a 400 on a
	// terminatejob job.
	e.mustAdd("u", map[string]any{"id": "long", "commandLine": "sleep 600"})
	if r := put(map[string]any{"poolInfo": pool("pool-a"), "onAllTasksComplete": "terminatejob"}); r.status != http.StatusOK {
		t.Fatalf("put terminatejob: %d %s", r.status, r.body)
	}
	expectError(t, put(map[string]any{"poolInfo": pool("pool-a")}), http.StatusBadRequest, codeInvalidPropertyValue)
	if r := put(map[string]any{"poolInfo": pool("pool-a"), "onAllTasksComplete": "terminatejob", "priority": 3}); r.status != http.StatusOK {
		t.Errorf("put keeping terminatejob: %d %s", r.status, r.body)
	}
}

func TestDeleteJobGoesThroughDeleting(t *testing.T) {
	e := newEnv(t)
	e.mustAddJob(map[string]any{"id": "d", "poolInfo": pool("p")})
	e.mustAdd("d", map[string]any{"id": "a", "commandLine": "sleep 100"})
	e.mustAdd("d", map[string]any{"id": "b", "commandLine": "echo"})
	created := e.mustGetJob("d")
	expectError(t, e.do(http.MethodDelete, e.url("/jobs/d"), nil, "If-Match", "0x1"), http.StatusPreconditionFailed, codeConditionNotMet)
	expectError(t, e.do(http.MethodDelete, e.url("/jobs/nope"), nil), http.StatusNotFound, codeJobNotFound)

	e.clock.Advance(10 * time.Second)
	r := e.do(http.MethodDelete, e.url("/jobs/d"), nil)
	if r.status != http.StatusAccepted || len(r.body) != 0 || r.header.Get("ETag") != "" || r.header.Get("request-id") == "" {
		t.Fatalf("delete: %d %s %v", r.status, r.body, r.header)
	}
	deletedAt := testStart.Add(10 * time.Second)
	j := e.mustGetJob("d")
	if j.State != JobStateDeleting || *j.PreviousState != JobStateActive || j.StateTransitionTime != formatTime(deletedAt) ||
		*j.PreviousStateTransitionTime != formatTime(testStart) || j.ETag == created.ETag || j.LastModified != formatTime(deletedAt) {
		t.Errorf("deleting job: %+v", j)
	}
	if !e.svc.JobExists("d") {
		t.Error("JobExists false while deleting")
	}
	// Nothing may change while it is deleting.
	expectError(t, e.addTask("d", map[string]any{"id": "c", "commandLine": "x"}), http.StatusConflict, codeJobBeingDeleted)
	expectError(t, e.do(http.MethodPost, e.url("/jobs/d/addtaskcollection"), map[string]any{"value": []any{map[string]any{"id": "c", "commandLine": "x"}}}), http.StatusConflict, codeJobBeingDeleted)
	expectError(t, e.do(http.MethodPatch, e.url("/jobs/d"), map[string]any{"priority": 1}), http.StatusConflict, codeJobBeingDeleted)
	expectError(t, e.do(http.MethodPut, e.url("/jobs/d"), map[string]any{"poolInfo": pool("p")}), http.StatusConflict, codeJobBeingDeleted)
	expectError(t, e.do(http.MethodDelete, e.url("/jobs/d"), nil), http.StatusConflict, codeJobBeingDeleted)
	expectError(t, e.do(http.MethodPut, e.url("/jobs/d/tasks/a"), map[string]any{}), http.StatusConflict, codeJobBeingDeleted)
	expectError(t, e.do(http.MethodPost, e.url("/jobs/d/tasks/a/terminate"), nil, "Content-Length", "0"), http.StatusConflict, codeJobBeingDeleted)
	expectError(t, e.do(http.MethodDelete, e.url("/jobs/d/tasks/a"), nil), http.StatusConflict, codeJobBeingDeleted)
	if err := e.svc.AddTask("d", TaskAddParameter{ID: ptr("g"), CommandLine: ptr("x")}); err == nil || !strings.Contains(err.Error(), codeJobBeingDeleted) {
		t.Errorf("Go AddTask on a deleting job: %v", err)
	}
	// [I] The id is still taken.
	expectError(t, e.addJob(map[string]any{"id": "D", "poolInfo": pool("p")}), http.StatusConflict, codeJobExists)
	// Tasks can still be read, and stop where the deletion found them.
	e.clock.Advance(JobDeleteDelay / 2)
	if tk := e.mustGet("d", "a"); tk.State != StateRunning {
		t.Errorf("task a = %s", tk.State)
	}

	// Gone JobDeleteDelay + 2 × JobDeletePerTask after the Delete.
	e.clock.Advance(deletedAt.Add(JobDeleteDelay + 2*JobDeletePerTask - time.Millisecond).Sub(e.clock.Now()))
	if j := e.mustGetJob("d"); j.State != JobStateDeleting {
		t.Errorf("state = %s just before the end", j.State)
	}
	e.clock.Advance(time.Millisecond)
	r, _, _ = e.getJob("d")
	expectError(t, r, http.StatusNotFound, codeJobNotFound)
	expectError(t, e.getTask("d", "a"), http.StatusNotFound, codeJobNotFound)
	if e.svc.JobExists("d") || e.svc.TaskCount("d") != 0 || e.svc.TaskExists("d", "b") {
		t.Error("job or tasks left after the deletion")
	}
	if _, ok := e.svc.Job("d"); ok {
		t.Error("Job() finds a deleted job")
	}
	// The id is free again, and the new job starts empty.
	e.mustAddJob(map[string]any{"id": "d", "poolInfo": pool("p")})
	if e.svc.TaskCount("d") != 0 {
		t.Error("the new job inherited tasks")
	}
}

func TestTerminateJobCompletesWhenAllTasksComplete(t *testing.T) {
	e := newEnv(t)
	// An empty job created with terminatejob completes at once (spec §11.7).
	r := e.mustAddJob(map[string]any{"id": "empty", "poolInfo": pool("p"), "onAllTasksComplete": "terminatejob"})
	j := e.mustGetJob("empty")
	if j.State != JobStateCompleted || *j.PreviousState != JobStateActive || j.StateTransitionTime != formatTime(testStart) ||
		*j.ExecutionInfo.EndTime != formatTime(testStart) || *j.ExecutionInfo.TerminateReason != "AllTasksCompleted" || j.ETag != r.header.Get("ETag") {
		t.Errorf("empty terminatejob job: %+v (201 ETag %s)", j, r.header.Get("ETag"))
	}
	expectError(t, e.addTask("empty", map[string]any{"id": "a", "commandLine": "x"}), http.StatusConflict, codeJobCompleted)
	expectError(t, e.do(http.MethodPost, e.url("/jobs/empty/addtaskcollection"), map[string]any{"value": []any{map[string]any{"id": "a", "commandLine": "x"}}}), http.StatusConflict, codeJobCompleted)
	expectError(t, e.do(http.MethodPatch, e.url("/jobs/empty"), map[string]any{"priority": 1}), http.StatusConflict, codeJobCompleted)
	expectError(t, e.do(http.MethodPut, e.url("/jobs/empty"), map[string]any{"poolInfo": pool("p"), "onAllTasksComplete": "terminatejob"}), http.StatusConflict, codeJobCompleted)

	// The recommended order: noaction, add the tasks, then terminatejob.
	e.mustAddJob(map[string]any{"id": "w", "poolInfo": pool("p")})
	e.mustAdd("w", map[string]any{"id": "short", "commandLine": "sleep 2 && exit 1"})
	e.mustAdd("w", map[string]any{"id": "long", "commandLine": "sleep 5"})
	if r := e.do(http.MethodPatch, e.url("/jobs/w"), map[string]any{"onAllTasksComplete": "terminatejob"}); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	patched := e.mustGetJob("w")
	e.clock.Advance(4 * time.Second) // short completed at +3 s
	if j := e.mustGetJob("w"); j.State != JobStateActive || j.ETag != patched.ETag {
		t.Errorf("job moved before its last task completed: %+v", j)
	}
	e.clock.Advance(time.Hour) // long completed at +6 s
	j = e.mustGetJob("w")
	done := formatTime(testStart.Add(6 * time.Second))
	if j.State != JobStateCompleted || j.StateTransitionTime != done || j.LastModified != done || *j.ExecutionInfo.EndTime != done || j.ETag == patched.ETag {
		t.Errorf("completed job: %+v", j)
	}
	expectError(t, e.do(http.MethodPost, e.url("/jobs/w/tasks/short/reactivate"), nil, "Content-Length", "0"), http.StatusConflict, codeJobCompleted)
	expectError(t, e.do(http.MethodPut, e.url("/jobs/w/tasks/long"), map[string]any{}), http.StatusConflict, codeJobCompleted)
	// A completed job can still be deleted.
	if r := e.do(http.MethodDelete, e.url("/jobs/w"), nil); r.status != http.StatusAccepted {
		t.Errorf("delete completed job: %d %s", r.status, r.body)
	}
	if j := e.mustGetJob("w"); j.State != JobStateDeleting || *j.PreviousState != JobStateCompleted {
		t.Errorf("deleting completed job: %+v", j)
	}

	// Deleting the last unfinished task completes the job at that moment.
	e.mustAddJob(map[string]any{"id": "x", "poolInfo": pool("p")})
	e.mustAdd("x", map[string]any{"id": "stuck", "commandLine": "sleep 9999"})
	if r := e.do(http.MethodPatch, e.url("/jobs/x"), map[string]any{"onAllTasksComplete": "terminatejob"}); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	e.clock.Advance(time.Minute)
	at := e.clock.Now()
	if r := e.do(http.MethodDelete, e.url("/jobs/x/tasks/stuck"), nil); r.status != http.StatusOK {
		t.Fatalf("delete task: %d", r.status)
	}
	e.clock.Advance(time.Minute)
	if j := e.mustGetJob("x"); j.State != JobStateCompleted || j.StateTransitionTime != formatTime(at) {
		t.Errorf("job after its last task was deleted: %+v", j)
	}
}

func TestTaskDependenciesNeedTheJobFlag(t *testing.T) {
	e := newEnv(t)
	e.mustAddJob(map[string]any{"id": "plain", "poolInfo": pool("p")})
	e.mustAddJob(map[string]any{"id": "deps", "poolInfo": pool("p"), "usesTaskDependencies": true})
	dep := map[string]any{"id": "b", "commandLine": "x", "dependsOn": map[string]any{"taskIds": []string{"a"}}}
	expectError(t, e.addTask("plain", dep), http.StatusBadRequest, codeTaskDependenciesNotOnJob)
	e.mustAdd("deps", dep)

	// Add Task Collection reports UnsupportedProperty for the task (spec
	// §11.7), and adds the others.
	r := e.do(http.MethodPost, e.url("/jobs/plain/addtaskcollection"), map[string]any{"value": []any{dep, map[string]any{"id": "c", "commandLine": "x"}}})
	if r.status != http.StatusOK {
		t.Fatalf("collection: %d %s", r.status, r.body)
	}
	var res struct{ Value []TaskAddResult }
	_ = json.Unmarshal(r.body, &res)
	if len(res.Value) != 2 || res.Value[0].Status != "ClientError" || res.Value[0].Error == nil || res.Value[0].Error.Code != codeUnsupportedProperty ||
		res.Value[1].Status != "Success" {
		t.Errorf("results: %s", r.body)
	}
	if e.svc.TaskExists("plain", "b") || !e.svc.TaskExists("plain", "c") {
		t.Error("collection stored the wrong tasks")
	}
}

func TestJobRoutesAndGoAPI(t *testing.T) {
	e := newEnv(t)
	r := e.do(http.MethodPost, e.url("/jobs/job-1"), `{}`)
	expectError(t, r, http.StatusMethodNotAllowed, codeUnsupportedHTTPVerb)
	if allow := r.header.Get("Allow"); allow != "DELETE, GET, PATCH, PUT" {
		t.Errorf("Allow = %q", allow)
	}

	if err := e.svc.AddJob(Job{ID: "api", PoolID: "p9", Priority: 10, MaxParallelTasks: 2, MaxWallClockTime: "PT1H",
		Metadata: []NameValuePair{{"a", "b"}}, OnTaskFailure: "performexitoptionsjobaction"}); err != nil {
		t.Fatal(err)
	}
	j, ok := e.svc.Job("API")
	if !ok || j.ID != "api" || j.URL != e.srv.URL+"/jobs/api" || *j.PoolInfo.PoolID != "p9" || j.Priority != 10 || j.MaxParallelTasks != 2 ||
		*j.Constraints.MaxWallClockTime != "PT1H" || len(j.Metadata) != 1 || j.OnTaskFailure != "performexitoptionsjobaction" {
		t.Errorf("Job() = %+v %v", j, ok)
	}
	if err := e.svc.AddJob(Job{ID: "bad", Priority: 5000}); err == nil || !strings.Contains(err.Error(), codeOutOfRangePriority) {
		t.Errorf("AddJob with a bad priority: %v", err)
	}
	if err := e.svc.AddJob(Job{ID: "done", OnAllTasksComplete: "terminatejob"}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.AddTask("done", TaskAddParameter{ID: ptr("t"), CommandLine: ptr("x")}); err == nil || !strings.Contains(err.Error(), codeJobCompleted) {
		t.Errorf("AddTask on a completed job: %v", err)
	}
	// DeleteJob is an out-of-band removal: at once.
	if !e.svc.DeleteJob("api") || e.svc.DeleteJob("api") || e.svc.JobExists("api") {
		t.Error("DeleteJob")
	}
	expectError(t, e.do(http.MethodGet, e.url("/jobs/api"), nil), http.StatusNotFound, codeJobNotFound)
}
