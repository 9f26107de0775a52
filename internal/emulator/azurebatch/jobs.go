package azurebatch

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var idRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Job states the emulator produces (the service also has disabling,
// disabled, enabling and terminating, which need Disable/Enable/Terminate).
const (
	JobStateActive    = "active"
	JobStateCompleted = "completed"
	JobStateDeleting  = "deleting"
)

// Deterministic job rules (see README.md):
//
//   - A job with onAllTasksComplete "terminatejob" becomes completed, with
//     terminateReason "AllTasksCompleted", as soon as every task in it is
//     completed: at the latest of the moment terminatejob took effect (Add,
//     PATCH or PUT), the last task completion and the last task deletion. A
//     job without tasks counts as all complete, so an empty job created with
//     terminatejob is completed at once (the race of spec §11.7, made
//     deterministic).
//   - Delete Job moves the job to deleting; it disappears JobDeleteDelay plus
//     JobDeletePerTask for each of its tasks later, with its tasks.
//
// Like tasks, jobs are evaluated lazily against the emulator clock; every
// job state change sets previousState, the transition times and
// lastModified, and gives the job a new ETag. Task changes do not move the
// job's lastModified or ETag.
const (
	JobDeleteDelay   = time.Second
	JobDeletePerTask = 10 * time.Millisecond
)

// terminateReasonAllTasks is the reason observed on the wire (AZREC), not
// the "AllTasksComplete" of the spec text.
const terminateReasonAllTasks = "AllTasksCompleted"

const (
	onAllNoAction      = "noaction"
	onAllTerminateJob  = "terminatejob"
	onFailNoAction     = "noaction"
	onFailPerformExit  = "performexitoptionsjobaction"
	defaultPrepTaskID  = "jobpreparation"
	defaultReleaseID   = "jobrelease"
	maxReleaseWallTime = 15 * ticksPerMinute
)

// jobState is a job and its tasks. Callers hold s.mu.
type jobState struct {
	seq        uint64          // the internal name is job-<seq>
	p          JobAddParameter // validated, defaults filled
	autoPoolID string          // the pool an auto-pool job runs on
	lifecycle

	endTime         time.Time
	terminateReason string
	terminateSince  time.Time // when onAllTasksComplete became terminatejob
	taskRemovedAt   time.Time // the last task deletion
	deleteAt        time.Time // when a deleting job is gone

	tasks   map[string]*taskState // key: lower-cased task id
	nextSeq uint64
}

func (j *jobState) task(id string) *taskState { return j.tasks[strings.ToLower(id)] }

func (j *jobState) id() string { return *j.p.ID }

func (j *jobState) maxTaskRetryCount() int32 { return *j.p.Constraints.MaxTaskRetryCount }

func (j *jobState) usesTaskDependencies() bool { return *j.p.UsesTaskDependencies }

func (j *jobState) onTaskFailure() string { return *j.p.OnTaskFailure }

// poolID is the pool the job's tasks run on: its poolId, or the auto pool.
func (j *jobState) poolID() string {
	if j.p.PoolInfo.PoolID != nil {
		return *j.p.PoolInfo.PoolID
	}
	return j.autoPoolID
}

// internalURL is what Location and DataServiceId name: the service's
// internal job name, not the job id (spec §11.2, RECJOB).
func (j *jobState) internalURL(base string) string {
	return base + "/jobs/job-" + strconv.FormatUint(j.seq, 10)
}

// advanceJob evaluates onAllTasksComplete up to now.
func (s *Service) advanceJob(j *jobState, now time.Time) {
	if j.state != JobStateActive || *j.p.OnAllTasksComplete != onAllTerminateJob {
		return
	}
	at := j.terminateSince
	if j.taskRemovedAt.After(at) {
		at = j.taskRemovedAt
	}
	for _, t := range j.tasks {
		s.advance(j, t, now)
		if t.state != StateCompleted {
			return
		}
		if t.stateTime.After(at) {
			at = t.stateTime
		}
	}
	j.endTime = at
	j.terminateReason = terminateReasonAllTasks
	s.transition(&j.lifecycle, JobStateCompleted, at)
}

// existingJob finds the job (case-insensitively) and brings it up to now,
// or answers 404 JobNotFound; a deleting job whose deletion has finished is
// removed here. Callers hold s.mu.
func (s *Service) existingJob(jobID string, now time.Time) (*jobState, *apiError) {
	key := strings.ToLower(jobID)
	j := s.jobs[key]
	if j == nil {
		return nil, newError(http.StatusNotFound, codeJobNotFound)
	}
	if j.state == JobStateDeleting && !now.Before(j.deleteAt) {
		delete(s.jobs, key)
		return nil, newError(http.StatusNotFound, codeJobNotFound)
	}
	s.advanceJob(j, now)
	return j, nil
}

// findJob is existingJob for the Go API: nil when there is no such job.
func (s *Service) findJob(jobID string, now time.Time) *jobState {
	j, _ := s.existingJob(jobID, now)
	return j
}

// jobAcceptsChanges answers 409 for a job that takes no more tasks or
// updates: JobBeingDeleted while deleting, JobCompleted once completed.
func jobAcceptsChanges(j *jobState) *apiError {
	switch j.state {
	case JobStateDeleting:
		return newError(http.StatusConflict, codeJobBeingDeleted)
	case JobStateCompleted:
		return newError(http.StatusConflict, codeJobCompleted)
	}
	return nil
}

// normalizeJobDuration parses a job duration. Unlike task durations, years
// and months are accepted and counted as 365 and 30 days: the service read
// back a PATCHed "P3Y6M4DT12H30M5S" as "P1279DT12H30M5S" (RECJOB).
func normalizeJobDuration(s string) (string, error) {
	date, tm, hasT := strings.Cut(s, "T")
	if !strings.HasPrefix(date, "P") || !strings.ContainsAny(date, "YM") {
		return NormalizeDuration(s)
	}
	rest := date[1:]
	var days int64
	order := "YMD"
	last := -1
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 9 {
			return "", fmt.Errorf("%q is not a valid ISO 8601 duration", s)
		}
		n, _ := strconv.ParseInt(rest[:i], 10, 64)
		k := strings.IndexByte(order, rest[i])
		if k <= last {
			return "", fmt.Errorf("%q is not a valid ISO 8601 duration", s)
		}
		last = k
		days += n * []int64{365, 30, 1}[k]
		rest = rest[i+1:]
	}
	out := "P" + strconv.FormatInt(days, 10) + "D"
	if hasT {
		out += "T" + tm
	}
	return NormalizeDuration(out)
}

