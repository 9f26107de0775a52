package hpcsoa

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

// Get Job List paging: the service answers a page at a time and names the next one in this
// header, which goes back as the QueryId query parameter.
const (
	continuationHeader = "x-ms-continuation-QueryId"
	jobListPageSize    = 100
	// maxJobListPages bounds a listing (100,000 jobs at the page size asked for; more if the
	// service ignores RowsPerRead and answers its default 10 a page).
	maxJobListPages = 1000
)

// closedJobStates are the JobState members of a job that has ended or is ending: its session
// cannot be attached any more. Numbers are the enum's flag values.
var closedJobStates = map[string]bool{
	"finishing": true, "finished": true, "failed": true, "canceled": true, "canceling": true,
	"64": true, "128": true, "256": true, "512": true, "1024": true,
}

// NewServiceJobName returns a service job name that no other session has: "batchops-" and 16
// random hex digits. CreateSession uses one when SessionStartInfo.ServiceJobName is empty.
func NewServiceJobName() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating a service job name: %w", err)
	}
	return "batchops-" + hex.EncodeToString(b[:]), nil
}

// FindSessionByJobName looks for the open session whose service job is named exactly name
// (sessions are service jobs, and the session id is the job id): Get Job List,
// GET .../Jobs?Properties=Id,Name,State&RowsPerRead=100, following x-ms-continuation-QueryId
// until the last page. A job that is finishing, finished, failed, canceling or canceled does
// not count. It returns found=false when no open job has the name, and an error when several
// have it (which one is meant cannot be told).
//
// A page answered malformed (IsMalformed) makes the whole listing start again from the first
// page, up to the retry policy's MaxAttempts listings in all, as other reads are repeated.
func (c *Client) FindSessionByJobName(ctx context.Context, name string) (id int, found bool, err error) {
	const op = "list jobs"
	if name == "" {
		return 0, false, fmt.Errorf("%s: the job name is empty", op)
	}
	err = transport.Repeat(ctx, c.retry, IsMalformed, func() error {
		matches, err := c.openJobsNamed(ctx, op, name)
		switch {
		case err != nil:
			return err
		case len(matches) > 1:
			return fmt.Errorf("%s: %d open service jobs are named %s (job ids %s), so which session is meant cannot be told",
				op, len(matches), quote(name), joinInts(matches))
		}
		id, found = 0, len(matches) == 1
		if found {
			id = matches[0]
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return id, found, nil
}

// openJobsNamed reads every page of the job list and returns the ids of the open jobs named
// name, ascending.
func (c *Client) openJobsNamed(ctx context.Context, op, name string) ([]int, error) {
	var matches []int
	queryID := ""
	for page := 1; ; page++ {
		if page > maxJobListPages {
			return nil, fmt.Errorf("%s: the job list has more than %d pages; giving up", op, maxJobListPages)
		}
		query := "Properties=Id,Name,State&RowsPerRead=" + strconv.Itoa(jobListPageSize)
		if queryID != "" {
			query += "&QueryId=" + queryEscape(queryID)
		}
		resp, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/Jobs", query: query})
		if err != nil {
			return nil, err
		}
		next := resp.Header.Get(continuationHeader)
		jobs, err := decodeAnswer(op, resp, "a job list", decodeJobList)
		if err != nil {
			return nil, err
		}
		for _, j := range jobs {
			if j.name == name && !closedJobStates[strings.ToLower(j.state)] && !slices.Contains(matches, j.id) {
				matches = append(matches, j.id)
			}
		}
		if next == "" {
			slices.Sort(matches)
			return matches, nil
		}
		queryID = next
	}
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

// listedJob is one job of a Get Job List answer.
type listedJob struct {
	id          int
	name, state string
}

type xmlJobList struct {
	XMLName xml.Name
	Objects []struct {
		Properties []struct {
			Name  string `xml:"Name"`
			Value struct {
				Nil  string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
				Text string `xml:",chardata"`
			} `xml:"Value"`
		} `xml:"Properties>Property"`
	} `xml:"Object"`
}

type jsonJobList []struct {
	Properties []struct {
		Name  string          `json:"Name"`
		Value json.RawMessage `json:"Value"`
	} `json:"Properties"`
}

// decodeJobList reads an ArrayOfObject (XML; elements matched by local name) or its JSON form
// [{"Properties":[{"Name":..,"Value":..}]}]. Property names compare case-insensitively; every
// job must carry Id (a positive integer), Name and State.
func decodeJobList(contentType string, data []byte) ([]listedJob, error) {
	var objects [][][2]string // per job: name/value pairs
	switch formatOf(contentType, data) {
	case formatXML:
		var x xmlJobList
		if err := xml.Unmarshal(data, &x); err != nil {
			return nil, err
		}
		if x.XMLName.Local != "ArrayOfObject" {
			return nil, fmt.Errorf("root element <%s>, want <ArrayOfObject>", x.XMLName.Local)
		}
		for _, o := range x.Objects {
			var props [][2]string
			for _, p := range o.Properties {
				v := p.Value.Text
				if p.Value.Nil == "true" || p.Value.Nil == "1" {
					v = ""
				}
				props = append(props, [2]string{p.Name, v})
			}
			objects = append(objects, props)
		}
	case formatJSON:
		var j jsonJobList
		if err := json.Unmarshal(data, &j); err != nil {
			return nil, err
		}
		if j == nil {
			return nil, fmt.Errorf("null, want an array of jobs")
		}
		for _, o := range j {
			var props [][2]string
			for _, p := range o.Properties {
				var v any
				if len(p.Value) > 0 {
					if err := json.Unmarshal(p.Value, &v); err != nil {
						return nil, err
					}
				}
				props = append(props, [2]string{p.Name, jsonText(v)})
			}
			objects = append(objects, props)
		}
	default:
		return nil, fmt.Errorf("neither XML nor JSON: %s", quote(string(data)))
	}
	jobs := make([]listedJob, 0, len(objects))
	for i, props := range objects {
		values := map[string]string{}
		for _, p := range props {
			values[strings.ToLower(p[0])] = p[1]
		}
		for _, need := range []string{"id", "name", "state"} {
			if _, ok := values[need]; !ok {
				return nil, fmt.Errorf("job %d of the page has no %s property", i+1, need)
			}
		}
		id, err := strconv.Atoi(strings.TrimSpace(values["id"]))
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("job %d of the page has Id %s, not a positive integer", i+1, quote(values["id"]))
		}
		jobs = append(jobs, listedJob{id: id, name: values["name"], state: strings.TrimSpace(values["state"])})
	}
	return jobs, nil
}
