package azurebatch

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

func taskURL(base, jobID, taskID string) string {
	return base + "/jobs/" + url.PathEscape(jobID) + "/tasks/" + url.PathEscape(taskID)
}

// render returns the task as the service returns it. The container
// registry password is never returned [I].
func (s *Service) render(j *jobState, t *taskState, base string) Task {
	p := t.p
	out := Task{
		ID:                           t.id(),
		DisplayName:                  p.DisplayName,
		URL:                          taskURL(base, j.id(), t.id()),
		ETag:                         t.etag,
		CreationTime:                 formatTime(t.created),
		LastModified:                 formatTime(t.lastModified),
		ExitConditions:               p.ExitConditions,
		State:                        t.state,
		StateTransitionTime:          formatTime(t.stateTime),
		CommandLine:                  *p.CommandLine,
		ResourceFiles:                p.ResourceFiles,
		OutputFiles:                  p.OutputFiles,
		EnvironmentSettings:          p.EnvironmentSettings,
		AffinityInfo:                 p.AffinityInfo,
		Constraints:                  *p.Constraints,
		RequiredSlots:                *p.RequiredSlots,
		UserIdentity:                 *p.UserIdentity,
		MultiInstanceSettings:        p.MultiInstanceSettings,
		DependsOn:                    p.DependsOn,
		ApplicationPackageReferences: p.ApplicationPackageReferences,
		AuthenticationTokenSettings:  p.AuthenticationTokenSettings,
		ExecutionInfo: TaskExecutionInfo{
			StartTime:     formatTimePtr(t.startTime),
			EndTime:       formatTimePtr(t.endTime),
			ExitCode:      t.exitCode,
			FailureInfo:   t.failure,
			RetryCount:    t.retryCount,
			LastRetryTime: formatTimePtr(t.lastRetryTime),
			RequeueCount:  0,
		},
	}
	if t.prevState != "" {
		out.PreviousState = ptr(t.prevState)
		out.PreviousStateTransitionTime = formatTimePtr(t.prevStateTime)
	}
	if t.result != "" {
		out.ExecutionInfo.Result = ptr(t.result)
	}
	if t.onNode {
		out.NodeInfo = nodeInfo(base, j, t)
	}
	if cs := p.ContainerSettings; cs != nil {
		c := *cs
		if c.Registry != nil {
			r := *c.Registry
			r.Password = nil
			c.Registry = &r
		}
		out.ContainerSettings = &c
	}
	// Deep-copy through JSON so callers of the Go API cannot alias state.
	b, _ := json.Marshal(out)
	var cp Task
	_ = json.Unmarshal(b, &cp)
	return cp
}

// lookup finds the job and task, advancing the task to now.
func (s *Service) lookup(jobID, taskID string, now time.Time) (*jobState, *taskState, *apiError) {
	j, e := s.existingJob(jobID, now)
	if e != nil {
		return nil, nil, e
	}
	t := j.task(taskID)
	if t == nil {
		return j, nil, newError(http.StatusNotFound, codeTaskNotFound)
	}
	s.advance(j, t, now)
	return j, t, nil
}

// checkConditions applies If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since. A failed condition is 304 on reads and 412
// ConditionNotMet on writes; more than one condition header is 400
// MultipleConditionHeadersNotSupported. If-Match and If-None-Match compare
// the ETag exactly as the service returns it (unquoted); a quoted or weak
// form of the same value is accepted too [I], as is "*".
func checkConditions(r *http.Request, etag string, lastModified time.Time, read bool) *apiError {
	n := 0
	for _, h := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if r.Header.Get(h) != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if n > 1 {
		return newError(http.StatusBadRequest, codeMultipleConditionHeaders)
	}
	failed := func() *apiError {
		if read {
			return newError(http.StatusNotModified, codeConditionNotMet)
		}
		return newError(http.StatusPreconditionFailed, codeConditionNotMet)
	}
	lm := lastModified.Truncate(time.Second)
	if v := r.Header.Get("If-Match"); v != "" {
		if !etagMatches(v, etag) {
			return failed()
		}
	}
	if v := r.Header.Get("If-None-Match"); v != "" {
		if etagMatches(v, etag) {
			return failed()
		}
	}
	if v := r.Header.Get("If-Modified-Since"); v != "" {
		t, ok := parseHTTPDate(v)
		if !ok {
			return newError(http.StatusBadRequest, codeInvalidHeaderValue, "HeaderName", "If-Modified-Since", "HeaderValue", v)
		}
		if !lm.After(t) {
			return failed()
		}
	}
	if v := r.Header.Get("If-Unmodified-Since"); v != "" {
		t, ok := parseHTTPDate(v)
		if !ok {
			return newError(http.StatusBadRequest, codeInvalidHeaderValue, "HeaderName", "If-Unmodified-Since", "HeaderValue", v)
		}
		if lm.After(t) {
			return failed()
		}
	}
	return nil
}

