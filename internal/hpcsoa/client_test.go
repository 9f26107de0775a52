package hpcsoa

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

const eomOnly = `<HPCServer2008_WebAPI_MessageArray><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">http://hpc.microsoft.com/EndOfGetResponse</a:Action></s:Header><s:Body><EndOfResponses xmlns="http://tempuri.org/"><Count>0</Count><Reason>Success</Reason></EndOfResponses></s:Body></s:Envelope></HPCServer2008_WebAPI_MessageArray>`

// everyCall runs each operation once against a server answering them all plausibly.
func everyCall(t *testing.T, c *Client) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateSession(ctx, SessionStartInfo{ServiceName: "Echo", MaxMessageSize: 65536, RuntimeSeconds: -1, Username: testUser, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachSession(ctx, 42, false); err != nil {
		t.Fatal(err)
	}
	if err := c.SendRequests(ctx, 42, "b1", false, []Request{{Action: "http://tempuri.org/IEchoSvc/Echo", Body: `<Echo xmlns="http://tempuri.org/"><input>hi</input></Echo>`}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(ctx, 42, "b1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BatchStatus(ctx, 42, "b1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetResponses(ctx, 42, "b1", ResponseOptions{Reset: true}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Purge(ctx, 42, "b1"); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseSession(ctx, 42); err != nil {
		t.Fatal(err)
	}
}

func plausibleServer(t *testing.T) *recorder {
	return newRecorder(t, false, func(w http.ResponseWriter, r *http.Request, s seen) {
		switch {
		case strings.HasSuffix(s.Path, "/sessions/Create"), strings.HasSuffix(s.Path, "/Attach"):
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			_, _ = io.WriteString(w, webSessionInfoXML)
		case strings.HasSuffix(s.Path, "/Status"):
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			_, _ = io.WriteString(w, `<BrokerClientStatus xmlns="http://hpc.microsoft.com">Ready</BrokerClientStatus>`)
		case strings.HasSuffix(s.Path, "/Response"):
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			_, _ = io.WriteString(w, eomOnly)
		case strings.HasSuffix(s.Path, "/Commit"):
			w.WriteHeader(http.StatusCreated)
		}
	})
}

func TestEveryCallSendsVersionAcceptAndBasicAuth(t *testing.T) {
	for _, format := range []string{"", "xml", "json"} {
		rec := plausibleServer(t)
		c := testClient(t, rec.srv.URL, func(c *Config) { c.ResponseFormat = format; c.APIVersion = "2012-11-01.4.0" })
		everyCall(t, c)
		wantAccept := "application/xml"
		if format == "json" {
			wantAccept = "application/json"
		}
		reqs := rec.requests()
		if len(reqs) != 8 {
			t.Fatalf("%d requests, want 8", len(reqs))
		}
		for _, s := range reqs {
			if s.Header.Get("api-version") != "2012-11-01.4.0" {
				t.Errorf("%s %s: api-version %q", s.Method, s.Path, s.Header.Get("api-version"))
			}
			if s.Header.Get("Accept") != wantAccept {
				t.Errorf("%s %s: Accept %q, want %q", s.Method, s.Path, s.Header.Get("Accept"), wantAccept)
			}
			if s.Header.Get("Authorization") != basicHeader() {
				t.Errorf("%s %s: Authorization %q", s.Method, s.Path, s.Header.Get("Authorization"))
			}
			if !strings.Contains(s.Header.Get("User-Agent"), "hpcsoa-test") {
				t.Errorf("%s %s: User-Agent %q", s.Method, s.Path, s.Header.Get("User-Agent"))
			}
		}
	}
}

func TestBasicAuthCarriesTheDomainNameAsIs(t *testing.T) {
	rec := plausibleServer(t)
	c := testClient(t, rec.srv.URL)
	if _, err := c.AttachSession(context.Background(), 42, false); err != nil { // the session plausibleServer answers with
		t.Fatal(err)
	}
	auth := rec.last(t).Header.Get("Authorization")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(auth, "Basic "))
	if err != nil || string(raw) != `CONTOSO\alice:`+testPassword {
		t.Fatalf("Authorization %q decodes to %q", auth, raw)
	}
}

func TestDefaultAPIVersion(t *testing.T) {
	rec := plausibleServer(t)
	c := testClient(t, rec.srv.URL)
	if _, err := c.AttachSession(context.Background(), 42, false); err != nil { // the session plausibleServer answers with
		t.Fatal(err)
	}
	if v := rec.last(t).Header.Get("api-version"); v != "2011-11-01" {
		t.Fatalf("api-version %q", v)
	}
}

func TestBodylessPostsSendContentLengthZero(t *testing.T) {
	rec := plausibleServer(t)
	c := testClient(t, rec.srv.URL)
	everyCall(t, c)
	checked := 0
	for _, s := range rec.requests() {
		for _, suffix := range []string{"/Close", "/Commit", "/Purge", "/Response"} {
			if strings.HasSuffix(s.Path, suffix) {
				checked++
				if s.Method != http.MethodPost || s.Header.Get("Content-Length") != "0" || s.ContentLength != 0 || s.Chunked || len(s.Body) != 0 {
					t.Errorf("%s %s: Content-Length header %q, length %d, chunked %v", s.Method, s.Path, s.Header.Get("Content-Length"), s.ContentLength, s.Chunked)
				}
			}
		}
	}
	if checked != 4 {
		t.Fatalf("checked %d calls, want 4", checked)
	}
}

func TestXMLFaultWithValues(t *testing.T) {
	body := `<HpcWebServiceFault xmlns="http://schemas.microsoft.com/HPCS2008R2/common" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <Code>50331649</Code>
  <Message>Session {0} was not found on {1}.</Message>
  <Values xmlns:a="http://schemas.datacontract.org/2004/07/System.Collections.Generic">
    <a:KeyValuePairOfstringstring><a:key>SessionId</a:key><a:value>42</a:value></a:KeyValuePairOfstringstring>
    <a:KeyValuePairOfstringstring><a:key>Node</a:key><a:value>HN01</a:value></a:KeyValuePairOfstringstring>
  </Values>
</HpcWebServiceFault>`
	rec := newRecorder(t, false, reply(http.StatusBadRequest, "application/xml; charset=utf-8", body))
	c := testClient(t, rec.srv.URL)
	_, err := c.AttachSession(context.Background(), 42, false)
	var f *Fault
	if !errors.As(err, &f) {
		t.Fatalf("want *Fault, got %T %v", err, err)
	}
	if f.StatusCode != 400 || f.Code != CodeInvalidSessionID || f.Message != "Session 42 was not found on HN01." ||
		f.Values["SessionId"] != "42" || f.Values["Node"] != "HN01" {
		t.Errorf("got %+v", f)
	}
	if want := "HPC Pack returned HTTP 400 fault 0x03000001 (InvalidSessionId): Session 42 was not found on HN01."; err.Error() != want {
		t.Errorf("Error()\n %s\nwant\n %s", err, want)
	}
	if !IsSessionGone(err) || IsNotFound(err) || IsAuthFailure(err) || IsAlreadyCommitted(err) {
		t.Error("classification wrong")
	}
}

func TestJSONFaultAndOtherBodies(t *testing.T) {
	cases := []struct {
		name, ct, body string
		status         int
		code           int
		msg            string
		values         map[string]string
	}{
		{"json", "application/json; charset=utf-8", `{"Code":16777241,"Message":"EndRequests was already called for {0}.","Values":[{"key":"Client","value":"b1"}]}`,
			400, CodeBrokerEOMRejectEndRequests, "EndRequests was already called for b1.", map[string]string{"Client": "b1"}},
		{"json null values", "application/json", `{"Code":50331678,"Message":"Service not found","Values":null}`,
			400, CodeServiceNotFound, "Service not found", nil},
		{"xml nil values", "application/xml", `<HpcWebServiceFault xmlns="http://schemas.microsoft.com/HPCS2008R2/common" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Code>267386880</Code><Message>Error message text.</Message><Values i:nil="true" xmlns:a="http://schemas.datacontract.org/2004/07/System.Collections.Generic"/></HpcWebServiceFault>`,
			500, 267386880, "Error message text.", nil},
		{"legacy string", "application/xml", `<string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">The api-version is missing.</string>`,
			400, 0, "The api-version is missing.", nil},
		{"empty", "", "", 500, 0, "Internal Server Error", nil},
		{"html", "text/html", "<html><body>oops</body>", 502, 0, "Bad Gateway", nil},
		{"garbage json", "application/json", `{"Code":`, 400, 0, "Bad Request", nil},
		{"sniffed json", "", `{"Code":50331649,"Message":"gone"}`, 400, CodeInvalidSessionID, "gone", nil},
	}
	for _, tc := range cases {
		rec := newRecorder(t, false, reply(tc.status, tc.ct, tc.body))
		c := testClient(t, rec.srv.URL, func(c *Config) { c.Retry.MaxAttempts = 1 })
		err := c.Commit(context.Background(), 1, "b1")
		var f *Fault
		if !errors.As(err, &f) {
			t.Fatalf("%s: want *Fault, got %v", tc.name, err)
		}
		if f.StatusCode != tc.status || f.Code != tc.code || f.Message != tc.msg || len(f.Values) != len(tc.values) {
			t.Errorf("%s: got %+v", tc.name, f)
		}
		for k, v := range tc.values {
			if f.Values[k] != v {
				t.Errorf("%s: value %s = %q", tc.name, k, f.Values[k])
			}
		}
	}
}

func TestAlreadyCommittedAndNotFound(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusBadRequest, "application/xml",
		`<HpcWebServiceFault xmlns="http://schemas.microsoft.com/HPCS2008R2/common"><Code>16777241</Code><Message>already</Message></HpcWebServiceFault>`))
	c := testClient(t, rec.srv.URL)
	if err := c.Commit(context.Background(), 1, "b"); !IsAlreadyCommitted(err) {
		t.Errorf("want already committed, got %v", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("a 400 was retried: %d calls", n)
	}

	rec = newRecorder(t, false, reply(http.StatusNotFound, "", ""))
	c = testClient(t, rec.srv.URL)
	err := c.Purge(context.Background(), 1, "b")
	if !IsNotFound(err) || IsSessionGone(err) {
		t.Errorf("want not found, got %v", err)
	}
	if !strings.Contains(err.Error(), "cluster_name") {
		t.Errorf("a bare 404 should hint at the URI form: %v", err)
	}
}

func TestAuthFailuresSayCredentialsWereRejectedWithoutThePassword(t *testing.T) {
	cases := []struct {
		name, ct, body string
		status         int
	}{
		{"401 empty", "", "", http.StatusUnauthorized},
		{"403 empty", "", "", http.StatusForbidden},
		{"403 fault echoing the password", "application/xml", `<HpcWebServiceFault xmlns="http://schemas.microsoft.com/HPCS2008R2/common"><Code>50331701</Code><Message>Access denied for CONTOSO\alice with {0}</Message><Values xmlns:a="http://schemas.datacontract.org/2004/07/System.Collections.Generic"><a:KeyValuePairOfstringstring><a:key>p</a:key><a:value>` + testPassword + `</a:value></a:KeyValuePairOfstringstring></Values></HpcWebServiceFault>`, http.StatusForbidden},
		{"400 AuthenticationFailure", "application/json", `{"Code":50331650,"Message":"The user is not authorized (` + testPassword + `)"}`, http.StatusBadRequest},
	}
	for _, tc := range cases {
		rec := newRecorder(t, false, reply(tc.status, tc.ct, tc.body))
		c := testClient(t, rec.srv.URL)
		_, err := c.AttachSession(context.Background(), 1, false)
		if !IsAuthFailure(err) {
			t.Fatalf("%s: want an auth failure, got %v", tc.name, err)
		}
		msg := err.Error()
		for _, want := range []string{"credentials", "rejected", "hpc_pack.username", "hpc_pack.password", "HPC_PACK_USERNAME", "HPC_PACK_PASSWORD"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: error lacks %q: %s", tc.name, want, msg)
			}
		}
		if strings.Contains(msg, testPassword) || strings.Contains(msg, base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword))) {
			t.Errorf("%s: error leaks the password: %s", tc.name, msg)
		}
	}
}

