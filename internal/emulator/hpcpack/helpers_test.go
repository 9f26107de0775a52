package hpcpack

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/wait"
)

var testStart = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

const (
	testUser  = `CONTOSO\alice`
	testPass  = "s3cret-Pa55"
	otherUser = `CONTOSO\bob`
	otherPass = "b0b-Pa55"
)

type env struct {
	t     *testing.T
	svc   *Service
	clock *wait.Fake
	srv   *httptest.Server
	user  string
	pass  string
}

func newEnv(t *testing.T, mod ...func(*Config)) *env {
	t.Helper()
	cfg := Config{
		Users: map[string]string{testUser: testPass, otherUser: otherPass},
		Services: []SOAService{
			{Name: "EchoService"},
			{Name: "VersionedService", Versions: []string{"1.0", "2.1.3"}},
			{Name: "GenericService", Generic: true},
		},
		Workers:     2,
		RequestTime: time.Second,
	}
	for _, m := range mod {
		m(&cfg)
	}
	clock := wait.NewFake(testStart)
	svc, err := New(cfg, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	svc.SetBaseURL(srv.URL)
	return &env{t: t, svc: svc, clock: clock, srv: srv, user: testUser, pass: testPass}
}

type resp struct {
	status int
	header http.Header
	body   []byte
	te     []string // transfer encoding
}

func (r resp) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// fault parses an HpcWebServiceFault in XML or JSON.
func (r resp) fault(t *testing.T) Fault {
	t.Helper()
	var f Fault
	if strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(r.body, &f); err != nil {
			t.Fatalf("fault is not JSON: %v: %s", err, r.body)
		}
		return f
	}
	var x struct {
		XMLName xml.Name `xml:"http://schemas.microsoft.com/HPCS2008R2/common HpcWebServiceFault"`
		Code    int      `xml:"Code"`
		Message string   `xml:"Message"`
		Values  struct {
			Nil   string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
			Items []struct {
				Key   string `xml:"http://schemas.datacontract.org/2004/07/System.Collections.Generic key"`
				Value string `xml:"http://schemas.datacontract.org/2004/07/System.Collections.Generic value"`
			} `xml:"http://schemas.datacontract.org/2004/07/System.Collections.Generic KeyValuePairOfstringstring"`
		} `xml:"Values"`
	}
	if err := xml.Unmarshal(r.body, &x); err != nil {
		t.Fatalf("fault is not an HpcWebServiceFault: %v: %s", err, r.body)
	}
	f.Code, f.Message = x.Code, x.Message
	if x.Values.Nil != "true" {
		f.Values = []KeyValue{}
		for _, it := range x.Values.Items {
			f.Values = append(f.Values, KeyValue{it.Key, it.Value})
		}
	}
	return f
}

// path builds an absolute URL under the service's prefix.
func (e *env) path(p string) string { return e.srv.URL + e.svc.PathPrefix() + p }

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// do sends a request with Basic auth and "api-version: 2011-11-01" unless
// hdr overrides them ("-auth" / "-api" remove them; a header with an empty
// value is removed). body may be nil, a string, []byte or an io.Reader
// (sent chunked).
func (e *env) do(method, url string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	chunked := false
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd, chunked = b, true
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Authorization", basic(e.user, e.pass))
	req.Header.Set("api-version", "2011-11-01")
	for i := 0; i+1 < len(hdr); i += 2 {
		switch {
		case hdr[i] == "-auth":
			req.Header.Del("Authorization")
		case hdr[i] == "-api":
			req.Header.Del("api-version")
		case hdr[i+1] == "":
			req.Header.Del(hdr[i])
		default:
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: r.StatusCode, header: r.Header, body: b, te: r.TransferEncoding}
}

func expectFault(t *testing.T, r resp, status, code int) Fault {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	f := r.fault(t)
	if f.Code != code {
		t.Fatalf("fault code = 0x%08X, want 0x%08X; body %s", f.Code, code, r.body)
	}
	return f
}

func expectStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
}

// startInfoXML builds a WebSessionStartInfo; members are (name, inner
// XML) pairs written in the given order.
func startInfoXML(members ...string) string {
	var b strings.Builder
	b.WriteString(`<WebSessionStartInfo xmlns="http://hpc.microsoft.com/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">`)
	for i := 0; i+1 < len(members); i += 2 {
		fmt.Fprintf(&b, "<%s>%s</%s>", members[i], members[i+1], members[i])
	}
	b.WriteString(`</WebSessionStartInfo>`)
	return b.String()
}

func minimalStartInfo(service string) string {
	return startInfoXML("MaxMessageSize", "65536", "Password", testPass, "Runtime", "-1", "ServiceName", service, "Username", testUser)
}

// createSession creates an interactive (or durable) session and returns its id.
func (e *env) createSession(service string, durable bool) int {
	e.t.Helper()
	r := e.do("POST", e.path(fmt.Sprintf("/sessions/Create?durable=%t", durable)), minimalStartInfo(service), "Content-Type", "application/xml; charset=utf-8")
	expectStatus(e.t, r, http.StatusCreated)
	var info struct {
		ID int `xml:"Id"`
	}
	if err := xml.Unmarshal(r.body, &info); err != nil {
		e.t.Fatalf("WebSessionInfo: %v: %s", err, r.body)
	}
	return info.ID
}