// normalizeJobConstraints validates constraints and fills the defaults (no
// time limit, no retries). A nil c gives the defaults: PUT without
// constraints clears them.
func normalizeJobConstraints(c *JobConstraints) (*JobConstraints, *apiError) {
	out := &JobConstraints{MaxWallClockTime: ptr(UnlimitedDuration), MaxTaskRetryCount: ptr(int32(0))}
	if c == nil {
		return out, nil
	}
	var e *apiError
	if out.MaxWallClockTime, e = constraintDuration("maxWallClockTime", c.MaxWallClockTime, out.MaxWallClockTime, normalizeJobDuration); e != nil {
		return nil, e
	}
	if out.MaxTaskRetryCount, e = constraintRetries(c.MaxTaskRetryCount, out.MaxTaskRetryCount); e != nil {
		return nil, e
	}
	return out, nil
}

// normalizePoolInfo checks that exactly one of poolId and
// autoPoolSpecification is given and validates the auto pool.
func normalizePoolInfo(pi *PoolInfo) (*PoolInfo, *apiError) {
	out := *pi
	hasID := pi.PoolID != nil && *pi.PoolID != ""
	if hasID == (pi.AutoPoolSpecification != nil) {
		return nil, invalidProperty("poolInfo", "Exactly one of poolId and autoPoolSpecification must be specified.")
	}
	if hasID {
		return &out, nil
	}
	a := *pi.AutoPoolSpecification
	const name = "poolInfo.autoPoolSpecification"
	if a.PoolLifetimeOption == nil {
		return nil, missingProperty(name + ".poolLifetimeOption")
	}
	v, ok := oneOf(*a.PoolLifetimeOption, "job", "jobschedule")
	if !ok {
		return nil, invalidProperty(name+".poolLifetimeOption", "The value must be job or jobschedule.")
	}
	if v == "jobschedule" {
		return nil, invalidProperty(name+".poolLifetimeOption", "The poolLifetimeOption jobschedule is valid only for job schedules.")
	}
	a.PoolLifetimeOption = &v
	if a.AutoPoolIDPrefix != nil && len(*a.AutoPoolIDPrefix) > 20 {
		return nil, invalidProperty(name+".autoPoolIdPrefix", "The autoPoolIdPrefix cannot contain more than 20 characters.")
	}
	if a.KeepAlive == nil {
		a.KeepAlive = ptr(false)
	}
	if a.Pool != nil {
		if vm, _ := a.Pool["vmSize"].(string); vm == "" {
			return nil, missingProperty(name + ".pool.vmSize")
		}
	}
	out.AutoPoolSpecification = &a
	return &out, nil
}