func TestRunAsPasswordIsMaskedInCreateErrors(t *testing.T) {
	const runAs = "run-as-secret-99"
	rec := newRecorder(t, false, reply(http.StatusBadRequest, "application/json", `{"Code":50331650,"Message":"bad password run-as-secret-99"}`))
	c := testClient(t, rec.srv.URL)
	_, err := c.CreateSession(context.Background(), SessionStartInfo{ServiceName: "E", MaxMessageSize: 1, RuntimeSeconds: -1, Username: "u", Password: runAs})
	if err == nil || strings.Contains(err.Error(), runAs) || !strings.Contains(err.Error(), "run-as") {
		t.Fatalf("got %v", err)
	}
}

func TestLogsNeverContainThePassword(t *testing.T) {
	t.Setenv("TF_LOG", "TRACE")
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	rec := plausibleServer(t)
	c := testClient(t, rec.srv.URL)
	if _, err := c.CreateSession(ctx, SessionStartInfo{ServiceName: "Echo", MaxMessageSize: 65536, RuntimeSeconds: -1, Username: testUser, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseSession(ctx, 42); err != nil {
		t.Fatal(err)
	}
	// A failing call too.
	bad := newRecorder(t, false, reply(http.StatusForbidden, "", ""))
	_, _ = testClient(t, bad.srv.URL).AttachSession(ctx, 1, false)
	out := logs.String()
	if !strings.Contains(out, "Basic ***") || !strings.Contains(out, "HTTP request") {
		t.Fatalf("expected trace logs of the exchanges, got:\n%s", out)
	}
	token := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))
	for _, leaked := range []string{testPassword, token} {
		if strings.Contains(out, leaked) {
			t.Errorf("logs contain %q:\n%s", leaked, out)
		}
	}
}

