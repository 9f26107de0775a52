package azurebatch

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emuazure "github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
)

// echoTasks returns n tasks t-000, t-001, ... running "echo <id>".
func echoTasks(n int) []TaskSpec {
	tasks := make([]TaskSpec, n)
	for i := range tasks {
		id := fmt.Sprintf("t-%03d", i)
		tasks[i] = TaskSpec{ID: Ptr(id), CommandLine: Ptr("echo " + id)}
	}
	return tasks
}

// collectionCalls returns the Add Task Collection requests the emulator got.
func collectionCalls(e *emulator.Emulator) []emulator.Request {
	var calls []emulator.Request
	for _, r := range e.RequestsFor(emulator.ServiceAzureBatch) {
		if r.Method == http.MethodPost && r.Path == "/jobs/job/addtaskcollection" {
			calls = append(calls, r)
		}
	}
	return calls
}

// expectAdded checks that every result is an add (adopted as wanted) and that the emulator
// holds each task exactly as sent, and no other task.
func expectAdded(t *testing.T, e *emulator.Emulator, tasks []TaskSpec, results []AddTaskResult, adopted bool) {
	t.Helper()
	if len(results) != len(tasks) {
		t.Fatalf("%d results for %d tasks", len(results), len(tasks))
	}
	for i, r := range results {
		if r.TaskID != deref(tasks[i].ID) || r.Err != nil || r.Adopted != adopted {
			t.Errorf("result %d: %+v, want task %s added (adopted=%v)", i, r, deref(tasks[i].ID), adopted)
		}
		if got, ok := e.AzureBatch().Task("job", deref(tasks[i].ID)); !ok || got.CommandLine != deref(tasks[i].CommandLine) {
			t.Errorf("task %s in the emulator: %v %q", deref(tasks[i].ID), ok, got.CommandLine)
		}
	}
	if n := e.AzureBatch().TaskCount("job"); n != len(tasks) {
		t.Errorf("the job holds %d tasks, want %d", n, len(tasks))
	}
}

func TestAddTasksSends250TasksInThreeCalls(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	tasks := echoTasks(250)
	results := c.AddTasks(testCtx(t), "job", tasks)
	expectAdded(t, e, tasks, results, false)

	calls := collectionCalls(e)
	if len(calls) != 3 || len(calls) != len(e.RequestsFor(emulator.ServiceAzureBatch)) {
		t.Fatalf("want 3 calls and nothing else, got %s", answers(e))
	}
	var sizes []int
	var sent []string
	for _, r := range calls {
		var body struct{ Value []struct{ ID string } }
		if err := json.Unmarshal(r.Body, &body); err != nil || r.Status != http.StatusOK {
			t.Fatalf("call answered %d, body %v", r.Status, err)
		}
		sizes = append(sizes, len(body.Value))
		for _, v := range body.Value {
			sent = append(sent, v.ID)
		}
	}
	slices.Sort(sizes)
	slices.Sort(sent)
	if !slices.Equal(sizes, []int{50, 100, 100}) || len(slices.Compact(sent)) != 250 {
		t.Errorf("tasks per call %v, %d distinct tasks sent", sizes, len(slices.Compact(sent)))
	}
}