// validateMetadata checks that every item has a name and a value.
func validateMetadata(items []MetadataItem) *apiError {
	for i, m := range items {
		name := fmt.Sprintf("metadata[%d]", i)
		if m.Name == nil {
			return missingProperty(name + ".name")
		}
		if *m.Name == "" {
			return newError(http.StatusBadRequest, codeEmptyMetadataKey, "PropertyName", name+".name")
		}
		if m.Value == nil {
			return missingProperty(name + ".value")
		}
	}
	return nil
}

func checkPriority(p *int32) *apiError {
	if p != nil && (*p < -1000 || *p > 1000) {
		return newError(http.StatusBadRequest, codeOutOfRangePriority, "PropertyName", "priority",
			"Reason", "The priority must be between -1000 and 1000.")
	}
	return nil
}

func checkMaxParallelTasks(v *int32) *apiError {
	if v != nil && *v != -1 && *v < 1 {
		return invalidProperty("maxParallelTasks", "The maxParallelTasks must be -1 (no limit) or greater than 0.")
	}
	return nil
}

func normalizeOnAllTasksComplete(v *string) (string, *apiError) {
	if v == nil {
		return onAllNoAction, nil
	}
	n, ok := oneOf(*v, onAllNoAction, onAllTerminateJob)
	if !ok {
		return "", invalidProperty("onAllTasksComplete", "The value must be noaction or terminatejob.")
	}
	return n, nil
}

// stringField reads an optional string property of a JSON object; a value
// of another type is an invalid value.
func stringField(m map[string]any, key, name string) (string, bool, *apiError) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, invalidProperty(name+"."+key, "The value must be a string.")
	}
	return s, true, nil
}

// normalizeSpecialTask checks a job manager, preparation or release task:
// commandLine is required, the id (required for the job manager, else
// defaulted) must be a valid task id.
func normalizeSpecialTask(m map[string]any, name, defaultID string) *apiError {
	id, hasID, e := stringField(m, "id", name)
	if e != nil {
		return e
	}
	if !hasID {
		if defaultID == "" {
			return missingProperty(name + ".id")
		}
		m["id"] = defaultID
	} else if !idRe.MatchString(id) {
		return invalidProperty(name+".id", "The id can contain any combination of alphanumeric characters including hyphens and underscores, and cannot contain more than 64 characters.")
	}
	cl, hasCL, e := stringField(m, "commandLine", name)
	if e != nil {
		return e
	}
	if !hasCL || strings.TrimSpace(cl) == "" {
		return missingProperty(name + ".commandLine")
	}
	return nil
}

