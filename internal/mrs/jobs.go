package mrs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/mrs/v2/model"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// Operation names used in errors.
const (
	opSubmit      = "submit job"
	opGet         = "get job"
	opList        = "list jobs"
	opKill        = "kill job"
	opBatchDelete = "batch-delete jobs"
)

// JobSpec is a job to submit.
type JobSpec struct {
	// Name is 1-64 of letters, digits, '_' and '-'. The service allows duplicates; Submit
	// relies on the name to find a job whose submission answer was lost.
	Name string
	// Type is MapReduce, SparkSubmit, HiveScript, HiveSql, DistCp, SparkScript, SparkSql or
	// Flink (SparkPython is accepted and stored as SparkSubmit).
	Type       string
	Arguments  []string
	Properties map[string]string
}

// Job is a job as the service reports it.
type Job struct {
	ID, Name, Type, State, Result, User, Queue string
	Progress                                   float64
	// Arguments is parsed from the service's "[a, b]" string form (see ParseArguments); nil
	// when the service sent none.
	Arguments []string
	// Properties is parsed from the service's "{k=v, k2=v2}" string form (see
	// ParseProperties); nil when the service sent none.
	Properties map[string]string
	// The times are zero when the service sent 0 or nothing (epoch milliseconds on the wire).
	SubmittedTime, StartedTime, FinishedTime time.Time
}

// Job states and results.
const (
	StateFinished    = "FINISHED"
	StateFailed      = "FAILED"
	StateKilled      = "KILLED"
	ResultSucceeded  = "SUCCEEDED"
	typeSparkPython  = "SparkPython"
	typeSparkSubmit  = "SparkSubmit"
	submitStateOK    = "COMPLETE"
	listPageSize     = 100
	batchDeleteChunk = 100
)

// IsTerminal reports a final job_state: FINISHED, FAILED or KILLED. The outcome is then in
// job_result (see Job.Succeeded).
func IsTerminal(state string) bool {
	switch strings.ToUpper(state) {
	case StateFinished, StateFailed, StateKilled:
		return true
	}
	return false
}

// Succeeded reports job_result SUCCEEDED. job_result decides, not job_state: a job can be
// FINISHED with result FAILED.
func (j Job) Succeeded() bool { return strings.EqualFold(j.Result, ResultSucceeded) }

func jobFromBean(b *model.JobQueryBean) Job {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	j := Job{
		ID: str(b.JobId), Name: str(b.JobName), Type: str(b.JobType), State: str(b.JobState),
		Result: str(b.JobResult), User: str(b.User), Queue: str(b.Queue),
		SubmittedTime: msTime(b.SubmittedTime), StartedTime: msTime(b.StartedTime), FinishedTime: msTime(b.FinishedTime),
	}
	if b.JobProgress != nil {
		// The SDK decodes job_progress as float32; go through its shortest decimal form so
		// that 33.3 stays 33.3 rather than 33.29999923706055.
		j.Progress, _ = strconv.ParseFloat(strconv.FormatFloat(float64(*b.JobProgress), 'g', -1, 32), 64)
	}
	if b.Arguments != nil {
		j.Arguments = ParseArguments(*b.Arguments)
		if j.Arguments == nil {
			j.Arguments = []string{}
		}
	}
	if b.Properties != nil {
		j.Properties = ParseProperties(*b.Properties)
		if j.Properties == nil {
			j.Properties = map[string]string{}
		}
	}
	return j
}

func msTime(ms *int64) time.Time {
	if ms == nil || *ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(*ms).UTC()
}

func is2xx(status int) bool { return status >= 200 && status <= 299 }

// statusError reports a non-2xx status the SDK let through (it takes anything below 400 as
// success; a redirect is not followed).
func statusError(op string, status int) error {
	if is2xx(status) {
		return nil
	}
	return &Error{StatusCode: status, Operation: op, Message: "unexpected answer (redirects are not followed; check mrs.endpoint)"}
}

