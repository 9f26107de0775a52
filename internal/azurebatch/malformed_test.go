package azurebatch

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
)

// mustNew builds a client, ending the test on an error.
func mustNew(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newEmulatorClient(t *testing.T, e *emulator.Emulator) *Client {
	t.Helper()
	return mustNew(t, Config{Endpoint: e.AzureBatchURL(), AccountName: testAccount, AccountKey: testKey, CACertificateFile: e.CAFile(), Retry: fastRetry})
}

// mustAddTask adds spec to the emulator's job "job", ending the test on an error.
func mustAddTask(t *testing.T, c *Client, spec TaskSpec) {
	t.Helper()
	if _, err := c.AddTask(context.Background(), "job", spec); err != nil {
		t.Fatal(err)
	}
}

func TestGetTaskMalformedAnswerIsAnErrorNeverATask(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("t1"), CommandLine: to.Ptr("echo hi")})
	for shape, detail := range map[emulator.MalformedShape]string{
		emulator.MalformedTruncated:  "the body does not decode",
		emulator.MalformedHTML:       "the body is text/html; charset=utf-8, not JSON",
		emulator.MalformedEmpty:      "the answer has no task id",
		emulator.MalformedWrongTypes: "the body does not decode",
		emulator.MalformedBroken:     "the body does not decode",
	} {
		t.Run(string(shape), func(t *testing.T) {
			// Every attempt the retry policy allows is answered malformed.
			e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: "GET", PathRegexp: `/tasks/t1$`, Malformed: true, MalformedShape: shape, Times: fastRetry.MaxAttempts})
			task, err := c.GetTask(ctx, "job", "t1")
			if task != nil || !IsMalformed(err) {
				t.Fatalf("want a malformed-answer error and no task, got %+v, %v", task, err)
			}
			want := "Azure Batch get task job/t1: malformed answer (HTTP 200): " + detail
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q\ndoes not start with %q", err, want)
			}
			// the next call, after the fault, reads the task
			task, err = c.GetTask(ctx, "job", "t1")
			if err != nil || deref(task.ID) != "t1" || deref(task.State) != azbatch.TaskStateActive {
				t.Fatalf("after the fault: %+v, %v", task, err)
			}
		})
	}
}

func TestGetTaskRepeatsAfterAMalformedAnswer(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	mustAddTask(t, c, azbatch.CreateTaskContent{ID: to.Ptr("t1"), CommandLine: to.Ptr("echo hi")})
	e.ResetRequests()
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: "GET", Malformed: true, MalformedShape: emulator.MalformedEmpty, Times: fastRetry.MaxAttempts - 1})
	task, err := c.GetTask(ctx, "job", "t1")
	if err != nil || deref(task.ID) != "t1" {
		t.Fatalf("want the task from the last attempt, got %+v, %v", task, err)
	}
	var faults []string
	for _, r := range e.RequestsFor(emulator.ServiceAzureBatch) {
		faults = append(faults, r.Fault)
	}
	if got := strings.Join(faults, ","); got != "malformed:empty,malformed:empty," {
		t.Errorf("requests' faults: %q", got)
	}
}