// jobManagerDefaults fills what the service returns for a job manager task
// (RECJOB).
func jobManagerDefaults(m map[string]any, jobRetries int32) {
	c, _ := m["constraints"].(map[string]any)
	if c == nil {
		c = map[string]any{}
	}
	for k, v := range map[string]any{"maxWallClockTime": UnlimitedDuration, "retentionTime": "P7D", "maxTaskRetryCount": jobRetries} {
		if _, ok := c[k]; !ok {
			c[k] = v
		}
	}
	m["constraints"] = c
	for k, v := range map[string]any{
		"requiredSlots":        1,
		"userIdentity":         map[string]any{"autoUser": map[string]any{"scope": "pool", "elevationLevel": "nonadmin"}},
		"runExclusive":         true,
		"allowLowPriorityNode": true,
		"killJobOnCompletion":  true,
	} {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
}

// validateJobAdd validates an Add Job body and fills the server defaults.
func validateJobAdd(p *JobAddParameter) *apiError {
	if p.ID == nil {
		return missingProperty("id")
	}
	if !idRe.MatchString(*p.ID) {
		return invalidProperty("id", "The id can contain any combination of alphanumeric characters including hyphens and underscores, and cannot contain more than 64 characters.")
	}
	if p.PoolInfo == nil {
		return missingProperty("poolInfo")
	}
	pi, e := normalizePoolInfo(p.PoolInfo)
	if e != nil {
		return e
	}
	p.PoolInfo = pi
	if p.DisplayName != nil && len([]rune(*p.DisplayName)) > 1024 {
		return invalidProperty("displayName", "The displayName cannot contain more than 1024 characters.")
	}
	if e := checkPriority(p.Priority); e != nil {
		return e
	}
	if p.Priority == nil {
		p.Priority = ptr(int32(0))
	}
	if e := checkMaxParallelTasks(p.MaxParallelTasks); e != nil {
		return e
	}
	if p.MaxParallelTasks == nil {
		p.MaxParallelTasks = ptr(int32(-1))
	}
	if p.AllowTaskPreemption == nil {
		p.AllowTaskPreemption = ptr(false)
	}
	if p.UsesTaskDependencies == nil {
		p.UsesTaskDependencies = ptr(false)
	}
	c, e := normalizeJobConstraints(p.Constraints)
	if e != nil {
		return e
	}
	p.Constraints = c
	onAll, e := normalizeOnAllTasksComplete(p.OnAllTasksComplete)
	if e != nil {
		return e
	}
	p.OnAllTasksComplete = &onAll
	if p.OnTaskFailure == nil {
		p.OnTaskFailure = ptr(onFailNoAction)
	} else if v, ok := oneOf(*p.OnTaskFailure, onFailNoAction, onFailPerformExit); ok {
		p.OnTaskFailure = &v
	} else {
		return invalidProperty("onTaskFailure", "The value must be noaction or performexitoptionsjobaction.")
	}
	if e := validateMetadata(p.Metadata); e != nil {
		return e
	}
	for i, es := range p.CommonEnvironmentSettings {
		if es.Name == nil || *es.Name == "" {
			return missingProperty(fmt.Sprintf("commonEnvironmentSettings[%d].name", i))
		}
	}
	if p.JobManagerTask != nil {
		if e := normalizeSpecialTask(p.JobManagerTask, "jobManagerTask", ""); e != nil {
			return e
		}
		jobManagerDefaults(p.JobManagerTask, *p.Constraints.MaxTaskRetryCount)
	}
	if p.JobPreparationTask != nil {
		if e := normalizeSpecialTask(p.JobPreparationTask, "jobPreparationTask", defaultPrepTaskID); e != nil {
			return e
		}
	}
	if p.JobReleaseTask != nil {
		if p.JobPreparationTask == nil {
			return invalidProperty("jobReleaseTask", "A Job Release task requires a Job Preparation task.")
		}
		if e := normalizeSpecialTask(p.JobReleaseTask, "jobReleaseTask", defaultReleaseID); e != nil {
			return e
		}
		if c, ok := p.JobReleaseTask["maxWallClockTime"].(string); ok {
			ticks, err := ParseDuration(c)
			if err != nil {
				return invalidProperty("jobReleaseTask.maxWallClockTime", err.Error())
			}
			if ticks > maxReleaseWallTime {
				return invalidProperty("jobReleaseTask.maxWallClockTime", "The maxWallClockTime of a Job Release task cannot exceed 15 minutes.")
			}
		}
	}
	if n := p.NetworkConfiguration; n != nil && (n.SubnetID == nil || *n.SubnetID == "") {
		return missingProperty("networkConfiguration.subnetId")
	}
	return nil
}

// specialTaskID returns the id of a job preparation or release task ("" if
// the job has none).
func specialTaskID(m map[string]any) string {
	id, _ := m["id"].(string)
	return id
}

// addJobLocked validates p and stores the job. Callers hold s.mu.
func (s *Service) addJobLocked(p JobAddParameter, now time.Time) (*jobState, *apiError) {
	if e := validateJobAdd(&p); e != nil {
		return nil, e
	}
	key := strings.ToLower(*p.ID)
	// [I] A job that is still being deleted still exists: JobExists.
	if s.findJob(key, now) != nil {
		return nil, newError(http.StatusConflict, codeJobExists)
	}
	s.jobSeq++
	j := &jobState{seq: s.jobSeq, p: p, lifecycle: newLifecycle(JobStateActive, now, s.newETag(now)), tasks: map[string]*taskState{}}
	if a := p.PoolInfo.AutoPoolSpecification; a != nil {
		h := fnv.New64a()
		h.Write([]byte(key + "/" + strconv.FormatUint(j.seq, 10)))
		j.autoPoolID = fmt.Sprintf("%s_%016X", deref(a.AutoPoolIDPrefix), h.Sum64())
	}
	if *p.OnAllTasksComplete == onAllTerminateJob {
		j.terminateSince = now
	}
	s.jobs[key] = j
	s.advanceJob(j, now)
	return j, nil
}

// AddJob creates a job (Go API; the HTTP API has POST /jobs), with the same
// validation and defaults.
func (s *Service) AddJob(j Job) error {
	p := JobAddParameter{
		ID:                   ptr(j.ID),
		PoolInfo:             &PoolInfo{PoolID: ptr(j.PoolID)},
		UsesTaskDependencies: ptr(j.UsesTaskDependencies),
		Priority:             ptr(j.Priority),
		AllowTaskPreemption:  ptr(j.AllowTaskPreemption),
		Constraints:          &JobConstraints{MaxTaskRetryCount: ptr(j.MaxTaskRetryCount)},
	}
	if j.PoolID == "" {
		p.PoolInfo.PoolID = ptr(DefaultPoolID)
	}
	if j.DisplayName != "" {
		p.DisplayName = ptr(j.DisplayName)
	}
	if j.OnTaskFailure != "" {
		p.OnTaskFailure = ptr(j.OnTaskFailure)
	}
	if j.MaxParallelTasks != 0 {
		p.MaxParallelTasks = ptr(j.MaxParallelTasks)
	}
	if j.MaxWallClockTime != "" {
		p.Constraints.MaxWallClockTime = ptr(j.MaxWallClockTime)
	}
	if j.OnAllTasksComplete != "" {
		p.OnAllTasksComplete = ptr(j.OnAllTasksComplete)
	}
	for _, m := range j.Metadata {
		p.Metadata = append(p.Metadata, MetadataItem{Name: ptr(m.Name), Value: ptr(m.Value)})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.addJobLocked(p, s.clockNow()); e != nil {
		return fmt.Errorf("azurebatch: add job %q: %s %v", j.ID, e.code, e.values)
	}
	return nil
}

// Job returns the job as GET would return it (brought up to the current
// clock), using the base URL given to SetBaseURL. A deleting job is
// returned until its deletion finishes.
func (s *Service) Job(jobID string) (CloudJob, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.findJob(jobID, s.clockNow())
	if j == nil {
		return CloudJob{}, false
	}
	return s.renderJob(j, s.BaseURL(), s.clockNow(), false), true
}

// DeleteJob removes a job and its tasks at once, out of band (for drift
// tests; Delete Job over HTTP goes through the deleting state). It reports
// whether the job existed.
func (s *Service) DeleteJob(jobID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findJob(jobID, s.clockNow()) == nil {
		return false
	}
	delete(s.jobs, strings.ToLower(jobID))
	return true
}

// JobExists reports whether the job exists; a job being deleted exists until
// its deletion finishes, as GET shows it.
func (s *Service) JobExists(jobID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.findJob(jobID, s.clockNow()) != nil
}

func jobURL(base, id string) string { return base + "/jobs/" + url.PathEscape(id) }

// renderJob returns the job as the service returns it; stats only with
// $expand=stats.
func (s *Service) renderJob(j *jobState, base string, now time.Time, stats bool) CloudJob {
	p := j.p
	out := CloudJob{
		ID:                        j.id(),
		DisplayName:               deref(p.DisplayName),
		UsesTaskDependencies:      *p.UsesTaskDependencies,
		URL:                       jobURL(base, j.id()),
		ETag:                      j.etag,
		LastModified:              formatTime(j.lastModified),
		CreationTime:              formatTime(j.created),
		State:                     j.state,
		StateTransitionTime:       formatTime(j.stateTime),
		Priority:                  *p.Priority,
		AllowTaskPreemption:       *p.AllowTaskPreemption,
		MaxParallelTasks:          *p.MaxParallelTasks,
		Constraints:               *p.Constraints,
		JobManagerTask:            p.JobManagerTask,
		JobPreparationTask:        p.JobPreparationTask,
		JobReleaseTask:            p.JobReleaseTask,
		CommonEnvironmentSettings: p.CommonEnvironmentSettings,
		PoolInfo:                  *p.PoolInfo,
		OnAllTasksComplete:        *p.OnAllTasksComplete,
		OnTaskFailure:             *p.OnTaskFailure,
		NetworkConfiguration:      p.NetworkConfiguration,
		ExecutionInfo:             JobExecutionInfo{StartTime: formatTime(j.created), PoolID: j.poolID()},
	}
	for _, m := range p.Metadata {
		out.Metadata = append(out.Metadata, NameValuePair{Name: *m.Name, Value: *m.Value})
	}
	if j.prevState != "" {
		out.PreviousState = ptr(j.prevState)
		out.PreviousStateTransitionTime = formatTimePtr(j.prevStateTime)
	}
	if !j.endTime.IsZero() {
		out.ExecutionInfo.EndTime = formatTimePtr(j.endTime)
		out.ExecutionInfo.TerminateReason = ptr(j.terminateReason)
	}
	if stats {
		out.Stats = s.jobStats(j, base, now)
	}
	// Deep-copy through JSON so callers of the Go API cannot alias state.
	b, _ := json.Marshal(out)
	var cp CloudJob
	_ = json.Unmarshal(b, &cp)
	return cp
}

// jobStats sums the job's completed tasks as they are now [I: the
// service's are up to 30 minutes stale]. The emulator does no I/O and uses
// no CPU.
func (s *Service) jobStats(j *jobState, base string, now time.Time) *JobStatistics {
	st := &JobStatistics{
		URL: jobURL(base, j.id()), StartTime: formatTime(j.created), LastUpdateTime: formatTime(now),
		UserCPUTime: "PT0S", KernelCPUTime: "PT0S", WaitTime: "PT0S",
	}
	var wall time.Duration
	for _, t := range j.tasks {
		s.advance(j, t, now)
		st.NumTaskRetries += int64(t.retryCount)
		if t.state == StateCompleted {
			if t.result == resultSuccess {
				st.NumSucceededTasks++
			} else {
				st.NumFailedTasks++
			}
			// Every attempt counts; the failed ones each ran the full run time.
			if !t.startTime.IsZero() && !t.endTime.IsZero() {
				wall += time.Duration(t.attempts-1)*t.runTime + t.endTime.Sub(t.startTime)
			}
		}
	}
	st.WallClockTime = FormatDuration(int64(wall / 100))
	return st
}

// addJob serves POST /jobs.
func (s *Service) addJob(q *request) *apiError {
	var p JobAddParameter
	if e := readJSON(q, &p); e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, e := s.addJobLocked(p, q.now)
	if e != nil {
		return e
	}
	writeCreated(q, j.etag, j.lastModified, j.internalURL(q.base))
	return nil
}

// getJob serves GET /jobs/{job}.
func (s *Service) getJob(q *request, jobID string) *apiError {
	sel, e := parseSelect(q)
	if e != nil {
		return e
	}
	stats := false
	if v, ok := q.queryValue("$expand"); ok {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "stats") {
				stats = true
			}
		}
	}
	return s.withJob(q, jobID, func(j *jobState) *apiError {
		out := s.renderJob(j, q.base, q.now, stats)
		out.ODataMetadata = q.base + "/$metadata#jobs/@Element"
		return writeEntity(q, j.etag, j.lastModified, sel, out)
	})
}

