package hpcsoa

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// jobListXML builds an ArrayOfObject page; each job is Id, Name, State.
func jobListXML(jobs ...[3]string) string {
	esc := func(v string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(v))
		return b.String()
	}
	var b strings.Builder
	b.WriteString(`<ArrayOfObject xmlns="http://schemas.microsoft.com/HPCS2008R2/common" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">`)
	for _, j := range jobs {
		fmt.Fprintf(&b, `<Object><Properties><Property><Name>Id</Name><Value>%s</Value></Property><Property><Name>Name</Name><Value>%s</Value></Property><Property><Name>State</Name><Value>%s</Value></Property></Properties></Object>`, esc(j[0]), esc(j[1]), esc(j[2]))
	}
	b.WriteString(`</ArrayOfObject>`)
	return b.String()
}

func TestFindSessionByJobNameFollowsPages(t *testing.T) {
	rec := newRecorder(t, false, func(w http.ResponseWriter, r *http.Request, s seen) {
		switch s.Query.Get("QueryId") {
		case "":
			w.Header().Set("x-ms-continuation-QueryId", "q 1&2")
			reply(http.StatusOK, "application/xml; charset=utf-8", jobListXML(
				[3]string{"1", "other", "Running"}, [3]string{"2", "nightly & co", "Finished"}))(w, r, s)
		case "q 1&2":
			reply(http.StatusOK, "application/json; charset=utf-8",
				`[{"Properties":[{"Name":"id","Value":3},{"Name":"NAME","Value":"nightly & co"},{"Name":"State","Value":"Queued"}]},`+
					`{"Properties":[{"Name":"Id","Value":"4"},{"Name":"Name","Value":null},{"Name":"State","Value":"Running"}]}]`)(w, r, s)
		default:
			t.Errorf("unexpected QueryId %q", s.Query.Get("QueryId"))
			reply(http.StatusBadRequest, "", "")(w, r, s)
		}
	})
	c := testClient(t, rec.srv.URL, func(c *Config) { c.ClusterName = "HN" })
	id, found, err := c.FindSessionByJobName(context.Background(), "nightly & co")
	if err != nil || !found || id != 3 {
		t.Fatalf("got %d, %v, %v; want job 3 (job 2 of that name has finished)", id, found, err)
	}
	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 pages", len(reqs))
	}
	for i, s := range reqs {
		if s.Method != http.MethodGet || s.Path != "/WindowsHPC/HN/Jobs" || s.Query.Get("Properties") != "Id,Name,State" || s.Query.Get("RowsPerRead") != "100" ||
			s.Header.Get("api-version") != DefaultAPIVersion || s.Header.Get("Authorization") != basicHeader() {
			t.Errorf("request %d: %s %s %v", i, s.Method, s.RequestURI, s.Header)
		}
	}
	if !strings.Contains(reqs[1].RequestURI, "QueryId=q%201%262") {
		t.Errorf("the continuation goes back escaped: %s", reqs[1].RequestURI)
	}

	if _, found, err := c.FindSessionByJobName(context.Background(), "missing"); err != nil || found {
		t.Errorf("a name no job has: %v, %v", found, err)
	}
	if _, _, err := c.FindSessionByJobName(context.Background(), ""); err == nil {
		t.Error("an empty name was looked up")
	}
}

func TestFindSessionByJobNameSkipsEndedJobs(t *testing.T) {
	for state, open := range map[string]bool{
		"Configuring": true, "Submitted": true, "Validating": true, "ExternalValidation": true, "Queued": true, "Running": true, "32": true,
		"Finishing": false, "Finished": false, "Failed": false, "Canceled": false, "Canceling": false, "finished": false, "512": false,
	} {
		rec := newRecorder(t, false, reply(http.StatusOK, "application/xml", jobListXML([3]string{"9", "job", state})))
		id, found, err := testClient(t, rec.srv.URL).FindSessionByJobName(context.Background(), "job")
		if err != nil || found != open || (open && id != 9) {
			t.Errorf("state %s: got %d, %v, %v; want found=%v", state, id, found, err, open)
		}
	}
}

