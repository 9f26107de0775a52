package mrs

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// fakeIAM serves GET /v3/projects, checking each request's signature with the independent
// verifier of helpers_test.go, as IAM's gateway would; answer decides the reply.
type fakeIAM struct {
	t      *testing.T
	srv    *httptest.Server
	token  string
	answer func(w http.ResponseWriter, r *http.Request)

	mu   sync.Mutex
	reqs []record
	bad  []string
}

func newFakeIAM(t *testing.T, token string, answer func(w http.ResponseWriter, r *http.Request)) *fakeIAM {
	t.Helper()
	f := &fakeIAM{t: t, token: token, answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.srv.Close()
		for _, b := range f.bad {
			t.Errorf("IAM request: %s", b)
		}
	})
	return f
}

// projectsAnswer answers with IAM's project list holding the given name/id pairs.
func projectsAnswer(pairs ...string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		var projects []map[string]any
		for i := 0; i+1 < len(pairs); i += 2 {
			projects = append(projects, map[string]any{"id": pairs[i+1], "name": pairs[i], "domain_id": "d1", "enabled": true,
				"is_domain": false, "parent_id": "d1", "description": "", "links": map[string]string{"self": "https://iam/v3/projects/" + pairs[i+1]}})
		}
		if projects == nil {
			projects = []map[string]any{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"links": map[string]any{"self": "https://iam/v3/projects", "next": nil, "previous": nil}, "projects": projects})
	}
}

func (f *fakeIAM) serve(w http.ResponseWriter, r *http.Request) {
	rec := record{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	f.mu.Unlock()
	problem := func() string {
		if r.Method != http.MethodGet || r.URL.Path != "/v3/projects" {
			return "request " + r.Method + " " + r.URL.Path
		}
		a, err := parseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			return err.Error()
		}
		if a.Access != testAK {
			return "access key " + a.Access
		}
		signed := "," + strings.Join(a.SignedHeaders, ",") + ","
		if !strings.Contains(signed, ",x-sdk-date,") || !strings.Contains(signed, ",user-agent,") {
			return "signed headers " + signed
		}
		if f.token != "" && (!strings.Contains(signed, ",x-security-token,") || r.Header.Get("X-Security-Token") != f.token) {
			return "security token not sent and signed: " + signed
		}
		if r.Header.Get("X-Project-Id") != "" {
			return "X-Project-Id sent on the project look-up"
		}
		if want := signCanonical(canonicalRequest(r, nil, a.SignedHeaders), r.Header.Get("X-Sdk-Date"), testSK); want != a.Signature {
			return "signature mismatch"
		}
		return ""
	}()
	if problem != "" {
		f.mu.Lock()
		f.bad = append(f.bad, problem)
		f.mu.Unlock()
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: verify aksk signature fail"})
		return
	}
	f.answer(w, r)
}

func (f *fakeIAM) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// lookupClient is a client of the fake MRS without a project id, looking it up at iam.
func lookupClient(t *testing.T, f *fakeMRS, iam *fakeIAM, region string) *Client {
	return f.client(t, func(c *Config) { c.ProjectID, c.Region, c.IAMEndpoint = "", region, iam.srv.URL })
}

// The project is looked up once, from the region, with a signed request carrying the security
// token; every MRS call, concurrent first calls included, then uses it.
func TestProjectIsLookedUpOnceFromTheRegion(t *testing.T) {
	f := newFake(t, false, testToken)
	iam := newFakeIAM(t, testToken, projectsAnswer("cn-north-4", testProject))
	c := lookupClient(t, f, iam, "cn-north-4")
	if iam.count() != 0 {
		t.Fatal("New must not call IAM")
	}
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetJob(ctx, testCluster, "missing"); !IsJobGone(err) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := c.Submit(ctx, testCluster, JobSpec{Name: "j", Type: "MapReduce"}); err != nil {
		t.Fatal(err)
	}
	if id, err := c.ProjectID(ctx); err != nil || id != testProject {
		t.Fatalf("ProjectID = %q, %v", id, err)
	}
	if n := iam.count(); n != 1 {
		t.Fatalf("%d IAM calls, want 1", n)
	}
	r := iam.reqs[0]
	if r.Query.Get("name") != "cn-north-4" || len(r.Query) != 1 || !strings.Contains(r.Header.Get("User-Agent"), "batchops-test/1.0") {
		t.Errorf("IAM request %v %v", r.Query, r.Header)
	}
	// The fake MRS refuses any request without X-Project-Id = testProject, signed.
	if n := len(f.requests("", "")); n != 9 {
		t.Errorf("%d MRS requests, want 9", n)
	}
}

// A configured project id makes no IAM call.
func TestConfiguredProjectMakesNoIAMCall(t *testing.T) {
	f := newFake(t, false, "")
	iam := newFakeIAM(t, "", projectsAnswer("cn-north-4", "other0project"))
	c := f.client(t, func(c *Config) { c.Region, c.IAMEndpoint = "cn-north-4", iam.srv.URL })
	if _, err := c.GetJob(testCtx(t), testCluster, "missing"); !IsJobGone(err) {
		t.Fatal(err)
	}
	if iam.count() != 0 {
		t.Fatal("IAM called although the project id is set")
	}
}

func TestProjectLookupFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
		calls  int // IAM requests: the transport retries a GET after 500
		want   []string
	}{
		{"wrong key", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-IAM-Trace-Id", "trace-1")
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error_code": "APIGW.0301",
				"error_msg": "Incorrect IAM authentication information: verify aksk signature fail, sk=" + testSK, "request_id": "r1"})
		}, 1, []string{"HTTP 401 error APIGW.0301", "(trace id trace-1)", "credentials were rejected", "mrs.access_key", "mrs.secret_key", "HW_SECRET_KEY", "mrs.security_token"}},
		{"no permission", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": 403, "message": "You are not authorized to perform the requested action.", "title": "Forbidden"}})
		}, 1, []string{"HTTP 403: You are not authorized", "may not list IAM projects", `project id of region "cn-north-4"`}},
		{"unknown region", projectsAnswer(), 1, []string{`IAM lists no project named "cn-north-4"`, "mrs.region (HW_REGION_NAME)"}},
		{"only other names", projectsAnswer("cn-north-4_dev", "aaa111", "cn-north-1", "bbb222"), 1, []string{`IAM lists no project named "cn-north-4"`}},
		{"several", projectsAnswer("cn-north-4", "aaa111", "cn-north-4", "bbb222"), 1, []string{`IAM lists 2 projects named "cn-north-4" (aaa111, bbb222)`, "to the one to use"}},
		{"malformed", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"project": []string{}})
		}, 1,
			[]string{"the answer (HTTP 200) is not a project list: no projects list"}},
		{"bad id", projectsAnswer("cn-north-4", "../x"), 1, []string{`the project id "../x" must be 1 to 64 letters and digits`}},
		{"server error", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error_code": "IAM.0006", "error_msg": "Internal"})
		},
			fastRetry.MaxAttempts, []string{"HTTP 500 error IAM.0006: Internal", "to skip the look-up"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, testToken)
			iam := newFakeIAM(t, testToken, tc.answer)
			c := lookupClient(t, f, iam, "cn-north-4")
			var logs bytes.Buffer
			ctx := tflogtest.RootLogger(testCtx(t), &logs)
			_, err := c.Submit(ctx, testCluster, JobSpec{Name: "j", Type: "MapReduce"})
			var lookup *ProjectLookupError
			if !errors.As(err, &lookup) {
				t.Fatalf("got %T %v", err, err)
			}
			text := err.Error()
			for _, want := range append([]string{`mrs.project_id is not set, and looking up the project of region "cn-north-4" through IAM (GET ` + iam.srv.URL + `/v3/projects?name=cn-north-4) failed: `, "mrs.project_id (HW_PROJECT_ID)"}, tc.want...) {
				if !strings.Contains(text, want) {
					t.Errorf("error lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, testSK) || strings.Contains(text, testToken) || strings.Contains(logs.String(), testSK) {
				t.Errorf("a secret leaked: %s", text)
			}
			if IsAuthFailure(err) || ambiguousFailure(err) || ambiguousSubmitFailure(err) {
				t.Errorf("a look-up failure is its own, definite error: %v", err)
			}
			// The failure is kept: later calls neither ask IAM again nor reach MRS.
			if err := c.Kill(ctx, testCluster, "j1"); !errors.As(err, &lookup) {
				t.Errorf("kill: %v", err)
			}
			if n := iam.count(); n != tc.calls {
				t.Errorf("%d IAM requests, want %d", n, tc.calls)
			}
			if n := len(f.requests("", "")); n != 0 {
				t.Errorf("%d MRS requests after a failed look-up", n)
			}
		})
	}
}

// An unreachable IAM endpoint names the setting to check.
func TestProjectLookupUnreachable(t *testing.T) {
	f := newFake(t, false, "")
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	c := f.client(t, func(c *Config) { c.ProjectID, c.Region, c.IAMEndpoint = "", "cn-north-4", dead.URL })
	_, err := c.ProjectID(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "Check mrs.iam_endpoint (HW_IAM_ENDPOINT), or set mrs.project_id (HW_PROJECT_ID)") {
		t.Fatalf("got %v", err)
	}
}

// A look-up cut short by its caller's context is not kept: the next call looks up again.
func TestProjectLookupCancelledIsNotKept(t *testing.T) {
	f := newFake(t, false, "")
	arrived := make(chan struct{}, 1)
	var first sync.Once
	iam := newFakeIAM(t, "", func(w http.ResponseWriter, r *http.Request) {
		hang := false
		first.Do(func() { hang = true })
		if hang {
			arrived <- struct{}{}
			<-r.Context().Done() // the client gave up
			return
		}
		projectsAnswer("cn-north-4", testProject)(w, r)
	})
	c := lookupClient(t, f, iam, "cn-north-4")
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() { _, err := c.ProjectID(ctx); done <- err }()
	<-arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if id, err := c.ProjectID(testCtx(t)); err != nil || id != testProject {
		t.Fatalf("second look-up: %q %v", id, err)
	}
	if n := iam.count(); n != 2 {
		t.Fatalf("%d IAM calls, want 2", n)
	}
}

func TestDefaultIAMEndpoint(t *testing.T) {
	for region, want := range map[string]string{
		"cn-north-4":     "https://iam.cn-north-4.myhuaweicloud.com",
		"ap-southeast-1": "https://iam.ap-southeast-1.myhuaweicloud.com",
		"eu-west-101":    "https://iam.myhuaweicloud.com", // not in the SDK's table: the global endpoint
		"emulator-1":     "https://iam.myhuaweicloud.com",
	} {
		if got := DefaultIAMEndpoint(region); got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}