func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(v)
		if v == "*" {
			return true
		}
		v = strings.TrimPrefix(v, "W/")
		v = strings.Trim(v, `"`)
		if v == etag {
			return true
		}
	}
	return false
}

// createTask validates p and stores the task. Callers hold s.mu.
func (s *Service) createTask(j *jobState, p TaskAddParameter, now time.Time) (*taskState, *apiError) {
	if e := validateTask(&p, j); e != nil {
		return nil, e
	}
	if j.task(*p.ID) != nil {
		return nil, newError(http.StatusConflict, codeTaskExists)
	}
	if j.p.JobPreparationTask != nil && strings.EqualFold(*p.ID, specialTaskID(j.p.JobPreparationTask)) {
		return nil, newError(http.StatusConflict, codeTaskIDSameAsJobPreparation)
	}
	if j.p.JobReleaseTask != nil && strings.EqualFold(*p.ID, specialTaskID(j.p.JobReleaseTask)) {
		return nil, newError(http.StatusConflict, codeTaskIDSameAsJobRelease)
	}
	j.nextSeq++
	t := newTaskState(p, now, j.nextSeq)
	t.etag = s.newETag(now)
	j.tasks[strings.ToLower(*p.ID)] = t
	return t, nil
}

// readJSON reads the request body and decodes it into v; an empty body is
// an error.
func readJSON(q *request, v any) *apiError {
	body, e := readBody(q)
	if e != nil {
		return e
	}
	return decodeJSON(body, v)
}

func decodeJSON(body []byte, v any) *apiError {
	if len(strings.TrimSpace(string(body))) == 0 {
		return newError(http.StatusBadRequest, codeInvalidRequestBody, "Reason", "The request body is empty.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return newError(http.StatusBadRequest, codeInvalidRequestBody, "Reason", err.Error())
	}
	return nil
}

// addTask serves POST /jobs/{job}/tasks.
func (s *Service) addTask(q *request, jobID string) *apiError {
	var p TaskAddParameter
	if e := readJSON(q, &p); e != nil {
		return e
	}
	return s.withJob(q, jobID, func(j *jobState) *apiError {
		if e := jobAcceptsChanges(j); e != nil {
			return e
		}
		t, e := s.createTask(j, p, q.now)
		if e != nil {
			return e
		}
		writeCreated(q, t.etag, t.lastModified, taskURL(q.base, j.id(), t.id()))
		return nil
	})
}

// withJob runs fn under the service's lock with the job the request names.
func (s *Service) withJob(q *request, jobID string, fn func(*jobState) *apiError) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, e := s.existingJob(jobID, q.now)
	if e != nil {
		return e
	}
	return fn(j)
}

// withTask runs fn under the service's lock with the task the request names, advanced to now.
func (s *Service) withTask(q *request, jobID, taskID string, fn func(*jobState, *taskState) *apiError) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, t, e := s.lookup(jobID, taskID, q.now)
	if e != nil {
		return e
	}
	return fn(j, t)
}

// writeEntity answers the read of one task or job: its ETag and Last-Modified, the verdict of
// the conditional headers, then the entity, cut to $select when given.
func writeEntity(q *request, etag string, lastModified time.Time, sel []string, entity any) *apiError {
	h := q.w.Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", httpTime(lastModified))
	if e := checkConditions(q.r, etag, lastModified, true); e != nil {
		return e
	}
	if sel != nil {
		entity = project(entity, sel, true)
	}
	writeJSON(q.w, http.StatusOK, entity)
	return nil
}

// MaxTasksPerCollection is the Add Task Collection limit.
const MaxTasksPerCollection = 100

