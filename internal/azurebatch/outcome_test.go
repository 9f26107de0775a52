package azurebatch

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
)

// An Add Task whose request went out without a definite answer may have added the task; a
// refusal or a request that never left added nothing.
func TestAddTaskOutcomeUnknownOnlyWhenTheRequestWentOut(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	task := func(id string) azbatch.CreateTaskContent {
		return azbatch.CreateTaskContent{ID: to.Ptr(id), CommandLine: to.Ptr("echo hi")}
	}
	var unknown *OutcomeUnknownError

	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs/job/tasks$`, Lost: true, Times: -1})
	_, err := c.AddTask(ctx, "job", task("lost"))
	if !errors.As(err, &unknown) {
		t.Fatalf("answers lost until the retries ran out: want *OutcomeUnknownError, got %T %v", err, err)
	}
	if _, ok := e.AzureBatch().Task("job", "lost"); !ok {
		t.Fatal("the emulator should hold the task whose answers were lost")
	}
	e.ClearFaultRules(emulator.ServiceAzureBatch)

	if _, err := c.AddTask(ctx, "no-such-job", task("t")); err == nil || errors.As(err, &unknown) || !HasCode(err, "JobNotFound") {
		t.Errorf("a refusal is definite: got %T %v", err, err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.AddTask(cancelled, "job", task("never")); err == nil || errors.As(err, &unknown) {
		t.Errorf("a request cancelled before it left is definite: got %T %v", err, err)
	}
}
