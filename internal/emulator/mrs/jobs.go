package mrs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Job states and results (spec §1.2).
const (
	StateNew       = "NEW"
	StateNewSaving = "NEW_SAVING" // never produced
	StateSubmitted = "SUBMITTED"
	StateAccepted  = "ACCEPTED"
	StateRunning   = "RUNNING"
	StateFinished  = "FINISHED"
	StateFailed    = "FAILED"
	StateKilled    = "KILLED"

	ResultUndefined = "UNDEFINED"
	ResultSucceeded = "SUCCEEDED"
	ResultFailed    = "FAILED"
	ResultKilled    = "KILLED"
)

// JobTypes are the accepted job_type values; "SparkPython" is accepted too
// and stored as "SparkSubmit".
var JobTypes = []string{"MapReduce", "SparkSubmit", "HiveScript", "HiveSql", "DistCp", "SparkScript", "SparkSql", "Flink"}

// JobTypeSparkPython is accepted on submit and stored as SparkSubmit.
const JobTypeSparkPython = "SparkPython"

var (
	jobStates  = []string{StateFailed, StateKilled, StateNew, StateNewSaving, StateSubmitted, StateAccepted, StateRunning, StateFinished}
	jobResults = []string{ResultFailed, ResultKilled, ResultUndefined, ResultSucceeded}
)

// Submission limits (spec §1.1, the SDK's current values).
const (
	MaxArgumentsChars  = 150000
	MaxPropertiesChars = 2048
	// ForbiddenArgumentChars may not appear in any argument.
	ForbiddenArgumentChars = ";|&>'<$!\\\""
	// ForbiddenPropertyChars may not appear in any property key or value.
	ForbiddenPropertyChars = "><|'`&!\\"
)

// Timeline offsets from the submission time (see README.md, "State
// machine").
const (
	SubmittedAfter = 250 * time.Millisecond
	AcceptedAfter  = 500 * time.Millisecond
	RunningAfter   = time.Second
	// KillDelay is how long a kill takes to become effective.
	KillDelay = time.Second
)

var (
	jobNameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	failWordRE = regexp.MustCompile(`(?i)(^|[^a-z0-9])fail([^a-z0-9]|$)`)
	crashRE    = regexp.MustCompile(`(?i)(^|[^a-z0-9])crash([^a-z0-9]|$)`)
	flakyRE    = regexp.MustCompile(`(?i)(^|[^a-z0-9])flaky([^a-z0-9]|$)`)
)

// Property is one entry of a job's properties, in the order received.
type Property struct {
	Key   string
	Value string
}

// JobSubmission is the body of a submit request (also SubmitJob's input).
type JobSubmission struct {
	JobType    string
	JobName    string
	Arguments  []string
	Properties []Property // in the order received; a repeated key keeps its first position and its last value
}

// outcome is how a job ends when it is not killed.
type outcome int

const (
	outcomeSucceed outcome = iota // FINISHED / SUCCEEDED
	outcomeFail                   // FINISHED / FAILED ("fail")
	outcomeCrash                  // FAILED / FAILED ("crash")
	// outcomeFlaky ("flaky") is decided at submit: FINISHED / FAILED for the first job of its
	// name on the cluster, FINISHED / SUCCEEDED for later ones (a transient failure that a
	// resubmission cures).
	outcomeFlaky
)

// job is a stored job; its state is a pure function of these fields and the
// clock.
type job struct {
	seq       int64
	id        string
	cluster   string
	name      string
	jobType   string // as stored
	sentType  string // as sent
	args      []string
	props     []Property
	user      string
	queue     string
	submitted time.Time
	runTime   time.Duration
	outcome   outcome
	killAt    time.Time // zero: no kill requested; else when the kill takes effect
	killReqAt time.Time
	launcher  string
	appID     string
}

// status is a job evaluated at a moment.
type status struct {
	state, result     string
	progress          float64
	started, finished time.Time // zero when unset
	elapsed           time.Duration
}

func (s status) terminal() bool {
	return s.state == StateFinished || s.state == StateFailed || s.state == StateKilled
}

func (j *job) runStart() time.Time { return j.submitted.Add(RunningAfter) }
func (j *job) runEnd() time.Time   { return j.runStart().Add(j.runTime) }

// runningProgress is the linear progress at t (RUNNING phase), floored to
// two decimals and kept below 100.
func (j *job) runningProgress(t time.Time) float64 {
	if j.runTime <= 0 {
		return 0
	}
	p := 100 * float64(t.Sub(j.runStart())) / float64(j.runTime)
	p = math.Floor(p*100) / 100
	return math.Max(0, math.Min(p, 99.99))
}

