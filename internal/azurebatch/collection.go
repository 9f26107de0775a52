package azurebatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

// The limits of one Add Task Collection call (spec §2.2); the service refuses a call beyond
// either with RequestBodyTooLarge.
const (
	// MaxTasksPerCollection is the most tasks one call may carry.
	MaxTasksPerCollection = 100
	// MaxCollectionBodyBytes is the largest JSON body of one call: under 1 MB, read as 10^6
	// bytes, the stricter of the two readings (the emulator allows 1 MiB).
	MaxCollectionBodyBytes = 1_000_000 - 1
)

// collectionEnvelope is the size of a call's body around its tasks: {"value":[ and ]}.
const collectionEnvelope = len(`{"value":[]}`)

// collectionConcurrency bounds the Add Task Collection calls in flight for one AddTasks, so that
// thousands of tasks do not flood the service.
const collectionConcurrency = 8

// maxListResults is the page size of ListTasks, the most the service allows.
const maxListResults = 1000

// AddTaskResult is the outcome of one task of AddTasks.
type AddTaskResult struct {
	TaskID string
	// Adopted is set when the task already existed as asked for (see AddTask).
	Adopted bool
	// Err is nil when the task was added or adopted. Otherwise it is a *TaskAddError (the service
	// refused the task), a *TaskConflictError (a different task has the id), an
	// *OutcomeUnknownError (the task may exist), the error of the whole call (such as 404
	// JobNotFound, nothing added), or the error of reading the existing task after TaskExists.
	Err error
}

// TaskAddError is one task of an Add Task Collection call that the service did not add: a
// client error (do not repeat unchanged) or a server error (may be repeated).
type TaskAddError struct {
	JobID, TaskID string
	ServerError   bool
	// Err holds the service's BatchError for the task; it has no HTTP status of its own (the
	// call was answered 200).
	Err *Error
}

func (e *TaskAddError) Error() string {
	what := "refused task"
	if e.ServerError {
		what = "failed with a server error to add task"
	}
	return fmt.Sprintf("Azure Batch %s %q of job %q:", what, e.TaskID, e.JobID) + e.Err.details()
}

func (e *TaskAddError) Unwrap() error { return e.Err }

// AddTasks adds tasks to a job with Add Task Collection and returns one result per task, in
// order. The tasks go in calls of at most MaxTasksPerCollection tasks and
// MaxCollectionBodyBytes of JSON, up to collectionConcurrency calls at a time. Each task is
// resolved as AddTask resolves one: a TaskExists is adopted when the existing task is the one
// asked for, else it is a *TaskConflictError.
//
// When a call's answer is lost (the transport repeats it within the retry policy first) or
// says nothing of some of its tasks, those tasks are sent once more while the context allows:
// the service answers TaskExists for the ones the first call added, which are adopted, so no
// task is added twice. What is still unknown after that is an *OutcomeUnknownError.
//
// Task ids must be valid (CheckID) and unique ignoring case: results are matched to tasks by
// id, so a task breaking that is refused here, without being sent.
func (c *Client) AddTasks(ctx context.Context, jobID string, tasks []TaskSpec) []AddTaskResult {
	results := make([]AddTaskResult, len(tasks))
	sizes := make([]int, len(tasks))
	seen := make(map[string]int, len(tasks))
	var todo []int
	for i, task := range tasks {
		id := valueOf(task.ID)
		results[i].TaskID = id
		if err := CheckID(id); err != nil {
			results[i].Err = fmt.Errorf("task ID %q %s", id, IDRule)
			continue
		}
		if first, dup := seen[strings.ToLower(id)]; dup {
			results[i].Err = fmt.Errorf("task ID %q is given more than once (also as %q); task IDs in a job are unique, ignoring case",
				id, results[first].TaskID)
			continue
		}
		seen[strings.ToLower(id)] = i
		body, err := json.Marshal(task)
		if err != nil {
			results[i].Err = fmt.Errorf("task %q: %w", id, err)
			continue
		}
		if sizes[i] = len(body); collectionEnvelope+sizes[i] > MaxCollectionBodyBytes {
			results[i].Err = fmt.Errorf("task %q is %d bytes of JSON, more than one Add Task Collection call may carry (%d bytes)",
				id, sizes[i], MaxCollectionBodyBytes-collectionEnvelope)
			continue
		}
		todo = append(todo, i)
	}
	for round := 0; round < 2 && len(todo) > 0; round++ {
		if round > 0 && ctx.Err() != nil {
			break
		}
		calls := splitCollection(todo, sizes)
		var mu sync.Mutex
		var again []int
		wait.ForEach(len(calls), collectionConcurrency, func(k int) {
			unknown := c.addCollection(ctx, jobID, tasks, calls[k], results)
			mu.Lock()
			again = append(again, unknown...)
			mu.Unlock()
		})
		slices.Sort(again)
		todo = again
	}
	return results
}

