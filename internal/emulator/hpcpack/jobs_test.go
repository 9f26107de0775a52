package hpcpack

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// listedJob is one Object of a Get Job List answer: property names in wire order, and values.
type listedJob struct {
	names  []string
	values map[string]string
}

// parseJobList decodes an ArrayOfObject (XML, in the common namespace) or its JSON form.
func parseJobList(t *testing.T, r resp) []listedJob {
	t.Helper()
	type property struct {
		Name  string `xml:"http://schemas.microsoft.com/HPCS2008R2/common Name" json:"Name"`
		Value string `xml:"http://schemas.microsoft.com/HPCS2008R2/common Value" json:"Value"`
	}
	type object struct {
		Properties []property `xml:"http://schemas.microsoft.com/HPCS2008R2/common Properties>Property" json:"Properties"`
	}
	var objects []object
	if strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(r.body, &objects); err != nil {
			t.Fatalf("job list is not JSON: %v: %s", err, r.body)
		}
	} else {
		var x struct {
			XMLName xml.Name `xml:"http://schemas.microsoft.com/HPCS2008R2/common ArrayOfObject"`
			Objects []object `xml:"http://schemas.microsoft.com/HPCS2008R2/common Object"`
		}
		if err := xml.Unmarshal(r.body, &x); err != nil {
			t.Fatalf("job list is not an ArrayOfObject: %v: %s", err, r.body)
		}
		objects = x.Objects
	}
	var out []listedJob
	for _, o := range objects {
		j := listedJob{values: map[string]string{}}
		for _, p := range o.Properties {
			j.names = append(j.names, p.Name)
			j.values[p.Name] = p.Value
		}
		out = append(out, j)
	}
	return out
}

func (e *env) jobs(query string, hdr ...string) resp {
	e.t.Helper()
	u := e.path("/Jobs")
	if query != "" {
		u += "?" + query
	}
	return e.do("GET", u, nil, hdr...)
}

// createNamed creates an interactive EchoService session whose WebSessionStartInfo carries
// ServiceJobName (in its alphabetical place, between Runtime and ServiceName).
func (e *env) createNamed(jobName, user, pass string) int {
	e.t.Helper()
	body := startInfoXML("MaxMessageSize", "65536", "Password", pass, "Priority", "3", "Runtime", "-1",
		"ServiceJobName", escapeText(jobName), "ServiceName", "EchoService", "Username", user)
	r := e.create(body, "application/xml", "?durable=false")
	expectStatus(e.t, r, http.StatusCreated)
	var info webSessionInfo
	if err := xml.Unmarshal(r.body, &info); err != nil {
		e.t.Fatalf("%v: %s", err, r.body)
	}
	return info.ID
}

