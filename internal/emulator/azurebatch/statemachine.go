package azurebatch

import (
	"hash/fnv"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Task states and results.
const (
	StateActive    = "active"
	StateRunning   = "running"
	StateCompleted = "completed"

	resultSuccess = "success"
	resultFailure = "failure"
)

// Deterministic task rules (see README.md):
//
//   - A task is active for ActiveDelay after it is added (or reactivated, or
//     after a failed attempt that will be retried), then running. A task
//     with dependsOn stays active until every task it depends on has
//     completed and satisfied the dependency (success, or a failure whose
//     exit options say dependencyAction "satisfy"); it becomes running
//     ActiveDelay after the later of its activation and the last dependency's
//     completion. Dependencies that do not exist (yet) block.
//   - The run time is the sum of every "sleep N" (N seconds, may be
//     fractional) in the command line, 1 s when there is none.
//   - The exit code is N of the last "exit N" in the command line, 0 when there
//     is none. Exit 0 completes the task with result "success". Any other
//     exit code fails the attempt: it is retried (active for ActiveDelay,
//     then running again; retryCount and lastRetryTime advance) while
//     retryCount < maxTaskRetryCount (-1: without limit); then the task
//     completes with result "failure" and failureInfo FailureExitCode.
//   - A resource file whose httpUrl or storageContainerUrl contains "missing"
//     fails pre-processing: the task completes after 1 s running, without an
//     exit code, with failureInfo BlobNotFound, and is not retried.
//   - [I] When the run time exceeds maxWallClockTime, the attempt ends when
//     the limit is reached (measured from the attempt's start) and the task
//     completes without an exit code with failureInfo
//     MaxWallClockTimeExceeded; it is not retried.
//   - Terminate completes an active or running task at once with failureInfo
//     TaskEnded. Reactivate puts a failed completed task back to active with
//     its retry count, exit code and failure info cleared.
//
// States are evaluated lazily, on every access, against the emulator clock;
// every transition sets previousState, the transition times and lastModified
// (to the time of the transition) and gives the task a new ETag.
const ActiveDelay = time.Second

var (
	sleepRe = regexp.MustCompile(`\bsleep\s+([0-9]+(?:\.[0-9]*)?|\.[0-9]+)`)
	exitRe  = regexp.MustCompile(`\bexit\s+(-?[0-9]+)`)
)

// maxRunTime caps the run time read from a command line.
const maxRunTime = 100 * 365 * 24 * time.Hour

// RunPlan returns the run time and exit code the emulator derives from a
// command line.
func RunPlan(commandLine string) (time.Duration, int32) {
	var total float64
	found := false
	for _, m := range sleepRe.FindAllStringSubmatch(commandLine, -1) {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			total += v
			found = true
		}
	}
	run := time.Second
	if found {
		if total*1e9 >= float64(maxRunTime) {
			run = maxRunTime
		} else {
			run = time.Duration(math.Round(total * 1e9))
		}
	}
	var code int32
	if ms := exitRe.FindAllStringSubmatch(commandLine, -1); len(ms) > 0 {
		if v, err := strconv.ParseInt(ms[len(ms)-1][1], 10, 32); err == nil {
			code = int32(v)
		}
	}
	return run, code
}

type outcome int

const (
	outcomeExit outcome = iota
	outcomeMissingFile
	outcomeWallClock
)

// taskState is a stored task. Callers hold s.mu.
type taskState struct {
	seq uint64
	p   TaskAddParameter // validated, defaults filled
	lifecycle

	activeSince   time.Time
	attempts      int
	startTime     time.Time
	endTime       time.Time
	lastRetryTime time.Time
	exitCode      *int32
	result        string
	failure       *TaskFailureInfo
	retryCount    int32
	onNode        bool

	runTime     time.Duration
	planExit    int32
	missingFile string
}

func (t *taskState) id() string { return *t.p.ID }

func (t *taskState) maxRetries() int32 { return *t.p.Constraints.MaxTaskRetryCount }

func (t *taskState) maxWallTicks() int64 {
	v, err := ParseDuration(*t.p.Constraints.MaxWallClockTime)
	if err != nil {
		return MaxDurationTicks
	}
	return v
}

func newTaskState(p TaskAddParameter, now time.Time, seq uint64) *taskState {
	t := &taskState{seq: seq, p: p, lifecycle: newLifecycle(StateActive, now, ""), activeSince: now}
	t.runTime, t.planExit = RunPlan(*p.CommandLine)
	for _, rf := range p.ResourceFiles {
		for _, u := range []*string{rf.HTTPURL, rf.StorageContainerURL} {
			if u != nil && strings.Contains(strings.ToLower(*u), "missing") && t.missingFile == "" {
				t.missingFile = *u
			}
		}
	}
	return t
}

// lifecycle is what jobs and tasks both keep: when they were made and last changed, their ETag,
// and their current and previous state.
type lifecycle struct {
	created      time.Time
	lastModified time.Time
	etag         string

	state         string
	stateTime     time.Time
	prevState     string
	prevStateTime time.Time
}