// samePoolInfo reports whether a poolInfo in an update names the job's
// current pool (pool ids compare case-insensitively).
func samePoolInfo(a, b *PoolInfo) bool {
	if a.PoolID != nil || b.PoolID != nil {
		return a.PoolID != nil && b.PoolID != nil && strings.EqualFold(*a.PoolID, *b.PoolID)
	}
	return reflect.DeepEqual(toMap(a), toMap(b))
}

// PATCH /jobs/{job} (replace false: only the given properties change) and
// PUT /jobs/{job} (replace true: poolInfo is required and every omitted
// updatable property goes back to its default). Properties that cannot be
// updated (id, displayName, usesTaskDependencies, ...) are ignored [I], as
// are read-only ones azbatch's ReplaceJob sends.
func (s *Service) changeJob(q *request, jobID string, replace bool) *apiError {
	var p JobPatchParameter
	if e := readJSON(q, &p); e != nil {
		return e
	}
	return s.withJob(q, jobID, func(j *jobState) *apiError {
		next := j.p
		if replace {
			if p.PoolInfo == nil {
				return missingProperty("poolInfo")
			}
			next.Priority, next.MaxParallelTasks, next.AllowTaskPreemption = ptr(int32(0)), ptr(int32(-1)), ptr(false)
			next.Constraints, _ = normalizeJobConstraints(nil)
			next.Metadata = nil
			next.OnAllTasksComplete = ptr(onAllNoAction)
		}
		if e := checkPriority(p.Priority); e != nil {
			return e
		}
		if p.Priority != nil {
			next.Priority = ptr(*p.Priority)
		}
		if e := checkMaxParallelTasks(p.MaxParallelTasks); e != nil {
			return e
		}
		if p.MaxParallelTasks != nil {
			next.MaxParallelTasks = ptr(*p.MaxParallelTasks)
		}
		if p.AllowTaskPreemption != nil {
			next.AllowTaskPreemption = ptr(*p.AllowTaskPreemption)
		}
		if p.Constraints != nil {
			// A given constraints object replaces the old one whole (RECJOB).
			c, e := normalizeJobConstraints(p.Constraints)
			if e != nil {
				return e
			}
			next.Constraints = c
		}
		if p.Metadata != nil {
			if e := validateMetadata(*p.Metadata); e != nil {
				return e
			}
			next.Metadata = append([]MetadataItem(nil), *p.Metadata...)
		}
		if p.OnAllTasksComplete != nil {
			v, e := normalizeOnAllTasksComplete(p.OnAllTasksComplete)
			if e != nil {
				return e
			}
			next.OnAllTasksComplete = &v
		}
		if *j.p.OnAllTasksComplete == onAllTerminateJob && *next.OnAllTasksComplete == onAllNoAction {
			return invalidProperty("onAllTasksComplete", "The onAllTasksComplete cannot be changed from terminatejob to noaction.")
		}
		var newPool *PoolInfo
		if p.PoolInfo != nil {
			pool, e := normalizePoolInfo(p.PoolInfo)
			if e != nil {
				return e
			}
			newPool = pool
		}
		if n := p.NetworkConfiguration; n != nil && !replace && !reflect.DeepEqual(toMap(n), toMap(j.p.NetworkConfiguration)) {
			return invalidProperty("networkConfiguration", "The networkConfiguration of a job cannot be changed.")
		}
		if e := checkConditions(q.r, j.etag, j.lastModified, false); e != nil {
			return e
		}
		if e := jobAcceptsChanges(j); e != nil {
			return e
		}
		// The pool can change only while the job is disabled, which the
		// emulator does not model; resending the current pool is accepted
		// (RECJOB).
		if newPool != nil && !samePoolInfo(newPool, j.p.PoolInfo) {
			return newError(http.StatusConflict, codeOperationInvalidForState, "PropertyName", "poolInfo",
				"Reason", "The poolInfo of a job can be changed only while the job is disabled.")
		}
		if *j.p.OnAllTasksComplete != onAllTerminateJob && *next.OnAllTasksComplete == onAllTerminateJob {
			j.terminateSince = q.now
		}
		j.p = next
		j.lastModified = q.now
		j.etag = s.newETag(q.now)
		s.advanceJob(j, q.now)
		h := q.w.Header()
		h.Set("ETag", j.etag)
		h.Set("Last-Modified", httpTime(j.lastModified))
		h.Set("DataServiceId", j.internalURL(q.base))
		q.w.WriteHeader(http.StatusOK)
		return nil
	})
}

// DELETE /jobs/{job}: 202 without ETag; the job is deleting until
// JobDeleteDelay (+ JobDeletePerTask per task) has passed on the clock,
// then gone with its tasks. [I] A second Delete while it is deleting is
// 409 JobBeingDeleted.
func (s *Service) deleteJob(q *request, jobID string) *apiError {
	return s.withJob(q, jobID, func(j *jobState) *apiError {
		if e := checkConditions(q.r, j.etag, j.lastModified, false); e != nil {
			return e
		}
		if j.state == JobStateDeleting {
			return newError(http.StatusConflict, codeJobBeingDeleted)
		}
		j.deleteAt = q.now.Add(JobDeleteDelay + time.Duration(len(j.tasks))*JobDeletePerTask)
		s.transition(&j.lifecycle, JobStateDeleting, q.now)
		q.w.WriteHeader(http.StatusAccepted)
		return nil
	})
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