// reversingProxy serves the emulator over plain HTTP and reverses the results of every Add Task
// Collection answer, as the service may return them in any order.
func reversingProxy(t *testing.T, e *emulator.Emulator) *Client {
	t.Helper()
	target, err := url.Parse(e.AzureBatchURL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	ca, err := os.ReadFile(e.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	proxy.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	proxy.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasSuffix(resp.Request.URL.Path, "/addtaskcollection") || resp.StatusCode != http.StatusOK {
			return nil
		}
		var body map[string]json.RawMessage
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			return err
		}
		var value []json.RawMessage
		if err := json.Unmarshal(body["value"], &value); err != nil {
			return err
		}
		slices.Reverse(value)
		body["value"], _ = json.Marshal(value)
		raw, _ = json.Marshal(body)
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		resp.ContentLength = int64(len(raw))
		resp.Header.Set("Content-Length", strconv.Itoa(len(raw)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return mustNew(t, Config{Endpoint: srv.URL, AccountName: testAccount, AccountKey: testKey, Retry: fastRetry})
}

// With the results in reverse order, each still goes to its task: the one task the service
// refuses gets an error naming it and the service's reason, the others are added.
func TestAddTasksMatchesResultsInAnyOrderAndNamesARefusedTask(t *testing.T) {
	e := startEmulator(t)
	c := reversingProxy(t, e)
	tasks := echoTasks(5)
	tasks[1].CommandLine = nil
	results := c.AddTasks(testCtx(t), "job", tasks)

	var refused *TaskAddError
	if !errors.As(results[1].Err, &refused) || refused.TaskID != "t-001" || refused.JobID != "job" || refused.ServerError ||
		!HasCode(results[1].Err, "MissingRequiredProperty") || refused.Err.Values["PropertyName"] != "commandLine" {
		t.Fatalf("task t-001: want a *TaskAddError MissingRequiredProperty naming it, got %T %v", results[1].Err, results[1].Err)
	}
	if msg := results[1].Err.Error(); !strings.HasPrefix(msg, `Azure Batch refused task "t-001" of job "job": MissingRequiredProperty`) ||
		!strings.Contains(msg, "PropertyName=commandLine") || strings.Contains(msg, "RequestId:") {
		t.Errorf("error text %q", msg)
	}
	var unknown *OutcomeUnknownError
	if errors.As(results[1].Err, &unknown) {
		t.Error("a client error is definite")
	}
	added := slices.Delete(slices.Clone(tasks), 1, 2)
	expectAdded(t, e, added, slices.Delete(slices.Clone(results), 1, 2), false)
	if len(collectionCalls(e)) != 1 {
		t.Errorf("a refused task is not sent again: %s", answers(e))
	}
}

// The first call added the tasks but its answer was lost; the transport sends it again, the
// service answers TaskExists for each, and they are read back, 20 to a filtered List Tasks,
// and adopted: one task each.
func TestAddTasksAdoptsTasksAfterALostCollectionAnswer(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job/addtaskcollection$`, Lost: true, Times: 1})
	tasks := echoTasks(100)
	results := c.AddTasks(testCtx(t), "job", tasks)
	expectAdded(t, e, tasks, results, true)
	want := []string{"POST /jobs/job/addtaskcollection 0 lost", "POST /jobs/job/addtaskcollection 200"}
	for range 5 {
		want = append(want, "GET /jobs/job/tasks 200")
	}
	expectAnswers(t, e, strings.Join(want, ", "))
	lists := e.RequestsMatching(emulator.ServiceAzureBatch, http.MethodGet, `^/jobs/job/tasks$`)
	for k, r := range lists {
		q, _ := url.ParseQuery(r.Query)
		first, last := deref(tasks[20*k].ID), deref(tasks[20*k+19].ID)
		if f := q.Get("$filter"); strings.Count(f, " eq ") != 20 || !strings.HasPrefix(f, "id eq '"+first+"' or ") || !strings.HasSuffix(f, " or id eq '"+last+"'") {
			t.Errorf("list %d: $filter %q, want the 20 ids from %s to %s", k, f, first, last)
		}
	}
}

// A different task under one of the ids is a conflict for that task alone, also when the
// tasks are read back together after a lost answer.
func TestAddTasksAfterALostAnswerFindsAConflict(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	if err := e.AzureBatch().AddTask("job", emuazure.TaskAddParameter{ID: Ptr("t-001"), CommandLine: Ptr("echo somebody else's")}); err != nil {
		t.Fatal(err)
	}
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job/addtaskcollection$`, Lost: true, Times: 1})
	tasks := echoTasks(3)
	results := c.AddTasks(testCtx(t), "job", tasks)
	var conflict *TaskConflictError
	if !errors.As(results[1].Err, &conflict) || results[1].Adopted {
		t.Errorf("t-001: want a *TaskConflictError, got %+v", results[1])
	}
	for _, k := range []int{0, 2} {
		if results[k].Err != nil || !results[k].Adopted {
			t.Errorf("%s: want adopted, got %+v", results[k].TaskID, results[k])
		}
	}
	expectAnswers(t, e, "POST /jobs/job/addtaskcollection 0 lost, POST /jobs/job/addtaskcollection 200, GET /jobs/job/tasks 200")
}

// When every attempt of a call is lost, its tasks are sent once more in a new call, which
// resolves them; when that is lost too, their outcome is unknown and the tasks are not
// duplicated.
func TestAddTasksRepeatsACallWhoseOutcomeIsUnknown(t *testing.T) {
	lost := "POST /jobs/job/addtaskcollection 0 lost"
	t.Run("resolved by the repeat", func(t *testing.T) {
		e := startEmulator(t)
		c := newEmulatorClient(t, e)
		e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `addtaskcollection$`, Lost: true, Times: fastRetry.MaxAttempts})
		tasks := echoTasks(3)
		expectAdded(t, e, tasks, c.AddTasks(testCtx(t), "job", tasks), true)
		expectAnswers(t, e, strings.Repeat(lost+", ", fastRetry.MaxAttempts)+
			"POST /jobs/job/addtaskcollection 200, GET /jobs/job/tasks 200")
	})
	t.Run("still unknown", func(t *testing.T) {
		e := startEmulator(t)
		c := newEmulatorClient(t, e)
		e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `addtaskcollection$`, Lost: true, Times: -1})
		tasks := echoTasks(3)
		for _, r := range c.AddTasks(testCtx(t), "job", tasks) {
			var unknown *OutcomeUnknownError
			if !errors.As(r.Err, &unknown) || r.Adopted {
				t.Errorf("%s: want *OutcomeUnknownError, got %+v", r.TaskID, r)
			}
		}
		expectAnswers(t, e, strings.TrimSuffix(strings.Repeat(lost+", ", 2*fastRetry.MaxAttempts), ", "))
		if n := e.AzureBatch().TaskCount("job"); n != 3 {
			t.Errorf("want each task once, the job holds %d", n)
		}
	})
}