// statusAt evaluates the job at now (README.md, "State machine").
func (j *job) statusAt(now time.Time) status {
	start, end := j.runStart(), j.runEnd()
	if !j.killAt.IsZero() && j.killAt.Before(end) && !now.Before(j.killAt) {
		st := status{state: StateKilled, result: ResultKilled, finished: j.killAt}
		if j.killAt.After(start) {
			st.started = start
			st.progress = j.runningProgress(j.killAt)
			st.elapsed = j.killAt.Sub(start)
		}
		return st
	}
	switch {
	case !now.Before(end):
		st := status{state: StateFinished, result: ResultSucceeded, progress: 100, started: start, finished: end, elapsed: j.runTime}
		switch j.outcome {
		case outcomeFail:
			st.result = ResultFailed
		case outcomeCrash:
			st.state, st.result = StateFailed, ResultFailed
		}
		return st
	case !now.Before(start):
		return status{state: StateRunning, result: ResultUndefined, progress: j.runningProgress(now), started: start, elapsed: now.Sub(start)}
	case !now.Before(j.submitted.Add(AcceptedAfter)):
		return status{state: StateAccepted, result: ResultUndefined}
	case !now.Before(j.submitted.Add(SubmittedAfter)):
		return status{state: StateSubmitted, result: ResultUndefined}
	default:
		return status{state: StateNew, result: ResultUndefined}
	}
}

// ms is epoch milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FormatArguments renders arguments as the job detail does: Java-list style
// "[a, b, c]" ("[]" when empty).
func FormatArguments(args []string) string {
	return "[" + strings.Join(args, ", ") + "]"
}

// FormatProperties renders properties as the job detail does: Java-map style
// "{k1=v1, k2=v2}" in the order received ("{}" when empty).
func FormatProperties(props []Property) string {
	parts := make([]string, len(props))
	for i, p := range props {
		parts[i] = p.Key + "=" + p.Value
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// jobDetail is a job on the wire (job_detail and job_list items).
type jobDetail struct {
	JobID         string  `json:"job_id"`
	User          string  `json:"user"`
	JobName       string  `json:"job_name"`
	JobResult     string  `json:"job_result"`
	JobState      string  `json:"job_state"`
	JobProgress   float64 `json:"job_progress"`
	JobType       string  `json:"job_type"`
	StartedTime   int64   `json:"started_time"`
	SubmittedTime int64   `json:"submitted_time"`
	FinishedTime  int64   `json:"finished_time"`
	ElapsedTime   int64   `json:"elapsed_time"`
	Queue         string  `json:"queue"`
	Arguments     string  `json:"arguments"`
	LauncherID    string  `json:"launcher_id,omitempty"`
	AppID         string  `json:"app_id,omitempty"`
	TrackingURL   string  `json:"tracking_url,omitempty"`
	Properties    string  `json:"properties"`
}

// trackingURL is the fake YARN proxy URL of a SparkSubmit job.
func trackingURL(appID string) string {
	return "http://master1.mrs-emulator.local:8088/proxy/" + appID + "/"
}

func (j *job) detail(now time.Time) jobDetail {
	st := j.statusAt(now)
	d := jobDetail{
		JobID: j.id, User: j.user, JobName: j.name, JobResult: st.result, JobState: st.state,
		JobProgress: st.progress, JobType: j.jobType, StartedTime: ms(st.started), SubmittedTime: ms(j.submitted),
		FinishedTime: ms(st.finished), ElapsedTime: st.elapsed.Milliseconds(), Queue: j.queue,
		Arguments: FormatArguments(j.args), Properties: FormatProperties(j.props),
	}
	if !st.started.IsZero() {
		d.LauncherID, d.AppID = j.launcher, j.appID
		if j.jobType == "SparkSubmit" {
			d.TrackingURL = trackingURL(j.appID)
		}
	}
	return d
}

// parseSubmission decodes and validates a submit body (README.md, "Submit").
// It also returns job_type as sent (before SparkPython becomes SparkSubmit).
func parseSubmission(body []byte) (JobSubmission, string, *apiError) {
	var sub JobSubmission
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return sub, "", invalidParam("the request body must be a JSON object with job_type, job_name, arguments and properties")
	}
	str := func(name string) (string, *apiError) {
		raw, ok := top[name]
		if !ok || string(raw) == "null" {
			return "", invalidParam("%s is required", name)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", invalidParam("%s must be a string", name)
		}
		return s, nil
	}
	var e *apiError
	if sub.JobType, e = str("job_type"); e != nil {
		return sub, "", e
	}
	if sub.JobName, e = str("job_name"); e != nil {
		return sub, "", e
	}
	if raw, ok := top["arguments"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &sub.Arguments); err != nil {
			return sub, "", invalidParam("arguments must be an array of strings")
		}
	}
	if raw, ok := top["properties"]; ok && string(raw) != "null" {
		props, err := decodeOrderedStringMap(raw)
		if err != nil {
			return sub, "", invalidParam("properties must be an object of string values")
		}
		sub.Properties = props
	}
	sent := sub.JobType
	if e := validateSubmission(&sub); e != nil {
		return sub, sent, e
	}
	return sub, sent, nil
}