func TestRedirectIsReportedNotFollowed(t *testing.T) {
	rec := newRecorder(t, false, func(w http.ResponseWriter, r *http.Request, _ seen) {
		http.Redirect(w, r, "https://elsewhere.example/WindowsHPC/session/1/Attach", http.StatusFound)
	})
	c := testClient(t, rec.srv.URL)
	_, err := c.AttachSession(context.Background(), 1, false)
	if err == nil || !strings.Contains(err.Error(), "elsewhere.example") || len(rec.requests()) != 1 {
		t.Fatalf("got %v", err)
	}
}

func TestFormatNET(t *testing.T) {
	for _, tc := range []struct {
		in   string
		args []string
		want string
	}{
		{"plain", nil, "plain"},
		{"a {0} b {1}", []string{"x", "y"}, "a x b y"},
		{"{1}{0}", []string{"x", "y"}, "yx"},
		{"{0,-5} {0:X}", []string{"v"}, "v v"},
		{"{{literal}} {0}", []string{"v"}, "{literal} v"},
		{"missing {3}", []string{"v"}, "missing {3}"},
		{"unclosed {0", []string{"v"}, "unclosed {0"},
		{"{name}", []string{"v"}, "{name}"},
	} {
		if got, _ := formatNET(tc.in, tc.args); got != tc.want {
			t.Errorf("formatNET(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
