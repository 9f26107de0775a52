package hpcpack

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestURIForms2016(t *testing.T) {
	e := newEnv(t)
	if e.svc.PathPrefix() != "/WindowsHPC" || e.svc.ClusterName() != "" {
		t.Fatalf("prefix %q", e.svc.PathPrefix())
	}
	r := e.do("GET", e.srv.URL+"/WindowsHPC/Version", nil)
	expectStatus(t, r, 200)
	if string(r.body) != `<string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">4.5.5079.0</string>` {
		t.Errorf("version body %s", r.body)
	}
	// casing does not matter
	expectStatus(t, e.do("GET", e.srv.URL+"/windowshpc/VERSION", nil), 200)
	// api-version is optional for Version
	expectStatus(t, e.do("GET", e.srv.URL+"/WindowsHPC/Version", nil, "-api", ""), 200)
	// the cluster form and Get Clusters do not exist on 2016
	expectFault(t, e.do("GET", e.srv.URL+"/WindowsHPC/HEADNODE/Version", nil), 404, CodeUnknownError)
	expectFault(t, e.do("GET", e.srv.URL+"/WindowsHPC/Clusters", nil), 404, CodeUnknownError)
	expectFault(t, e.do("POST", e.srv.URL+"/WindowsHPC/HEADNODE/sessions/Create?durable=false", minimalStartInfo("EchoService"),
		"Content-Type", "application/xml"), 404, CodeUnknownError)
	expectFault(t, e.do("GET", e.srv.URL+"/nothing", nil), 404, CodeUnknownError)
	sid := e.createSession("EchoService", false)
	expectStatus(t, e.do("GET", e.srv.URL+"/WindowsHPC/Session/"+itoa(sid)+"/Attach?durable=false", nil), 200)
	// wrong method
	r = e.do("POST", e.srv.URL+"/WindowsHPC/Version", nil)
	expectFault(t, r, 405, CodeArgumentError)
	if r.header.Get("Allow") != "GET" {
		t.Errorf("Allow = %q", r.header.Get("Allow"))
	}
}

func TestURIFormsPre2016(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ClusterName = "HEADNODE" })
	if e.svc.PathPrefix() != "/WindowsHPC/HEADNODE" {
		t.Fatalf("prefix %q", e.svc.PathPrefix())
	}
	r := e.do("GET", e.srv.URL+"/WindowsHPC/Clusters", nil, "Accept", "application/xml")
	expectStatus(t, r, 200)
	want := `<ArrayOfObject xmlns="http://schemas.microsoft.com/HPCS2008R2/common" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Object><Properties><Property><Name>Name</Name><Value>HEADNODE</Value></Property></Properties></Object></ArrayOfObject>`
	if string(r.body) != want {
		t.Errorf("clusters = %s", r.body)
	}
	expectStatus(t, e.do("GET", e.srv.URL+"/WindowsHPC/HEADNODE/Version", nil), 200)
	expectStatus(t, e.do("GET", e.srv.URL+"/WindowsHpc/headnode/version", nil), 200)
	// the 2016 form and a wrong cluster name are 404
	expectFault(t, e.do("GET", e.srv.URL+"/WindowsHPC/Version", nil), 404, CodeUnknownError)
	expectFault(t, e.do("GET", e.srv.URL+"/WindowsHPC/OTHER/Version", nil), 404, CodeUnknownError)
	r = e.do("POST", e.srv.URL+"/WindowsHPC/sessions/Create?durable=false", minimalStartInfo("EchoService"), "Content-Type", "application/xml")
	expectFault(t, r, 404, CodeUnknownError)
	sid := e.createSession("EchoService", false)
	if sid != 1 {
		t.Errorf("first session id = %d", sid)
	}
	expectStatus(t, e.do("GET", e.srv.URL+"/WindowsHPC/HEADNODE/Session/1/batch/b1/Status", nil), 200)
	expectFault(t, e.do("GET", e.srv.URL+"/WindowsHPC/Session/1/batch/b1/Status", nil), 404, CodeUnknownError)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestBasicAuth(t *testing.T) {
	e := newEnv(t)
	u := e.path("/Session/1/batch/b/Status")
	r := e.do("GET", u, nil, "-auth", "")
	expectFault(t, r, 401, CodeWebAPIAccessDenied)
	if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Basic realm="`) {
		t.Errorf("WWW-Authenticate = %q", got)
	}
	r = e.do("GET", u, nil, "Authorization", "Bearer abc")
	expectStatus(t, r, 401)
	if r.header.Get("WWW-Authenticate") == "" {
		t.Error("no challenge for Bearer")
	}
	expectStatus(t, e.do("GET", u, nil, "Authorization", "Basic !!!"), 401)
	expectFault(t, e.do("GET", u, nil, "Authorization", basic(testUser, "wrong")), 403, CodeWebAPIAccessDenied)
	expectFault(t, e.do("GET", u, nil, "Authorization", basic(`CONTOSO\nobody`, testPass)), 403, CodeWebAPIAccessDenied)
	// JSON fault per Accept
	r = e.do("GET", u, nil, "Authorization", basic(testUser, "wrong"), "Accept", "application/json")
	f := expectFault(t, r, 403, CodeWebAPIAccessDenied)
	if !strings.Contains(string(r.body), `"Values":null`) || f.Message == "" {
		t.Errorf("JSON fault %s", r.body)
	}
	// DOMAIN\user works, names are case-insensitive, auth comes before routing
	sid := e.createSession("EchoService", false)
	expectStatus(t, e.do("GET", e.path("/Session/"+itoa(sid)+"/batch/b/Status"), nil, "Authorization", basic(`contoso\ALICE`, testPass)), 200)
	expectStatus(t, e.do("GET", e.srv.URL+"/nowhere", nil, "-auth", ""), 401)
	if e.svc.Username() != testUser || e.svc.Password() != testPass {
		t.Errorf("default user %s", e.svc.Username())
	}
}