func newLifecycle(state string, now time.Time, etag string) lifecycle {
	return lifecycle{created: now, lastModified: now, etag: etag, state: state, stateTime: now}
}

// transition moves a job or task to state at the given time, which changes its ETag.
func (s *Service) transition(l *lifecycle, state string, at time.Time) {
	l.prevState, l.prevStateTime = l.state, l.stateTime
	l.state, l.stateTime = state, at
	l.lastModified = at
	l.etag = s.newETag(at)
}

// attemptEnd returns when and how the current attempt ends.
func (t *taskState) attemptEnd() (time.Time, outcome) {
	if t.missingFile != "" {
		return t.startTime.Add(time.Second), outcomeMissingFile
	}
	if wall := t.maxWallTicks(); wall < int64(t.runTime/100) {
		return t.startTime.Add(ticksToDuration(wall)), outcomeWallClock
	}
	return t.startTime.Add(t.runTime), outcomeExit
}

func (t *taskState) retriesLeft() bool {
	m := t.maxRetries()
	return m == -1 || t.retryCount < m
}

// advance evaluates the task's state machine up to now. Tasks stand still
// once their job is completed or deleting.
func (s *Service) advance(j *jobState, t *taskState, now time.Time) {
	if j.state != JobStateActive && j.stateTime.Before(now) {
		now = j.stateTime
	}
	s.advanceTask(j, t, now, map[*taskState]bool{})
}

func (s *Service) advanceTask(j *jobState, t *taskState, now time.Time, visiting map[*taskState]bool) {
	if t.state == StateCompleted || visiting[t] {
		return
	}
	visiting[t] = true
	defer delete(visiting, t)
	for guard := 0; guard < 1_000_000; guard++ {
		switch t.state {
		case StateActive:
			var ready time.Time
			if t.attempts == 0 {
				since, ok := s.dependenciesDone(j, t, now, visiting)
				if !ok {
					return
				}
				ready = since.Add(ActiveDelay)
			} else {
				s.fastForwardRetries(t, now)
				ready = t.activeSince.Add(ActiveDelay)
			}
			if ready.After(now) {
				return
			}
			s.startAttempt(t, ready)
		case StateRunning:
			end, how := t.attemptEnd()
			if end.After(now) {
				return
			}
			s.finishAttempt(t, end, how)
		default:
			return
		}
	}
}

func (s *Service) startAttempt(t *taskState, at time.Time) {
	if t.attempts > 0 {
		t.retryCount++
		t.lastRetryTime = at
	}
	t.attempts++
	t.startTime = at
	t.endTime = time.Time{}
	t.exitCode = nil
	t.failure = nil
	t.result = ""
	t.onNode = true
	s.transition(&t.lifecycle, StateRunning, at)
}

func (s *Service) finishAttempt(t *taskState, end time.Time, how outcome) {
	t.endTime = end
	switch how {
	case outcomeMissingFile:
		t.result = resultFailure
		t.failure = userError("BlobNotFound", "The specified blob does not exist.", NameValuePair{Name: "BlobSource", Value: t.missingFile})
		s.transition(&t.lifecycle, StateCompleted, end)
	case outcomeWallClock:
		t.result = resultFailure
		t.failure = userError("MaxWallClockTimeExceeded", "The task exceeded the maximum wall clock time specified in its constraints")
		s.transition(&t.lifecycle, StateCompleted, end)
	default:
		code := t.planExit
		t.exitCode = &code
		if code == 0 {
			t.result = resultSuccess
			s.transition(&t.lifecycle, StateCompleted, end)
			return
		}
		if t.retriesLeft() {
			t.activeSince = end
			s.transition(&t.lifecycle, StateActive, end)
			return
		}
		t.result = resultFailure
		t.failure = userError("FailureExitCode", "The task process exited with an unexpected exit code")
		s.transition(&t.lifecycle, StateCompleted, end)
	}
}

// userError is the failureInfo of a task that failed through its own fault:
// the service repeats the message as the first detail.
func userError(code, message string, details ...NameValuePair) *TaskFailureInfo {
	return &TaskFailureInfo{
		Category: "usererror",
		Code:     code,
		Message:  message,
		Details:  append([]NameValuePair{{Name: "Message", Value: message}}, details...),
	}
}