// TaskExists for a task that differs from the one sent is a conflict for that task alone; one
// that is the same is adopted; the other tasks are added.
func TestAddTasksConflictIsPerTask(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	tasks := echoTasks(4)
	if err := e.AzureBatch().AddTask("job", emuazure.TaskAddParameter{ID: Ptr("T-001"), CommandLine: Ptr("echo somebody else's")}); err != nil {
		t.Fatal(err)
	}
	mustAddTask(t, c, tasks[2])
	e.ResetRequests()

	results := c.AddTasks(testCtx(t), "job", tasks)
	var conflict *TaskConflictError
	if !errors.As(results[1].Err, &conflict) || conflict.TaskID != "t-001" || conflict.ExistingID != "T-001" || !HasCode(results[1].Err, "TaskExists") {
		t.Fatalf("t-001: want a *TaskConflictError wrapping TaskExists, got %T %v", results[1].Err, results[1].Err)
	}
	if got, _ := e.AzureBatch().Task("job", "t-001"); got.CommandLine != "echo somebody else's" {
		t.Errorf("the existing task changed: %q", got.CommandLine)
	}
	if r := results[2]; r.Err != nil || !r.Adopted {
		t.Errorf("t-002 existed as asked for: want it adopted, got %+v", r)
	}
	for _, i := range []int{0, 3} {
		if r := results[i]; r.Err != nil || r.Adopted || r.TaskID != deref(tasks[i].ID) {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	// Both are read with one filtered list; T-001, whose case the filter does not match on the
	// emulator, is then read by itself.
	expectAnswers(t, e, "POST /jobs/job/addtaskcollection 200, GET /jobs/job/tasks 200, GET /jobs/job/tasks/t-001 200")
}

// Calls stay under the body limit: 25 tasks of 100 kB go in calls of 9, 9 and 7, and a task too
// big for any call is refused without being sent.
func TestAddTasksSplitsCallsUnderTheBodyLimit(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	tasks := echoTasks(25)
	for i := range tasks {
		tasks[i].CommandLine = Ptr("echo " + strings.Repeat("x", 100_000))
	}
	huge := TaskSpec{ID: Ptr("huge"), CommandLine: Ptr("echo " + strings.Repeat("x", MaxCollectionBodyBytes))}
	results := c.AddTasks(testCtx(t), "job", append(slices.Clone(tasks), huge))

	if err := results[25].Err; err == nil || !strings.Contains(err.Error(), `task "huge" is `) || e.AzureBatch().TaskExists("job", "huge") {
		t.Errorf("the huge task: want an error naming it and no task, got %v", err)
	}
	expectAdded(t, e, tasks, results[:25], false)
	taskSize := len(must(json.Marshal(tasks[0])))
	var counts []int
	for _, r := range collectionCalls(e) {
		n, err := strconv.Atoi(r.Header.Get("Content-Length"))
		if err != nil || n > MaxCollectionBodyBytes {
			t.Errorf("a call of %q bytes, over %d", r.Header.Get("Content-Length"), MaxCollectionBodyBytes)
		}
		// Every task is the same size: the body is the envelope, the tasks and the commas.
		count := (n - collectionEnvelope + 1) / (taskSize + 1)
		if collectionEnvelope+count*taskSize+count-1 != n {
			t.Errorf("a body of %d bytes is not whole tasks of %d bytes", n, taskSize)
		}
		counts = append(counts, count)
	}
	slices.Sort(counts)
	if !slices.Equal(counts, []int{7, 9, 9}) {
		t.Errorf("tasks per call %v, want [7 9 9]", counts)
	}
}

// Ids are checked before anything is sent: results are matched by id.
func TestAddTasksRefusesBadAndRepeatedIDsWithoutSending(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	tasks := []TaskSpec{{ID: Ptr("a"), CommandLine: Ptr("echo")}, {ID: Ptr("A"), CommandLine: Ptr("echo")}, {CommandLine: Ptr("echo")}}
	results := c.AddTasks(testCtx(t), "job", tasks)
	if results[0].Err != nil || results[1].Err == nil || !strings.Contains(results[1].Err.Error(), `"A" is given more than once`) ||
		results[2].Err == nil || !strings.Contains(results[2].Err.Error(), IDRule) {
		t.Errorf("results %+v", results)
	}
	if n := e.AzureBatch().TaskCount("job"); n != 1 {
		t.Errorf("the job holds %d tasks, want 1", n)
	}
}

func TestListTasksFollowsPagesWithFilterAndSelect(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	for i := range 2600 {
		id := fmt.Sprintf("keep-%04d", i)
		if i%26 == 25 {
			id = fmt.Sprintf("skip-%04d", i)
		}
		if err := e.AzureBatch().AddTask("job", emuazure.TaskAddParameter{ID: Ptr(id), CommandLine: Ptr("echo hi")}); err != nil {
			t.Fatal(err)
		}
	}
	// One malformed page is read again: the pager stays on it.
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `^/jobs/job/tasks$`, Malformed: true, MalformedShape: emulator.MalformedTruncated, Times: 1})

	tasks, err := c.ListTasks(testCtx(t), "job", "startswith(id,'keep-')", []string{"id", "state"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2500 {
		t.Fatalf("want 2500 tasks, got %d", len(tasks))
	}
	n := 0
	for i := range 2600 {
		if i%26 == 25 {
			continue
		}
		task := tasks[n]
		n++
		if deref(task.ID) != fmt.Sprintf("keep-%04d", i) || deref(task.State) == "" || task.CommandLine != nil || task.CreationTime != nil {
			t.Fatalf("task %d: id %s, state %s, command line %v, created %v", n-1, deref(task.ID), deref(task.State), task.CommandLine, task.CreationTime)
		}
	}

	reqs := e.RequestsFor(emulator.ServiceAzureBatch)
	expectAnswers(t, e, "GET /jobs/job/tasks 200 malformed:truncated, GET /jobs/job/tasks 200, GET /jobs/job/tasks 200, GET /jobs/job/tasks 200")
	for i, r := range reqs {
		q, _ := url.ParseQuery(r.Query)
		if q.Get("$filter") != "startswith(id,'keep-')" || q.Get("$select") != "id,state" || q.Get("maxresults") != "1000" ||
			(q.Get("$skiptoken") != "") != (i >= 2) || r.Header.Get("Authorization") == "" {
			t.Errorf("request %d: query %s", i, r.Query)
		}
	}
}

// A listed task without a known state is a malformed answer, never a task.
func TestListTasksChecksEachTask(t *testing.T) {
	for name, c := range map[string]struct {
		task   Task
		sel    []string
		detail string
	}{
		"no id":                {Task{State: Ptr(TaskStateActive)}, nil, "a task in the answer has no task id"},
		"unknown state":        {Task{ID: Ptr("t1"), State: Ptr(TaskState("sleeping"))}, nil, `unknown task state "sleeping"`},
		"no state":             {Task{ID: Ptr("t1")}, []string{"id", "State"}, "has no task state"},
		"state not selected":   {Task{ID: Ptr("t1")}, []string{"id", "commandLine"}, ""},
		"id not selected":      {Task{State: Ptr(TaskStateRunning)}, []string{"state"}, ""},
		"complete, all fields": {Task{ID: Ptr("t1"), State: Ptr(TaskStateCompleted)}, nil, ""},
	} {
		expectMalformed(t, name, checkListedTask(&c.task, c.sel), c.detail)
	}
}

// The body AddTasks sizes a call by is the body the SDK sends.
func TestCollectionSizeIsTheSDKBody(t *testing.T) {
	tasks := echoTasks(3)
	tasks[1].EnvironmentSettings = []EnvironmentSetting{{Name: Ptr("A&B"), Value: Ptr("<x>")}}
	sizes := make([]int, len(tasks))
	want := collectionEnvelope + len(tasks) - 1
	for i, task := range tasks {
		sizes[i] = len(must(json.Marshal(task)))
		want += sizes[i]
	}
	if got := len(must(json.Marshal(azbatch.TaskGroup{Value: tasks}))); got != want {
		t.Errorf("the SDK body is %d bytes, the sizes add up to %d", got, want)
	}
	if calls := splitCollection([]int{0, 1, 2}, sizes); len(calls) != 1 || len(calls[0]) != 3 {
		t.Errorf("calls %v", calls)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// DeleteTasks deletes each task with one call, counting a task already gone as deleted, and
// reports each task's own error.
func TestDeleteTasksDeletesEachOnceAndTakesGoneAsDeleted(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	tasks := echoTasks(20)
	expectAdded(t, e, tasks, c.AddTasks(testCtx(t), "job", tasks), false)
	e.AzureBatch().DeleteTask("job", "t-003")
	e.ResetRequests()

	var ids []string
	for _, task := range tasks {
		ids = append(ids, deref(task.ID))
	}
	for i, err := range c.DeleteTasks(testCtx(t), "job", ids) {
		if err != nil {
			t.Errorf("task %s: %v", ids[i], err)
		}
	}
	if n := e.AzureBatch().TaskCount("job"); n != 0 {
		t.Errorf("%d tasks left", n)
	}
	deletes := 0
	for _, r := range e.RequestsFor(emulator.ServiceAzureBatch) {
		if r.Method == http.MethodDelete {
			deletes++
		}
	}
	if deletes != len(ids) {
		t.Errorf("%d deletes for %d tasks: %s", deletes, len(ids), answers(e))
	}
}

// A failed task runs again under its id; a task that succeeded cannot be reactivated, and says so.
func TestReactivateTasksRunsFailedTasksAgain(t *testing.T) {
	e := startFrozenEmulator(t)
	c := newEmulatorClient(t, e)
	tasks := []TaskSpec{{ID: Ptr("bad"), CommandLine: Ptr("exit 3")}, {ID: Ptr("good"), CommandLine: Ptr("echo ok")}}
	for _, r := range c.AddTasks(testCtx(t), "job", tasks) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	e.Clock().Advance(time.Minute)
	errs := c.ReactivateTasks(testCtx(t), "job", []string{"bad", "good"})
	if errs[0] != nil {
		t.Errorf("reactivating the failed task: %v", errs[0])
	}
	if !HasCode(errs[1], "TaskSucceeded") {
		t.Errorf("reactivating the task that succeeded: %v", errs[1])
	}
	if bad, _ := e.AzureBatch().Task("job", "bad"); bad.State != string(TaskStateActive) {
		t.Errorf("the failed task is %s, want active", bad.State)
	}
}

// Each update is the conditional PUT of UpdateConstraints, for its own task only.
func TestUpdateManyConstraintsUpdatesEachTask(t *testing.T) {
	e := startFrozenEmulator(t)
	c := newEmulatorClient(t, e)
	var updates []ConstraintsUpdate
	for _, id := range []string{"a", "b", "c"} {
		task := addAndRead(t, c, id)
		updates = append(updates, ConstraintsUpdate{TaskID: id, Seen: task.Constraints, ETag: string(deref(task.ETag)),
			Want: TaskConstraints{MaxWallClockTime: Ptr("PT2H"), RetentionTime: Ptr("P1D"), MaxTaskRetryCount: Ptr[int32](2)}})
	}
	addAndRead(t, c, "untouched")
	e.ResetRequests()
	for i, err := range c.UpdateManyConstraints(testCtx(t), "job", updates) {
		if err != nil {
			t.Errorf("update %d: %v", i, err)
		}
	}
	for _, id := range []string{"a", "b", "c"} {
		if got, _ := e.AzureBatch().Task("job", id); deref(got.Constraints.MaxTaskRetryCount) != 2 {
			t.Errorf("task %s: %+v", id, got.Constraints)
		}
	}
	if untouched, _ := e.AzureBatch().Task("job", "untouched"); deref(untouched.Constraints.MaxTaskRetryCount) == 2 {
		t.Error("the task not asked for was updated")
	}
	if n := len(e.RequestsFor(emulator.ServiceAzureBatch)); n != 3 {
		t.Errorf("%d requests for 3 updates: %s", n, answers(e))
	}
}

// A few ids are asked for by a $filter naming each; more list the whole job in pages.
func TestListTasksByIDFiltersFewIDs(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	tasks := echoTasks(30)
	expectAdded(t, e, tasks, c.AddTasks(testCtx(t), "job", tasks), false)
	e.ResetRequests()

	few, err := c.ListTasksByID(testCtx(t), "job", []string{"t-001", "t-002"}, []string{"id"})
	if err != nil || len(few) != 2 {
		t.Fatalf("two ids: %d tasks, %v", len(few), err)
	}
	var many []string
	for _, task := range tasks[:maxFilteredIDs+1] {
		many = append(many, deref(task.ID))
	}
	all, err := c.ListTasksByID(testCtx(t), "job", many, []string{"id"})
	if err != nil || len(all) != 30 {
		t.Fatalf("%d ids: %d tasks, %v", len(many), len(all), err)
	}
	reqs := e.RequestsFor(emulator.ServiceAzureBatch)
	if len(reqs) != 2 || !strings.Contains(reqs[0].Query, "filter=") || strings.Contains(reqs[1].Query, "filter=") {
		t.Errorf("want a filtered list, then an unfiltered one: %s", answers(e))
	}
}
