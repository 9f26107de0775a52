package azurebatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// AddJob adds a job. Like AddTask, it reports adopted when the job already existed as asked
// for (a repeat after a lost answer is answered 409 JobExists), and any other job with the id
// is a *JobConflictError, never overwritten; a job that is being deleted is never adopted.
// When the request went out without a definite answer, the error is an *OutcomeUnknownError:
// the job may exist. When the existing job cannot be read after JobExists, that error is
// returned.
//
// Read the job after a fresh add with GetJobAfterAdd.
func (c *Client) AddJob(ctx context.Context, spec JobSpec) (adopted bool, err error) {
	jobID := valueOf(spec.ID)
	err = c.create(ctx, "add job", jobID, "the job may or may not have been added", func(ctx context.Context) error {
		_, err := c.sdk.CreateJob(ctx, spec, nil)
		return err
	})
	if !HasCode(err, "JobExists") {
		return false, err
	}
	existing, getErr := c.GetJob(ctx, jobID)
	if getErr != nil {
		return false, getErr
	}
	deleting := valueOf(existing.State) == JobStateDeleting
	if deleting || !sameJob(existing, spec) {
		return false, &JobConflictError{JobID: jobID, ExistingID: valueOf(existing.ID), Deleting: deleting, Err: err}
	}
	return true, nil
}

// JobConflictError is an Add Job refused with 409 JobExists because a different job has the
// id, or a job with the id is still being deleted.
type JobConflictError struct {
	JobID string
	// ExistingID is the existing job's id as the service spells it (ids compare without case).
	ExistingID string
	// Deleting is set when the existing job is being deleted: the id is free once it is gone.
	Deleting bool
	Err      error // the 409 JobExists
}

func (e *JobConflictError) Error() string {
	if e.Deleting {
		return fmt.Sprintf("a job with ID %q is still being deleted; the ID can be used again once it is gone", e.JobID)
	}
	return fmt.Sprintf("a different job with ID %q already exists", e.JobID)
}

func (e *JobConflictError) Unwrap() error { return e.Err }

// The Add Job properties that the service leaves absent when they were not sent: an existing
// job that has one the caller did not send is not the job asked for. The others get server
// defaults (priority 0, constraints, onAllTasksComplete noaction, ...) and are compared only
// when sent.
var jobPropertiesWithoutDefault = []string{
	"displayName", "commonEnvironmentSettings", "metadata", "jobManagerTask", "jobPreparationTask",
	"jobReleaseTask", "networkConfiguration",
}

// sameJob compares what was asked for with what exists: every property the caller set must be
// there as it was sent, and the properties without a server default must be absent when the
// caller left them out. Values the service fills in where the caller set nothing (the defaults,
// and those of the job manager task and the auto pool) are not compared. The comparison is of
// the wire form (JSON), so that no field list here can miss a property the caller set.
func sameJob(existing *Job, want JobSpec) bool {
	if !strings.EqualFold(valueOf(existing.ID), valueOf(want.ID)) {
		return false
	}
	got := JobSpec{
		ID: want.ID, PoolInfo: existing.PoolInfo, AllowTaskPreemption: existing.AllowTaskPreemption,
		CommonEnvironmentSettings: existing.CommonEnvironmentSettings, Constraints: existing.Constraints,
		DisplayName: existing.DisplayName, JobManagerTask: existing.JobManagerTask,
		JobPreparationTask: existing.JobPreparationTask, JobReleaseTask: existing.JobReleaseTask,
		MaxParallelTasks: existing.MaxParallelTasks, Metadata: existing.Metadata,
		NetworkConfiguration: existing.NetworkConfiguration, OnAllTasksComplete: existing.OnAllTasksComplete,
		OnTaskFailure: existing.OnTaskFailure, Priority: existing.Priority, UsesTaskDependencies: existing.UsesTaskDependencies,
	}
	g, okG := wireForm(got)
	w, okW := wireForm(want)
	if !okG || !okW {
		return false
	}
	for _, k := range jobPropertiesWithoutDefault {
		if isEmptyJSON(w[k]) && !isEmptyJSON(g[k]) {
			return false
		}
	}
	return covers(g, w, "")
}

func wireForm(v any) (map[string]any, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m) == nil
}

// isEmptyJSON reports an absent value, or an empty list or object, which the service does not
// return.
func isEmptyJSON(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

// Durations the service writes in its own form (PT90M as PT1H30M), and enumerations it
// accepts in any case and returns in lower case.
var (
	durationProperties = map[string]bool{"maxWallClockTime": true, "retentionTime": true}
	enumProperties     = map[string]bool{"onAllTasksComplete": true, "onTaskFailure": true, "poolLifetimeOption": true}
)

// covers reports whether got holds every value want sets, as want sets it (key names the
// property want is). What want leaves out is not compared; lists must match item by item.
func covers(got, want any, key string) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				if isEmptyJSON(wv) {
					continue
				}
				return false
			}
			if !covers(gv, wv, k) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !covers(g[i], w[i], key) {
				return false
			}
		}
		return true
	case string:
		g, ok := got.(string)
		switch {
		case !ok:
			return false
		case durationProperties[key]:
			return g == w || EqualDurations(g, w)
		case enumProperties[key]:
			return strings.EqualFold(g, w)
		}
		return g == w
	}
	return reflect.DeepEqual(got, want)
}