func TestFindSessionByJobNameRefusesToGuess(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusOK, "application/xml", jobListXML(
		[3]string{"5", "job", "Running"}, [3]string{"8", "job", "Queued"}, [3]string{"9", "job", "Canceled"})))
	_, found, err := testClient(t, rec.srv.URL).FindSessionByJobName(context.Background(), "job")
	if err == nil || found || IsMalformed(err) || !strings.Contains(err.Error(), `list jobs: 2 open service jobs are named "job" (job ids 5, 8)`) {
		t.Errorf("two open jobs of one name: %v, %v", found, err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d requests: a definite answer is not asked again", n)
	}
}

// A malformed page starts the whole listing again, as often as the retry policy allows.
func TestFindSessionByJobNameMalformedPages(t *testing.T) {
	for name, page2 := range map[string]func(http.ResponseWriter, *http.Request, seen){
		"html":        reply(http.StatusOK, "text/html", "<html>proxy</html>"),
		"no state":    reply(http.StatusOK, "application/xml", `<ArrayOfObject><Object><Properties><Property><Name>Id</Name><Value>1</Value></Property><Property><Name>Name</Name><Value>x</Value></Property></Properties></Object></ArrayOfObject>`),
		"bad id":      reply(http.StatusOK, "application/xml", jobListXML([3]string{"one", "x", "Running"})),
		"other root":  reply(http.StatusOK, "application/xml", `<WebSessionInfo/>`),
		"json object": reply(http.StatusOK, "application/json", `{"Properties":[]}`),
		"cut short":   reply(http.StatusOK, "application/xml", `<ArrayOfObject><Object>`),
	} {
		rec := newRecorder(t, false, func(w http.ResponseWriter, r *http.Request, s seen) {
			if s.Query.Get("QueryId") == "" {
				w.Header().Set("x-ms-continuation-QueryId", "next")
				reply(http.StatusOK, "application/xml", jobListXML([3]string{"1", "other", "Running"}))(w, r, s)
				return
			}
			page2(w, r, s)
		})
		_, _, err := testClient(t, rec.srv.URL).FindSessionByJobName(context.Background(), "x")
		if !IsMalformed(err) || !strings.HasPrefix(err.Error(), "list jobs: malformed answer (HTTP 200): ") {
			t.Errorf("%s: %v", name, err)
		}
		var firstPages int
		for _, s := range rec.requests() {
			if s.Query.Get("QueryId") == "" {
				firstPages++
			}
		}
		if n := len(rec.requests()); n != 2*fastRetry.MaxAttempts || firstPages != fastRetry.MaxAttempts {
			t.Errorf("%s: %d requests (%d first pages), want the listing %d times from the start", name, n, firstPages, fastRetry.MaxAttempts)
		}
	}
}

// sessionServer answers Create Session with create, Get Job List with jobs and Attach with
// attach.
func sessionServer(t *testing.T, create, jobs, attach func(http.ResponseWriter, *http.Request, seen)) *recorder {
	return newRecorder(t, false, func(w http.ResponseWriter, r *http.Request, s seen) {
		switch {
		case strings.HasSuffix(s.Path, "/sessions/Create"):
			create(w, r, s)
		case strings.HasSuffix(s.Path, "/Jobs"):
			jobs(w, r, s)
		case strings.HasSuffix(s.Path, "/Attach"):
			attach(w, r, s)
		default:
			t.Errorf("unexpected %s %s", s.Method, s.RequestURI)
		}
	})
}

func echoStart(jobName string) SessionStartInfo {
	return SessionStartInfo{ServiceName: "EchoService", MaxMessageSize: 65536, RuntimeSeconds: -1, Username: testUser, Password: testPassword, ServiceJobName: jobName}
}

