package azurebatch

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	emuazure "github.com/batchops/terraform-provider-batchops/internal/emulator/azurebatch"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// testCtx bounds a test that waits on goroutines, so that a bug hangs no longer than this; no
// assertion depends on it.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// fullJob sets most of what the provider sends, in forms the service writes back otherwise
// (PT90M is read back as PT1H30M).
func fullJob(id string) JobSpec {
	return JobSpec{
		ID: Ptr(id), PoolInfo: &PoolInfo{PoolID: Ptr("pool-1")}, DisplayName: Ptr("nightly"),
		Priority: Ptr[int32](100), MaxParallelTasks: Ptr[int32](4),
		Constraints:               &JobConstraints{MaxWallClockTime: Ptr("PT90M"), MaxTaskRetryCount: Ptr[int32](2)},
		OnAllTasksComplete:        Ptr(OnAllTasksCompleteNoAction),
		UsesTaskDependencies:      Ptr(true),
		Metadata:                  []MetadataItem{{Name: Ptr("owner"), Value: Ptr("ops")}},
		CommonEnvironmentSettings: []EnvironmentSetting{{Name: Ptr("STAGE"), Value: Ptr("prod")}},
	}
}

func mustAddJob(t *testing.T, c *Client, spec JobSpec) {
	t.Helper()
	if adopted, err := c.AddJob(context.Background(), spec); err != nil || adopted {
		t.Fatalf("add job: adopted=%v, %v", adopted, err)
	}
}

// startWithJob starts the emulator and a client of it, adds job j1 on pool-1 and reads it
// back (GetJobAfterAdd).
func startWithJob(t *testing.T) (*emulator.Emulator, *Client, *Job) {
	t.Helper()
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	mustAddJob(t, c, JobSpec{ID: Ptr("j1"), PoolInfo: &PoolInfo{PoolID: Ptr("pool-1")}})
	job, err := c.GetJobAfterAdd(context.Background(), "j1")
	if err != nil {
		t.Fatal(err)
	}
	return e, c, job
}

func TestJobAddReadUpdate(t *testing.T) {
	e, c, job := startWithJob(t)
	ctx := context.Background()
	if deref(job.State) != JobStateActive || deref(job.PoolInfo.PoolID) != "pool-1" || deref(job.Priority) != 0 ||
		deref(job.Constraints.MaxWallClockTime) != UnlimitedDuration || deref(job.OnAllTasksComplete) != OnAllTasksCompleteNoAction {
		t.Errorf("job as read: state %s, pool %s, priority %d, constraints %+v, onAllTasksComplete %s", deref(job.State),
			deref(job.PoolInfo.PoolID), deref(job.Priority), job.Constraints, deref(job.OnAllTasksComplete))
	}
	expectAnswers(t, e, "POST /jobs 201, GET /jobs/j1 200")

	e.ResetRequests()
	update := JobUpdate{Priority: Ptr[int32](500), Constraints: &JobConstraints{MaxWallClockTime: Ptr("PT2H"), MaxTaskRetryCount: Ptr[int32](3)},
		Metadata: []MetadataItem{{Name: Ptr("k"), Value: Ptr("v")}}}
	if err := c.UpdateJob(ctx, "j1", update, string(deref(job.ETag))); err != nil {
		t.Fatal(err)
	}
	reqs := e.RequestsFor(emulator.ServiceAzureBatch)
	if len(reqs) != 1 || reqs[0].Method != http.MethodPatch || reqs[0].Header.Get("If-Match") != string(deref(job.ETag)) {
		t.Fatalf("want one PATCH with If-Match %s, got %s", deref(job.ETag), answers(e))
	}
	got, _ := e.AzureBatch().Job("j1")
	if got.Priority != 500 || deref(got.Constraints.MaxWallClockTime) != "PT2H" || deref(got.Constraints.MaxTaskRetryCount) != 3 ||
		len(got.Metadata) != 1 || got.PoolInfo.PoolID == nil || *got.PoolInfo.PoolID != "pool-1" {
		t.Errorf("job after the update: %+v", got)
	}

	// Unconditional: no If-Match.
	e.ResetRequests()
	if err := c.UpdateJob(ctx, "j1", JobUpdate{Priority: Ptr[int32](1)}, ""); err != nil {
		t.Fatal(err)
	}
	if reqs := e.RequestsFor(emulator.ServiceAzureBatch); len(reqs) != 1 || reqs[0].Header.Get("If-Match") != "" {
		t.Errorf("want one unconditional PATCH, got %s", answers(e))
	}
}