// Submit bounds.
const (
	// submitAttempts bounds the submissions of one job (the first plus resubmissions after
	// an ambiguous failure whose look-up found nothing, or after 0202 "too many jobs").
	submitAttempts = 3
	// submitLookupSkew widens the look-up window: jobs submitted since this long before the
	// attempt started (local clock) are considered, allowing for that much difference between
	// the local clock and the service's.
	submitLookupSkew = 5 * time.Minute
)

// Submit submits one job and returns its id. It never creates a duplicate: after an
// ambiguous failure (the connection was lost after the request was sent, an HTTP 408, 500,
// 502 or 504 without an error code saying the job was refused, or a success answer without a
// readable job id) it looks the job up by name among the jobs submitted since five minutes
// before the attempt started (list filter job_name + submitted_time_begin; the five minutes
// allow for clock skew between this machine and the service) and returns that id if found,
// else submits again, at most three submissions in all. A listed job is taken to be this
// submission when its name matches exactly, its type matches (SparkPython is listed as
// SparkSubmit) and its arguments and properties, when listed, read the same as the spec's; the
// latest such job wins. A look-up whose list answers stay malformed is started again (up to the
// retry policy's MaxAttempts), since giving up would leave a job nobody tracks.
//
// When the service answers with a job id but a failed submission state, Submit returns that id
// with the error, so the caller can record it and delete the job record.
func (c *Client) Submit(ctx context.Context, clusterID string, spec JobSpec) (string, error) {
	if err := checkCluster(clusterID); err != nil {
		return "", err
	}
	if err := CheckJobName(spec.Name); err != nil {
		return "", fmt.Errorf("job name %q is not valid: it %w", spec.Name, err)
	}
	if spec.Type == "" {
		return "", fmt.Errorf("job %q: the job type is required", spec.Name)
	}
	if err := ctx.Err(); err != nil {
		return "", err // nothing was sent
	}
	var lastErr error
	var firstStart time.Time
	for attempt := 1; attempt <= submitAttempts; attempt++ {
		if attempt > 1 {
			if err := wait.Sleep(ctx, c.clock, c.retry.Backoff().Delay(attempt-1)); err != nil {
				// An earlier attempt was ambiguous and its job was not found: a refused
				// attempt leaves nothing, so only a look-up can tell.
				return "", &OutcomeUnknownError{Since: firstStart, Err: fmt.Errorf("MRS %s %q: %w (last error: %v)", opSubmit, spec.Name, err, lastErr)}
			}
		}
		started := c.now()
		if attempt == 1 {
			firstStart = started
		}
		id, err := c.submitOnce(ctx, clusterID, spec)
		if err == nil || id != "" {
			return id, err
		}
		lastErr = err
		switch {
		case HasCode(err, CodeTooManySubmits):
			// "Too many jobs are being submitted; retry later": refused, so submit again.
			transport.Debug(ctx, "MRS is busy; submitting the job again", map[string]any{"job_name": spec.Name, "attempt": attempt})
			continue
		case !ambiguousSubmitFailure(err):
			return "", err
		case ctx.Err() != nil:
			return "", &OutcomeUnknownError{Since: firstStart, Err: err}
		}
		transport.Debug(ctx, "MRS job submission failed ambiguously; looking the job up by name", map[string]any{
			"job_name": spec.Name, "attempt": attempt, "error": err.Error(),
		})
		// Giving up here would leave a job nobody tracks, so a look-up answered malformed on
		// every page attempt is itself tried again, within the same retry policy.
		var found string
		lookupErr := transport.Repeat(ctx, c.retry, IsMalformed, func() error {
			var err error
			found, err = c.findSubmitted(ctx, clusterID, spec, started.Add(-submitLookupSkew))
			return err
		})
		if lookupErr != nil {
			return "", &OutcomeUnknownError{Since: firstStart, Err: fmt.Errorf("%w; looking the job up afterwards failed too: %v", err, lookupErr)}
		}
		if found != "" {
			transport.Debug(ctx, "found the MRS job of an ambiguous submission", map[string]any{"job_name": spec.Name, "job_id": found})
			return found, nil
		}
	}
	return "", fmt.Errorf("MRS %s %q: gave up after %d attempts: %w", opSubmit, spec.Name, submitAttempts, lastErr)
}