// fastForwardRetries skips whole retry cycles (active ActiveDelay, then
// running for the run time, then failing) that lie entirely in the past, so
// a long unlimited-retry loop costs O(1). The result equals stepping through
// the cycles one by one, except that the skipped cycles share one ETag.
func (s *Service) fastForwardRetries(t *taskState, now time.Time) {
	if t.missingFile != "" || t.planExit == 0 {
		return
	}
	if _, how := t.attemptEnd(); how != outcomeExit {
		return
	}
	cycle := ActiveDelay + t.runTime
	elapsed := now.Sub(t.activeSince)
	if elapsed < 3*cycle {
		return
	}
	k := int64(elapsed/cycle) - 1
	if m := t.maxRetries(); m != -1 {
		if left := int64(m-t.retryCount) - 1; k > left {
			k = left
		}
	}
	if k <= 0 || k > math.MaxInt32 {
		return
	}
	t.activeSince = t.activeSince.Add(time.Duration(k) * cycle)
	t.retryCount += int32(k)
	t.attempts += int(k)
	t.lastRetryTime = t.activeSince.Add(-t.runTime)
	t.startTime = t.lastRetryTime
	t.endTime = t.activeSince
	t.prevState, t.prevStateTime = StateRunning, t.lastRetryTime
	t.stateTime = t.activeSince
	t.lastModified = t.activeSince
	t.etag = s.newETag(t.activeSince)
}

// dependenciesDone reports whether every dependency of t is satisfied at now,
// and the time from which t may start (the later of its activation and the
// last dependency's completion).
func (s *Service) dependenciesDone(j *jobState, t *taskState, now time.Time, visiting map[*taskState]bool) (time.Time, bool) {
	since := t.activeSince
	d := t.p.DependsOn
	if d == nil {
		return since, true
	}
	check := func(dep *taskState) bool {
		if dep == nil || dep == t {
			return false
		}
		s.advanceTask(j, dep, now, visiting)
		if dep.state != StateCompleted || !dep.satisfiesDependents() {
			return false
		}
		if dep.stateTime.After(since) {
			since = dep.stateTime
		}
		return true
	}
	for _, id := range d.TaskIDs {
		if !check(j.task(id)) {
			return since, false
		}
	}
	if len(d.TaskIDRanges) > 0 {
		for _, dep := range j.tasks {
			n, err := strconv.ParseInt(dep.id(), 10, 64)
			if err != nil || dep == t {
				continue
			}
			for _, r := range d.TaskIDRanges {
				if n >= int64(*r.Start) && n <= int64(*r.End) {
					if !check(dep) {
						return since, false
					}
					break
				}
			}
		}
	}
	return since, true
}

// satisfiesDependents applies the exit conditions' dependencyAction to a
// completed task (default: satisfy on success, block otherwise).
func (t *taskState) satisfiesDependents() bool {
	def := "block"
	if t.result == resultSuccess {
		def = "satisfy"
	}
	ec := t.p.ExitConditions
	if ec == nil {
		return def == "satisfy"
	}
	var opts *ExitOptions
	switch {
	case t.failure != nil && t.failure.Code == "BlobNotFound":
		opts = ec.PreProcessingError
	case t.exitCode != nil:
		code := *t.exitCode
		for _, m := range ec.ExitCodes {
			if m.Code != nil && *m.Code == code {
				opts = m.ExitOptions
				break
			}
		}
		if opts == nil {
			for _, m := range ec.ExitCodeRanges {
				if m.Start != nil && m.End != nil && code >= *m.Start && code <= *m.End {
					opts = m.ExitOptions
					break
				}
			}
		}
		if opts == nil && code != 0 {
			opts = ec.Default
		}
	}
	if opts != nil && opts.DependencyAction != nil {
		return *opts.DependencyAction == "satisfy"
	}
	return def == "satisfy"
}

// terminate completes an active or running task with failureInfo TaskEnded.
func (s *Service) terminate(t *taskState, now time.Time) {
	if t.state == StateRunning {
		t.endTime = now
	}
	t.exitCode = nil
	t.result = resultFailure
	t.failure = userError("TaskEnded", "Task Was Ended by User Request")
	s.transition(&t.lifecycle, StateCompleted, now)
}

// reactivate puts a completed, failed task back to active.
func (s *Service) reactivate(t *taskState, now time.Time) {
	t.attempts = 0
	t.retryCount = 0
	t.startTime, t.endTime, t.lastRetryTime = time.Time{}, time.Time{}, time.Time{}
	t.exitCode, t.failure, t.result = nil, nil, ""
	t.onNode = false
	t.activeSince = now
	s.transition(&t.lifecycle, StateActive, now)
}

// nodeInfo describes the (fictitious) node a task ran on; it is derived
// from the job and task ids, so it is stable.
func nodeInfo(base string, j *jobState, t *taskState) *NodeInfo {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(j.id()) + "/" + strings.ToLower(t.id())))
	nodeID := "tvm-2463757519_" + strconv.Itoa(int(h.Sum32()%4)+1) + "-20261122t000000z"
	pool := j.poolID()
	nodeURL := base + "/pools/" + pool + "/nodes/" + nodeID
	return &NodeInfo{
		AffinityID:           "TVM:" + nodeID,
		NodeURL:              nodeURL,
		PoolID:               pool,
		NodeID:               nodeID,
		TaskRootDirectory:    `workitems\` + j.id() + `\job-1\` + t.id(),
		TaskRootDirectoryURL: nodeURL + "/files/workitems/" + j.id() + "/job-1/" + t.id(),
	}
}