// decodeOrderedStringMap reads a JSON object of strings keeping the key
// order; a repeated key keeps its first position and takes the last value
// (Java's LinkedHashMap).
func decodeOrderedStringMap(raw []byte) ([]Property, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not an object")
	}
	var out []Property
	index := map[string]int{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := kt.(string)
		var v string
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if i, ok := index[k]; ok {
			out[i].Value = v
			continue
		}
		index[k] = len(out)
		out = append(out, Property{Key: k, Value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

// validateSubmission checks a submission and normalises SparkPython to
// SparkSubmit.
func validateSubmission(sub *JobSubmission) *apiError {
	known := false
	for _, t := range JobTypes {
		if sub.JobType == t {
			known = true
		}
	}
	if !known && sub.JobType != JobTypeSparkPython {
		return invalidParam("job_type %q is not one of %s (or SparkPython)", sub.JobType, strings.Join(JobTypes, ", "))
	}
	if !jobNameRE.MatchString(sub.JobName) {
		return invalidParam("job_name must be 1-64 characters of letters, digits, '_' and '-'")
	}
	total := 0
	for i, a := range sub.Arguments {
		total += utf8.RuneCountInString(a)
		if k := strings.IndexAny(a, ForbiddenArgumentChars); k >= 0 {
			return invalidParam("arguments[%d] contains the forbidden character %q (arguments may not contain any of %s)", i, a[k], ForbiddenArgumentChars)
		}
	}
	if total > MaxArgumentsChars {
		return invalidParam("arguments hold %d characters; at most %d are allowed", total, MaxArgumentsChars)
	}
	total = 0
	for _, p := range sub.Properties {
		total += utf8.RuneCountInString(p.Key) + utf8.RuneCountInString(p.Value)
		for _, s := range []string{p.Key, p.Value} {
			if k := strings.IndexAny(s, ForbiddenPropertyChars); k >= 0 {
				return invalidParam("properties entry %q contains the forbidden character %q (properties may not contain any of %s)", p.Key, s[k], ForbiddenPropertyChars)
			}
		}
	}
	if total > MaxPropertiesChars {
		return invalidParam("properties hold %d characters; at most %d are allowed", total, MaxPropertiesChars)
	}
	if sub.JobType == JobTypeSparkPython {
		sub.JobType = "SparkSubmit"
	}
	return nil
}

// planOutcome applies the deterministic rules: "crash", "fail" or "flaky" as a
// word in an argument or a property key or value, and sleep=N in an argument.
func planOutcome(sub JobSubmission, def time.Duration) (outcome, time.Duration) {
	texts := append([]string(nil), sub.Arguments...)
	for _, p := range sub.Properties {
		texts = append(texts, p.Key, p.Value)
	}
	oc := outcomeSucceed
	for _, t := range texts {
		if crashRE.MatchString(t) {
			oc = outcomeCrash
			break
		}
		if failWordRE.MatchString(t) {
			oc = outcomeFail
		}
		if flakyRE.MatchString(t) && oc == outcomeSucceed {
			oc = outcomeFlaky
		}
	}
	run := def
	for _, a := range sub.Arguments {
		if d, ok := parseSleep(a); ok {
			run = d
		}
	}
	return oc, run
}

// parseSleep reads an argument "sleep=N": N seconds (a number, fractions
// allowed) or a Go duration such as 2h or 1m30s; it must not be negative.
func parseSleep(arg string) (time.Duration, bool) {
	v, ok := strings.CutPrefix(strings.TrimSpace(arg), "sleep=")
	if !ok || v == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > float64(math.MaxInt64/int64(time.Second)) {
			return 0, false
		}
		return time.Duration(f * float64(time.Second)), true
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, true
	}
	return 0, false
}