func TestAddTaskMalformedAnswer(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	// The single add, before AddTask resolves TaskExists (adopt_test.go tests that).
	add := func(id string) error {
		return c.addTask(ctx, "job", azbatch.CreateTaskContent{ID: to.Ptr(id), CommandLine: to.Ptr("echo hi")})
	}

	// Answers that keep 201 Created carry nothing Add Task reads.
	for _, shape := range []emulator.MalformedShape{emulator.MalformedTruncated, emulator.MalformedWrongTypes, emulator.MalformedBroken} {
		e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: "POST", Malformed: true, MalformedShape: shape})
		if err := add("kept-" + string(shape)); err != nil {
			t.Errorf("%s: %v", shape, err)
		}
	}

	// A 200 in place of 201 says nothing of the add: it is repeated, and the repeat finds the
	// task (409 TaskExists, which AddTask resolves by comparing).
	for _, shape := range []emulator.MalformedShape{emulator.MalformedHTML, emulator.MalformedEmpty} {
		e.ResetRequests()
		e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: "POST", Malformed: true, MalformedShape: shape})
		id := "repeat-" + string(shape)
		if err := add(id); !HasCode(err, "TaskExists") {
			t.Errorf("%s: want the repeat's 409 TaskExists, got %v", shape, err)
		}
		if n := len(e.RequestsFor(emulator.ServiceAzureBatch)); n != 2 || !e.AzureBatch().TaskExists("job", id) {
			t.Errorf("%s: %d requests, task exists %v", shape, n, e.AzureBatch().TaskExists("job", id))
		}
	}

	// A 409 whose body does not decode may be TaskExists: it is repeated until the code reads.
	e.ResetRequests()
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: "POST", Malformed: true, MalformedShape: emulator.MalformedEmpty})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: "POST", Malformed: true, MalformedShape: emulator.MalformedWrongTypes})
	if err := add("garbled-conflict"); !HasCode(err, "TaskExists") {
		t.Errorf("want the readable 409 TaskExists, got %v", err)
	}
	var answers []string
	for _, r := range e.RequestsFor(emulator.ServiceAzureBatch) {
		answers = append(answers, fmt.Sprint(r.Status, r.Fault))
	}
	if got := strings.Join(answers, ","); got != "200malformed:empty,409malformed:wrong-types,409" {
		t.Errorf("answers %s, want an empty 200, a garbled 409 and a readable one", got)
	}

	// When every attempt is answered so, the error says the task may exist.
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: "POST", Malformed: true, MalformedShape: emulator.MalformedHTML, Times: fastRetry.MaxAttempts})
	err := add("never-clear")
	if !IsMalformed(err) || !strings.Contains(err.Error(), "Azure Batch add task job/never-clear: malformed answer (HTTP 200)") ||
		!strings.Contains(err.Error(), "the task may or may not have been added") {
		t.Fatalf("got %v", err)
	}
	if !e.AzureBatch().TaskExists("job", "never-clear") {
		t.Error("the emulator did the work")
	}
	if err := add("never-clear"); !HasCode(err, "TaskExists") {
		t.Errorf("after the fault: %v", err)
	}
}

func TestCheckTask(t *testing.T) {
	for name, tc := range map[string]struct {
		task azbatch.Task
		want string
	}{
		"complete":      {azbatch.Task{ID: to.Ptr("T1"), State: to.Ptr(azbatch.TaskStateRunning)}, ""},
		"no id":         {azbatch.Task{State: to.Ptr(azbatch.TaskStateRunning)}, "the answer has no task id"},
		"empty id":      {azbatch.Task{ID: to.Ptr(""), State: to.Ptr(azbatch.TaskStateRunning)}, "the answer has no task id"},
		"other task":    {azbatch.Task{ID: to.Ptr("t2"), State: to.Ptr(azbatch.TaskStateRunning)}, `the answer is for task "t2"`},
		"no state":      {azbatch.Task{ID: to.Ptr("t1")}, "the answer has no task state"},
		"unknown state": {azbatch.Task{ID: to.Ptr("t1"), State: to.Ptr(azbatch.TaskState("exploded"))}, `unknown task state "exploded"`},
	} {
		expectMalformed(t, name, checkTask(&tc.task, "t1"), tc.want)
	}
	unreadable := &Error{StatusCode: http.StatusConflict, Unreadable: true, RequestID: "r1"}
	if got := unreadable.Error(); got != "Azure Batch returned HTTP 409 with a malformed answer: the error body does not decode, so the service's error code is unknown (request-id r1)" {
		t.Errorf("Error() = %q", got)
	}
	m := &MalformedError{Operation: "get task", Target: "j/t", StatusCode: http.StatusOK, Detail: "the answer has no task id"}
	if got := m.Error(); got != "Azure Batch get task j/t: malformed answer (HTTP 200): the answer has no task id" {
		t.Errorf("Error() = %q", got)
	}
}