// The ETag read before somebody else's update no longer matches: the 412 is returned as a
// *JobChangedError, the update is not sent again, and their change stands.
func TestUpdateJobWithAStaleETag(t *testing.T) {
	e, c, job := startWithJob(t)
	ctx := context.Background()
	if err := c.UpdateJob(ctx, "j1", JobUpdate{Priority: Ptr[int32](7)}, ""); err != nil {
		t.Fatal(err)
	}
	e.ResetRequests()

	err := c.UpdateJob(ctx, "j1", JobUpdate{Priority: Ptr[int32](500)}, string(deref(job.ETag)))
	var changed *JobChangedError
	var unknown *OutcomeUnknownError
	if !errors.As(err, &changed) || !HasCode(err, "ConditionNotMet") || errors.As(err, &unknown) || changed.JobID != "j1" {
		t.Fatalf("want a *JobChangedError wrapping 412 ConditionNotMet, got %T %v", err, err)
	}
	if want := `job "j1" was changed (by somebody else, or by a change of its state) since it was last read, so the update was not applied: Azure Batch returned HTTP 412 ConditionNotMet`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q\ndoes not start with %q", err, want)
	}
	expectAnswers(t, e, "PATCH /jobs/j1 412")
	if got, _ := e.AzureBatch().Job("j1"); got.Priority != 7 {
		t.Errorf("their priority was overwritten: %d", got.Priority)
	}

	// Only the condition answers 412: a body that does not decode changes nothing.
	e.ResetRequests()
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPatch, Malformed: true, MalformedShape: emulator.MalformedWrongTypes})
	err = c.UpdateJob(ctx, "j1", JobUpdate{Priority: Ptr[int32](500)}, string(deref(job.ETag)))
	if !errors.As(err, &changed) || errors.As(err, &unknown) {
		t.Fatalf("want a *JobChangedError, got %T %v", err, err)
	}
	expectAnswers(t, e, "PATCH /jobs/j1 412 malformed:wrong-types")
}

// A conditional update whose answer was lost is not repeated (the repeat would meet the ETag
// the first attempt moved): its outcome is unknown. An unconditional one is repeated.
func TestUpdateJobLostAnswer(t *testing.T) {
	e, c, job := startWithJob(t)
	ctx := context.Background()
	e.ResetRequests()

	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPatch, Lost: true})
	err := c.UpdateJob(ctx, "j1", JobUpdate{Priority: Ptr[int32](5)}, string(deref(job.ETag)))
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("want *OutcomeUnknownError, got %T %v", err, err)
	}
	expectAnswers(t, e, "PATCH /jobs/j1 0 lost")
	if got, _ := e.AzureBatch().Job("j1"); got.Priority != 5 {
		t.Errorf("the emulator did the work: priority %d", got.Priority)
	}

	e.ResetRequests()
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPatch, Lost: true})
	if err := c.UpdateJob(ctx, "j1", JobUpdate{Priority: Ptr[int32](6)}, ""); err != nil {
		t.Fatal(err)
	}
	expectAnswers(t, e, "PATCH /jobs/j1 0 lost, PATCH /jobs/j1 200")

	// A refusal is definite.
	if err := c.UpdateJob(ctx, "j1", JobUpdate{Priority: Ptr[int32](5000)}, ""); errors.As(err, &unknown) || !HasCode(err, "OutOfRangePriority") {
		t.Errorf("want the 400 alone, got %T %v", err, err)
	}
}