func TestGetJobListAnswersEverySessionsServiceJob(t *testing.T) {
	e := newEnv(t)
	named := e.createNamed("batchops-0123456789abcdef", testUser, testPass)
	unnamed := e.createSession("EchoService", false)
	closed := e.createNamed("closed & gone", otherUser, otherPass)
	expectStatus(t, e.do("POST", e.path(fmt.Sprintf("/session/%d/Close", closed)), ""), http.StatusOK)
	if v, _ := e.svc.Session(named); v.StartInfo.ServiceJobName != "batchops-0123456789abcdef" {
		t.Errorf("ServiceJobName stored at create: %q", v.StartInfo.ServiceJobName)
	}

	want := []map[string]string{
		{"Id": fmt.Sprint(named), "Name": "batchops-0123456789abcdef", "State": "Running", "Owner": testUser},
		{"Id": fmt.Sprint(unnamed), "Name": "EchoService", "State": "Running", "Owner": testUser},
		{"Id": fmt.Sprint(closed), "Name": "closed & gone", "State": "Finished", "Owner": otherUser},
	}
	for _, accept := range []string{"application/xml", "application/json"} {
		// Names are matched case-insensitively and answered in the service's spelling, in the
		// order asked.
		r := e.jobs("Properties=Id,name,STATE,Owner", "Accept", accept)
		expectStatus(t, r, http.StatusOK)
		if !strings.HasPrefix(r.header.Get("Content-Type"), accept) {
			t.Errorf("%s: Content-Type %q", accept, r.header.Get("Content-Type"))
		}
		if h := r.header.Get(continuationHeader); h != "" {
			t.Errorf("%s: a continuation (%q) for a list that fits one page", accept, h)
		}
		got := parseJobList(t, r)
		if len(got) != len(want) {
			t.Fatalf("%s: %d jobs, want %d: %s", accept, len(got), len(want), r.body)
		}
		for i, j := range got {
			if !reflect.DeepEqual(j.names, []string{"Id", "Name", "State", "Owner"}) || !reflect.DeepEqual(j.values, want[i]) {
				t.Errorf("%s: job %d = %v %v, want %v", accept, i, j.names, j.values, want[i])
			}
		}
	}

	// Without Properties: the documented default set, in its documented order.
	got := parseJobList(t, e.jobs(""))
	if len(got) != 3 || !reflect.DeepEqual(got[0].names, []string{"Id", "Owner", "Name", "State", "Priority"}) || got[0].values["Priority"] != "AboveNormal" || got[1].values["Priority"] != "Normal" {
		t.Errorf("default properties: %+v", got)
	}
	// UserName (the run-as user) and ServiceName are answered too.
	got = parseJobList(t, e.jobs("Properties=UserName,ServiceName"))
	if len(got) != 3 || got[2].values["UserName"] != otherUser || got[2].values["ServiceName"] != "EchoService" {
		t.Errorf("UserName, ServiceName: %+v", got)
	}
	// Owner filters, case-insensitively.
	got = parseJobList(t, e.jobs("Properties=Id&Owner="+url.QueryEscape(strings.ToUpper(otherUser))))
	if len(got) != 1 || got[0].values["Id"] != fmt.Sprint(closed) {
		t.Errorf("Owner filter: %+v", got)
	}
}

func TestGetJobListRejectsUnknownProperties(t *testing.T) {
	e := newEnv(t)
	e.createSession("EchoService", false)
	for _, accept := range []string{"application/xml", "application/json"} {
		f := expectFault(t, e.jobs("Properties=Id,NoSuchProperty", "Accept", accept), http.StatusBadRequest, CodeArgumentError)
		if !strings.Contains(f.Message, "'NoSuchProperty' does not exist") || len(f.Values) != 1 || f.Values[0] != (KeyValue{"Property", "NoSuchProperty"}) {
			t.Errorf("%s: fault %+v", accept, f)
		}
	}
	expectFault(t, e.jobs("Properties=Id,"), http.StatusBadRequest, CodeArgumentError)
	expectFault(t, e.jobs("$filter="+url.QueryEscape("JobState eq Running")), http.StatusBadRequest, CodeArgumentError)
}

func TestGetJobListPages(t *testing.T) {
	e := newEnv(t)
	for range 12 {
		e.createSession("EchoService", false)
	}
	// pages returns the ids of every page, following the continuation.
	pages := func(query string) [][]string {
		t.Helper()
		var out [][]string
		next := ""
		for range 20 {
			q := query
			if next != "" {
				q += "&QueryId=" + url.QueryEscape(next)
			}
			r := e.jobs(q)
			expectStatus(t, r, http.StatusOK)
			var ids []string
			for _, j := range parseJobList(t, r) {
				ids = append(ids, j.values["Id"])
			}
			out = append(out, ids)
			if next = r.header.Get(continuationHeader); next == "" {
				return out
			}
		}
		t.Fatalf("%s: the continuation never ends", query)
		return nil
	}
	ids := func(from, to int) []string {
		var s []string
		for i := from; i <= to; i++ {
			s = append(s, fmt.Sprint(i))
		}
		return s
	}
	if got, want := pages("Properties=Id"), [][]string{ids(1, 10), ids(11, 12)}; !reflect.DeepEqual(got, want) {
		t.Errorf("default RowsPerRead: pages %v, want %v", got, want)
	}
	if got, want := pages("Properties=Id&RowsPerRead=5"), [][]string{ids(1, 5), ids(6, 10), ids(11, 12)}; !reflect.DeepEqual(got, want) {
		t.Errorf("RowsPerRead=5: pages %v, want %v", got, want)
	}
	if got, want := pages("Properties=Id&RowsPerRead=12"), [][]string{ids(1, 12)}; !reflect.DeepEqual(got, want) {
		t.Errorf("RowsPerRead=12: pages %v, want %v", got, want)
	}
	if got, want := pages("Properties=Id&RowsPerRead=0"), 12; len(got) != want {
		t.Errorf("RowsPerRead=0 reads at least one job a page: %d pages, want %d", len(got), want)
	}
	expectFault(t, e.jobs("RowsPerRead=many"), http.StatusBadRequest, CodeArgumentError)
	f := expectFault(t, e.jobs("QueryId=made-up"), http.StatusBadRequest, CodeArgumentError)
	if len(f.Values) != 1 || f.Values[0].Key != "QueryId" {
		t.Errorf("QueryId fault %+v", f)
	}
}

