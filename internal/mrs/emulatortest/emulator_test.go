package emulatortest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emumrs "github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/mrs"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

const (
	project = "0123456789abcdef0123456789abcdef"
	ak      = "EMULATORTESTAK000001"
	sk      = "emulator-test-secret-key-0000000000000001"
	token   = "emulator-test-security-token"
	cluster = "cl-1"
)

var fastRetry = transport.RetryPolicy{MaxAttempts: 4, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}

// start runs an emulator of MRS with one cluster and a client of it, with a context that bounds
// the test.
func start(t *testing.T) (*emulator.Emulator, *mrs.Client, context.Context) {
	t.Helper()
	emu, err := emulator.Start(emulator.Config{
		Clock: emulator.NewClock(), // follows wall time (submit times near the client's clock), advanceable
		MRS: emumrs.Config{ProjectID: project, AccessKey: ak, SecretKey: sk, SecurityToken: token,
			Clusters: []string{cluster}, RunTime: 5 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	c, err := mrs.New(mrs.Config{Endpoint: emu.MRSURL(), ProjectID: project, AccessKey: ak, SecretKey: sk, SecurityToken: token,
		CACertificateFile: emu.CAFile(), UserAgent: "batchops-emulatortest", Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return emu, c, ctx
}

// mustSubmit submits spec to the cluster and returns the job's id, ending the test on an error.
func mustSubmit(ctx context.Context, t *testing.T, c *mrs.Client, spec mrs.JobSpec) string {
	t.Helper()
	id, err := c.Submit(ctx, cluster, spec)
	if err != nil {
		t.Fatalf("submit %s: %v", spec.Name, err)
	}
	return id
}

func countPosts(emu *emulator.Emulator, suffix string) int {
	n := 0
	for _, r := range emu.RequestsFor(emulator.ServiceMRS) {
		if r.Method == "POST" && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// TestJobLifecycle submits, reads, lists, kills and deletes jobs.
func TestJobLifecycle(t *testing.T) {
	emu, c, ctx := start(t)

	okID := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "wordcount", Type: "MapReduce",
		Arguments: []string{"obs://b/wc.jar", "in", "out"}, Properties: map[string]string{"fs.obs.endpoint": "obs", "k": "v"}})
	failID := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "will_fail", Type: "SparkSubmit", Arguments: []string{"--class", "x", "app.jar", "fail"}})
	longID := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "long", Type: "SparkPython", Arguments: []string{"x.py", "sleep=1h"}})

	j, err := c.GetJob(ctx, cluster, okID)
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != okID || j.Name != "wordcount" || mrs.IsTerminal(j.State) || j.SubmittedTime.IsZero() ||
		!slices.Equal(j.Arguments, []string{"obs://b/wc.jar", "in", "out"}) || j.Properties["k"] != "v" || j.Properties["fs.obs.endpoint"] != "obs" {
		t.Fatalf("job %+v", j)
	}

	emu.Clock().Advance(10 * time.Second)
	j, err = c.GetJob(ctx, cluster, okID)
	if err != nil || j.State != "FINISHED" || !j.Succeeded() || j.Progress != 100 || j.FinishedTime.IsZero() || j.StartedTime.IsZero() {
		t.Fatalf("finished job %+v %v", j, err)
	}
	j, err = c.GetJob(ctx, cluster, failID)
	if err != nil || j.State != "FINISHED" || j.Succeeded() || j.Result != "FAILED" {
		t.Fatalf("failed job %+v %v", j, err)
	}
	j, err = c.GetJob(ctx, cluster, longID)
	if err != nil || j.State != "RUNNING" || j.Type != "SparkSubmit" {
		t.Fatalf("long job %+v %v", j, err)
	}

	// Listing with filters (the emulator's job_name filter is a substring match).
	var names []string
	if err := c.ListJobs(ctx, cluster, mrs.ListFilter{JobState: "FINISHED", SortBy: "asc"}, func(j mrs.Job) error {
		names = append(names, j.Name)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"wordcount", "will_fail"}) {
		t.Errorf("finished jobs %v", names)
	}
	var running []string
	if err := c.ListJobs(ctx, cluster, mrs.ListFilter{JobType: "SparkPython", JobResult: "UNDEFINED"}, func(j mrs.Job) error {
		running = append(running, j.ID)
		return nil
	}); err != nil || !slices.Equal(running, []string{longID}) {
		t.Errorf("running SparkSubmit jobs %v %v", running, err)
	}

	// A running job is refused by batch delete; kill it first.
	if err := c.BatchDelete(ctx, cluster, []string{okID, longID}); !mrs.IsJobRunning(err) {
		t.Fatalf("delete of a running job: %v", err)
	}
	if err := c.Kill(ctx, cluster, longID); err != nil {
		t.Fatal(err)
	}
	emu.Clock().Advance(2 * time.Second)
	j, err = c.GetJob(ctx, cluster, longID)
	if err != nil || j.State != "KILLED" || j.Result != "KILLED" {
		t.Fatalf("killed job %+v %v", j, err)
	}

	if err := c.BatchDelete(ctx, cluster, []string{okID, failID, longID, "00000000-0000-4000-8000-000000000000"}); err != nil {
		t.Fatal(err)
	}
	if n := emu.MRS().JobCount(cluster); n != 0 {
		t.Errorf("%d jobs left", n)
	}
	if _, err := c.GetJob(ctx, cluster, okID); !mrs.IsJobGone(err) {
		t.Errorf("deleted job: %v", err)
	}
	// Deleting again: already gone counts as deleted.
	if err := c.BatchDelete(ctx, cluster, []string{okID}); err != nil {
		t.Errorf("second delete: %v", err)
	}
	// An unknown cluster is gone too (camelCase 12000003).
	if _, err := c.GetJob(ctx, "no-such-cluster", okID); !mrs.IsJobGone(err) || !mrs.HasCode(err, "12000003") {
		t.Errorf("unknown cluster: %v", err)
	}
}

// TestSubmitNeverDuplicates: a lost response, an injected 500 and 503s each end with exactly
// one job per name.
func TestSubmitNeverDuplicates(t *testing.T) {
	emu, c, ctx := start(t)
	submitPath := `/job-executions$`

	emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "POST", PathRegexp: submitPath, Lost: true, Times: 1})
	lostID := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "lost", Type: "HiveSql", Arguments: []string{"select 1"}})
	emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "POST", PathRegexp: submitPath, Status: 500, Times: 1})
	failedID := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "fivehundred", Type: "DistCp", Arguments: []string{"obs://a", "obs://b"}})
	emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "POST", PathRegexp: submitPath, Status: 503, Times: 2})
	busyID := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "busy", Type: "Flink", Arguments: []string{"run", "-d", "app.jar"}})

	byName := map[string][]string{}
	for _, j := range emu.MRS().Jobs(cluster) {
		byName[j.Name] = append(byName[j.Name], j.JobID)
	}
	for name, id := range map[string]string{"lost": lostID, "fivehundred": failedID, "busy": busyID} {
		if ids := byName[name]; len(ids) != 1 || ids[0] != id {
			t.Errorf("%s: jobs %v, client returned %s", name, ids, id)
		}
	}
	// lost: 1 submission (found by the look-up); 500: 2 (nothing found, submitted again);
	// 503 twice: 3 (transport retries).
	if n := countPosts(emu, "/job-executions"); n != 1+2+3 {
		t.Errorf("%d submissions, want 6", n)
	}
}

