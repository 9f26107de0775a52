package mrs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// clusterLocked returns the cluster or the 12000003 error. s.mu must be held.
func (s *Service) clusterLocked(id string) (*cluster, *apiError) {
	c, ok := s.clusters[id]
	if !ok {
		return nil, clusterNotFound()
	}
	return c, nil
}

// withJob runs fn under the service's lock with a job of a cluster.
func (s *Service) withJob(clusterID, jobID string, fn func(*cluster, *job) *apiError) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.clusterLocked(clusterID)
	if e != nil {
		return e
	}
	j, ok := c.jobs[jobID]
	if !ok {
		return jobNotFound()
	}
	return fn(c, j)
}

// checkWrite checks what a write answers before its body is looked at: an
// unknown cluster, then a Content-Type other than JSON.
func (s *Service) checkWrite(r *http.Request, clusterID string) *apiError {
	s.mu.Lock()
	_, e := s.clusterLocked(clusterID)
	s.mu.Unlock()
	if e != nil {
		return e
	}
	return checkJSONContentType(r)
}

// submitLocked stores a validated submission. s.mu must be held.
func (s *Service) submitLocked(c *cluster, sub JobSubmission, sentType string) (*job, *apiError) {
	now := s.clockNow()
	if limit := s.cfg.MaxRunningJobs; limit > 0 {
		n := 0
		for _, j := range c.order {
			if !j.statusAt(now).terminal() {
				n++
			}
		}
		if n >= limit {
			return nil, newError(http.StatusInternalServerError, CodeTooManyRunningJobs,
				fmt.Sprintf("The number of running jobs per cluster cannot exceed %d.", limit))
		}
	}
	oc, run := planOutcome(sub, s.cfg.RunTime)
	if c.submits == nil {
		c.submits = map[string]int{}
	}
	c.submits[sub.JobName]++
	if oc == outcomeFlaky {
		oc = outcomeSucceed
		if c.submits[sub.JobName] == 1 {
			oc = outcomeFail
		}
	}
	s.seq++
	c.appSeq += 2
	j := &job{
		seq: s.seq, id: newUUID(), cluster: c.id, name: sub.JobName, jobType: sub.JobType, sentType: sentType,
		args: append([]string{}, sub.Arguments...), props: append([]Property{}, sub.Properties...),
		user: s.cfg.User, queue: DefaultQueue, submitted: now, runTime: run, outcome: oc,
		launcher: fmt.Sprintf("application_%d_%04d", c.rmStart, c.appSeq-1),
		appID:    fmt.Sprintf("application_%d_%04d", c.rmStart, c.appSeq),
	}
	c.jobs[j.id] = j
	c.order = append(c.order, j)
	return j, nil
}

func submitResponse(id string) any {
	type result struct {
		JobID string `json:"job_id"`
		State string `json:"state"`
	}
	return struct {
		JobSubmitResult result `json:"job_submit_result"`
	}{result{id, "COMPLETE"}}
}

// submit: POST .../job-executions.
func (s *Service) submit(w http.ResponseWriter, r *http.Request, rt route, body []byte) *apiError {
	if e := s.checkWrite(r, rt.cluster); e != nil {
		return e
	}
	sub, sentType, e := parseSubmission(body)
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.clusterLocked(rt.cluster)
	if e != nil {
		return e
	}
	j, e := s.submitLocked(c, sub, sentType)
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, submitResponse(j.id))
	return nil
}

// getJob: GET .../job-executions/{job_id} (202).
func (s *Service) getJob(w http.ResponseWriter, rt route) *apiError {
	return s.withJob(rt.cluster, rt.jobID, func(_ *cluster, j *job) *apiError {
		writeJSON(w, http.StatusAccepted, struct {
			JobDetail jobDetail `json:"job_detail"`
		}{j.detail(s.clockNow())})
		return nil
	})
}