func TestGetJobListRoutesAndChecks(t *testing.T) {
	e := newEnv(t)
	e.createSession("EchoService", false)
	expectFault(t, e.jobs("", "-auth", ""), http.StatusUnauthorized, CodeWebAPIAccessDenied)
	expectFault(t, e.do("GET", e.path("/Jobs"), nil, "Authorization", basic(testUser, "wrong")), http.StatusForbidden, CodeWebAPIAccessDenied)
	// api-version is optional for the job API [C DOCS], checked when present.
	expectStatus(t, e.jobs("", "-api", ""), http.StatusOK)
	expectFault(t, e.jobs("", "api-version", "1999-01-01"), http.StatusBadRequest, CodeWebAPIAPIVersionIncorrect)
	r := e.do("POST", e.path("/Jobs"), "")
	expectFault(t, r, http.StatusMethodNotAllowed, CodeArgumentError)
	if r.header.Get("Allow") != http.MethodGet {
		t.Errorf("Allow = %q", r.header.Get("Allow"))
	}
	f := expectFault(t, e.do("GET", e.srv.URL+"/WindowsHPC/HEADNODE/Jobs", nil), http.StatusNotFound, CodeUnknownError)
	if !strings.Contains(f.Message, "without a cluster name") {
		t.Errorf("2016 form: %s", f.Message)
	}

	pre := newEnv(t, func(c *Config) { c.ClusterName = "HEADNODE" })
	pre.createSession("EchoService", false)
	if got := parseJobList(t, pre.do("GET", pre.srv.URL+"/windowshpc/headnode/jobs?Properties=Id", nil)); len(got) != 1 || got[0].values["Id"] != "1" {
		t.Errorf("pre-2016 form: %+v", got)
	}
	expectFault(t, pre.do("GET", pre.srv.URL+"/WindowsHPC/Jobs", nil), http.StatusNotFound, CodeUnknownError)
}

// ServiceJobName is a WebSessionStartInfo member like the others: out of its alphabetical
// place it is refused.
func TestCreateSessionServiceJobNameOrder(t *testing.T) {
	e := newEnv(t)
	body := startInfoXML("MaxMessageSize", "65536", "Password", testPass, "Runtime", "-1",
		"ServiceName", "EchoService", "ServiceJobName", "late", "Username", testUser)
	f := expectFault(t, e.create(body, "application/xml", "?durable=false"), http.StatusBadRequest, CodeArgumentError)
	if len(f.Values) != 1 || f.Values[0] != (KeyValue{"Member", "ServiceJobName"}) {
		t.Errorf("fault %+v", f)
	}
}

// A job name is limited to 80 characters (ISchedulerJob.Name).
func TestCreateSessionServiceJobNameLength(t *testing.T) {
	e := newEnv(t)
	create := func(name string) resp {
		return e.create(startInfoXML("MaxMessageSize", "65536", "Password", testPass, "Runtime", "-1",
			"ServiceJobName", name, "ServiceName", "EchoService", "Username", testUser), "application/xml", "?durable=false")
	}
	expectStatus(t, create(strings.Repeat("é", 80)), http.StatusCreated)
	f := expectFault(t, create(strings.Repeat("n", 81)), http.StatusBadRequest, CodeArgumentError)
	if len(f.Values) != 1 || f.Values[0] != (KeyValue{"Member", "ServiceJobName"}) {
		t.Errorf("fault %+v", f)
	}
}
