package hpcpack

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

type webSessionInfo struct {
	XMLName                 xml.Name `xml:"http://hpc.microsoft.com/ WebSessionInfo"`
	BrokerNode              string   `xml:"BrokerNode"`
	ID                      int      `xml:"Id"`
	IsDurable               bool     `xml:"IsDurable"`
	MaxMessageSize          int      `xml:"MaxMessageSize"`
	ServiceOperationTimeout int      `xml:"ServiceOperationTimeout"`
	ServiceVersion          struct {
		Nil   string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
		Major *int   `xml:"http://schemas.datacontract.org/2004/07/System _Major"`
		Minor *int   `xml:"http://schemas.datacontract.org/2004/07/System _Minor"`
		Build *int   `xml:"http://schemas.datacontract.org/2004/07/System _Build"`
		Rev   *int   `xml:"http://schemas.datacontract.org/2004/07/System _Revision"`
	} `xml:"ServiceVersion"`
}

func (e *env) create(body, contentType string, query string, hdr ...string) resp {
	e.t.Helper()
	return e.do("POST", e.path("/sessions/Create"+query), body, append([]string{"Content-Type", contentType}, hdr...)...)
}

func TestCreateSessionXML(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SessionIDStart = 100 })
	body := startInfoXML(
		"CanPreempt", "false",
		"Environments", `<a:KeyValueOfstringstring xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><a:Key>K1</a:Key><a:Value>V1</a:Value></a:KeyValueOfstringstring>`+
			`<KeyValueOfstringstring xmlns="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><Key>K2</Key><Value i:nil="true"/></KeyValueOfstringstring>`,
		"JobTemplate", "Default",
		"MaxMessageSize", "65536",
		"MaxUnits", "8",
		"MinUnits", "2",
		"NodeGroupsStr", "ComputeNodes",
		"Password", testPass,
		"Priority", "i-am-replaced",
		"Runtime", "3600",
		"ServiceName", "versionedservice",
		"ServiceVersion", `<a:_Build>-1</a:_Build><a:_Major>1</a:_Major><a:_Minor>0</a:_Minor><a:_Revision>-1</a:_Revision>`,
		"ShareSession", "true",
		"Username", `contoso\Alice`,
	)
	body = strings.Replace(body, "<Priority>i-am-replaced</Priority>", `<Priority>3</Priority>`, 1)
	body = strings.Replace(body, "<ServiceVersion>", `<ServiceVersion xmlns:a="http://schemas.datacontract.org/2004/07/System">`, 1)
	r := e.create(body, "application/xml; charset=utf-8", "?durable=true")
	expectStatus(t, r, http.StatusCreated)
	var info webSessionInfo
	if err := xml.Unmarshal(r.body, &info); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	if info.ID != 100 || info.BrokerNode != "127.0.0.1" || !info.IsDurable || info.MaxMessageSize != 65536 || info.ServiceOperationTimeout != 86400000 {
		t.Errorf("WebSessionInfo %+v", info)
	}
	if v := info.ServiceVersion; v.Nil != "" || v.Major == nil || *v.Major != 1 || *v.Minor != 0 || *v.Build != -1 || *v.Rev != -1 {
		t.Errorf("ServiceVersion %s", r.body)
	}
	sv, ok := e.svc.Session(100)
	if !ok || sv.Closed || !sv.Durable || sv.Username != testUser || sv.Owner != testUser || sv.ServiceName != "VersionedService" || sv.ServiceVersion != "1.0" {
		t.Fatalf("session view %+v", sv)
	}
	si := sv.StartInfo
	if si.Environments["K1"] != "V1" || si.Environments["K2"] != "" || len(si.Environments) != 2 || si.CanPreempt == nil || *si.CanPreempt ||
		si.JobTemplate != "Default" || *si.MaxUnits != 8 || *si.MinUnits != 2 || *si.Priority != 3 || si.Runtime != 3600 || !si.ShareSession || si.NodeGroupsStr != "ComputeNodes" {
		t.Errorf("start info %+v", si)
	}
	// the view never carries the password
	if b, _ := json.Marshal(sv); strings.Contains(string(b), testPass) {
		t.Error("password in the session view")
	}

	// minimal body, nil version, explicit ServiceOperationTimeout
	body = startInfoXML("MaxMessageSize", "1024", "Password", testPass, "Runtime", "-1", "ServiceName", "EchoService",
		"ServiceOperationTimeout", "60000", "Username", testUser)
	r = e.create(body, "application/xml", "?durable=False")
	expectStatus(t, r, http.StatusCreated)
	if !strings.Contains(string(r.body), `<ServiceVersion i:nil="true" xmlns:a="http://schemas.datacontract.org/2004/07/System"/>`) ||
		!strings.Contains(string(r.body), `<ServiceOperationTimeout>60000</ServiceOperationTimeout>`) ||
		!strings.Contains(string(r.body), `<IsDurable>false</IsDurable>`) || !strings.HasPrefix(string(r.body), `<WebSessionInfo xmlns="http://hpc.microsoft.com/"`) {
		t.Errorf("WebSessionInfo %s", r.body)
	}
	if e.svc.SessionCount() != 2 {
		t.Errorf("SessionCount %d", e.svc.SessionCount())
	}
}