// kill: POST .../job-executions/{job_id}/kill (202, no body).
func (s *Service) kill(w http.ResponseWriter, rt route) *apiError {
	return s.withJob(rt.cluster, rt.jobID, func(c *cluster, j *job) *apiError {
		now := s.clockNow()
		if !j.statusAt(now).terminal() {
			if s.cfg.RejectSparkSQLKill && j.jobType == "SparkSql" {
				return newError(http.StatusInternalServerError, CodeKillFailed, "Failed to kill the job: Spark SQL jobs cannot be stopped.")
			}
			if j.killAt.IsZero() {
				j.killReqAt = now
				j.killAt = now.Add(KillDelay)
			}
		}
		s.kills[c.id+"/"+j.id]++
		w.WriteHeader(http.StatusAccepted)
		return nil
	})
}

// batchDelete: POST .../job-executions/batch-delete (200, no body).
func (s *Service) batchDelete(w http.ResponseWriter, r *http.Request, rt route, body []byte) *apiError {
	if e := s.checkWrite(r, rt.cluster); e != nil {
		return e
	}
	var req struct {
		JobIDList *[]string `json:"job_id_list"`
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return invalidParam("the request body must be a JSON object {\"job_id_list\":[...]}")
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return invalidParam("job_id_list must be an array of strings")
	}
	if req.JobIDList == nil || len(*req.JobIDList) == 0 {
		return newError(http.StatusBadRequest, CodeJobIDBlank, "The job ID cannot be left blank.")
	}
	ids := *req.JobIDList
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return newError(http.StatusBadRequest, CodeJobIDBlank, "The job ID cannot be left blank.")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.clusterLocked(rt.cluster)
	if e != nil {
		return e
	}
	now := s.clockNow()
	del := map[string]bool{}
	for _, id := range ids {
		j, ok := c.jobs[id]
		if !ok {
			continue // unknown or already deleted: ignored [I]
		}
		if s.rejectRunningDelete && !j.statusAt(now).terminal() {
			return newError(http.StatusBadRequest, CodeJobRunning, "The job is running.")
		}
		del[id] = true
	}
	s.deleteLocked(c, del)
	w.WriteHeader(http.StatusOK)
	return nil
}

// deleteLocked removes the jobs whose ids are in del. s.mu must be held.
func (s *Service) deleteLocked(c *cluster, del map[string]bool) {
	if len(del) == 0 {
		return
	}
	kept := c.order[:0:0]
	for _, j := range c.order {
		if del[j.id] {
			delete(c.jobs, j.id)
			continue
		}
		kept = append(kept, j)
	}
	c.order = kept
}

