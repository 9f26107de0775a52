package mrs

import (
	"fmt"
	"time"
)

// JobView is a job as the Go API shows it, evaluated at the clock.
type JobView struct {
	ClusterID string
	JobID     string
	Name      string
	Type      string // as stored: SparkPython becomes SparkSubmit
	SentType  string // job_type as submitted
	State     string // job_state
	Result    string // job_result
	Progress  float64
	Terminal  bool // State is FINISHED, FAILED or KILLED

	Arguments        []string
	Properties       []Property // in the order received
	ArgumentsString  string     // the wire form, "[a, b]"
	PropertiesString string     // the wire form, "{k=v}"

	User        string
	Queue       string
	LauncherID  string // "" until RUNNING
	AppID       string // "" until RUNNING
	TrackingURL string // SparkSubmit only, "" until RUNNING

	SubmittedTime time.Time
	StartedTime   time.Time // zero until RUNNING
	FinishedTime  time.Time // zero until terminal
	ElapsedTime   time.Duration
	RunTime       time.Duration // planned RUNNING time (Config.RunTime or sleep=N)

	KillRequested   bool      // a kill was accepted while the job was not terminal
	KillRequestedAt time.Time // zero when none
	Killed          bool      // State is KILLED
	KillCount       int       // kill requests answered 202, terminal jobs included
}

// PropertyMap returns the properties as a map.
func (v JobView) PropertyMap() map[string]string {
	m := make(map[string]string, len(v.Properties))
	for _, p := range v.Properties {
		m[p.Key] = p.Value
	}
	return m
}

func (s *Service) viewLocked(j *job, now time.Time) JobView {
	st := j.statusAt(now)
	d := j.detail(now)
	return JobView{
		ClusterID: j.cluster, JobID: j.id, Name: j.name, Type: j.jobType, SentType: j.sentType,
		State: st.state, Result: st.result, Progress: st.progress, Terminal: st.terminal(),
		Arguments: append([]string{}, j.args...), Properties: append([]Property{}, j.props...),
		ArgumentsString: d.Arguments, PropertiesString: d.Properties,
		User: j.user, Queue: j.queue, LauncherID: d.LauncherID, AppID: d.AppID, TrackingURL: d.TrackingURL,
		SubmittedTime: j.submitted, StartedTime: st.started, FinishedTime: st.finished, ElapsedTime: st.elapsed,
		RunTime: j.runTime, KillRequested: !j.killAt.IsZero(), KillRequestedAt: j.killReqAt,
		Killed: st.state == StateKilled, KillCount: s.kills[j.cluster+"/"+j.id],
	}
}

// Job returns a job of a cluster.
func (s *Service) Job(clusterID, jobID string) (JobView, bool) {
	var view JobView
	err := s.withJob(clusterID, jobID, func(_ *cluster, j *job) *apiError {
		view = s.viewLocked(j, s.clockNow())
		return nil
	})
	return view, err == nil
}

// Jobs returns the jobs of a cluster in submit order.
func (s *Service) Jobs(clusterID string) []JobView {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clusters[clusterID]
	if !ok {
		return nil
	}
	now := s.clockNow()
	out := make([]JobView, 0, len(c.order))
	for _, j := range c.order {
		out = append(out, s.viewLocked(j, now))
	}
	return out
}

// JobCount returns how many jobs a cluster holds.
func (s *Service) JobCount(clusterID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clusters[clusterID]; ok {
		return len(c.order)
	}
	return 0
}

// DeleteJob removes a job out of band (for drift tests), whatever its
// state; it reports whether the job existed.
func (s *Service) DeleteJob(clusterID, jobID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clusters[clusterID]
	if !ok {
		return false
	}
	if _, ok := c.jobs[jobID]; !ok {
		return false
	}
	s.deleteLocked(c, map[string]bool{jobID: true})
	return true
}

// KillCount returns how many kill requests for the job were answered 202
// (also after the job was deleted).
func (s *Service) KillCount(clusterID, jobID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kills[clusterID+"/"+jobID]
}

// KillCounts returns the kill counts of a cluster's jobs, keyed by job id
// (jobs never killed are absent; deleted jobs are included).
func (s *Service) KillCounts(clusterID string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	prefix := clusterID + "/"
	for k, n := range s.kills {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			out[k[len(prefix):]] = n
		}
	}
	return out
}

// SubmitJob submits a job out of band, with the same validation and rules
// as POST .../job-executions (MaxRunningJobs included).
func (s *Service) SubmitJob(clusterID string, sub JobSubmission) (JobView, error) {
	sent := sub.JobType
	sub.Arguments = append([]string(nil), sub.Arguments...)
	// a repeated key keeps its first position and takes the last value, as
	// when decoding a request body
	var props []Property
	index := map[string]int{}
	for _, p := range sub.Properties {
		if i, ok := index[p.Key]; ok {
			props[i].Value = p.Value
			continue
		}
		index[p.Key] = len(props)
		props = append(props, p)
	}
	sub.Properties = props
	if e := validateSubmission(&sub); e != nil {
		return JobView{}, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.clusterLocked(clusterID)
	if e != nil {
		return JobView{}, fmt.Errorf("mrs: cluster %q does not exist", clusterID)
	}
	j, e := s.submitLocked(c, sub, sent)
	if e != nil {
		return JobView{}, e
	}
	return s.viewLocked(j, s.clockNow()), nil
}