func TestCreateSessionXMLRejections(t *testing.T) {
	e := newEnv(t)
	minimal := func(over ...string) string {
		m := map[string]string{"MaxMessageSize": "65536", "Password": testPass, "Runtime": "-1", "ServiceName": "EchoService", "Username": testUser}
		for i := 0; i+1 < len(over); i += 2 {
			if over[i+1] == "-" {
				delete(m, over[i])
			} else {
				m[over[i]] = over[i+1]
			}
		}
		var kv []string
		for _, mem := range startInfoMembers {
			if v, ok := m[mem.name]; ok {
				kv = append(kv, mem.name, v)
			}
		}
		return startInfoXML(kv...)
	}
	cases := []struct {
		name, body string
		status     int
		code       int
		msg        string
	}{
		{"out of order", startInfoXML("Password", testPass, "MaxMessageSize", "65536", "Runtime", "-1", "ServiceName", "EchoService", "Username", testUser), 400, CodeArgumentError, "MaxMessageSize"},
		{"username first", startInfoXML("Username", testUser, "MaxMessageSize", "65536", "Password", testPass, "Runtime", "-1", "ServiceName", "EchoService"), 400, CodeArgumentError, "MaxMessageSize"},
		{"duplicate", startInfoXML("MaxMessageSize", "1", "MaxMessageSize", "2", "Password", testPass, "Runtime", "-1", "ServiceName", "EchoService", "Username", testUser), 400, CodeArgumentError, "more than once"},
		{"missing ServiceName", minimal("ServiceName", "-"), 400, CodeArgumentError, "ServiceName"},
		{"missing Username", minimal("Username", "-"), 400, CodeArgumentError, "Username"},
		{"missing Password", minimal("Password", "-"), 400, CodeArgumentError, "Password"},
		{"missing MaxMessageSize", minimal("MaxMessageSize", "-"), 400, CodeArgumentError, "MaxMessageSize"},
		{"missing Runtime", minimal("Runtime", "-"), 400, CodeArgumentError, "Runtime"},
		{"unknown member", strings.Replace(minimal(), "<Password>", "<Bogus>1</Bogus><Password>", 1), 400, CodeArgumentError, "Bogus"},
		{"not an int", minimal("MaxMessageSize", "big"), 400, CodeArgumentError, "MaxMessageSize"},
		{"long username", minimal("Username", strings.Repeat("u", 81)), 400, CodeArgumentError, "80"},
		{"long password", minimal("Password", strings.Repeat("p", 128)), 400, CodeArgumentError, "127"},
		{"wrong root ns", strings.Replace(minimal(), "http://hpc.microsoft.com/", "http://hpc.microsoft.com", 1), 400, CodeArgumentError, "WebSessionStartInfo"},
		{"malformed", "<WebSessionStartInfo", 400, CodeArgumentError, ""},
		{"bad env", minimal("Environments", "<Item/>"), 400, CodeArgumentError, "Environments"},
		{"bad version", minimal("ServiceVersion", `<_Major xmlns="http://schemas.datacontract.org/2004/07/System">1</_Major>`), 400, CodeArgumentError, "_Minor"},
		{"version order", minimal("ServiceVersion", `<_Minor xmlns="http://schemas.datacontract.org/2004/07/System">1</_Minor><_Major xmlns="http://schemas.datacontract.org/2004/07/System">1</_Major>`), 400, CodeArgumentError, "order"},
		{"priority range", minimal("Priority", "9"), 400, CodeArgumentError, "Priority"},
		{"unknown service", minimal("ServiceName", "NoSuchService"), 400, CodeServiceNotFound, "NoSuchService"},
		{"unknown version", minimal("ServiceName", "VersionedService", "ServiceVersion", `<a:_Major xmlns:a="http://schemas.datacontract.org/2004/07/System">3</a:_Major><a:_Minor xmlns:a="http://schemas.datacontract.org/2004/07/System">0</a:_Minor>`), 400, CodeServiceVersionNotFound, "3.0"},
		{"run-as password", minimal("Password", "wrong"), 403, CodeAuthenticationFailure, ""},
		{"run-as user", minimal("Username", `CONTOSO\mallory`), 403, CodeAuthenticationFailure, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.create(c.body, "application/xml", "?durable=false")
			f := expectFault(t, r, c.status, c.code)
			if !strings.Contains(f.Message, c.msg) {
				t.Errorf("message %q does not name %q", f.Message, c.msg)
			}
			if strings.Contains(f.Message, testPass) {
				t.Error("password in a fault")
			}
		})
	}
	// a registered version matches (2.1.3 against the registered 2.1.3)
	ok := minimal("ServiceName", "VersionedService", "ServiceVersion", `<a:_Build xmlns:a="http://schemas.datacontract.org/2004/07/System">3</a:_Build><a:_Major xmlns:a="http://schemas.datacontract.org/2004/07/System">2</a:_Major><a:_Minor xmlns:a="http://schemas.datacontract.org/2004/07/System">1</a:_Minor>`)
	expectStatus(t, e.create(ok, "application/xml", "?durable=false"), 201)
	// Content-Type and durable
	expectFault(t, e.create(minimal(), "text/plain", "?durable=false"), 415, CodeArgumentError)
	expectFault(t, e.create(minimal(), "", "?durable=false"), 415, CodeArgumentError)
	expectFault(t, e.create(minimal(), "application/xml; charset=utf-16", "?durable=false"), 415, CodeArgumentError)
	expectFault(t, e.create(minimal(), "application/xml", ""), 400, CodeArgumentError)
	expectFault(t, e.create(minimal(), "application/xml", "?durable=maybe"), 400, CodeArgumentError)
	if e.svc.SessionCount() != 1 {
		t.Errorf("sessions created by rejected requests: %d", e.svc.SessionCount())
	}
}