// splitCollection cuts the tasks todo (indices; sizes holds each task's JSON size) into calls
// within both limits, keeping their order.
func splitCollection(todo []int, sizes []int) [][]int {
	var calls [][]int
	var call []int
	body := collectionEnvelope
	for _, i := range todo {
		n := sizes[i]
		if len(call) > 0 {
			n++ // the comma
		}
		if len(call) == MaxTasksPerCollection || body+n > MaxCollectionBodyBytes {
			calls = append(calls, call)
			call, body, n = nil, collectionEnvelope, sizes[i]
		}
		call = append(call, i)
		body += n
	}
	if len(call) > 0 {
		calls = append(calls, call)
	}
	return calls
}

// addCollection sends one Add Task Collection call with tasks[idx...] and writes their results.
// It returns the tasks whose outcome is unknown, to be sent again.
func (c *Client) addCollection(ctx context.Context, jobID string, tasks []TaskSpec, idx []int, results []AddTaskResult) (unknown []int) {
	group := azbatch.TaskGroup{Value: make([]TaskSpec, len(idx))}
	byID := make(map[string]int, len(idx))
	for k, i := range idx {
		group.Value[k] = tasks[i]
		byID[strings.ToLower(valueOf(tasks[i].ID))] = i
	}
	var answer azbatch.CreateTaskCollectionResponse
	err := c.create(ctx, "add task collection", jobID, "the tasks may or may not have been added", func(ctx context.Context) error {
		var raw *http.Response
		resp, err := c.sdk.CreateTaskCollection(policy.WithCaptureResponse(ctx, &raw), jobID, group, nil)
		answer = resp
		return decodeFailure(asError(err), raw)
	})
	if err != nil {
		for _, i := range idx {
			results[i] = AddTaskResult{TaskID: results[i].TaskID, Err: err}
		}
		var u *OutcomeUnknownError
		if errors.As(err, &u) {
			return idx
		}
		return nil
	}

	answered := make(map[int]bool, len(idx))
	exists := map[int]error{} // TaskExists, by task index: adopted below, together
	for _, r := range answer.Value {
		i, ok := byID[strings.ToLower(valueOf(r.TaskID))]
		if !ok || answered[i] {
			continue // a result for a task not sent says nothing of those that were
		}
		answered[i] = true
		id := results[i].TaskID
		taskErr := &TaskAddError{JobID: jobID, TaskID: id, Err: serviceError(r.Error, valueOf(answer.RequestID))}
		// The wire spells the status "Success", the API "success".
		switch status := valueOf(r.Status); {
		case strings.EqualFold(string(status), string(azbatch.TaskAddStatusSuccess)):
			results[i] = AddTaskResult{TaskID: id}
		case strings.EqualFold(string(status), string(azbatch.TaskAddStatusClientError)) && HasCode(taskErr, "TaskExists"):
			exists[i] = taskErr
		case strings.EqualFold(string(status), string(azbatch.TaskAddStatusClientError)):
			results[i] = AddTaskResult{TaskID: id, Err: taskErr}
		case strings.EqualFold(string(status), string(azbatch.TaskAddStatusServerError)):
			taskErr.ServerError = true
			results[i] = AddTaskResult{TaskID: id, Err: &OutcomeUnknownError{Err: taskErr}}
			unknown = append(unknown, i)
		default:
			results[i] = AddTaskResult{TaskID: id, Err: &OutcomeUnknownError{Err: &MalformedError{
				Operation: "add task collection", Target: jobID + "/" + id, StatusCode: http.StatusOK,
				Detail: fmt.Sprintf("the answer gives the task the unknown status %q", status), Effect: "the task may or may not have been added",
			}}}
			unknown = append(unknown, i)
		}
	}
	c.adoptExisting(ctx, jobID, tasks, exists, results)
	for _, i := range idx {
		if !answered[i] {
			results[i] = AddTaskResult{TaskID: results[i].TaskID, Err: &OutcomeUnknownError{Err: &MalformedError{
				Operation: "add task collection", Target: jobID + "/" + results[i].TaskID, StatusCode: http.StatusOK,
				Detail: "the answer has no result for the task", Effect: "the task may or may not have been added",
			}}}
			unknown = append(unknown, i)
		}
	}
	return unknown
}