// TestListingPagesAndChunkedDelete uses 250 jobs: 3 list pages, 3 delete calls.
func TestListingPagesAndChunkedDelete(t *testing.T) {
	emu, c, ctx := start(t)
	for i := range 250 {
		if _, err := emu.MRS().SubmitJob(cluster, emumrs.JobSubmission{JobType: "MapReduce", JobName: fmt.Sprintf("bulk-%03d", i), Arguments: []string{"a.jar"}}); err != nil {
			t.Fatal(err)
		}
	}
	emu.Clock().Advance(time.Minute)
	emu.ResetRequests()
	var ids []string
	if err := c.ListJobs(ctx, cluster, mrs.ListFilter{JobName: "bulk-"}, func(j mrs.Job) error {
		if !j.Succeeded() {
			return fmt.Errorf("job %s not succeeded: %+v", j.ID, j)
		}
		ids = append(ids, j.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 250 {
		t.Fatalf("%d jobs listed", len(ids))
	}
	if n := len(emu.RequestsFor(emulator.ServiceMRS)); n != 3 {
		t.Errorf("%d list requests, want 3", n)
	}
	emu.ResetRequests()
	if err := c.BatchDelete(ctx, cluster, ids); err != nil {
		t.Fatal(err)
	}
	if n := countPosts(emu, "/batch-delete"); n != 3 {
		t.Errorf("%d delete calls, want 3", n)
	}
	if n := emu.MRS().JobCount(cluster); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}

func TestWrongSecretIsAnAuthFailure(t *testing.T) {
	emu, _, ctx := start(t)
	c, err := mrs.New(mrs.Config{Endpoint: emu.MRSURL(), ProjectID: project, AccessKey: ak, SecretKey: "wrong-secret-key-value", SecurityToken: token,
		CACertificateFile: emu.CAFile(), Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetJob(ctx, cluster, "00000000-0000-4000-8000-000000000000")
	if !mrs.IsAuthFailure(err) || strings.Contains(err.Error(), "wrong-secret-key-value") || !strings.Contains(err.Error(), "mrs.secret_key") {
		t.Fatalf("got %v", err)
	}
}