func TestCreateSessionJSON(t *testing.T) {
	e := newEnv(t)
	body := `{"Username":"CONTOSO\\alice","ServiceName":"VersionedService","Runtime":-1,"Password":"` + testPass + `","MaxMessageSize":65536,` +
		`"Environments":[{"Key":"A","Value":"1"},{"Key":"B","Value":null}],"ServiceVersion":"2.1.3","JobTemplate":null}`
	r := e.create(body, "application/json; charset=utf-8", "?durable=false", "Accept", "application/json")
	expectStatus(t, r, 201)
	var info map[string]any
	if err := json.Unmarshal(r.body, &info); err != nil {
		t.Fatal(err)
	}
	if info["Id"] != float64(1) || info["BrokerNode"] != "127.0.0.1" || info["IsDurable"] != false || info["MaxMessageSize"] != float64(65536) ||
		info["ServiceOperationTimeout"] != float64(86400000) || info["ServiceVersion"] != "2.1.3" {
		t.Errorf("JSON WebSessionInfo %s", r.body)
	}
	if !strings.HasPrefix(string(r.body), `{"BrokerNode":`) {
		t.Errorf("member order %s", r.body)
	}
	sv, _ := e.svc.Session(1)
	if sv.StartInfo.Environments["A"] != "1" || sv.ServiceVersion != "2.1.3" {
		t.Errorf("view %+v", sv)
	}
	// DataContract object form of the version, nil version
	body = `{"MaxMessageSize":1,"Password":"` + testPass + `","Runtime":-1,"ServiceName":"VersionedService","Username":"CONTOSO\\alice","ServiceVersion":{"_Major":1,"_Minor":0,"_Build":-1,"_Revision":-1}}`
	expectStatus(t, e.create(body, "application/json", "?durable=false"), 201)
	body = `{"MaxMessageSize":1,"Password":"` + testPass + `","Runtime":-1,"ServiceName":"EchoService","Username":"CONTOSO\\alice","ServiceVersion":null}`
	r = e.create(body, "application/json", "?durable=false", "Accept", "application/json")
	expectStatus(t, r, 201)
	if !strings.Contains(string(r.body), `"ServiceVersion":null`) {
		t.Errorf("%s", r.body)
	}
	for name, b := range map[string]string{
		"map environments": `{"MaxMessageSize":1,"Password":"x","Runtime":-1,"ServiceName":"EchoService","Username":"u","Environments":{"A":"1"}}`,
		"missing password": `{"MaxMessageSize":1,"Runtime":-1,"ServiceName":"EchoService","Username":"u"}`,
		"null runtime":     `{"MaxMessageSize":1,"Password":"x","Runtime":null,"ServiceName":"EchoService","Username":"u"}`,
		"string number":    `{"MaxMessageSize":"1","Password":"x","Runtime":-1,"ServiceName":"EchoService","Username":"u"}`,
		"wrong case":       `{"maxMessageSize":1,"Password":"x","Runtime":-1,"ServiceName":"EchoService","Username":"u"}`,
		"not json":         `<x/>`,
		"bad version":      `{"MaxMessageSize":1,"Password":"x","Runtime":-1,"ServiceName":"EchoService","Username":"u","ServiceVersion":"one"}`,
	} {
		r := e.create(b, "application/json", "?durable=false", "Accept", "application/json")
		if r.status != 400 || r.fault(t).Code != CodeArgumentError {
			t.Errorf("%s: %s", name, r)
		}
	}
}