func TestCreateSessionAmbiguousOutcomes(t *testing.T) {
	malformed := reply(http.StatusOK, "text/html", "<html>gateway</html>")
	attached := reply(http.StatusOK, "application/xml", webSessionInfoXML)
	jobs := reply(http.StatusOK, "application/xml", jobListXML([3]string{"41", "job-1", "Finished"}, [3]string{"42", "job-1", "Running"}))

	// Found: the session is attached and returned as if the create had answered.
	rec := sessionServer(t, malformed, jobs, attached)
	info, err := testClient(t, rec.srv.URL).CreateSession(context.Background(), echoStart("job-1"))
	if err != nil || info.ID != 42 || info.ServiceJobName != "job-1" || info.BrokerNode != "mycluster.cloudapp.net" {
		t.Fatalf("got %+v, %v", info, err)
	}
	var paths []string
	for _, s := range rec.requests() {
		paths = append(paths, s.Method+" "+s.RequestURI)
	}
	if want := []string{"POST /WindowsHPC/sessions/Create?durable=False", "GET /WindowsHPC/Jobs?Properties=Id,Name,State&RowsPerRead=100", "GET /WindowsHPC/session/42/Attach?durable=False"}; strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}

	// Not found: nothing was left open, which is not ambiguous.
	rec = sessionServer(t, malformed, reply(http.StatusOK, "application/xml", jobListXML([3]string{"41", "job-1", "Finished"})), attached)
	info, err = testClient(t, rec.srv.URL).CreateSession(context.Background(), echoStart("job-1"))
	if info != nil || errors.Is(err, ErrAmbiguous) || !IsMalformed(err) || !strings.Contains(err.Error(), `no open service job named "job-1" was found afterwards, so no session was left open`) {
		t.Errorf("not found: %+v, %v", info, err)
	}

	// Found, but Attach keeps failing: the id comes back with the error, for the caller to record.
	rec = sessionServer(t, malformed, jobs, reply(http.StatusInternalServerError, "", ""))
	info, err = testClient(t, rec.srv.URL).CreateSession(context.Background(), echoStart("job-1"))
	if info == nil || *info != (SessionInfo{ID: 42, ServiceJobName: "job-1"}) || err == nil || errors.Is(err, ErrAmbiguous) ||
		!strings.Contains(err.Error(), `session 42 (service job "job-1") was created, but attaching to it failed: HPC Pack returned HTTP 500`) {
		t.Errorf("attach fails: %+v, %v", info, err)
	}

	// Found, but the session has ended in the meantime: nothing to record.
	rec = sessionServer(t, malformed, jobs, reply(http.StatusBadRequest, "application/json", fmt.Sprintf(`{"Code":%d,"Message":"closed"}`, CodeInvalidSessionID)))
	info, err = testClient(t, rec.srv.URL).CreateSession(context.Background(), echoStart("job-1"))
	if info != nil || err == nil || errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), `session 42 (service job "job-1") was created but has already ended`) {
		t.Errorf("attach says gone: %+v, %v", info, err)
	}
}

// Terraform cancels the context on Ctrl-C: a create cancelled while in flight is still resolved.
func TestCreateSessionCancelledInFlightIsResolved(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	created := make(chan struct{})
	var mu sync.Mutex
	var jobName string
	sentName := func() string {
		mu.Lock()
		defer mu.Unlock()
		return jobName
	}
	rec := sessionServer(t,
		func(_ http.ResponseWriter, r *http.Request, s seen) {
			_, _, children := childNames(t, s.Body)
			mu.Lock()
			jobName = children["ServiceJobName"]
			mu.Unlock()
			close(created) // the session exists; its answer never goes out
			<-r.Context().Done()
		},
		func(w http.ResponseWriter, r *http.Request, s seen) {
			reply(http.StatusOK, "application/xml", jobListXML([3]string{"42", sentName(), "Running"}))(w, r, s)
		},
		reply(http.StatusOK, "application/xml", webSessionInfoXML))
	go func() {
		<-created
		cancel()
	}()
	info, err := testClient(t, rec.srv.URL).CreateSession(ctx, echoStart(""))
	if name := sentName(); err != nil || info.ID != 42 || info.ServiceJobName != name || !strings.HasPrefix(name, "batchops-") {
		t.Fatalf("got %+v, %v (job name sent %q)", info, err, name)
	}
	if n := len(rec.requests()); n != 3 {
		t.Errorf("%d requests, want create, list, attach", n)
	}

	// A context that has already ended sends nothing.
	info, err = testClient(t, rec.srv.URL).CreateSession(ctx, echoStart(""))
	if info != nil || !errors.Is(err, context.Canceled) || errors.Is(err, ErrAmbiguous) {
		t.Errorf("cancelled before: %+v, %v", info, err)
	}
	if n := len(rec.requests()); n != 3 {
		t.Errorf("%d requests after a create with an ended context", n)
	}
}

func TestParseSessionID(t *testing.T) {
	for _, s := range []string{"1", "42"} {
		if _, err := ParseSessionID(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"", "0", "-3", "+4", " 5", "x", "1.5"} {
		if _, err := ParseSessionID(s); err == nil {
			t.Errorf("%q: accepted", s)
		}
	}
}
