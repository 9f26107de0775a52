package emulatortest

import (
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// DeleteJobs kills the jobs that still run, waits until they have stopped, then deletes every
// job with one batch-delete; without kill, a running job makes the delete fail.
func TestDeleteJobsKillsWaitsAndDeletes(t *testing.T) {
	emu, c, ctx := start(t)
	var refs []mrs.JobRef
	for _, name := range []string{"long-a", "long-b", "quick"} {
		args := []string{"SELECT 1", "sleep=1h"}
		if name == "quick" {
			args = []string{"SELECT 2", "sleep=0"}
		}
		id := mustSubmit(ctx, t, c, mrs.JobSpec{Name: name, Type: "HiveSql", Arguments: args})
		refs = append(refs, mrs.JobRef{Name: name, ID: id, State: "NEW"})
	}
	emu.Clock().Advance(10 * time.Second) // quick has finished; the others run
	refs[2].State = mrs.StateFinished

	if err := c.DeleteJobs(ctx, cluster, refs, false, wait.PollOptions{}); !mrs.IsJobRunning(err) {
		t.Fatalf("without kill, running jobs must stop the delete: %v", err)
	}
	if n := countPosts(emu, "/kill"); n != 0 {
		t.Fatalf("%d kills without kill", n)
	}

	var statuses []string
	poll := wait.PollOptions{Initial: 10 * time.Millisecond, Max: 10 * time.Millisecond, Factor: 1,
		OnStatus: func(s string) {
			statuses = append(statuses, s)
			emu.Clock().Advance(2 * time.Second) // the kills take effect a second later
		}}
	if err := c.DeleteJobs(ctx, cluster, refs, true, poll); err != nil {
		t.Fatal(err)
	}
	if n := countPosts(emu, "/kill"); n != 2 {
		t.Errorf("want the 2 running jobs killed, got %d kills", n)
	}
	if n := countPosts(emu, "/batch-delete"); n != 2 {
		t.Errorf("want the refused batch-delete and one that deleted all, got %d", n)
	}
	if n := emu.MRS().JobCount(cluster); n != 0 {
		t.Errorf("%d jobs left", n)
	}
	if len(statuses) == 0 || statuses[len(statuses)-1] != "2/2 killed jobs stopped" {
		t.Errorf("the wait's statuses %v should end with every killed job stopped", statuses)
	}
}