// OutcomeUnknownError is a submission whose outcome is unknown: the request may have reached
// the service (the answer was lost, or the caller gave up waiting for it), and the job may
// exist. FindSubmitted, given the same spec and Since, finds it later.
type OutcomeUnknownError struct {
	// Since is when the first attempt started.
	Since time.Time
	Err   error
}

func (e *OutcomeUnknownError) Error() string {
	return e.Err.Error() + "; the job may have been submitted"
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// FindSubmitted looks for the job of a submission whose outcome was unknown, by the rule Submit
// applies after a lost answer (see Submit); since is OutcomeUnknownError.Since. It returns ""
// when no such job exists.
func (c *Client) FindSubmitted(ctx context.Context, clusterID string, spec JobSpec, since time.Time) (string, error) {
	if err := checkCluster(clusterID); err != nil {
		return "", err
	}
	return c.findSubmitted(ctx, clusterID, spec, since.Add(-submitLookupSkew))
}

// definiteSubmitRefusals are error codes, answered with HTTP 500, by which MRS says it did not
// accept the job; no look-up is needed after them.
var definiteSubmitRefusals = map[string]bool{
	"0056": true, "0057": true, "0167": true, "0168": true, "0169": true, "0173": true, "0177": true,
	"0180": true, "0190": true, "0191": true, "0192": true, "12000060": true,
}

// ambiguousSubmitFailure reports a failure after which the job may exist.
func ambiguousSubmitFailure(err error) bool {
	var malformed *malformedError
	if errors.As(err, &malformed) {
		return true // a success status, but no readable job id
	}
	if isProjectLookupFailure(err) {
		return false // nothing was sent to MRS
	}
	e, ok := asError(err)
	if !ok {
		return true // the connection failed, possibly after the request was sent
	}
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return !definiteSubmitRefusals[e.Code]
	}
	return false
}