// Filter value rules of the job list (spec §1.3, the SDK's constraints).
var (
	filterJobIDRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	filterUserRE  = regexp.MustCompile(`^[A-Za-z_.-][A-Za-z0-9_.-]{0,31}$`)
	filterQueueRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// listQuery is a parsed job-list query.
type listQuery struct {
	name, id, user, jobType, state, result, queue string
	limit, page                                   int
	asc                                           bool
	begin, end                                    int64
	hasBegin, hasEnd                              bool
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// parseListQuery reads and validates the list parameters (README.md, "List
// jobs"). Empty values count as absent; the first of repeated values wins.
func parseListQuery(raw string) (listQuery, *apiError) {
	q := listQuery{limit: 10, page: 1}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, invalidParam("the query string is malformed")
	}
	get := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	q.name = get("job_name")
	if q.name != "" && utf8.RuneCountInString(q.name) > 128 {
		return q, invalidParam("job_name must be 1-128 characters")
	}
	if q.id = get("job_id"); q.id != "" && !filterJobIDRE.MatchString(q.id) {
		return q, invalidParam("job_id must be 1-64 letters, digits and '-'")
	}
	if q.user = get("user"); q.user != "" && !filterUserRE.MatchString(q.user) {
		return q, invalidParam("user must be 1-32 characters of letters, digits, '_', '.' and '-', not starting with a digit")
	}
	if q.jobType = get("job_type"); q.jobType != "" && !oneOf(q.jobType, JobTypes) && q.jobType != JobTypeSparkPython {
		return q, invalidParam("job_type %q is not one of %s", q.jobType, strings.Join(JobTypes, ", "))
	}
	if q.state = get("job_state"); q.state != "" && !oneOf(q.state, jobStates) {
		return q, invalidParam("job_state %q is not one of %s", q.state, strings.Join(jobStates, ", "))
	}
	if q.result = get("job_result"); q.result != "" && !oneOf(q.result, jobResults) {
		return q, invalidParam("job_result %q is not one of %s", q.result, strings.Join(jobResults, ", "))
	}
	if q.queue = get("queue"); q.queue != "" && !filterQueueRE.MatchString(q.queue) {
		return q, invalidParam("queue must be 1-64 letters, digits, '_' and '-'")
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return q, invalidParam("limit must be an integer from 1 to 100, got %q", v)
		}
		q.limit = n
	}
	if v := get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return q, invalidParam("offset is the 1-based page number and must be an integer of at least 1, got %q", v)
		}
		q.page = n
	}
	switch v := get("sort_by"); v {
	case "", "desc":
	case "asc":
		q.asc = true
	default:
		return q, invalidParam("sort_by must be asc or desc, got %q", v)
	}
	for _, p := range []struct {
		name string
		dst  *int64
		has  *bool
	}{{"submitted_time_begin", &q.begin, &q.hasBegin}, {"submitted_time_end", &q.end, &q.hasEnd}} {
		if v := get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return q, invalidParam("%s must be epoch milliseconds, got %q", p.name, v)
			}
			*p.dst, *p.has = n, true
		}
	}
	return q, nil
}

// list: GET .../job-executions (202).
func (s *Service) list(w http.ResponseWriter, r *http.Request, rt route) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.clusterLocked(rt.cluster)
	if e != nil {
		return e
	}
	_, rawQuery := requestTarget(r)
	q, e := parseListQuery(rawQuery)
	if e != nil {
		return e
	}
	now := s.clockNow()
	lname := strings.ToLower(q.name)
	// Jobs are filtered on their stored fields and evaluated (detail) only where a filter needs
	// their state or for the page answered: a client paging through thousands of jobs would
	// otherwise make the emulator evaluate every job for every page.
	var matched []*job
	for _, j := range c.order {
		submitted := ms(j.submitted)
		switch {
		case q.name != "" && !strings.Contains(strings.ToLower(j.name), lname),
			q.id != "" && j.id != q.id,
			q.user != "" && j.user != q.user,
			q.jobType != "" && j.jobType != q.jobType,
			q.queue != "" && j.queue != q.queue,
			q.hasBegin && submitted < q.begin,
			q.hasEnd && submitted > q.end:
			continue
		}
		if q.state != "" || q.result != "" {
			st := j.statusAt(now)
			if q.state != "" && st.state != q.state || q.result != "" && st.result != q.result {
				continue
			}
		}
		matched = append(matched, j)
	}
	sort.SliceStable(matched, func(a, b int) bool {
		ta, tb := ms(matched[a].submitted), ms(matched[b].submitted)
		if q.asc {
			return ta < tb || ta == tb && matched[a].seq < matched[b].seq
		}
		return ta > tb || ta == tb && matched[a].seq > matched[b].seq
	})
	page := []jobDetail{}
	if q.page-1 <= len(matched)/q.limit { // no overflow for huge page numbers
		for i := (q.page - 1) * q.limit; i < len(matched) && i < q.page*q.limit; i++ {
			page = append(page, matched[i].detail(now))
		}
	}
	writeJSON(w, http.StatusAccepted, struct {
		TotalRecord int         `json:"total_record"`
		JobList     []jobDetail `json:"job_list"`
	}{len(matched), page})
	return nil
}