// POST /jobs/{job}/addtaskcollection. Each task is validated and added on
// its own; failures are per-task ClientError results [I].
func (s *Service) addTaskCollection(q *request, jobID string) *apiError {
	var coll struct {
		Value *[]json.RawMessage `json:"value"`
	}
	if e := readJSON(q, &coll); e != nil {
		return e
	}
	if coll.Value == nil {
		return missingProperty("value")
	}
	if len(*coll.Value) > MaxTasksPerCollection {
		return newError(http.StatusRequestEntityTooLarge, codeRequestBodyTooLarge,
			"Reason", "A task collection may hold at most 100 tasks.")
	}
	return s.withJob(q, jobID, func(j *jobState) *apiError {
		// A job that takes no tasks fails the whole request [I].
		if e := jobAcceptsChanges(j); e != nil {
			return e
		}
		results := make([]TaskAddResult, 0, len(*coll.Value))
		for _, raw := range *coll.Value {
			var p TaskAddParameter
			res := TaskAddResult{}
			e := decodeJSON(raw, &p)
			if p.ID != nil {
				res.TaskID = *p.ID
			}
			var t *taskState
			if e == nil {
				t, e = s.createTask(j, p, q.now)
			}
			if e != nil && e.code == codeTaskDependenciesNotOnJob {
				// What the service answers here, unlike Add Task (spec §11.7,
				// azure-sdk-for-python #27859 and #42399).
				e = newError(http.StatusBadRequest, codeUnsupportedProperty, "PropertyName", "dependsOn")
			}
			if e != nil {
				res.Status = "ClientError"
				res.Error = e.batchError("", q.id, q.now)
			} else {
				res.Status = "Success"
				res.ETag = t.etag
				res.LastModified = formatTime(t.lastModified)
				res.Location = taskURL(q.base, j.id(), t.id())
			}
			results = append(results, res)
		}
		writeJSON(q.w, http.StatusOK, struct {
			ODataMetadata string          `json:"odata.metadata"`
			Value         []TaskAddResult `json:"value"`
		}{q.base + "/$metadata#taskaddresult", results})
		return nil
	})
}

// getTask serves GET /jobs/{job}/tasks/{task}.
func (s *Service) getTask(q *request, jobID, taskID string) *apiError {
	sel, e := parseSelect(q)
	if e != nil {
		return e
	}
	return s.withTask(q, jobID, taskID, func(j *jobState, t *taskState) *apiError {
		out := s.render(j, t, q.base)
		out.ODataMetadata = q.base + "/$metadata#tasks/@Element"
		return writeEntity(q, t.etag, t.lastModified, sel, out)
	})
}

// PUT /jobs/{job}/tasks/{task}: replaces the constraints (omitted fields
// reset to the defaults); other fields of the body are ignored.
func (s *Service) updateTask(q *request, jobID, taskID string) *apiError {
	var p TaskUpdateParameter
	if e := readJSON(q, &p); e != nil {
		return e
	}
	return s.withTask(q, jobID, taskID, func(j *jobState, t *taskState) *apiError {
		c, e := normalizeConstraints(p.Constraints, j.maxTaskRetryCount())
		if e != nil {
			return e
		}
		if e := checkConditions(q.r, t.etag, t.lastModified, false); e != nil {
			return e
		}
		if e := jobAcceptsChanges(j); e != nil {
			return e
		}
		t.p.Constraints = &c
		t.lastModified = q.now
		t.etag = s.newETag(q.now)
		// A new maxWallClockTime may end the current attempt in the past.
		s.advance(j, t, q.now)
		writeTaskChanged(q, j, t, http.StatusOK)
		return nil
	})
}

// writeTask runs change on the task under the lock, once the task exists and
// the request's conditions (If-Match etc.) hold as for any write.
func (s *Service) writeTask(q *request, jobID, taskID string, change func(*jobState, *taskState) *apiError) *apiError {
	return s.withTask(q, jobID, taskID, func(j *jobState, t *taskState) *apiError {
		if e := checkConditions(q.r, t.etag, t.lastModified, false); e != nil {
			return e
		}
		if j.state == JobStateDeleting {
			return newError(http.StatusConflict, codeJobBeingDeleted)
		}
		return change(j, t)
	})
}

