package mrs

import (
	"context"
	"errors"
	"sync"
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
	forEachBounded(len(specs), func(i int) {
		results[i].ID, results[i].Err = c.Submit(ctx, clusterID, specs[i])
	})
	return results
}

// KillAll kills the jobs, at most bulkConcurrency at a time, and returns one error (or nil) per
// job id, in order. A job that is already gone counts as killed.
func (c *Client) KillAll(ctx context.Context, clusterID string, jobIDs []string) []error {
	errs := make([]error, len(jobIDs))
	forEachBounded(len(jobIDs), func(i int) {
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

// forEachBounded calls do(0..n-1) with at most bulkConcurrency calls running at once.
func forEachBounded(n int, do func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, bulkConcurrency)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			do(i)
		}()
	}
	wg.Wait()
}