func TestAPIVersion(t *testing.T) {
	e := newEnv(t)
	sid := e.createSession("EchoService", false)
	u := e.path("/Session/" + itoa(sid) + "/batch/b/Status")
	for _, v := range APIVersions {
		expectStatus(t, e.do("GET", u, nil, "api-version", v), 200)
		expectStatus(t, e.do("GET", u+"?api-version="+v, nil, "-api", ""), 200)
	}
	f := expectFault(t, e.do("GET", u, nil, "-api", ""), 400, CodeWebAPIAPIVersionIncorrect)
	if !strings.Contains(f.Message, "required") {
		t.Errorf("message %q", f.Message)
	}
	expectFault(t, e.do("GET", u, nil, "api-version", "2016-11-01.5.0"), 400, CodeWebAPIAPIVersionIncorrect)
	expectFault(t, e.do("GET", u+"?api-version=2099-01-01", nil, "-api", ""), 400, CodeWebAPIAPIVersionIncorrect)
	// the header wins over the query
	expectStatus(t, e.do("GET", u+"?api-version=bogus", nil, "api-version", "2012-11-01.4.0"), 200)
	expectFault(t, e.do("GET", u+"?api-version=2011-11-01", nil, "api-version", "bogus"), 400, CodeWebAPIAPIVersionIncorrect)
	// query names are case-insensitive
	expectStatus(t, e.do("GET", u+"?API-Version=2011-11-01", nil, "-api", ""), 200)
	// missing api-version on a POST op too
	expectFault(t, e.do("POST", e.path("/sessions/Create?durable=false"), minimalStartInfo("EchoService"), "-api", "", "Content-Type", "application/xml"),
		400, CodeWebAPIAPIVersionIncorrect)
}

func TestContentLengthRules(t *testing.T) {
	e := newEnv(t)
	sid := e.createSession("EchoService", false)
	for _, op := range []string{"Commit", "Purge", "Response"} {
		u := e.path("/session/" + itoa(sid) + "/batch/b/" + op)
		r := e.do("POST", u, io.MultiReader(strings.NewReader("x")), "Content-Type", "application/xml") // chunked: no Content-Length
		expectFault(t, r, 411, CodeArgumentError)
		expectFault(t, e.do("POST", u, "x", "Content-Type", "application/xml"), 400, CodeArgumentError)
	}
	u := e.path("/session/" + itoa(sid) + "/Close")
	expectStatus(t, e.do("POST", u, io.MultiReader(strings.NewReader("x")), "Content-Type", "application/xml"), 411)
	expectStatus(t, e.do("POST", u, "{}", "Content-Type", "application/xml"), 400)
	if v, _ := e.svc.Session(sid); v.Closed {
		t.Fatal("closed by a rejected request")
	}
	expectStatus(t, e.do("POST", u, nil), 200)
}

