package emulator

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"
)

// sdkSharedKey signs azbatch requests with the test signer.
type sdkSharedKey struct{}

func (sdkSharedKey) Do(req *policy.Request) (*http.Response, error) {
	signAzure(req.Raw(), testAccount, testKey)
	return req.Next()
}

// The official SDK (as the provider uses it: nil token credential plus a
// Shared Key per-retry policy) works against the emulator: create, get,
// list with paging, collection add, replace with If-Match, terminate, delete.
func TestAzbatchSDKInterop(t *testing.T) {
	h := start(t)
	opts := &azbatch.ClientOptions{}
	opts.Transport = h.client
	opts.PerRetryPolicies = []policy.Policy{sdkSharedKey{}}
	opts.Retry.MaxRetries = -1
	c, err := azbatch.NewClient(h.emu.AzureBatchURL(), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	_, err = c.CreateTask(ctx, "job-1", azbatch.CreateTaskContent{
		ID: to.Ptr("sdk-1"), CommandLine: to.Ptr("/bin/sh -c 'sleep 3; exit 0'"),
		Constraints: &azbatch.TaskConstraints{MaxWallClockTime: to.Ptr("PT24H")},
	}, nil)
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	got, err := c.GetTask(ctx, "job-1", "SDK-1", nil)
	if err != nil {
		t.Fatalf("GetTask: %v", err)
	}
	if *got.ID != "sdk-1" || *got.State != azbatch.TaskStateActive || *got.Constraints.MaxWallClockTime != "P1D" ||
		*got.Constraints.RetentionTime != "P7D" || got.ETag == nil || got.CreationTime == nil || *got.RequiredSlots != 1 {
		t.Fatalf("GetTask = %+v", got.Task)
	}

	res, err := c.CreateTaskCollection(ctx, "job-1", azbatch.TaskGroup{Value: []azbatch.CreateTaskContent{
		{ID: to.Ptr("sdk-2"), CommandLine: to.Ptr("echo")},
		{ID: to.Ptr("sdk-3"), CommandLine: to.Ptr("echo")},
		{ID: to.Ptr("sdk-1"), CommandLine: to.Ptr("echo")},
	}}, nil)
	if err != nil {
		t.Fatalf("CreateTaskCollection: %v", err)
	}
	statuses := []string{}
	for _, r := range res.Value {
		statuses = append(statuses, strings.ToLower(string(*r.Status)))
	}
	if strings.Join(statuses, ",") != "success,success,clienterror" || *res.Value[2].Error.Code != "TaskExists" {
		t.Fatalf("collection statuses %v", statuses)
	}

	pager := c.NewListTasksPager("job-1", &azbatch.ListTasksOptions{MaxResults: to.Ptr[int32](2)})
	var ids []string
	pages := 0
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("NextPage: %v", err)
		}
		pages++
		for _, tk := range page.Value {
			ids = append(ids, *tk.ID)
		}
	}
	if pages != 2 || strings.Join(ids, ",") != "sdk-1,sdk-2,sdk-3" {
		t.Fatalf("pages %d ids %v", pages, ids)
	}

	h.emu.Clock().Advance(2 * time.Second)
	got, _ = c.GetTask(ctx, "job-1", "sdk-1", nil)
	if *got.State != azbatch.TaskStateRunning || got.NodeInfo == nil || got.ExecutionInfo.StartTime == nil {
		t.Fatalf("running task = %+v", got.Task)
	}
	if _, err := c.ReplaceTask(ctx, "job-1", "sdk-1", azbatch.Task{Constraints: &azbatch.TaskConstraints{MaxTaskRetryCount: to.Ptr[int32](2)}},
		&azbatch.ReplaceTaskOptions{IfMatch: to.Ptr(azcore.ETag("0x1"))}); err == nil || !strings.Contains(err.Error(), "ConditionNotMet") {
		t.Fatalf("ReplaceTask with a stale ETag: %v", err)
	}
	if _, err := c.ReplaceTask(ctx, "job-1", "sdk-1", got.Task, &azbatch.ReplaceTaskOptions{IfMatch: got.ETag}); err != nil {
		t.Fatalf("ReplaceTask: %v", err)
	}
	if _, err := c.TerminateTask(ctx, "job-1", "sdk-1", nil); err != nil {
		t.Fatalf("TerminateTask: %v", err)
	}
	got, _ = c.GetTask(ctx, "job-1", "sdk-1", nil)
	if *got.State != azbatch.TaskStateCompleted || *got.ExecutionInfo.FailureInfo.Code != "TaskEnded" {
		t.Fatalf("terminated = %+v", got.ExecutionInfo)
	}
	for _, id := range []string{"sdk-1", "sdk-2", "sdk-3"} {
		if _, err := c.DeleteTask(ctx, "job-1", id, nil); err != nil {
			t.Fatalf("DeleteTask %s: %v", id, err)
		}
	}
	if _, err := c.GetTask(ctx, "job-1", "sdk-1", nil); err == nil || !strings.Contains(err.Error(), "TaskNotFound") {
		t.Fatalf("GetTask after delete: %v", err)
	}
	if n := h.emu.AzureBatch().TaskCount("job-1"); n != 0 {
		t.Fatalf("%d tasks left", n)
	}
}