// adoptExisting resolves the tasks a collection call answered TaskExists for (exists: task index
// to that error) as adopt does, reading them with one filtered List Tasks per maxFilteredIDs
// tasks rather than one Get Task each: after a lost answer, that is every task of the call. A
// task the list does not show (its id differs in case from the existing one's, which the
// filter may not match) is read with Get Task.
func (c *Client) adoptExisting(ctx context.Context, jobID string, tasks []TaskSpec, exists map[int]error, results []AddTaskResult) {
	if len(exists) == 1 {
		for i, taskErr := range exists {
			adopted, err := c.adopt(ctx, jobID, tasks[i], taskErr)
			results[i] = AddTaskResult{TaskID: results[i].TaskID, Adopted: adopted, Err: err}
		}
		return
	}
	order := slices.Sorted(maps.Keys(exists))
	for chunk := range slices.Chunk(order, maxFilteredIDs) {
		ids := make([]string, len(chunk))
		for k, i := range chunk {
			ids[k] = results[i].TaskID
		}
		listed, err := c.ListTasks(ctx, jobID, idFilter(ids), nil)
		byID := make(map[string]*Task, len(listed))
		for k := range listed {
			byID[strings.ToLower(valueOf(listed[k].ID))] = &listed[k]
		}
		for _, i := range chunk {
			id := results[i].TaskID
			existing, ok := byID[strings.ToLower(id)]
			switch {
			case err != nil:
				results[i] = AddTaskResult{TaskID: id, Err: err}
			case !ok:
				adopted, err := c.adopt(ctx, jobID, tasks[i], exists[i])
				results[i] = AddTaskResult{TaskID: id, Adopted: adopted, Err: err}
			case !sameTask(existing, tasks[i]):
				results[i] = AddTaskResult{TaskID: id, Err: &TaskConflictError{JobID: jobID, TaskID: id, ExistingID: valueOf(existing.ID), Err: exists[i]}}
			default:
				results[i] = AddTaskResult{TaskID: id, Adopted: true}
			}
		}
	}
}

// serviceError turns a task's BatchError in a collection answer into an *Error, without a
// status (the call's was 200).
func serviceError(be *azbatch.Error, requestID string) *Error {
	e := &Error{RequestID: requestID}
	if be == nil {
		return e
	}
	body := batchError{Code: valueOf(be.Code)}
	if be.Message != nil {
		body.Message.Value = valueOf(be.Message.Value)
	}
	for _, v := range be.Values {
		body.Values = append(body.Values, batchErrorValue{Key: valueOf(v.Key), Value: valueOf(v.Value)})
	}
	e.setBody(body)
	return e
}

// ListTasks reads the tasks of a job that match filter (an OData $filter, "" for all), with
// only the top-level properties selectFields names (nil for all), in pages of up to 1000. The
// pages follow odata.nextLink through the SDK's pager, each a request of its own (signed anew).
// A page that does not decode is read again within the retry policy; a task that lacks its id
// or a known state, where those were selected, is a *MalformedError.
func (c *Client) ListTasks(ctx context.Context, jobID, filter string, selectFields []string) ([]Task, error) {
	opts := &azbatch.ListTasksOptions{MaxResults: Ptr[int32](maxListResults), SelectParam: selectFields}
	if filter != "" {
		opts.Filter = &filter
	}
	pager := c.sdk.NewListTasksPager(jobID, opts)
	tasks := []Task{}
	for pager.More() {
		var page azbatch.ListTasksResponse
		// A failed page leaves the pager where it was, so NextPage reads the same page again.
		err := transport.Repeat(ctx, c.retry, IsMalformed, func() error {
			var raw *http.Response
			p, err := pager.NextPage(policy.WithCaptureResponse(ctx, &raw))
			if err != nil {
				return withOperation(decodeFailure(asError(err), raw), "list tasks", jobID, "")
			}
			page = p
			return nil
		})
		if err != nil {
			return nil, err
		}
		for i := range page.Value {
			if err := checkListedTask(&page.Value[i], selectFields); err != nil {
				return nil, withOperation(err, "list tasks", jobID, "")
			}
		}
		tasks = append(tasks, page.Value...)
	}
	return tasks, nil
}