// deleteTask serves DELETE /jobs/{job}/tasks/{task}.
func (s *Service) deleteTask(q *request, jobID, taskID string) *apiError {
	return s.writeTask(q, jobID, taskID, func(j *jobState, t *taskState) *apiError {
		delete(j.tasks, strings.ToLower(t.id()))
		j.taskRemovedAt = q.now
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// terminateTask serves POST /jobs/{job}/tasks/{task}/terminate.
func (s *Service) terminateTask(q *request, jobID, taskID string) *apiError {
	return s.writeTask(q, jobID, taskID, func(j *jobState, t *taskState) *apiError {
		if t.state == StateCompleted {
			return newError(http.StatusConflict, codeTaskCompleted)
		}
		s.terminate(t, q.now)
		writeTaskChanged(q, j, t, http.StatusNoContent)
		return nil
	})
}

// reactivateTask serves POST /jobs/{job}/tasks/{task}/reactivate.
func (s *Service) reactivateTask(q *request, jobID, taskID string) *apiError {
	return s.writeTask(q, jobID, taskID, func(j *jobState, t *taskState) *apiError {
		if t.state != StateCompleted {
			return newError(http.StatusConflict, codeTaskNotCompleted)
		}
		if j.state == JobStateCompleted {
			return newError(http.StatusConflict, codeJobCompleted)
		}
		if t.result == resultSuccess {
			return newError(http.StatusConflict, codeTaskSucceeded)
		}
		s.reactivate(t, q.now)
		writeTaskChanged(q, j, t, http.StatusNoContent)
		return nil
	})
}

// writeTaskChanged answers a write that changed the task: its new ETag and
// time, and its URL in DataServiceId, without a body.
func writeTaskChanged(q *request, j *jobState, t *taskState, status int) {
	h := q.w.Header()
	h.Set("ETag", t.etag)
	h.Set("Last-Modified", httpTime(t.lastModified))
	h.Set("DataServiceId", taskURL(q.base, j.id(), t.id()))
	q.w.WriteHeader(status)
}

// GET /jobs/{job}/tasks/{task}/subtasksinfo: the emulator runs no
// multi-instance subtasks, so the list is empty.
func (s *Service) listSubtasks(q *request, jobID, taskID string) *apiError {
	return s.withTask(q, jobID, taskID, func(*jobState, *taskState) *apiError {
		writeJSON(q.w, http.StatusOK, map[string]any{
			"odata.metadata": q.base + "/$metadata#subtaskinformations",
			"value":          []any{},
		})
		return nil
	})
}

// GET /jobs/{job}/tasks: tasks in the order they were added; maxresults
// (1..1000, default 1000) per page; odata.nextLink is the request URL with
// $skiptoken set (opaque: it names the last task returned), absolute, and
// keeps api-version, $filter, $select and maxresults.
func (s *Service) listTasks(q *request, jobID string) *apiError {
	pageSize := 1000
	if v, ok := q.queryValue("maxresults"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return newError(http.StatusBadRequest, codeInvalidQueryParameterValue, "QueryParameterName", "maxresults", "QueryParameterValue", v)
		}
		if n < 1 || n > 1000 {
			return newError(http.StatusBadRequest, codeOutOfRangeQueryParameterValue, "QueryParameterName", "maxresults", "QueryParameterValue", v, "Reason", "The value must be between 1 and 1000.")
		}
		pageSize = n
	}
	var filter filterExpr
	if v, ok := q.queryValue("$filter"); ok && strings.TrimSpace(v) != "" {
		f, err := parseFilter(v)
		if err != nil {
			return newError(http.StatusBadRequest, codeInvalidQueryParameterValue, "QueryParameterName", "$filter", "QueryParameterValue", v, "Reason", err.Error())
		}
		filter = f
	}
	var after uint64
	if v, ok := q.queryValue("$skiptoken"); ok && v != "" {
		n, err := strconv.ParseUint(strings.TrimPrefix(v, "seq-"), 10, 64)
		if err != nil || !strings.HasPrefix(v, "seq-") {
			return newError(http.StatusBadRequest, codeInvalidQueryParameterValue, "QueryParameterName", "$skiptoken", "QueryParameterValue", v)
		}
		after = n
	}
	sel, e := parseSelect(q)
	if e != nil {
		return e
	}

	return s.withJob(q, jobID, func(j *jobState) *apiError {
		all := make([]*taskState, 0, len(j.tasks))
		for _, t := range j.tasks {
			if t.seq > after {
				all = append(all, t)
			}
		}
		sort.Slice(all, func(a, b int) bool { return all[a].seq < all[b].seq })
		page := []any{}
		var last uint64
		more := false
		for _, t := range all {
			s.advance(j, t, q.now)
			rendered := s.render(j, t, q.base)
			if filter != nil && !filter.eval(toMap(rendered)) {
				continue
			}
			if len(page) == pageSize {
				more = true
				break
			}
			if sel != nil {
				page = append(page, project(rendered, sel, false))
			} else {
				page = append(page, rendered)
			}
			last = t.seq
		}
		resp := struct {
			ODataMetadata string `json:"odata.metadata"`
			Value         []any  `json:"value"`
			NextLink      string `json:"odata.nextLink,omitempty"`
		}{ODataMetadata: q.base + "/$metadata#tasks", Value: page}
		if more {
			resp.NextLink = nextLink(q, "seq-"+strconv.FormatUint(last, 10))
		}
		writeJSON(q.w, http.StatusOK, resp)
		return nil
	})
}

// nextLink rebuilds the request URL with a new $skiptoken.
func nextLink(q *request, token string) string {
	_, rawQuery := requestTarget(q.r)
	parsed, _ := url.ParseQuery(rawQuery)
	keys := make([]string, 0, len(parsed))
	for k := range parsed {
		if strings.EqualFold(k, "$skiptoken") {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range parsed[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(strings.ReplaceAll(url.QueryEscape(k), "%24", "$"))
			b.WriteByte('=')
			b.WriteString(strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
		}
	}
	b.WriteString("&$skiptoken=" + url.QueryEscape(token))
	return q.base + q.path + "?" + b.String()
}

func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// parseSelect reads $select: a comma-separated list of top-level property
// names (nil when absent).
func parseSelect(q *request) ([]string, *apiError) {
	v, ok := q.queryValue("$select")
	if !ok || strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" || strings.ContainsAny(f, " ()'") {
			return nil, newError(http.StatusBadRequest, codeInvalidQueryParameterValue, "QueryParameterName", "$select", "QueryParameterValue", v)
		}
		out = append(out, f)
	}
	return out, nil
}

// project keeps the selected top-level properties (matched
// case-insensitively) and odata.metadata.
func project(v any, sel []string, keepMetadata bool) map[string]any {
	m := toMap(v)
	out := map[string]any{}
	if keepMetadata {
		if md, ok := m["odata.metadata"]; ok {
			out["odata.metadata"] = md
		}
	}
	for k, val := range m {
		for _, f := range sel {
			if strings.EqualFold(k, f) {
				out[k] = val
			}
		}
	}
	return out
}

// Go API for tests.

// Task returns the stored task as GET would return it (advanced to the
// current clock), using the base URL given to SetBaseURL. Ids are matched
// case-insensitively.
func (s *Service) Task(jobID, taskID string) (Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, t, e := s.lookup(jobID, taskID, s.clockNow())
	if e != nil {
		return Task{}, false
	}
	return s.render(j, t, s.BaseURL()), true
}

// Tasks returns the tasks of a job in the order they were added.
func (s *Service) Tasks(jobID string) []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.findJob(jobID, s.clockNow())
	if j == nil {
		return nil
	}
	now := s.clockNow()
	all := make([]*taskState, 0, len(j.tasks))
	for _, t := range j.tasks {
		all = append(all, t)
	}
	sort.Slice(all, func(a, b int) bool { return all[a].seq < all[b].seq })
	out := make([]Task, 0, len(all))
	for _, t := range all {
		s.advance(j, t, now)
		out = append(out, s.render(j, t, s.BaseURL()))
	}
	return out
}

// TaskExists reports whether the task exists.
func (s *Service) TaskExists(jobID, taskID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.findJob(jobID, s.clockNow())
	return j != nil && j.task(taskID) != nil
}

// TaskCount returns the number of tasks in the job (0 for a missing job).
func (s *Service) TaskCount(jobID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.findJob(jobID, s.clockNow())
	if j == nil {
		return 0
	}
	return len(j.tasks)
}

// DeleteTask removes a task out of band (for drift tests). It reports
// whether the task existed.
func (s *Service) DeleteTask(jobID, taskID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.findJob(jobID, s.clockNow())
	if j == nil || j.task(taskID) == nil {
		return false
	}
	delete(j.tasks, strings.ToLower(taskID))
	j.taskRemovedAt = s.clockNow()
	return true
}

// AddTask adds a task out of band (Go API), with the same validation and
// defaults as Add Task.
func (s *Service) AddTask(jobID string, p TaskAddParameter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clockNow()
	j, e := s.existingJob(jobID, now)
	if e != nil {
		return e
	}
	if e := jobAcceptsChanges(j); e != nil {
		return e
	}
	if _, e := s.createTask(j, p, now); e != nil {
		return e
	}
	return nil
}
