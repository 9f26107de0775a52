package azurebatch

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var idRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// jobState is a job and its tasks. Callers hold s.mu.
type jobState struct {
	cfg          Job
	created      time.Time
	lastModified time.Time
	etag         string
	tasks        map[string]*taskState // key: lower-cased task id
	nextSeq      uint64
}

func (j *jobState) task(id string) *taskState { return j.tasks[strings.ToLower(id)] }

// AddJob creates a job (Go API; the HTTP API has POST /jobs).
func (s *Service) AddJob(j Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.addJobLocked(j, s.clockNow())
	if err != nil {
		return fmt.Errorf("azurebatch: add job %q: %s", j.ID, err.code)
	}
	return nil
}

func (s *Service) addJobLocked(j Job, now time.Time) (*jobState, *apiError) {
	if !idRe.MatchString(j.ID) {
		return nil, invalidProperty("id", "The id must be 1 to 64 characters of letters, digits, hyphens and underscores.")
	}
	if j.PoolID == "" {
		j.PoolID = DefaultPoolID
	}
	switch strings.ToLower(j.OnTaskFailure) {
	case "":
		j.OnTaskFailure = "noaction"
	case "noaction", "performexitoptionsjobaction":
		j.OnTaskFailure = strings.ToLower(j.OnTaskFailure)
		if j.OnTaskFailure == "performexitoptionsjobaction" {
			j.OnTaskFailure = "performExitOptionsJobAction"
		}
	default:
		return nil, invalidProperty("onTaskFailure", "The value must be noaction or performExitOptionsJobAction.")
	}
	if j.MaxTaskRetryCount < -1 {
		return nil, invalidProperty("constraints.maxTaskRetryCount", "The value must be -1 or greater.")
	}
	key := strings.ToLower(j.ID)
	if _, ok := s.jobs[key]; ok {
		return nil, newError(http.StatusConflict, codeJobExists)
	}
	js := &jobState{cfg: j, created: now, lastModified: now, etag: s.newETag(now), tasks: map[string]*taskState{}}
	s.jobs[key] = js
	return js, nil
}

// DeleteJob removes a job and its tasks (Go API). It reports whether the job
// existed.
func (s *Service) DeleteJob(jobID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(jobID)
	_, ok := s.jobs[key]
	delete(s.jobs, key)
	return ok
}

// JobExists reports whether the job exists.
func (s *Service) JobExists(jobID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.jobs[strings.ToLower(jobID)]
	return ok
}

func jobURL(base, id string) string { return base + "/jobs/" + url.PathEscape(id) }

func (s *Service) renderJob(j *jobState, base string) CloudJob {
	return CloudJob{
		ID:                   j.cfg.ID,
		DisplayName:          j.cfg.DisplayName,
		URL:                  jobURL(base, j.cfg.ID),
		ETag:                 j.etag,
		LastModified:         formatTime(j.lastModified),
		CreationTime:         formatTime(j.created),
		State:                "active",
		StateTransitionTime:  formatTime(j.created),
		MaxParallelTasks:     -1,
		UsesTaskDependencies: j.cfg.UsesTaskDependencies,
		Constraints:          JobConstraints{MaxWallClockTime: UnlimitedDuration, MaxTaskRetryCount: j.cfg.MaxTaskRetryCount},
		PoolInfo:             PoolInfo{PoolID: j.cfg.PoolID},
		OnAllTasksComplete:   "noaction",
		OnTaskFailure:        j.cfg.OnTaskFailure,
		ExecutionInfo:        JobExecutionInfo{StartTime: formatTime(j.created), PoolID: j.cfg.PoolID},
	}
}

// POST /jobs (minimal Add Job: id, displayName, poolInfo.poolId,
// usesTaskDependencies, constraints.maxTaskRetryCount, onTaskFailure).
func (s *Service) addJob(q *request) *apiError {
	body, e := readBody(q)
	if e != nil {
		return e
	}
	var p JobAddParameter
	if err := json.Unmarshal(body, &p); err != nil {
		return newError(http.StatusBadRequest, codeInvalidRequestBody, "Reason", err.Error())
	}
	if p.ID == nil {
		return missingProperty("id")
	}
	if p.PoolInfo == nil {
		return missingProperty("poolInfo")
	}
	j := Job{ID: *p.ID, PoolID: deref(p.PoolInfo.PoolID)}
	if p.DisplayName != nil {
		j.DisplayName = *p.DisplayName
	}
	if p.UsesTaskDependencies != nil {
		j.UsesTaskDependencies = *p.UsesTaskDependencies
	}
	if p.OnTaskFailure != nil {
		j.OnTaskFailure = *p.OnTaskFailure
	}
	if p.Constraints != nil {
		if p.Constraints.MaxTaskRetryCount != nil {
			j.MaxTaskRetryCount = *p.Constraints.MaxTaskRetryCount
		}
		if p.Constraints.MaxWallClockTime != nil {
			if _, err := ParseDuration(*p.Constraints.MaxWallClockTime); err != nil {
				return invalidProperty("constraints.maxWallClockTime", err.Error())
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	js, e := s.addJobLocked(j, q.now)
	if e != nil {
		return e
	}
	writeCreated(q, js.etag, js.lastModified, jobURL(q.base, js.cfg.ID))
	return nil
}

// GET /jobs/{job}
func (s *Service) getJob(q *request, jobID string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, e := s.existingJob(jobID)
	if e != nil {
		return e
	}
	cj := s.renderJob(j, q.base)
	cj.ODataMetadata = q.base + "/$metadata#jobs/@Element"
	q.w.Header().Set("ETag", j.etag)
	q.w.Header().Set("Last-Modified", httpTime(j.lastModified))
	writeJSON(q.w, http.StatusOK, cj)
	return nil
}

// DELETE /jobs/{job}: 202; the job and its tasks are gone at once [I: the
// real service passes through a "deleting" state].
func (s *Service) deleteJob(q *request, jobID string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(jobID)
	if s.jobs[key] == nil {
		return newError(http.StatusNotFound, codeJobNotFound)
	}
	delete(s.jobs, key)
	q.w.WriteHeader(http.StatusAccepted)
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