// An Add Job whose answer was lost is repeated; the repeat is answered 409 JobExists and the
// job found is the one asked for (in the service's own forms, with its defaults): it is
// adopted.
func TestAddJobAdoptsItsOwnJobAfterALostAnswer(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs$`, Lost: true})
	adopted, err := c.AddJob(context.Background(), fullJob("lost"))
	if err != nil || !adopted {
		t.Fatalf("want the job adopted, got adopted=%v, %v", adopted, err)
	}
	expectAnswers(t, e, "POST /jobs 0 lost, POST /jobs 409, GET /jobs/lost 200")
	if job, _ := e.AzureBatch().Job("lost"); deref(job.Constraints.MaxWallClockTime) != "PT1H30M" {
		t.Errorf("the service should have written the duration its own way: %+v", job.Constraints)
	}
}

// Any other job with the id is never adopted nor changed; nor is a job being deleted, even
// one like the job asked for.
func TestAddJobRefusesToAdoptADifferentJob(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	mustAddJob(t, c, fullJob("Taken"))

	for name, edit := range map[string]func(*JobSpec){
		"another pool":          func(s *JobSpec) { s.PoolInfo = &PoolInfo{PoolID: Ptr("pool-2")} },
		"another priority":      func(s *JobSpec) { s.Priority = Ptr[int32](0) },
		"no display name":       func(s *JobSpec) { s.DisplayName = nil },
		"more metadata":         func(s *JobSpec) { s.Metadata = append(s.Metadata, MetadataItem{Name: Ptr("x"), Value: Ptr("y")}) },
		"no environment":        func(s *JobSpec) { s.CommonEnvironmentSettings = nil },
		"another time limit":    func(s *JobSpec) { s.Constraints.MaxWallClockTime = Ptr("PT91M") },
		"no task dependencies":  func(s *JobSpec) { s.UsesTaskDependencies = Ptr(false) },
		"terminate on complete": func(s *JobSpec) { s.OnAllTasksComplete = Ptr(OnAllTasksCompleteTerminateJob) },
	} {
		spec := fullJob("taken")
		edit(&spec)
		e.ResetRequests()
		adopted, err := c.AddJob(ctx, spec)
		var conflict *JobConflictError
		if adopted || !errors.As(err, &conflict) || !HasCode(err, "JobExists") {
			t.Fatalf("%s: want a *JobConflictError wrapping 409 JobExists, got adopted=%v, %T %v", name, adopted, err, err)
		}
		if conflict.JobID != "taken" || conflict.ExistingID != "Taken" || conflict.Deleting {
			t.Errorf("%s: conflict %+v", name, conflict)
		}
		if got, want := err.Error(), `a different job with ID "taken" already exists`; got != want {
			t.Errorf("%s: error %q, want %q", name, got, want)
		}
		if got, want := answers(e), "POST /jobs 409, GET /jobs/taken 200"; got != want {
			t.Errorf("%s: requests: %s\nwant:     %s", name, got, want)
		}
	}
	if job, _ := e.AzureBatch().Job("taken"); job.Priority != 100 || job.PoolInfo.PoolID == nil || *job.PoolInfo.PoolID != "pool-1" {
		t.Errorf("the existing job changed: %+v", job)
	}

	// The same job, being deleted: its id is not free yet.
	if _, err := c.sdk.DeleteJob(ctx, "Taken", nil); err != nil {
		t.Fatal(err)
	}
	adopted, err := c.AddJob(ctx, fullJob("Taken"))
	var conflict *JobConflictError
	if adopted || !errors.As(err, &conflict) || !conflict.Deleting {
		t.Fatalf("want a *JobConflictError for a deleting job, got adopted=%v, %T %v", adopted, err, err)
	}
	if got, want := err.Error(), `a job with ID "Taken" is still being deleted; the ID can be used again once it is gone`; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}

// An Add Job whose request went out without a definite answer may have added the job; a
// refusal or a request that never left added nothing. When the existing job cannot be read
// after JobExists, that error is returned.
func TestAddJobOutcome(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	spec := func(id string) JobSpec { return JobSpec{ID: Ptr(id), PoolInfo: &PoolInfo{PoolID: Ptr("p")}} }
	var unknown *OutcomeUnknownError

	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodPost, PathRegexp: `^/jobs$`, Lost: true, Times: -1})
	if _, err := c.AddJob(ctx, spec("lost")); !errors.As(err, &unknown) {
		t.Fatalf("answers lost until the retries ran out: want *OutcomeUnknownError, got %T %v", err, err)
	}
	if !e.AzureBatch().JobExists("lost") {
		t.Fatal("the emulator should hold the job whose answers were lost")
	}
	e.ClearFaultRules(emulator.ServiceAzureBatch)

	bad := spec("bad")
	bad.Priority = Ptr[int32](5000)
	if _, err := c.AddJob(ctx, bad); err == nil || errors.As(err, &unknown) || !HasCode(err, "OutOfRangePriority") {
		t.Errorf("a refusal is definite: got %T %v", err, err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.AddJob(cancelled, spec("never")); err == nil || errors.As(err, &unknown) {
		t.Errorf("a request cancelled before it left is definite: got %T %v", err, err)
	}

	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `^/jobs/lost$`, Status: http.StatusForbidden})
	adopted, err := c.AddJob(ctx, spec("lost"))
	var conflict *JobConflictError
	if adopted || !IsAuthFailure(err) || errors.As(err, &conflict) || errors.As(err, &unknown) {
		t.Fatalf("want the Get Job error alone, got adopted=%v, %T %v", adopted, err, err)
	}
}

// newRetryClient is an emulator client with the given retry policy.
func newRetryClient(t *testing.T, e *emulator.Emulator, retry transport.RetryPolicy) *Client {
	t.Helper()
	return mustNew(t, Config{Endpoint: e.AzureBatchURL(), AccountName: testAccount, AccountKey: testKey, CACertificateFile: e.CAFile(), Retry: retry})
}

// A read right after the add may find no job yet (spec §11.2): GetJobAfterAdd repeats the
// 404 with the policy's backoff, on its clock; GetJob does not.
func TestGetJobAfterAddRepeatsNotFound(t *testing.T) {
	e := startEmulator(t)
	clock := wait.NewFake(time.Now())
	c := newRetryClient(t, e, transport.RetryPolicy{MaxAttempts: 4, MinBackoff: time.Second, MaxBackoff: 10 * time.Second, Clock: clock})
	ctx := testCtx(t)
	mustAddJob(t, c, JobSpec{ID: Ptr("j1"), PoolInfo: &PoolInfo{PoolID: Ptr("p")}})

	e.ResetRequests()
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `^/jobs/j1$`, Status: http.StatusNotFound})
	if _, err := c.GetJob(ctx, "j1"); !IsNotFound(err) {
		t.Fatalf("GetJob returns the 404: got %v", err)
	}
	expectAnswers(t, e, "GET /jobs/j1 404 404")

	e.ResetRequests()
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `^/jobs/j1$`, Status: http.StatusNotFound, Times: 2})
	var job *Job
	var err error
	waited := clock.Drive(func() { job, err = c.GetJobAfterAdd(ctx, "j1") })
	if err != nil || deref(job.ID) != "j1" {
		t.Fatalf("want the job from the third read, got %+v, %v", job, err)
	}
	expectAnswers(t, e, "GET /jobs/j1 404 404, GET /jobs/j1 404 404, GET /jobs/j1 200")
	if len(waited) != 2 || waited[0] < time.Second/2 || waited[1] < time.Second {
		t.Errorf("waits %v, want two backoffs on the policy's clock", waited)
	}

	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, PathRegexp: `^/jobs/j1$`, Status: http.StatusNotFound, Times: -1})
	clock.Drive(func() { job, err = c.GetJobAfterAdd(ctx, "j1") })
	if job != nil || !IsNotFound(err) || !strings.HasPrefix(err.Error(), `job "j1" was added, but reading it back still finds no job: Azure Batch returned HTTP 404`) {
		t.Fatalf("want the 404 after the last attempt, got %+v, %v", job, err)
	}
}

func TestGetJobMalformedAnswerIsAnErrorNeverAJob(t *testing.T) {
	e := startEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := context.Background()
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, Malformed: true, MalformedShape: emulator.MalformedEmpty, Times: fastRetry.MaxAttempts})
	job, err := c.GetJob(ctx, "job")
	if job != nil || !IsMalformed(err) || err.Error() != "Azure Batch get job job: malformed answer (HTTP 200): the answer has no job id" {
		t.Fatalf("want a malformed-answer error and no job, got %+v, %v", job, err)
	}
	e.ResetRequests()
	e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodGet, Malformed: true, MalformedShape: emulator.MalformedHTML, Times: fastRetry.MaxAttempts - 1})
	if job, err := c.GetJob(ctx, "job"); err != nil || deref(job.State) != JobStateActive {
		t.Fatalf("want the job from the last attempt, got %+v, %v", job, err)
	}
	if n := len(e.RequestsFor(emulator.ServiceAzureBatch)); n != fastRetry.MaxAttempts {
		t.Errorf("%d reads, want %d", n, fastRetry.MaxAttempts)
	}
}

func TestCheckJob(t *testing.T) {
	for name, tc := range map[string]struct {
		job  Job
		want string
	}{
		"complete":      {Job{ID: Ptr("J1"), State: Ptr(JobStateDeleting)}, ""},
		"no id":         {Job{State: Ptr(JobStateActive)}, "the answer has no job id"},
		"other job":     {Job{ID: Ptr("j2"), State: Ptr(JobStateActive)}, `the answer is for job "j2"`},
		"no state":      {Job{ID: Ptr("j1")}, "the answer has no job state"},
		"unknown state": {Job{ID: Ptr("j1"), State: Ptr(JobState("exploded"))}, `the answer has an unknown job state "exploded"`},
	} {
		expectMalformed(t, name, checkJob(&tc.job, "j1"), tc.want)
	}
}

// What the service fills in where nothing was sent is not a difference; what was sent must
// be there as sent, compared as the service writes it.
func TestSameJob(t *testing.T) {
	existing := Job{
		ID: Ptr("J1"), PoolInfo: &PoolInfo{PoolID: Ptr("p")}, Priority: Ptr[int32](0), MaxParallelTasks: Ptr[int32](-1),
		AllowTaskPreemption: Ptr(false), UsesTaskDependencies: Ptr(false),
		Constraints:        &JobConstraints{MaxWallClockTime: Ptr("PT1H30M"), MaxTaskRetryCount: Ptr[int32](0)},
		OnAllTasksComplete: Ptr(OnAllTasksCompleteNoAction), OnTaskFailure: Ptr(OnTaskFailureNoAction),
		State: Ptr(JobStateActive), ETag: nil, URL: Ptr("https://x/jobs/J1"),
	}
	base := func() JobSpec { return JobSpec{ID: Ptr("j1"), PoolInfo: &PoolInfo{PoolID: Ptr("p")}} }
	for name, tc := range map[string]struct {
		edit func(*JobSpec)
		same bool
	}{
		"defaults left out":       {func(*JobSpec) {}, true},
		"defaults sent":           {func(s *JobSpec) { s.Priority, s.OnTaskFailure = Ptr[int32](0), Ptr(OnTaskFailureNoAction) }, true},
		"duration in another way": {func(s *JobSpec) { s.Constraints = &JobConstraints{MaxWallClockTime: Ptr("PT90M")} }, true},
		"enumeration in capitals": {func(s *JobSpec) { s.OnAllTasksComplete = Ptr(OnAllTasksComplete("NoAction")) }, true},
		"empty metadata":          {func(s *JobSpec) { s.Metadata = []MetadataItem{} }, true},
		"another duration":        {func(s *JobSpec) { s.Constraints = &JobConstraints{MaxWallClockTime: Ptr("PT2H")} }, false},
		"another retry count":     {func(s *JobSpec) { s.Constraints = &JobConstraints{MaxTaskRetryCount: Ptr[int32](1)} }, false},
		"another pool":            {func(s *JobSpec) { s.PoolInfo.PoolID = Ptr("q") }, false},
		"another id":              {func(s *JobSpec) { s.ID = Ptr("j2") }, false},
		"a display name":          {func(s *JobSpec) { s.DisplayName = Ptr("n") }, false},
		"metadata":                {func(s *JobSpec) { s.Metadata = []MetadataItem{{Name: Ptr("a"), Value: Ptr("b")}} }, false},
	} {
		want := base()
		tc.edit(&want)
		if got := sameJob(&existing, want); got != tc.same {
			t.Errorf("%s: sameJob = %v, want %v", name, got, tc.same)
		}
	}
	withName := existing
	withName.DisplayName = Ptr("theirs")
	if sameJob(&withName, base()) {
		t.Error("a display name the caller did not send makes it another job")
	}
}

// deleteClock is the fake clock a DeleteJob polls on, with what the poll reported.
type deleteClock struct {
	*wait.Fake
	statuses []string
}

func (d *deleteClock) options() wait.PollOptions {
	return wait.PollOptions{Initial: 5 * time.Second, Max: 20 * time.Second, Factor: 2, Clock: d.Fake,
		OnStatus: func(s string) { d.statuses = append(d.statuses, s) }}
}

// startDelete runs DeleteJob in the background; its error arrives on the channel.
func startDelete(ctx context.Context, c *Client, jobID string, poll wait.PollOptions) <-chan error {
	done := make(chan error, 1)
	go func() { done <- c.DeleteJob(ctx, jobID, poll) }()
	return done
}

// nextPoll waits until the poll waits, then ends the wait.
func nextPoll(ctx context.Context, t *testing.T, clock *wait.Fake) {
	t.Helper()
	if _, err := clock.AdvanceToNext(ctx); err != nil {
		t.Fatal(err)
	}
}

// Delete Job answers 202 and the job stays, deleting, until it and its tasks are gone:
// DeleteJob waits for the 404 through every read that still finds it deleting.
func TestDeleteJobWaitsUntilTheJobIsGone(t *testing.T) {
	e := startFrozenEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := testCtx(t)
	mustAddJob(t, c, JobSpec{ID: Ptr("doomed"), PoolInfo: &PoolInfo{PoolID: Ptr("p")}})
	for _, id := range []string{"t1", "t2"} {
		if _, err := c.AddTask(ctx, "doomed", TaskSpec{ID: Ptr(id), CommandLine: Ptr("echo hi")}); err != nil {
			t.Fatal(err)
		}
	}
	e.ResetRequests()
	clock := &deleteClock{Fake: wait.NewFake(time.Now())}
	done := startDelete(ctx, c, "doomed", clock.options())

	nextPoll(ctx, t, clock.Fake) // the first read finds it deleting
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if job, ok := e.AzureBatch().Job("doomed"); !ok || job.State != emuazure.JobStateDeleting {
		t.Fatalf("want the job deleting, got %v %s", ok, job.State)
	}
	// The fixed delay has passed, but not yet the time its tasks take.
	e.Clock().Advance(emuazure.JobDeleteDelay)
	nextPoll(ctx, t, clock.Fake)
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(2 * emuazure.JobDeletePerTask)
	nextPoll(ctx, t, clock.Fake)

	if err := <-done; err != nil {
		t.Fatal(err)
	}
	expectAnswers(t, e, "DELETE /jobs/doomed 202, GET /jobs/doomed 200, GET /jobs/doomed 200, GET /jobs/doomed 404")
	if !slices.Equal(clock.statuses, []string{"deleting", "deleted"}) {
		t.Errorf("statuses %q", clock.statuses)
	}
	if e.AzureBatch().JobExists("doomed") {
		t.Error("the job should be gone")
	}
}

// A job already gone counts as deleted, without a wait. A job already being deleted (also
// what a Delete repeated after a lost answer finds) is waited for.
func TestDeleteJobGoneOrAlreadyGoing(t *testing.T) {
	e := startFrozenEmulator(t)
	c := newEmulatorClient(t, e)
	ctx := testCtx(t)
	clock := &deleteClock{Fake: wait.NewFake(time.Now())}
	if err := c.DeleteJob(ctx, "never-was", clock.options()); err != nil {
		t.Fatalf("a missing job counts as deleted, got %v", err)
	}
	expectAnswers(t, e, "DELETE /jobs/never-was 404")

	for name, prepare := range map[string]func(){
		"being deleted": func() {
			if _, err := c.sdk.DeleteJob(ctx, "j1", nil); err != nil {
				t.Fatal(err)
			}
		},
		"lost answer": func() {
			e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodDelete, Lost: true})
		},
		// A 409 whose code does not read may be JobBeingDeleted: the Delete is repeated.
		"garbled answer": func() {
			if _, err := c.sdk.DeleteJob(ctx, "j1", nil); err != nil {
				t.Fatal(err)
			}
			e.AddFaultRule(emulator.ServiceAzureBatch, emulator.FaultRule{Method: http.MethodDelete, Malformed: true, MalformedShape: emulator.MalformedWrongTypes})
		},
	} {
		mustAddJob(t, c, JobSpec{ID: Ptr("j1"), PoolInfo: &PoolInfo{PoolID: Ptr("p")}})
		prepare()
		e.ResetRequests()
		done := startDelete(ctx, c, "j1", clock.options())
		if err := clock.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		e.Clock().Advance(emuazure.JobDeleteDelay)
		nextPoll(ctx, t, clock.Fake)
		if err := <-done; err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := "DELETE /jobs/j1 409, GET /jobs/j1 404"
		switch name {
		case "lost answer":
			want = "DELETE /jobs/j1 0 lost, " + want
		case "garbled answer":
			want = "DELETE /jobs/j1 409 malformed:wrong-types, " + want
		}
		if got := answers(e); got != want {
			t.Errorf("%s: requests: %s\nwant:     %s", name, got, want)
		}
	}
}

// The end of the context (the timeout, an interrupt) ends the wait with a *wait.WaitError
// naming the job and its last state; the job goes on being deleted.
func TestDeleteJobWaitEndsWithTheContext(t *testing.T) {
	e := startFrozenEmulator(t)
	c := newEmulatorClient(t, e)
	mustAddJob(t, c, JobSpec{ID: Ptr("slow"), PoolInfo: &PoolInfo{PoolID: Ptr("p")}})
	ctx, cancel := context.WithCancel(testCtx(t))
	clock := &deleteClock{Fake: wait.NewFake(time.Now())}
	done := startDelete(ctx, c, "slow", clock.options())
	nextPoll(ctx, t, clock.Fake)
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	err := <-done
	var waitErr *wait.WaitError
	if !errors.As(err, &waitErr) || !errors.Is(err, context.Canceled) || waitErr.LastStatus != "deleting" {
		t.Fatalf("want a *wait.WaitError for an interrupt, got %T %v", err, err)
	}
	if got, want := err.Error(), "stopped waiting for job slow to be deleted: the operation was interrupted (last status: deleting)"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	if job, ok := e.AzureBatch().Job("slow"); !ok || job.State != emuazure.JobStateDeleting {
		t.Errorf("the job should still be deleting: %v %s", ok, job.State)
	}
}
