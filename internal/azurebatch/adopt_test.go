package azurebatch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
)

// answers lists the method, path and status (or fault) of every request the emulator got.
func answers(e *emulator.Emulator) string {
	var out []string
	for _, r := range e.RequestsFor(emulator.ServiceAzureBatch) {
		a := fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status)
		if r.Fault != "" {
			a += " " + r.Fault
		}
		out = append(out, a)
	}
	return strings.Join(out, ", ")
}

// expectAnswers checks the requests the emulator answered, in answers' form.
func expectAnswers(t *testing.T, e *emulator.Emulator, want string) {
	t.Helper()
	if got := answers(e); got != want {
		t.Errorf("requests: %s\nwant:     %s", got, want)
	}
}

// expectMalformed checks what a check of an answer (checkTask, checkJob) said: nothing when
// want is empty, else a *MalformedError whose text holds want.
func expectMalformed(t *testing.T, name string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v", name, err)
	case want != "" && (!IsMalformed(err) || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: got %v, want %q", name, err, want)
	}
}

// An Add Task whose answer was lost is repeated; the repeat is answered 409 TaskExists, and
// the task found is the one asked for (the service filled in constraints and the user
// identity, and never returns the registry password): it is adopted, and there is one task.
func TestAddTaskAdoptsItsOwnTaskAfterALostAnswer(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job/tasks$`, Lost: true, Times: 1})
	spec := TaskSpec{
		ID: Ptr("lost"), CommandLine: Ptr("echo hi"),
		EnvironmentSettings: []EnvironmentSetting{{Name: Ptr("A"), Value: Ptr("1")}},
		ContainerSettings: &TaskContainerSettings{ImageName: Ptr("busybox"), Registry: &ContainerRegistryReference{
			RegistryServer: Ptr("registry.example.com"), Username: Ptr("me"), Password: Ptr("s3cret"),
		}},
	}
	adopted, err := c.AddTask(context.Background(), "job", spec)
	if err != nil || !adopted {
		t.Fatalf("want the task adopted, got adopted=%v, %v", adopted, err)
	}
	expectAnswers(t, e, "POST /jobs/job/tasks 0 lost, POST /jobs/job/tasks 409, GET /jobs/job/tasks/lost 200")
	if n := e.AzureBatch().TaskCount("job"); n != 1 {
		t.Errorf("want exactly one task, the job has %d", n)
	}
}

// A different task with the id is never overwritten: the error says so, with the existing
// task's id as the service spells it, and still carries the 409 TaskExists.
func TestAddTaskRefusesToAdoptADifferentTask(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	mustAddTask(t, c, TaskSpec{ID: Ptr("Taken"), CommandLine: Ptr("echo other")})
	e.ResetRequests()

	adopted, err := c.AddTask(ctx, "job", TaskSpec{ID: Ptr("taken"), CommandLine: Ptr("echo mine")})
	var conflict *TaskConflictError
	if adopted || !errors.As(err, &conflict) || !HasCode(err, "TaskExists") {
		t.Fatalf("want a *TaskConflictError wrapping 409 TaskExists, got adopted=%v, %T %v", adopted, err, err)
	}
	if conflict.JobID != "job" || conflict.TaskID != "taken" || conflict.ExistingID != "Taken" {
		t.Errorf("conflict %+v", conflict)
	}
	if got, want := err.Error(), `a different task with ID "taken" already exists in job "job"`; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	expectAnswers(t, e, "POST /jobs/job/tasks 409, GET /jobs/job/tasks/taken 200")
	if task, _ := e.AzureBatch().Task("job", "taken"); task.CommandLine != "echo other" {
		t.Errorf("the existing task changed: %q", task.CommandLine)
	}
}

// When the existing task cannot be read, whether it is ours is unknown: the read's error is
// returned, neither an adoption nor a conflict nor an unknown outcome of the add.
func TestAddTaskReportsAnUnreadableExistingTask(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	mustAddTask(t, c, TaskSpec{ID: Ptr("t1"), CommandLine: Ptr("echo hi")})
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `/tasks/t1$`, Status: http.StatusForbidden})
	adopted, err := c.AddTask(ctx, "job", TaskSpec{ID: Ptr("t1"), CommandLine: Ptr("echo hi")})
	var conflict *TaskConflictError
	var unknown *OutcomeUnknownError
	if adopted || !IsAuthFailure(err) || errors.As(err, &conflict) || errors.As(err, &unknown) {
		t.Fatalf("want the Get Task error alone, got adopted=%v, %T %v", adopted, err, err)
	}
}
