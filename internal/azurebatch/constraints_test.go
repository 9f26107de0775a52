package azurebatch

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emuazure "github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
)

// startFrozenEmulator is an emulator whose clock moves only when the test says so.
func startFrozenEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(emulator.Config{
		Clock:      emulator.NewFrozenClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)),
		AzureBatch: emuazure.Config{Account: testAccount, Key: testKey, Jobs: []emuazure.Job{{ID: "job"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// addAndRead adds a long task with a 90-minute wall clock limit and reads it back.
func addAndRead(t *testing.T, c *Client, id string) *Task {
	t.Helper()
	ctx := context.Background()
	mustAddTask(t, c, TaskSpec{ID: Ptr(id), CommandLine: Ptr("sleep 600"), Constraints: &TaskConstraints{MaxWallClockTime: Ptr("PT90M")}})
	task, err := c.GetTask(ctx, "job", id)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// The ETag moves when the task starts running: the update's 412 is followed by a read that
// finds the constraints as they were last seen (the service writes PT90M as PT1H30M, the same
// length), and the update is sent again with the new ETag.
func TestUpdateConstraintsRetriesWhenOnlyTheStateMoved(t *testing.T) {
	e := startFrozenEmulator(t)
	c := newEmulatorClient(t, e)
	task := addAndRead(t, c, "t1")
	if deref(task.State) != TaskStateActive || deref(task.Constraints.MaxWallClockTime) != "PT1H30M" {
		t.Fatalf("want an active task with PT1H30M, got %s %+v", deref(task.State), task.Constraints)
	}
	e.Clock().Advance(2 * emuazure.ActiveDelay)
	moved, _ := e.AzureBatch().Task("job", "t1")
	if moved.State != string(TaskStateRunning) || moved.ETag == string(deref(task.ETag)) {
		t.Fatalf("the clock should have started the task with a new ETag: %s %s", moved.State, moved.ETag)
	}
	e.ResetRequests()

	seen := TaskConstraints{MaxWallClockTime: Ptr("PT90M"), RetentionTime: task.Constraints.RetentionTime, MaxTaskRetryCount: task.Constraints.MaxTaskRetryCount}
	want := TaskConstraints{MaxWallClockTime: Ptr("PT2H"), RetentionTime: Ptr("P1D"), MaxTaskRetryCount: Ptr[int32](3)}
	if err := c.UpdateConstraints(context.Background(), "job", "t1", want, &seen, string(deref(task.ETag))); err != nil {
		t.Fatalf("want the update retried with the new ETag, got %v", err)
	}
	if got, want := answers(e), "PUT /jobs/job/tasks/t1 412, GET /jobs/job/tasks/t1 200, PUT /jobs/job/tasks/t1 200"; got != want {
		t.Fatalf("requests: %s\nwant:     %s", got, want)
	}
	reqs := e.RequestsFor(emulator.ServiceAzureBatch)
	if first, last := reqs[0].Header.Get("If-Match"), reqs[2].Header.Get("If-Match"); first != string(deref(task.ETag)) || last != moved.ETag {
		t.Errorf("If-Match: first %q (want %q), retry %q (want %q)", first, deref(task.ETag), last, moved.ETag)
	}
	got, _ := e.AzureBatch().Task("job", "t1")
	if c := got.Constraints; deref(c.MaxWallClockTime) != "PT2H" || deref(c.RetentionTime) != "P1D" || deref(c.MaxTaskRetryCount) != 3 {
		t.Errorf("constraints after the update: %+v", got.Constraints)
	}
}

// The answer of a conditional update is lost after the service applied it: the repeat meets
// the ETag the update itself moved (412), and the read finds the constraints already as
// wanted. That is success, not somebody else's change, and nothing is sent a third time.
func TestUpdateConstraintsAfterALostAnswerThatTookEffect(t *testing.T) {
	e := startFrozenEmulator(t)
	c := newEmulatorClient(t, e)
	task := addAndRead(t, c, "t1")
	e.ResetRequests()
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPut, PathRegexp: `^/jobs/job/tasks/t1$`, Lost: true, Times: 1})

	want := TaskConstraints{MaxWallClockTime: Ptr("PT2H"), RetentionTime: Ptr("P1D"), MaxTaskRetryCount: Ptr[int32](3)}
	if err := c.UpdateConstraints(context.Background(), "job", "t1", want, task.Constraints, string(deref(task.ETag))); err != nil {
		t.Fatalf("want the update done, got %T %v", err, err)
	}
	expectAnswers(t, e, "PUT /jobs/job/tasks/t1 0 lost, PUT /jobs/job/tasks/t1 412, GET /jobs/job/tasks/t1 200")
	got, _ := e.AzureBatch().Task("job", "t1")
	if c := got.Constraints; deref(c.MaxWallClockTime) != "PT2H" || deref(c.RetentionTime) != "P1D" || deref(c.MaxTaskRetryCount) != 3 {
		t.Errorf("constraints after the update: %+v", got.Constraints)
	}
}

// Somebody else changed the constraints since they were read: the 412 stands, as a
// *ConstraintsChangedError, and their constraints are kept.
func TestUpdateConstraintsRefusesWhenSomebodyElseChangedThem(t *testing.T) {
	e := startFrozenEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	task := addAndRead(t, c, "t1")
	theirs := TaskConstraints{MaxWallClockTime: Ptr("PT5H"), RetentionTime: Ptr("P2D"), MaxTaskRetryCount: Ptr[int32](1)}
	if err := c.UpdateConstraints(ctx, "job", "t1", theirs, nil, ""); err != nil {
		t.Fatal(err)
	}
	e.ResetRequests()

	want := TaskConstraints{MaxWallClockTime: Ptr("PT2H"), RetentionTime: Ptr("P1D"), MaxTaskRetryCount: Ptr[int32](3)}
	err := c.UpdateConstraints(ctx, "job", "t1", want, task.Constraints, string(deref(task.ETag)))
	var changed *ConstraintsChangedError
	if !errors.As(err, &changed) || !HasCode(err, "ConditionNotMet") {
		t.Fatalf("want a *ConstraintsChangedError wrapping 412 ConditionNotMet, got %T %v", err, err)
	}
	expectAnswers(t, e, "PUT /jobs/job/tasks/t1 412, GET /jobs/job/tasks/t1 200")
	got, _ := e.AzureBatch().Task("job", "t1")
	if deref(got.Constraints.MaxWallClockTime) != "PT5H" || deref(got.Constraints.MaxTaskRetryCount) != 1 {
		t.Errorf("their constraints were overwritten: %+v", got.Constraints)
	}
}

// An update without an ETag is sent as it is.
func TestUpdateConstraintsWithoutETagIsUnconditional(t *testing.T) {
	e := startFrozenEmulator(t)
	c := newEmulatorClient(t, e)
	addAndRead(t, c, "t1")
	e.ResetRequests()
	want := TaskConstraints{MaxWallClockTime: Ptr("PT2H"), RetentionTime: Ptr("P1D"), MaxTaskRetryCount: Ptr[int32](3)}
	if err := c.UpdateConstraints(context.Background(), "job", "t1", want, nil, ""); err != nil {
		t.Fatal(err)
	}
	reqs := e.RequestsFor(emulator.ServiceAzureBatch)
	if len(reqs) != 1 || reqs[0].Method != http.MethodPut || reqs[0].Header.Get("If-Match") != "" || reqs[0].Status != http.StatusOK {
		t.Fatalf("want one unconditional PUT, got %s", answers(e))
	}
}
