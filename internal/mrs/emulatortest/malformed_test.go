package emulatortest

import (
	"strings"
	"testing"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/mrs"
)

// TestMalformedReadsAreErrorsNeverJobs: every shape of malformed answer to Get Job and List
// Jobs, on every attempt, is a clear error; the next call reads the job.
func TestMalformedReadsAreErrorsNeverJobs(t *testing.T) {
	emu, c, ctx := start(t)
	id := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "reader", Type: "MapReduce", Arguments: []string{"a.jar", "sleep=1h"}})
	for _, shape := range emulator.MalformedShapes {
		t.Run(string(shape), func(t *testing.T) {
			emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "GET", PathRegexp: `/job-executions/[^/]+$`, Malformed: true, MalformedShape: shape, Times: fastRetry.MaxAttempts})
			job, err := c.GetJob(ctx, cluster, id)
			if job != nil || !mrs.IsMalformed(err) || !strings.HasPrefix(err.Error(), "MRS get job: malformed response (HTTP ") {
				t.Fatalf("get: want a malformed-response error and no job, got %+v, %v", job, err)
			}
			job, err = c.GetJob(ctx, cluster, id)
			if err != nil || job.ID != id || job.Name != "reader" || job.State == "" {
				t.Fatalf("get after the fault: %+v, %v", job, err)
			}

			emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "GET", PathRegexp: `/job-executions$`, Malformed: true, MalformedShape: shape, Times: fastRetry.MaxAttempts})
			seen := 0
			err = c.ListJobs(ctx, cluster, mrs.ListFilter{}, func(mrs.Job) error { seen++; return nil })
			if seen != 0 || !mrs.IsMalformed(err) || !strings.HasPrefix(err.Error(), "MRS list jobs: malformed response (HTTP ") {
				t.Fatalf("list: want a malformed-response error and no job, got %d jobs, %v", seen, err)
			}
			var listed []mrs.Job
			if err := c.ListJobs(ctx, cluster, mrs.ListFilter{}, func(j mrs.Job) error { listed = append(listed, j); return nil }); err != nil || len(listed) != 1 || listed[0].ID != id {
				t.Fatalf("list after the fault: %+v, %v", listed, err)
			}
		})
	}
	// One malformed answer less than the attempts: the read repeats and succeeds.
	emu.ResetRequests()
	emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "GET", Malformed: true, MalformedShape: emulator.MalformedHTML, Times: fastRetry.MaxAttempts - 1})
	if job, err := c.GetJob(ctx, cluster, id); err != nil || job.ID != id {
		t.Fatalf("repeated get: %+v, %v", job, err)
	}
	if n := len(emu.RequestsFor(emulator.ServiceMRS)); n != fastRetry.MaxAttempts {
		t.Errorf("%d requests, want %d", n, fastRetry.MaxAttempts)
	}
}

// TestMalformedSubmitAnswerFindsTheJob: a malformed answer to a submission is ambiguous (the
// job exists, its id is unreadable); the look-up finds it, so there is never a duplicate.
func TestMalformedSubmitAnswerFindsTheJob(t *testing.T) {
	emu, c, ctx := start(t)
	for _, shape := range emulator.MalformedShapes {
		name := "submit-" + strings.ReplaceAll(string(shape), "-", "_")
		emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "POST", PathRegexp: `/job-executions$`, Malformed: true, MalformedShape: shape})
		id := mustSubmit(ctx, t, c, mrs.JobSpec{Name: name, Type: "SparkSubmit", Arguments: []string{"app.jar"}})
		var ids []string
		for _, j := range emu.MRS().Jobs(cluster) {
			if j.Name == name {
				ids = append(ids, j.JobID)
			}
		}
		if len(ids) != 1 || ids[0] != id {
			t.Errorf("%s: jobs %v, client returned %q", shape, ids, id)
		}
	}
	if n := countPosts(emu, "/job-executions"); n != len(emulator.MalformedShapes) {
		t.Errorf("%d submissions, want one per job", n)
	}
}

// TestMalformedSubmitAndLookUpAnswers: the look-up after an ambiguous submission is tried
// again when every attempt at its list is answered malformed.
func TestMalformedSubmitAndLookUpAnswers(t *testing.T) {
	emu, c, ctx := start(t)
	emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "POST", PathRegexp: `/job-executions$`, Malformed: true, MalformedShape: emulator.MalformedEmpty})
	emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "GET", PathRegexp: `/job-executions$`, Malformed: true, Times: fastRetry.MaxAttempts + 1})
	id := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "hard_to_find", Type: "MapReduce", Arguments: []string{"a.jar"}})
	if jobs := emu.MRS().Jobs(cluster); len(jobs) != 1 || jobs[0].JobID != id {
		t.Errorf("jobs %+v, client returned %q", jobs, id)
	}
	lists := 0
	for _, r := range emu.RequestsFor(emulator.ServiceMRS) {
		if r.Method == "GET" {
			lists++
		}
	}
	if lists != fastRetry.MaxAttempts+2 {
		t.Errorf("%d list requests, want %d (one full look-up, then two attempts)", lists, fastRetry.MaxAttempts+2)
	}
}

// TestMalformedKillAndDeleteAnswers: kill and batch-delete read nothing from a success
// answer, so a malformed one is the success it reports (the work was done).
func TestMalformedKillAndDeleteAnswers(t *testing.T) {
	emu, c, ctx := start(t)
	id := mustSubmit(ctx, t, c, mrs.JobSpec{Name: "stopme", Type: "MapReduce", Arguments: []string{"a.jar", "sleep=1h"}})
	emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "POST", PathRegexp: `/kill$`, Malformed: true, MalformedShape: emulator.MalformedHTML})
	if err := c.Kill(ctx, cluster, id); err != nil {
		t.Fatal(err)
	}
	emu.Clock().Advance(10 * emu.MRS().RunTime())
	if j, err := c.GetJob(ctx, cluster, id); err != nil || j.State != mrs.StateKilled {
		t.Fatalf("after kill: %+v, %v", j, err)
	}
	emu.AddFaultRule(emulator.ServiceMRS, emulator.FaultRule{Method: "POST", PathRegexp: `/batch-delete$`, Malformed: true, MalformedShape: emulator.MalformedBroken})
	if err := c.BatchDelete(ctx, cluster, []string{id}); err != nil {
		t.Fatal(err)
	}
	if n := emu.MRS().JobCount(cluster); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}