func TestAttachAndClose(t *testing.T) {
	e := newEnv(t)
	inter := e.createSession("EchoService", false)
	dur := e.createSession("EchoService", true)
	attach := func(id int, durable string, hdr ...string) resp {
		return e.do("GET", e.path("/Session/"+itoa(id)+"/Attach"+durable), nil, hdr...)
	}
	r := attach(inter, "?durable=false")
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.body), "<Id>"+itoa(inter)+"</Id>") {
		t.Errorf("attach %s", r.body)
	}
	r = attach(dur, "?durable=True", "Accept", "application/json")
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.body), `"IsDurable":true`) {
		t.Errorf("attach JSON %s", r.body)
	}
	expectFault(t, attach(dur, "?durable=false"), 400, CodeInvalidAttachDurableSession)
	expectFault(t, attach(inter, "?durable=true"), 400, CodeInvalidAttachInteractiveSession)
	expectFault(t, attach(inter, ""), 400, CodeArgumentError)
	expectFault(t, attach(999, "?durable=false"), 400, CodeInvalidSessionID)
	expectFault(t, e.do("GET", e.path("/Session/abc/Attach?durable=false"), nil), 400, CodeInvalidSessionID)

	// batches go away with the session
	expectStatus(t, e.send(inter, "b1", envelopeArray(testReq{id: msgID(1), input: "x"}), ""), 200)
	closeURL := e.path("/session/" + itoa(inter) + "/Close")
	expectStatus(t, e.do("POST", closeURL, nil), 200)
	sv, ok := e.svc.Session(inter)
	if !ok || !sv.Closed || sv.ClosedAt.IsZero() || len(sv.Batches) != 0 {
		t.Errorf("closed view %+v", sv)
	}
	if _, ok := e.svc.Batch(inter, "b1"); ok {
		t.Error("batch survived Close")
	}
	expectFault(t, e.do("POST", closeURL, nil), 400, CodeInvalidSessionID)
	expectFault(t, attach(inter, "?durable=false"), 400, CodeInvalidSessionID)
	expectFault(t, e.send(inter, "b1", envelopeArray(), ""), 400, CodeInvalidSessionID)
	expectFault(t, e.batchOp("GET", inter, "b1", "Status", ""), 400, CodeInvalidSessionID)
	expectFault(t, e.do("POST", e.path("/session/4242/Close"), nil), 400, CodeInvalidSessionID)
	// out of band
	if !e.svc.CloseSession(dur) || e.svc.CloseSession(dur) || e.svc.CloseSession(12345) {
		t.Error("CloseSession results")
	}
	expectFault(t, attach(dur, "?durable=true"), 400, CodeInvalidSessionID)
	if e.svc.SessionCount() != 0 || len(e.svc.Sessions()) != 2 {
		t.Errorf("counts %d %d", e.svc.SessionCount(), len(e.svc.Sessions()))
	}
}