type testReq struct {
	action, id, userData, op, input string
}

// envelopeArray builds a Send Requests body.
func envelopeArray(reqs ...testReq) string {
	var b strings.Builder
	b.WriteString("<HPCServer2008_WebAPI_MessageArray>\n")
	for _, q := range reqs {
		b.WriteString(envelope(q))
	}
	b.WriteString("</HPCServer2008_WebAPI_MessageArray>")
	return b.String()
}

func envelope(q testReq) string {
	if q.op == "" {
		q.op = "Echo"
	}
	if q.action == "" {
		q.action = "http://tempuri.org/IEchoSvc/" + q.op
	}
	var b strings.Builder
	b.WriteString(`  <s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>`)
	fmt.Fprintf(&b, `<a:Action s:mustUnderstand="1">%s</a:Action>`, q.action)
	if q.id != "" {
		fmt.Fprintf(&b, `<a:MessageID>%s</a:MessageID>`, q.id)
	}
	if q.userData != "" {
		fmt.Fprintf(&b, `<HPCServer2008_Broker_UserDataNS xmlns="http://www.microsoft.com/hpc">%s</HPCServer2008_Broker_UserDataNS>`, q.userData)
	}
	fmt.Fprintf(&b, `</s:Header><s:Body><%s xmlns="http://tempuri.org/"><input>%s</input></%s></s:Body></s:Envelope>`+"\n", q.op, q.input, q.op)
	return b.String()
}

func msgID(i int) string { return fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i) }

func (e *env) send(sid int, batch string, body any, query string) resp {
	e.t.Helper()
	u := e.path(fmt.Sprintf("/session/%d/batch/%s", sid, batch))
	if query != "" {
		u += "?" + query
	}
	return e.do("POST", u, body, "Content-Type", "application/octet-stream")
}

func (e *env) batchOp(method string, sid int, batch, op, query string, hdr ...string) resp {
	e.t.Helper()
	u := e.path(fmt.Sprintf("/session/%d/batch/%s/%s", sid, batch, op))
	if query != "" {
		u += "?" + query
	}
	return e.do(method, u, nil, hdr...)
}

// parsedResponses is a decoded Get Responses body.
type parsedResponse struct {
	Action, RelatesTo, RequestAction, UserData, CallbackID, Result string
}

type parsedEOM struct {
	Count  int
	Reason string
}

// parseResponses decodes a Get Responses XML body with a streaming decoder.
func parseResponses(t *testing.T, body []byte) ([]parsedResponse, parsedEOM) {
	t.Helper()
	type envelope struct {
		Header struct {
			Action        string `xml:"http://www.w3.org/2005/08/addressing Action"`
			RelatesTo     string `xml:"http://www.w3.org/2005/08/addressing RelatesTo"`
			To            string `xml:"http://www.w3.org/2005/08/addressing To"`
			RequestAction string `xml:"http://www.microsoft.com/hpc HPCServer2008_Broker_RequestActionNS"`
			UserData      string `xml:"http://www.microsoft.com/hpc HPCServer2008_Broker_UserDataNS"`
			CallbackID    string `xml:"http://www.microsoft.com/hpc HPCServer2008_Broker_ResponseCallbackId"`
		} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
		Body struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var out []parsedResponse
	var eom *parsedEOM
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("response body: %v: %s", err, body)
		}
		switch st := tok.(type) {
		case xml.StartElement:
			depth++
			if depth != 2 {
				continue
			}
			var env envelope
			if err := dec.DecodeElement(&env, &st); err != nil {
				t.Fatal(err)
			}
			depth--
			if env.Header.Action == "http://hpc.microsoft.com/EndOfGetResponse" {
				var e struct {
					Count  int    `xml:"Count"`
					Reason string `xml:"Reason"`
				}
				if err := xml.Unmarshal(env.Body.Inner, &e); err != nil {
					t.Fatal(err)
				}
				eom = &parsedEOM{e.Count, e.Reason}
				continue
			}
			if eom != nil {
				t.Fatalf("envelope after EOM: %s", body)
			}
			if env.Header.To != "http://www.w3.org/2005/08/addressing/anonymous" {
				t.Errorf("a:To = %q", env.Header.To)
			}
			var res struct {
				XMLName xml.Name
				Result  struct {
					XMLName xml.Name
					Text    string `xml:",chardata"`
				} `xml:",any"`
			}
			if err := xml.Unmarshal(env.Body.Inner, &res); err != nil {
				t.Fatalf("body %s: %v", env.Body.Inner, err)
			}
			out = append(out, parsedResponse{env.Header.Action, env.Header.RelatesTo, env.Header.RequestAction,
				env.Header.UserData, env.Header.CallbackID, res.Result.Text})
		case xml.EndElement:
			depth--
		}
	}
	if eom == nil {
		t.Fatalf("no EndOfResponses: %s", body)
	}
	return out, *eom
}
