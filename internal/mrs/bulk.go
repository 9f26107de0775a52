package mrs

import (
	"context"
	"errors"
	"fmt"

	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// bulkConcurrency bounds the calls in flight for one bulk operation (SubmitAll, KillAll): MRS
// has no bulk submit or kill, and a set of hundreds of jobs must not flood the service.
const bulkConcurrency = 8

// SubmitResult is the outcome of one submission of SubmitAll.
type SubmitResult struct {
	ID  string // the job id; "" when Err is set
	Err error  // as Submit returns it; *OutcomeUnknownError when the job may exist
}

// SubmitAll submits the jobs, at most bulkConcurrency at a time, and returns one result per
// spec, in order. Each submission follows Submit's rules, so none is ever duplicated.
func (c *Client) SubmitAll(ctx context.Context, clusterID string, specs []JobSpec) []SubmitResult {
	results := make([]SubmitResult, len(specs))
	wait.ForEach(len(specs), bulkConcurrency, func(i int) {
		results[i].ID, results[i].Err = c.Submit(ctx, clusterID, specs[i])
	})
	return results
}

// KillAll kills the jobs, at most bulkConcurrency at a time, and returns one error (or nil) per
// job id, in order. A job that is already gone counts as killed.
func (c *Client) KillAll(ctx context.Context, clusterID string, jobIDs []string) []error {
	errs := make([]error, len(jobIDs))
	wait.ForEach(len(jobIDs), bulkConcurrency, func(i int) {
		if err := c.Kill(ctx, clusterID, jobIDs[i]); err != nil && !IsJobGone(err) {
			errs[i] = err
		}
	})
	return errs
}

// jobsListThreshold: more ids than this are read with the job list, not one GET each.
const jobsListThreshold = 3

// Jobs reads the given jobs by id: one GET each for a few, else the job list (100 a page,
// newest first) until every job is found, which reads a set of hundreds in a few requests.
// Ids of jobs that no longer exist are absent from the result.
func (c *Client) Jobs(ctx context.Context, clusterID string, ids []string) (map[string]Job, error) {
	found := make(map[string]Job, len(ids))
	if len(ids) <= jobsListThreshold {
		for _, id := range ids {
			job, err := c.GetJob(ctx, clusterID, id)
			if IsJobGone(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			found[id] = *job
		}
		return found, nil
	}
	wanted := make(map[string]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	errAllFound := errors.New("all found")
	err := c.ListJobs(ctx, clusterID, ListFilter{SortBy: "desc"}, func(j Job) error {
		if wanted[j.ID] {
			found[j.ID] = j
			if len(found) == len(wanted) {
				return errAllFound
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errAllFound) {
		return nil, err
	}
	return found, nil
}

// JobRef names a job to delete, with the state last read for it.
type JobRef struct {
	Name, ID, State string
}

// DeleteJobs deletes jobs with batch-delete (the service's bulk cleanup). The service refuses to
// delete a running job, so with kill the jobs whose state is not terminal are killed first and
// waited for, with poll, until they have stopped. The states come from the caller's last read:
// a job that finished since is killed for nothing (the service ignores that), and a terminal
// job never runs again, so no extra read is needed before the kills.
//
// Without kill, a running job makes batch-delete fail with IsJobRunning.
func (c *Client) DeleteJobs(ctx context.Context, clusterID string, jobs []JobRef, kill bool, poll wait.PollOptions) error {
	var running []JobRef
	for _, j := range jobs {
		if !IsTerminal(j.State) {
			running = append(running, j)
		}
	}
	if kill && len(running) > 0 {
		ids := make([]string, len(running))
		for i, j := range running {
			ids[i] = j.ID
		}
		var errs []error
		for i, err := range c.KillAll(ctx, clusterID, ids) {
			if err != nil {
				errs = append(errs, fmt.Errorf("killing job %s: %w", running[i].Name, err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := c.waitStopped(ctx, clusterID, ids, poll); err != nil {
			return fmt.Errorf("waiting for killed jobs to stop: %w", err)
		}
	}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return c.BatchDelete(ctx, clusterID, ids)
}

// waitStopped polls until every job is terminal or gone.
func (c *Client) waitStopped(ctx context.Context, clusterID string, ids []string, poll wait.PollOptions) error {
	status := func(found map[string]Job) (string, bool) {
		stopped := 0
		for _, id := range ids {
			if j, ok := found[id]; !ok || IsTerminal(j.State) {
				stopped++
			}
		}
		return fmt.Sprintf("%d/%d killed jobs stopped", stopped, len(ids)), stopped == len(ids)
	}
	return wait.Poll(ctx, poll, "killed MRS jobs to stop", fmt.Sprintf("0/%d killed jobs stopped", len(ids)),
		func(ctx context.Context) (bool, string, error) {
			found, err := c.Jobs(ctx, clusterID, ids)
			if err != nil {
				return false, "", err
			}
			s, done := status(found)
			return done, s, nil
		})
}