// submitOnce makes one submission. POST job-executions is not marked idempotent: the
// transport repeats it only when the service cannot have processed it (429, 503, refused
// connections); Submit handles the ambiguous cases.
func (c *Client) submitOnce(ctx context.Context, clusterID string, spec JobSpec) (string, error) {
	api, ex, err := c.api(ctx)
	if err != nil {
		return "", err
	}
	body := &model.JobExecution{JobType: spec.Type, JobName: spec.Name}
	if len(spec.Arguments) > 0 {
		args := slices.Clone(spec.Arguments)
		body.Arguments = &args
	}
	if len(spec.Properties) > 0 {
		body.Properties = maps.Clone(spec.Properties)
	}
	resp, err := api.CreateExecuteJob(&model.CreateExecuteJobRequest{ClusterId: clusterID, Body: body})
	if err != nil {
		return "", c.convertError(opSubmit, err, ex)
	}
	if err := statusError(opSubmit, resp.HttpStatusCode); err != nil {
		return "", err
	}
	var top struct {
		ErrorCode  string `json:"error_code"`
		ErrorMsg   string `json:"error_msg"`
		ErrorCode2 string `json:"errorCode"`
		ErrorMsg2  string `json:"errorMsg"`
	}
	_ = json.Unmarshal(ex.body, &top)
	code, msg := firstNonEmpty(top.ErrorCode, top.ErrorCode2), c.redact.Redact(firstNonEmpty(top.ErrorMsg, top.ErrorMsg2))

	r := resp.JobSubmitResult
	if r == nil || r.JobId == nil || *r.JobId == "" {
		if code != "" {
			return "", &Error{StatusCode: resp.HttpStatusCode, Code: code, Message: truncate(msg), Operation: opSubmit}
		}
		return "", &malformedError{operation: opSubmit, status: resp.HttpStatusCode, detail: "the answer has no job_submit_result.job_id"}
	}
	id := *r.JobId
	if r.State != nil && !strings.EqualFold(r.State.Value(), submitStateOK) {
		if msg == "" {
			msg = fmt.Sprintf("job %s was not submitted: submission state %s", id, r.State.Value())
		} else {
			msg = fmt.Sprintf("job %s was not submitted (state %s): %s", id, r.State.Value(), msg)
		}
		return id, &Error{StatusCode: resp.HttpStatusCode, Code: code, Message: truncate(msg), Operation: opSubmit}
	}
	return id, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// findSubmitted looks for the job of an ambiguous submission; "" when there is none.
func (c *Client) findSubmitted(ctx context.Context, clusterID string, spec JobSpec, since time.Time) (string, error) {
	wantArgs := ParseArguments(formatArguments(spec.Arguments))
	wantProps := ParseProperties(formatProperties(spec.Properties))
	var best *model.JobQueryBean
	var bestTime int64
	err := c.listBeans(ctx, clusterID, ListFilter{JobName: spec.Name, SubmittedBegin: since, SortBy: "desc"}, func(b *model.JobQueryBean) error {
		if b.JobId == nil || *b.JobId == "" || b.JobName == nil || *b.JobName != spec.Name {
			return nil // the name filter may be a fuzzy match
		}
		if b.JobType != nil && !sameType(*b.JobType, spec.Type) {
			return nil
		}
		if b.Arguments != nil && !slices.Equal(ParseArguments(*b.Arguments), wantArgs) {
			return nil
		}
		if b.Properties != nil && !maps.Equal(ParseProperties(*b.Properties), wantProps) {
			return nil
		}
		var at int64
		if b.SubmittedTime != nil {
			at = *b.SubmittedTime
			if at > 0 && at < since.UnixMilli() {
				return nil
			}
		}
		if best == nil || at > bestTime {
			best, bestTime = b, at
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if best == nil {
		return "", nil
	}
	return *best.JobId, nil
}

func sameType(listed, submitted string) bool {
	return strings.EqualFold(listed, submitted) ||
		(strings.EqualFold(submitted, typeSparkPython) && strings.EqualFold(listed, typeSparkSubmit))
}

// GetJob reads one job. An answer that does not decode, or whose job lacks its id, name or a
// known state, is a malformed-answer error (see IsMalformed), never a half-filled job; such
// answers are repeated (a read changes nothing) within the retry policy first.
func (c *Client) GetJob(ctx context.Context, clusterID, jobID string) (*Job, error) {
	if err := checkCluster(clusterID); err != nil {
		return nil, err
	}
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	var job Job
	err := transport.Repeat(ctx, c.retry, IsMalformed, func() error {
		api, ex, err := c.api(ctx)
		if err != nil {
			return err
		}
		resp, err := api.ShowSingleJobExe(&model.ShowSingleJobExeRequest{ClusterId: clusterID, JobExecutionId: jobID})
		if err != nil {
			return c.convertError(opGet, err, ex)
		}
		if err := statusError(opGet, resp.HttpStatusCode); err != nil {
			return err
		}
		if resp.JobDetail == nil {
			return &malformedError{operation: opGet, status: resp.HttpStatusCode, detail: "the answer has no job_detail"}
		}
		if problem := checkBean(resp.JobDetail); problem != "" {
			return &malformedError{operation: opGet, status: resp.HttpStatusCode, detail: "job_detail " + problem}
		}
		if *resp.JobDetail.JobId != jobID {
			return &malformedError{operation: opGet, status: resp.HttpStatusCode, detail: fmt.Sprintf("the answer is for job %q, not %q", *resp.JobDetail.JobId, jobID)}
		}
		job = jobFromBean(resp.JobDetail)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &job, nil
}

// knownStates are the documented job_state values (compared without regard to case: some
// regions write New).
var knownStates = []string{"NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", StateFinished, StateFailed, StateKilled}

// checkBean says what a job read from the service lacks for the provider to use it ("" when
// nothing): its id, its name and a known state.
func checkBean(b *model.JobQueryBean) string {
	switch {
	case b.JobId == nil || *b.JobId == "":
		return "has no job_id"
	case b.JobName == nil || *b.JobName == "":
		return fmt.Sprintf("of job %s has no job_name", *b.JobId)
	case b.JobState == nil || *b.JobState == "":
		return fmt.Sprintf("of job %s has no job_state", *b.JobId)
	case !slices.ContainsFunc(knownStates, func(s string) bool { return strings.EqualFold(s, *b.JobState) }):
		return fmt.Sprintf("of job %s has an unknown job_state %q", *b.JobId, *b.JobState)
	}
	return ""
}

// ListFilter selects jobs; empty fields do not filter. SortBy is "asc" or "desc" (by submit
// time; the service's default is desc). JobType SparkPython is sent as SparkSubmit, the type
// such jobs are listed under.
type ListFilter struct {
	JobName, JobID, User, JobType, JobState, JobResult, Queue, SortBy string
	SubmittedBegin, SubmittedEnd                                      time.Time
}

// ListJobs pages through all matching jobs: limit=100 and offset = the 1-based page number
// 1, 2, ... until a page is shorter than the limit, empty, or total_record jobs have been
// seen. It calls each per job; an error from each stops the listing and is returned as is.
func (c *Client) ListJobs(ctx context.Context, clusterID string, f ListFilter, each func(Job) error) error {
	return c.listBeans(ctx, clusterID, f, func(b *model.JobQueryBean) error { return each(jobFromBean(b)) })
}

func (c *Client) listBeans(ctx context.Context, clusterID string, f ListFilter, each func(*model.JobQueryBean) error) error {
	if err := checkCluster(clusterID); err != nil {
		return err
	}
	api, ex, err := c.api(ctx)
	if err != nil {
		return err
	}
	req := &model.ShowJobExeListNewRequest{ClusterId: clusterID}
	optional := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	req.JobName, req.JobId, req.User, req.Queue, req.SortBy = optional(f.JobName), optional(f.JobID), optional(f.User), optional(f.Queue), optional(f.SortBy)
	if strings.EqualFold(f.JobType, typeSparkPython) {
		f.JobType = typeSparkSubmit
	}
	req.JobType = optional(f.JobType)
	if f.JobState != "" {
		var s model.ShowJobExeListNewRequestJobState
		if err := setEnum(&s, f.JobState); err != nil {
			return fmt.Errorf("job_state filter %q: %w", f.JobState, err)
		}
		req.JobState = &s
	}
	if f.JobResult != "" {
		var r model.ShowJobExeListNewRequestJobResult
		if err := setEnum(&r, f.JobResult); err != nil {
			return fmt.Errorf("job_result filter %q: %w", f.JobResult, err)
		}
		req.JobResult = &r
	}
	if !f.SubmittedBegin.IsZero() {
		ms := f.SubmittedBegin.UnixMilli()
		req.SubmittedTimeBegin = &ms
	}
	if !f.SubmittedEnd.IsZero() {
		ms := f.SubmittedEnd.UnixMilli()
		req.SubmittedTimeEnd = &ms
	}
	limit := strconv.Itoa(listPageSize)
	req.Limit = &limit

	seen := 0
	prevFirst := ""
	for page := 1; ; page++ {
		offset := strconv.Itoa(page)
		req.Offset = &offset
		var resp *model.ShowJobExeListNewResponse
		// A page whose answer is malformed is asked for again (a read changes nothing) before
		// any of its jobs is passed on.
		err := transport.Repeat(ctx, c.retry, IsMalformed, func() error {
			var err error
			resp, err = api.ShowJobExeListNew(req)
			if err != nil {
				return c.convertError(opList, err, ex)
			}
			if err := statusError(opList, resp.HttpStatusCode); err != nil {
				return err
			}
			if resp.JobList == nil {
				if resp.TotalRecord != nil {
					return nil // {"total_record": 0} without a list
				}
				return &malformedError{operation: opList, status: resp.HttpStatusCode, detail: "the answer has no job_list"}
			}
			for i := range *resp.JobList {
				if problem := checkBean(&(*resp.JobList)[i]); problem != "" {
					return &malformedError{operation: opList, status: resp.HttpStatusCode, detail: fmt.Sprintf("entry %d of job_list %s", i+1, problem)}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if resp.JobList == nil {
			return nil
		}
		jobs := *resp.JobList
		if len(jobs) > 0 && jobs[0].JobId != nil {
			first := *jobs[0].JobId
			if page > 1 && first == prevFirst {
				return &malformedError{operation: opList, status: resp.HttpStatusCode,
					detail: fmt.Sprintf("page %d repeats page %d (the service ignored offset=%d)", page, page-1, page)}
			}
			prevFirst = first
		}
		for i := range jobs {
			if err := each(&jobs[i]); err != nil {
				return err
			}
		}
		seen += len(jobs)
		if len(jobs) < listPageSize {
			return nil
		}
		if resp.TotalRecord != nil && seen >= int(*resp.TotalRecord) {
			return nil
		}
	}
}

// setEnum fills one of the SDK's enum types, whose value field is unexported, from a string.
func setEnum(u json.Unmarshaler, value string) error {
	b, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return u.UnmarshalJSON(b)
}

// Kill asks the service to stop a job (asynchronously: poll until job_state is KILLED). The
// caller decides what to do with an error (IsJobGone, or 0175/0160 for jobs that cannot be
// stopped, such as Spark SQL ones). A kill has no documented response body; any body of a 2xx
// answer is ignored.
//
// A kill is safe to repeat (a repeated kill of a job being killed or already killed changes
// nothing), so it is repeated after ambiguous failures; see repeatAfterAmbiguous for why this
// is done here rather than by marking the request transport.WithIdempotent.
func (c *Client) Kill(ctx context.Context, clusterID, jobID string) error {
	if err := checkCluster(clusterID); err != nil {
		return err
	}
	if err := checkJobID(jobID); err != nil {
		return err
	}
	return c.repeatAfterAmbiguous(ctx, func() error {
		api, ex, err := c.api(ctx)
		if err != nil {
			return err
		}
		resp, err := api.StopJob(&model.StopJobRequest{ClusterId: clusterID, JobExecutionId: jobID})
		if err != nil {
			return ignoreMalformed(c.convertError(opKill, err, ex))
		}
		return statusError(opKill, resp.HttpStatusCode)
	})
}

// repeatAfterAmbiguous runs call, repeating it (up to the retry policy's MaxAttempts, with
// backoff, within ctx) after an ambiguous failure: a connection lost after the request was
// sent, HTTP 408, 502 or 504, or HTTP 500 without an MRS error code (or with 12000004,
// "internal server error"). Only kill and batch-delete use it; both are safe to repeat.
//
// Why not transport.WithIdempotent: the transport then repeats every 500 answer, but MRS
// reports its definite refusals as HTTP 500 with an error code (0175 "failed to kill the job",
// 0183 "the job is running", 0161, 0176 per the docs...). Repeating those cannot succeed and,
// with the default policy (8 attempts, backoff up to 30 s), would stall a destroy for about a
// minute per call. Requests the service cannot have processed (429, 503, refused connections)
// are still retried by the transport, as for every request.
func (c *Client) repeatAfterAmbiguous(ctx context.Context, call func() error) error {
	attempts := max(c.retry.MaxAttempts, 1)
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil || attempt >= attempts || !ambiguousFailure(err) || ctx.Err() != nil {
			return err
		}
		transport.Debug(ctx, "repeating an MRS call after an ambiguous failure", map[string]any{"attempt": attempt, "error": err.Error()})
		if wait.Sleep(ctx, c.clock, c.retry.Backoff().Delay(attempt)) != nil {
			return err
		}
	}
}

// ambiguousFailure reports a failure that says nothing about whether the service acted.
func ambiguousFailure(err error) bool {
	var malformed *malformedError
	if errors.As(err, &malformed) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || isProjectLookupFailure(err) {
		return false
	}
	e, ok := asError(err)
	if !ok {
		return true
	}
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	case http.StatusInternalServerError:
		return e.Code == "" || e.Code == codeInternalError
	}
	return false
}

// ignoreMalformed accepts a 2xx answer whose (undocumented) body could not be decoded.
func ignoreMalformed(err error) error {
	var m *malformedError
	if errors.As(err, &m) {
		return nil
	}
	return err
}

// BatchDelete deletes the jobs in chunks of at most 100 ids per call [I: the service documents
// no limit]. Ids that are already gone count as deleted (spec §1.5 step 4): when a call is
// answered with 0176 or 0201 (job does not exist) or 0161 (batch delete failed), the service
// may have refused the whole chunk because of one id, so the chunk's ids are deleted one by
// one, where 0176/0201 mean done. 12000003 (cluster does not exist) means every job is gone.
// A bare HTTP 404 without one of these codes is an error here (a wrong endpoint must not make
// a destroy look successful). Running jobs may be refused with 0183 (IsJobRunning): kill them
// first. A delete is safe to repeat (the repeat either deletes the jobs or finds them gone,
// which counts as deleted), so it is repeated after ambiguous failures (see
// repeatAfterAmbiguous). An empty list makes no call; duplicate ids are sent once.
func (c *Client) BatchDelete(ctx context.Context, clusterID string, ids []string) error {
	if err := checkCluster(clusterID); err != nil {
		return err
	}
	unique := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if err := checkJobID(id); err != nil {
			return err
		}
		if !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	for chunk := range slices.Chunk(unique, batchDeleteChunk) {
		if err := c.deleteChunk(ctx, clusterID, chunk); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) deleteChunk(ctx context.Context, clusterID string, ids []string) error {
	err := c.batchDeleteCall(ctx, clusterID, ids)
	switch {
	case err == nil, HasCode(err, CodeClusterNotFound):
		return nil
	case len(ids) == 1 && (HasCode(err, CodeJobNotFound) || HasCode(err, CodeJobNotFound2)):
		return nil
	case len(ids) > 1 && (HasCode(err, CodeJobNotFound) || HasCode(err, CodeJobNotFound2) || HasCode(err, CodeBatchDeleteError)):
		transport.Debug(ctx, "MRS batch delete refused a chunk; deleting its jobs one by one", map[string]any{
			"cluster_id": clusterID, "jobs": len(ids), "error": err.Error(),
		})
		for _, id := range ids {
			if err := c.deleteChunk(ctx, clusterID, []string{id}); err != nil {
				return err
			}
		}
		return nil
	}
	return err
}

func (c *Client) batchDeleteCall(ctx context.Context, clusterID string, ids []string) error {
	return c.repeatAfterAmbiguous(ctx, func() error {
		api, ex, err := c.api(ctx)
		if err != nil {
			return err
		}
		list := slices.Clone(ids)
		resp, err := api.BatchDeleteJobs(&model.BatchDeleteJobsRequest{ClusterId: clusterID, Body: &model.JobBatchDelete{JobIdList: &list}})
		if err != nil {
			return ignoreMalformed(c.convertError(opBatchDelete, err, ex))
		}
		return statusError(opBatchDelete, resp.HttpStatusCode)
	})
}