// maxFilteredIDs is the most task ids ListTasksByID names in a $filter: a longer filter costs
// the service more than it saves, and the list of a whole job is one request per 1000 tasks.
const maxFilteredIDs = 20

// ListTasksByID reads the tasks taskIDs of a job (every task when taskIDs is empty) with
// ListTasks: a $filter naming each id for a few, the whole job for more, so the answer may hold
// other tasks of the job too. Task ids hold no quotes (IDRule), so they go in the filter as they
// are.
func (c *Client) ListTasksByID(ctx context.Context, jobID string, taskIDs []string, selectFields []string) ([]Task, error) {
	filter := ""
	if len(taskIDs) > 0 && len(taskIDs) <= maxFilteredIDs {
		filter = idFilter(taskIDs)
	}
	return c.ListTasks(ctx, jobID, filter, selectFields)
}

// idFilter is the $filter of List Tasks that names each of taskIDs.
func idFilter(taskIDs []string) string {
	terms := make([]string, len(taskIDs))
	for i, id := range taskIDs {
		terms[i] = fmt.Sprintf("id eq '%s'", id)
	}
	return strings.Join(terms, " or ")
}

// checkListedTask is checkTask for a task of a list, whose id is not known beforehand and
// whose id and state are only there when selected.
func checkListedTask(t *Task, selectFields []string) error {
	selected := func(name string) bool {
		return len(selectFields) == 0 || slices.ContainsFunc(selectFields, func(f string) bool {
			return strings.EqualFold(strings.TrimSpace(f), name)
		})
	}
	if selected("id") && valueOf(t.ID) == "" {
		return &MalformedError{StatusCode: http.StatusOK, Detail: "a task in the answer has no task id"}
	}
	if !selected("state") {
		return nil
	}
	id := valueOf(t.ID)
	if id == "" {
		id = "?" // not selected: only the state is checked
	}
	return checkIDAndState("task", &id, id, t.State, azbatch.PossibleTaskStateValues())
}

// taskConcurrency bounds the single-task calls in flight for one of the many-task methods below.
const taskConcurrency = 8

// eachTask calls do for tasks 0..n-1, taskConcurrency at a time, and returns its errors in
// order. The tasks are independent: one failing stops none of the others.
func eachTask(n int, do func(i int) error) []error {
	errs := make([]error, n)
	wait.ForEach(n, taskConcurrency, func(i int) { errs[i] = do(i) })
	return errs
}

// DeleteTasks deletes the tasks with Delete Task, taskConcurrency calls at a time, and returns
// one error per task, nil for a task that is gone (404 included).
func (c *Client) DeleteTasks(ctx context.Context, jobID string, taskIDs []string) []error {
	return eachTask(len(taskIDs), func(i int) error { return c.DeleteTask(ctx, jobID, taskIDs[i]) })
}

// ReactivateTask runs a failed, completed task again under the same id: it goes back to active
// with its retry count reset. The service refuses tasks that are not completed
// (TaskNotCompleted) or that succeeded (TaskSucceeded).
func (c *Client) ReactivateTask(ctx context.Context, jobID, taskID string) error {
	_, err := c.sdk.ReactivateTask(ctx, jobID, taskID, nil)
	return withOperation(asError(err), "reactivate task", jobID+"/"+taskID, "the task may or may not run again")
}

// ReactivateTasks reactivates the tasks, taskConcurrency calls at a time, and returns one error
// per task.
func (c *Client) ReactivateTasks(ctx context.Context, jobID string, taskIDs []string) []error {
	return eachTask(len(taskIDs), func(i int) error { return c.ReactivateTask(ctx, jobID, taskIDs[i]) })
}

// ConstraintsUpdate is one task's part of UpdateManyConstraints: the arguments of
// UpdateConstraints.
type ConstraintsUpdate struct {
	TaskID string
	Want   TaskConstraints
	Seen   *TaskConstraints
	ETag   string
}

// UpdateManyConstraints runs UpdateConstraints for each task, taskConcurrency at a time, and
// returns one error per update.
func (c *Client) UpdateManyConstraints(ctx context.Context, jobID string, updates []ConstraintsUpdate) []error {
	return eachTask(len(updates), func(i int) error {
		u := updates[i]
		return c.UpdateConstraints(ctx, jobID, u.TaskID, u.Want, u.Seen, u.ETag)
	})
}