// GetJob reads a job. An answer that does not decode, or lacks the job's id or a known state,
// is a *MalformedError, never a half-filled job; such answers are repeated within the retry
// policy before the error is returned. A job being deleted is returned, in state deleting.
func (c *Client) GetJob(ctx context.Context, jobID string) (*Job, error) {
	return c.getJob(ctx, jobID, IsMalformed)
}

// GetJobAfterAdd is GetJob for the read that follows an AddJob: the service has been seen to
// answer a read right after the 201 with 404 JobNotFound (spec §11.2), so a 404 is repeated
// too, within the retry policy and on its clock, before it is returned.
func (c *Client) GetJobAfterAdd(ctx context.Context, jobID string) (*Job, error) {
	job, err := c.getJob(ctx, jobID, func(err error) bool { return IsMalformed(err) || IsNotFound(err) })
	if IsNotFound(err) {
		return nil, fmt.Errorf("job %q was added, but reading it back still finds no job: %w", jobID, err)
	}
	return job, err
}

func (c *Client) getJob(ctx context.Context, jobID string, again func(error) bool) (*Job, error) {
	return read(ctx, c.retry, again, "get job", jobID,
		func(ctx context.Context) (*Job, error) {
			resp, err := c.sdk.GetJob(ctx, jobID, nil)
			return &resp.Job, err
		},
		func(j *Job) error { return checkJob(j, jobID) })
}

// checkJob reports what a job read from the service lacks for the provider to use it.
func checkJob(j *Job, jobID string) error {
	return checkIDAndState("job", j.ID, jobID, j.State, azbatch.PossibleJobStateValues())
}

// UpdateJob patches a job: only the properties set in update change (a constraints object
// given replaces the old one whole). With an etag the update is conditional; a job whose ETag
// moved since it was read (somebody changed it, or its state changed) refuses it with 412,
// returned as a *JobChangedError. It is not sent again: what changed is for the caller to
// read.
//
// When the request went out without a definite answer, the error is an *OutcomeUnknownError.
// Only an unconditional update is repeated after a lost answer: a conditional repeat would be
// refused by the ETag the first attempt moved.
func (c *Client) UpdateJob(ctx context.Context, jobID string, update JobUpdate, etag string) error {
	var opts *azbatch.UpdateJobOptions
	if etag != "" {
		e := azcore.ETag(etag)
		opts = &azbatch.UpdateJobOptions{IfMatch: &e}
	} else {
		ctx = transport.WithIdempotent(ctx)
	}
	traced, sent := traceSent(ctx)
	_, err := c.sdk.UpdateJob(traced, jobID, update, opts)
	err = withOperation(asError(err), "update job", jobID, "the job may or may not have been changed")
	// Only the condition answers 412, whatever its body says.
	if e := (*Error)(nil); errors.As(err, &e) && e.StatusCode == http.StatusPreconditionFailed {
		return &JobChangedError{JobID: jobID, Err: err}
	}
	return outcome(sent, err)
}

// JobChangedError is a conditional job update refused (412 ConditionNotMet) because the job
// changed since its ETag was read.
type JobChangedError struct {
	JobID string
	Err   error // the 412
}

func (e *JobChangedError) Error() string {
	return fmt.Sprintf("job %q was changed (by somebody else, or by a change of its state) since it was last read, so the update was not applied: %s", e.JobID, e.Err)
}

func (e *JobChangedError) Unwrap() error { return e.Err }

// DeleteJob deletes a job and waits, polling with poll, until it is gone. The service deletes
// a job in the background: its Delete answers 202 and the job stays readable, in state
// deleting, until it and its tasks are gone (spec §11.5). A job already gone (404) counts as
// deleted, and one already being deleted (409 JobBeingDeleted, also the answer to a Delete
// repeated after a lost answer) is waited for. The end of ctx ends the wait with a
// *wait.WaitError.
func (c *Client) DeleteJob(ctx context.Context, jobID string, poll wait.PollOptions) error {
	// An answer that says nothing of the Delete (an unexpected success status, an error whose
	// code is unreadable) is repeated: a repeat is answered 202, 404 or 409 JobBeingDeleted.
	err := transport.Repeat(ctx, c.retry, unclear, func() error {
		_, err := c.sdk.DeleteJob(ctx, jobID, nil)
		return withOperation(asError(err), "delete job", jobID, "the job may or may not be being deleted")
	})
	switch {
	case IsNotFound(err):
		return nil
	case err != nil && !HasCode(err, "JobBeingDeleted"):
		return err
	}
	return wait.Poll(ctx, poll, fmt.Sprintf("job %s to be deleted", jobID), string(JobStateDeleting),
		func(ctx context.Context) (bool, string, error) {
			job, err := c.GetJob(ctx, jobID)
			switch {
			case IsNotFound(err):
				return true, "deleted", nil
			case err != nil:
				return false, "", err
			}
			// Only the 404 ends the wait: a deleting job never goes to another state, and
			// another state read right after the Delete is not the end of it.
			return false, string(*job.State), nil
		})
}
