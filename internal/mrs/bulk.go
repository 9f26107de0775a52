package mrs

import (
	"context"
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