func TestFaultFormats(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", e.path("/Session/77/Attach?durable=false"), nil)
	f := expectFault(t, r, 400, CodeInvalidSessionID)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
	if len(f.Values) != 1 || f.Values[0] != (KeyValue{"SessionId", "77"}) {
		t.Errorf("values %+v: %s", f.Values, r.body)
	}
	if !strings.Contains(string(r.body), `<HpcWebServiceFault xmlns="http://schemas.microsoft.com/HPCS2008R2/common" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Code>50331649</Code>`) ||
		!strings.Contains(string(r.body), `<a:KeyValuePairOfstringstring><a:key>SessionId</a:key><a:value>77</a:value></a:KeyValuePairOfstringstring>`) {
		t.Errorf("XML fault %s", r.body)
	}
	r = e.do("GET", e.path("/Session/77/Attach?durable=false"), nil, "Accept", "application/json")
	f = expectFault(t, r, 400, CodeInvalidSessionID)
	if !strings.Contains(string(r.body), `"Values":[{"key":"SessionId","value":"77"}]`) {
		t.Errorf("JSON fault %s", r.body)
	}
	// nil values in XML
	r = e.do("GET", e.path("/Version"), nil, "api-version", "bad")
	if !strings.Contains(string(r.body), `<Values i:nil="true" xmlns:a="http://schemas.datacontract.org/2004/07/System.Collections.Generic"/>`) &&
		!strings.Contains(string(r.body), `<a:key>api-version</a:key>`) {
		t.Errorf("XML fault %s", r.body)
	}
	// injected faults
	for _, st := range []int{429, 500, 503} {
		rec := &recorder{header: http.Header{}}
		req, _ := http.NewRequest("GET", "/WindowsHPC/Version", nil)
		e.svc.WriteFault(rec, req, st)
		if rec.status != st || !strings.Contains(rec.body.String(), "<Code>251658240</Code>") {
			t.Errorf("injected %d: %d %s", st, rec.status, rec.body.String())
		}
	}
}

type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"colon user":  {Users: map[string]string{"a:b": "x"}},
		"empty users": {Users: map[string]string{}},
		"dup users":   {Users: map[string]string{"A": "1", "a": "2"}},
		"bad version": {Services: []SOAService{{Name: "S", Versions: []string{"x"}}}},
		"workers":     {Workers: -1},
		"cluster":     {ClusterName: "a/b"},
	} {
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	s, err := New(Config{}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Username() != DefaultUsername || s.Password() != DefaultPassword || s.Name() != "hpcpack" {
		t.Errorf("defaults: %s", s.Username())
	}
	if len(s.services) != 2 || !s.services["genericservice"].Generic {
		t.Errorf("default services %+v", s.services)
	}
}

func TestRedactBody(t *testing.T) {
	s, _ := New(Config{}, nil)
	req, _ := http.NewRequest("POST", "/WindowsHPC/sessions/Create", nil)
	req.Header.Set("Content-Type", "application/xml")
	for in, want := range map[string]string{
		`<WebSessionStartInfo><Password>top&amp;secret</Password><Runtime>-1</Runtime></WebSessionStartInfo>`: `<WebSessionStartInfo><Password>***</Password><Runtime>-1</Runtime></WebSessionStartInfo>`,
		`<a:Password xmlns:a="x">p</a:Password>`:              `<a:Password xmlns:a="x">***</a:Password>`,
		`<Password>cut-off-secr`:                              `<Password>***`,
		`<Password i:nil="true"/><PasswordX>keep</PasswordX>`: `<Password i:nil="true"/><PasswordX>keep</PasswordX>`,
		`{"Password":"p\"w","Runtime":-1}`:                    `{"Password":"***","Runtime":-1}`,
		`{"Username":"u", "Password" : "abc`:                  `{"Username":"u", "Password" : "***`,
	} {
		if got := string(s.RedactBody(req, []byte(in))); got != want {
			t.Errorf("RedactBody(%s) = %s, want %s", in, got, want)
		}
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	if got := string(s.RedactBody(req, []byte(`<Password>x</Password>`))); got != `<Password>x</Password>` {
		t.Errorf("send body changed: %s", got)
	}
}
