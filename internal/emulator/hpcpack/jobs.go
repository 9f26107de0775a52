package hpcpack

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Get Job List (spec §2.12; DOCS schedulerwebservice--getjoblist.md): every
// session is a service job whose id is the session id [I]. See README.md,
// "Get Job List".

// DefaultRowsPerRead is the page size of Get Job List when RowsPerRead is not
// given [C DOCS: "The default is set to 10"].
const DefaultRowsPerRead = 10

// Job states the emulator reports [I]: an open session's job is Running; a
// closed one's is Finished (the broker finishes the service job on Close).
const (
	JobStateRunning  = "Running"
	JobStateFinished = "Finished"
)

// jobProperties are the job properties the emulator answers, in the order
// Properties may name them; the first five (in the documented order) are the
// default set [C DOCS: Id, Owner, Name, State, Priority].
var jobProperties = []string{"Id", "Owner", "Name", "State", "Priority", "UserName", "ServiceName"}

const defaultJobPropertyCount = 5

// continuationHeader carries the QueryId of the next page.
const continuationHeader = "x-ms-continuation-QueryId"

// queryIDPrefix starts the emulator's opaque QueryId: the id of the last job
// of the previous page follows it.
const queryIDPrefix = "emu-after-"

// jobValue is one property of a session's service job; callers hold s.mu.
func (sess *session) jobValue(name string) string {
	switch name {
	case "Id":
		return strconv.Itoa(sess.id)
	case "Name":
		return sess.jobName()
	case "Owner", "UserName":
		return sess.runAs
	case "State":
		if sess.closed {
			return JobStateFinished
		}
		return JobStateRunning
	case "Priority":
		if p := sess.info.Priority; p != nil && *p >= 0 && *p < len(jobPriorityNames) {
			return jobPriorityNames[*p]
		}
		return "Normal"
	case "ServiceName":
		return sess.service.Name
	}
	return ""
}

// jobName is ServiceJobName as given at create, else the service name [I].
func (sess *session) jobName() string {
	if sess.info.ServiceJobName != "" {
		return sess.info.ServiceJobName
	}
	return sess.service.Name
}

// jobPriorityNames are the JobPriority members by value.
var jobPriorityNames = []string{"Lowest", "BelowNormal", "Normal", "AboveNormal", "Highest"}

// jobProperty is one name/value pair of a listed job, as the JSON answer
// writes it.
type jobProperty struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type jobObject struct {
	Properties []jobProperty `json:"Properties"`
}

// getJobList: GET {p}/Jobs?Properties=&Owner=&RowsPerRead=&QueryId=. The
// jobs of all sessions (open and closed) in ascending id order, a page of
// RowsPerRead at a time; while more remain the answer carries
// x-ms-continuation-QueryId, which the next call sends back as QueryId.
func (s *Service) getJobList(c *call) *apiError {
	props, err := parseJobProperties(c)
	if err != nil {
		return err
	}
	rows := DefaultRowsPerRead
	if v, ok := c.q("rowsperread"); ok && strings.TrimSpace(v) != "" {
		n, perr := strconv.Atoi(strings.TrimSpace(v))
		if perr != nil {
			return newFault(http.StatusBadRequest, CodeArgumentError,
				"The query parameter RowsPerRead must be an integer, got '"+v+"'.", "RowsPerRead", v)
		}
		// "At least one record will be retrieved."
		rows = max(n, 1)
	}
	after := 0
	if v, ok := c.q("queryid"); ok && v != "" {
		n, perr := strconv.Atoi(strings.TrimPrefix(v, queryIDPrefix))
		if !strings.HasPrefix(v, queryIDPrefix) || perr != nil || n < 0 {
			return newFault(http.StatusBadRequest, CodeArgumentError,
				"The QueryId '"+v+"' is not valid: send back the x-ms-continuation-QueryId of the previous answer.", "QueryId", v)
		}
		after = n
	}
	if v, ok := c.q("$filter"); ok && v != "" {
		return newFault(http.StatusBadRequest, CodeArgumentError,
			"The $filter parameter of Get Job List is not emulated.", "$filter", v)
	}
	owner, _ := c.q("owner")

	s.mu.Lock()
	ids := make([]int, 0, len(s.sessions))
	for id, sess := range s.sessions {
		if id > after && (owner == "" || strings.EqualFold(owner, sess.jobValue("Owner"))) {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	more := len(ids) > rows
	if more {
		ids = ids[:rows]
	}
	jobs := make([]jobObject, 0, len(ids))
	for _, id := range ids {
		sess := s.sessions[id]
		obj := jobObject{Properties: make([]jobProperty, 0, len(props))}
		for _, p := range props {
			obj.Properties = append(obj.Properties, jobProperty{Name: p, Value: sess.jobValue(p)})
		}
		jobs = append(jobs, obj)
	}
	s.mu.Unlock()

	if more {
		c.w.Header().Set(continuationHeader, queryIDPrefix+strconv.Itoa(ids[len(ids)-1]))
	}
	if wantsJSON(c.r) {
		writeJSON(c.w, http.StatusOK, jobs)
		return nil
	}
	var b strings.Builder
	b.WriteString(`<ArrayOfObject xmlns="` + nsCommon + `" xmlns:i="` + nsXSI + `">`)
	for _, j := range jobs {
		b.WriteString(`<Object><Properties>`)
		for _, p := range j.Properties {
			b.WriteString(`<Property><Name>` + escapeText(p.Name) + `</Name><Value>` + escapeText(p.Value) + `</Value></Property>`)
		}
		b.WriteString(`</Properties></Object>`)
	}
	b.WriteString(`</ArrayOfObject>`)
	writeXML(c.w, http.StatusOK, b.String())
	return nil
}

// parseJobProperties reads Properties: comma-separated names matched
// case-insensitively [I] and answered with the emulator's spelling, in the
// order given; a name the emulator does not know is 400 ArgumentError [C DOCS:
// "If a property with a specified name does not exist for a job, an error
// occurs"; the status and code are I]. Absent or empty: the default set.
func parseJobProperties(c *call) ([]string, *apiError) {
	raw, _ := c.q("properties")
	if strings.TrimSpace(raw) == "" {
		return jobProperties[:defaultJobPropertyCount], nil
	}
	var out []string
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		known := ""
		for _, p := range jobProperties {
			if strings.EqualFold(p, name) {
				known = p
			}
		}
		if known == "" {
			return nil, newFault(http.StatusBadRequest, CodeArgumentError,
				"The job property '"+name+"' does not exist (the emulator answers "+strings.Join(jobProperties, ", ")+").",
				"Property", name)
		}
		out = append(out, known)
	}
	return out, nil
}
