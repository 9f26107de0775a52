package hpcsoa

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const webSessionInfoXML = `<WebSessionInfo xmlns="http://hpc.microsoft.com/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <BrokerNode>mycluster.cloudapp.net</BrokerNode>
  <Id>42</Id>
  <IsDurable>false</IsDurable>
  <MaxMessageSize>65536</MaxMessageSize>
  <ServiceOperationTimeout>86400000</ServiceOperationTimeout>
  <ServiceVersion i:nil="true" xmlns:a="http://schemas.datacontract.org/2004/07/System"/>
</WebSessionInfo>`

func TestNewValidatesSettings(t *testing.T) {
	good := Config{Endpoint: "https://headnode.contoso.com", Username: testUser, Password: testPassword}
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"relative endpoint", func(c *Config) { c.Endpoint = "headnode.contoso.com" }, "endpoint"},
		{"empty endpoint", func(c *Config) { c.Endpoint = "" }, "endpoint"},
		{"ftp endpoint", func(c *Config) { c.Endpoint = "ftp://headnode" }, "endpoint"},
		{"endpoint with WindowsHPC", func(c *Config) { c.Endpoint = "https://headnode/WindowsHPC" }, "endpoint"},
		{"endpoint with query", func(c *Config) { c.Endpoint = "https://headnode/?x=1" }, "endpoint"},
		{"endpoint with user", func(c *Config) { c.Endpoint = "https://bob:pw@headnode" }, "endpoint"},
		{"no username", func(c *Config) { c.Username = "" }, "username"},
		{"colon in username", func(c *Config) { c.Username = "a:b" }, "username"},
		{"no password", func(c *Config) { c.Password = "" }, "password"},
		{"bad format", func(c *Config) { c.ResponseFormat = "yaml" }, "response_format"},
		{"bad api version", func(c *Config) { c.APIVersion = "2011 11" }, "api_version"},
		{"bad cluster", func(c *Config) { c.ClusterName = "a/b" }, "cluster_name"},
		{"missing CA file", func(c *Config) { c.CACertificateFile = "/nonexistent/ca.pem" }, "ca_certificate_file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.mutate(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error naming %q, got %v", tc.want, err)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
}

// childNames lists the local names of the root's children, in order.
func childNames(t *testing.T, body []byte) (root xml.Name, names []string, children map[string]string) {
	t.Helper()
	var doc struct {
		XMLName xml.Name
		Items   []struct {
			XMLName xml.Name
			Inner   string `xml:",innerxml"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("body is not XML: %v\n%s", err, body)
	}
	children = map[string]string{}
	for _, it := range doc.Items {
		names = append(names, it.XMLName.Local)
		children[it.XMLName.Local] = it.Inner
	}
	return doc.XMLName, names, children
}

func TestCreateSessionMinimalBody(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusCreated, "application/xml; charset=utf-8", webSessionInfoXML))
	c := testClient(t, rec.srv.URL, func(c *Config) { c.ClusterName = "HEADNODE" })
	info, err := c.CreateSession(context.Background(), SessionStartInfo{
		ServiceName: "EchoService", MaxMessageSize: 65536, RuntimeSeconds: -1, Username: testUser, Password: "run&as<pw>",
	})
	if err != nil {
		t.Fatal(err)
	}
	// Without a ServiceJobName one is generated, sent and returned.
	if !regexp.MustCompile(`^batchops-[0-9a-f]{16}$`).MatchString(info.ServiceJobName) {
		t.Errorf("generated service job name %q", info.ServiceJobName)
	}
	want := SessionInfo{ID: 42, BrokerNode: "mycluster.cloudapp.net", MaxMessageSize: 65536, ServiceOperationTimeout: 86400000, ServiceJobName: info.ServiceJobName}
	if *info != want {
		t.Errorf("got %+v, want %+v", *info, want)
	}
	s := rec.last(t)
	if s.Method != http.MethodPost || s.Path != "/WindowsHPC/HEADNODE/sessions/Create" || s.Query.Get("durable") != "False" {
		t.Errorf("got %s %s", s.Method, s.RequestURI)
	}
	if ct := s.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Errorf("Content-Type %q", ct)
	}
	root, names, children := childNames(t, s.Body)
	if root.Space != "http://hpc.microsoft.com/" || root.Local != "WebSessionStartInfo" {
		t.Errorf("root %v", root)
	}
	wantNames := []string{"MaxMessageSize", "Password", "Runtime", "ServiceJobName", "ServiceName", "Username"}
	if strings.Join(names, ",") != strings.Join(wantNames, ",") {
		t.Errorf("members %v, want only the required ones and the generated job name %v", names, wantNames)
	}
	if children["Password"] != "run&amp;as&lt;pw&gt;" || children["Username"] != `CONTOSO\alice` || children["Runtime"] != "-1" || children["ServiceJobName"] != info.ServiceJobName {
		t.Errorf("members %v", children)
	}
}

func TestCreateSessionFullBodyIsInDataContractOrder(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusCreated, "application/json; charset=utf-8",
		`{"BrokerNode":"BN01","Id":7,"IsDurable":true,"MaxMessageSize":131072,"ServiceOperationTimeout":60000,"ServiceVersion":{"_Build":-1,"_Major":1,"_Minor":0,"_Revision":-1}}`))
	c := testClient(t, rec.srv.URL, func(c *Config) { c.ResponseFormat = "json" })
	info, err := c.CreateSession(context.Background(), SessionStartInfo{
		ServiceName: "EchoService", ServiceVersion: "1.0", Durable: true, MaxMessageSize: 131072, RuntimeSeconds: 3600,
		JobTemplate: "SOA", NodeGroups: []string{"ComputeNodes", "GPU"}, MinUnits: intp(1), MaxUnits: intp(8),
		ResourceUnitType: "Node", Priority: "AboveNormal", Environment: map[string]string{"B": "2", "A": "x<y"},
		ShareSession: true, Username: testUser, Password: "runas", ServiceJobName: "nightly <run> & co",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := SessionInfo{ID: 7, BrokerNode: "BN01", IsDurable: true, MaxMessageSize: 131072, ServiceOperationTimeout: 60000, ServiceVersion: "1.0",
		ServiceJobName: "nightly <run> & co"}
	if *info != want {
		t.Errorf("got %+v, want %+v", *info, want)
	}
	s := rec.last(t)
	if s.Path != "/WindowsHPC/sessions/Create" || s.Query.Get("durable") != "True" {
		t.Errorf("got %s", s.RequestURI)
	}
	if s.Header.Get("Accept") != "application/json" {
		t.Errorf("Accept %q", s.Header.Get("Accept"))
	}
	_, names, children := childNames(t, s.Body)
	wantNames := []string{"Environments", "JobTemplate", "MaxMessageSize", "MaxUnits", "MinUnits", "NodeGroupsStr", "Password",
		"Priority", "ResourceUnitType", "Runtime", "ServiceJobName", "ServiceName", "ServiceVersion", "ShareSession", "Username"}
	if strings.Join(names, ",") != strings.Join(wantNames, ",") {
		t.Errorf("members\n %v\nwant\n %v", names, wantNames)
	}
	if !sort.StringsAreSorted(names) { // Go compares bytes: the ordinal order DataContract uses
		t.Errorf("members are not in ordinal order: %v", names)
	}
	if children["NodeGroupsStr"] != "ComputeNodes,GPU" || children["ShareSession"] != "true" || children["ResourceUnitType"] != "2" || children["Priority"] != "3" ||
		children["ServiceJobName"] != "nightly &lt;run&gt; &amp; co" {
		t.Errorf("members %v", children)
	}

	// Environments and ServiceVersion in their DataContract shapes.
	var doc struct {
		Env struct {
			Items []struct {
				Key   string `xml:"http://schemas.microsoft.com/2003/10/Serialization/Arrays Key"`
				Value string `xml:"http://schemas.microsoft.com/2003/10/Serialization/Arrays Value"`
			} `xml:"http://schemas.microsoft.com/2003/10/Serialization/Arrays KeyValueOfstringstring"`
		} `xml:"http://hpc.microsoft.com/ Environments"`
		Version struct {
			Items []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"http://hpc.microsoft.com/ ServiceVersion"`
	}
	if err := xml.Unmarshal(s.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Env.Items) != 2 || doc.Env.Items[0].Key != "A" || doc.Env.Items[0].Value != "x<y" || doc.Env.Items[1].Key != "B" {
		t.Errorf("Environments %+v\n%s", doc.Env.Items, s.Body)
	}
	var parts []string
	for _, it := range doc.Version.Items {
		if it.XMLName.Space != "http://schemas.datacontract.org/2004/07/System" {
			t.Errorf("version member %v not in the System namespace", it.XMLName)
		}
		parts = append(parts, it.XMLName.Local+"="+it.Value)
	}
	if got := strings.Join(parts, ","); got != "_Build=-1,_Major=1,_Minor=0,_Revision=-1" {
		t.Errorf("ServiceVersion %s", got)
	}
}

func TestCreateSessionValidatesBeforeCalling(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusCreated, "", webSessionInfoXML))
	c := testClient(t, rec.srv.URL)
	ok := SessionStartInfo{ServiceName: "Echo", MaxMessageSize: 1024, RuntimeSeconds: -1, Username: testUser, Password: "x"}
	for name, mutate := range map[string]func(*SessionStartInfo){
		"no service":      func(s *SessionStartInfo) { s.ServiceName = "" },
		"no size":         func(s *SessionStartInfo) { s.MaxMessageSize = 0 },
		"bad version":     func(s *SessionStartInfo) { s.ServiceVersion = "1" },
		"bad version 2":   func(s *SessionStartInfo) { s.ServiceVersion = "1.x" },
		"no run-as user":  func(s *SessionStartInfo) { s.Username = "" },
		"no run-as pw":    func(s *SessionStartInfo) { s.Password = "" },
		"unit type":       func(s *SessionStartInfo) { s.ResourceUnitType = "Rack" },
		"priority":        func(s *SessionStartInfo) { s.Priority = "Urgent" },
		"min > max":       func(s *SessionStartInfo) { s.MinUnits, s.MaxUnits = intp(3), intp(2) },
		"comma group":     func(s *SessionStartInfo) { s.NodeGroups = []string{"a,b"} },
		"control char":    func(s *SessionStartInfo) { s.JobTemplate = "a\x01" },
		"runtime < -1":    func(s *SessionStartInfo) { s.RuntimeSeconds = -2 },
		"empty env name":  func(s *SessionStartInfo) { s.Environment = map[string]string{"": "x"} },
		"long run-as pwd": func(s *SessionStartInfo) { s.Password = strings.Repeat("p", 128) },
		"long job name":   func(s *SessionStartInfo) { s.ServiceJobName = strings.Repeat("n", 81) },
		"job name ctrl":   func(s *SessionStartInfo) { s.ServiceJobName = "a\x02" },
	} {
		s := ok
		mutate(&s)
		if _, err := c.CreateSession(context.Background(), s); err == nil || !strings.HasPrefix(err.Error(), "create session: ") {
			t.Errorf("%s: want a create session error, got %v", name, err)
		}
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("invalid input reached the server %d times", n)
	}
}

func TestAttachSessionBothURIFormsAndVersionForms(t *testing.T) {
	answers := map[string]string{
		"xml-version": `<WebSessionInfo xmlns="http://hpc.microsoft.com/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><BrokerNode>HN</BrokerNode><Id>5</Id><IsDurable>true</IsDurable><MaxMessageSize>10</MaxMessageSize><ServiceOperationTimeout>1000</ServiceOperationTimeout><ServiceVersion xmlns:a="http://schemas.datacontract.org/2004/07/System"><a:_Build>3</a:_Build><a:_Major>2</a:_Major><a:_Minor>1</a:_Minor><a:_Revision>-1</a:_Revision></ServiceVersion></WebSessionInfo>`,
		"json-null":   `{"BrokerNode":"HN","Id":5,"IsDurable":true,"MaxMessageSize":10,"ServiceOperationTimeout":1000,"ServiceVersion":null}`,
		"json-string": `{"BrokerNode":"HN","Id":5,"IsDurable":true,"MaxMessageSize":10,"ServiceOperationTimeout":1000,"ServiceVersion":"2.1.3"}`,
	}
	wantVersion := map[string]string{"xml-version": "2.1.3", "json-null": "", "json-string": "2.1.3"}
	for name, body := range answers {
		for _, cluster := range []string{"", "My Cluster"} {
			ct := "application/json"
			if strings.HasPrefix(body, "<") {
				ct = "application/xml"
			}
			rec := newRecorder(t, false, reply(http.StatusOK, ct, body))
			c := testClient(t, rec.srv.URL+"/", func(c *Config) { c.ClusterName = cluster })
			info, err := c.AttachSession(context.Background(), 5, true)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if info.ID != 5 || info.BrokerNode != "HN" || !info.IsDurable || info.ServiceVersion != wantVersion[name] {
				t.Errorf("%s: got %+v", name, *info)
			}
			s := rec.last(t)
			wantURI := "/WindowsHPC/session/5/Attach?durable=True"
			if cluster != "" {
				wantURI = "/WindowsHPC/My%20Cluster/session/5/Attach?durable=True"
			}
			if s.Method != http.MethodGet || s.RequestURI != wantURI {
				t.Errorf("%s: got %s %s, want GET %s", name, s.Method, s.RequestURI, wantURI)
			}
		}
	}
}

func TestMalformedSessionAnswersAreClearErrors(t *testing.T) {
	for _, tc := range []struct{ ct, body string }{
		{"application/xml", `<WebSessionInfo xmlns="http://hpc.microsoft.com/"><Id>abc</Id></WebSessionInfo>`},
		{"application/xml", `<WebSessionInfo xmlns="http://hpc.microsoft.com/"><Id>1</Id>`},
		{"application/xml", `<Other/>`},
		{"application/xml", `<WebSessionInfo xmlns="http://hpc.microsoft.com/"/>`},
		{"application/json", `{"Id":`},
		{"application/json", `{"Id":1,"ServiceVersion":{"_Major":"x"}}`},
		{"application/json", `[]`},
		{"text/plain", `hello`},
		{"", ``},
		{"application/xml", `<WebSessionInfo xmlns="http://hpc.microsoft.com/"><Id>0</Id></WebSessionInfo>`},
		{"application/json", `{"Id":-3}`},
		{"text/html", `<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>`},
	} {
		rec := newRecorder(t, false, reply(http.StatusOK, tc.ct, tc.body))
		c := testClient(t, rec.srv.URL)
		_, err := c.AttachSession(context.Background(), 1, false)
		if !IsMalformed(err) || !strings.HasPrefix(err.Error(), "attach session: malformed answer (HTTP 200): ") || errors.Is(err, ErrAmbiguous) {
			t.Errorf("%q: want a malformed attach session answer, got %v", tc.body, err)
		}
		// The same answer to Create Session, on a head node that does not serve the job list:
		// the session may exist and cannot be looked up.
		rec = newRecorder(t, false, func(w http.ResponseWriter, r *http.Request, s seen) {
			if strings.HasSuffix(s.Path, "/Jobs") {
				reply(http.StatusNotFound, "", "")(w, r, s)
				return
			}
			reply(http.StatusOK, tc.ct, tc.body)(w, r, s)
		})
		c = testClient(t, rec.srv.URL)
		_, err = c.CreateSession(context.Background(), SessionStartInfo{ServiceName: "EchoService", MaxMessageSize: 1, RuntimeSeconds: -1,
			Username: testUser, Password: testPassword, ServiceJobName: "job-7"})
		if !IsMalformed(err) || !errors.Is(err, ErrAmbiguous) || !strings.HasPrefix(err.Error(), "create session: malformed answer (HTTP 200): ") ||
			!strings.Contains(err.Error(), `the request may have taken effect: looking the session up by its service job name "job-7" failed too (HPC Pack returned HTTP 404`) ||
			!strings.Contains(err.Error(), `so a session (a service job of service "EchoService" for CONTOSO\alice) may exist that is not tracked; look for an open job named "job-7" on the cluster and close it`) {
			t.Errorf("%q: want an ambiguous create, got %v", tc.body, err)
		}
	}
	// a fault is a definite answer: no session was created
	rec := newRecorder(t, false, reply(http.StatusBadRequest, "application/json", `{"Code":251723806,"Message":"no such service"}`))
	c := testClient(t, rec.srv.URL)
	_, err := c.CreateSession(context.Background(), SessionStartInfo{ServiceName: "Nope", MaxMessageSize: 1, RuntimeSeconds: -1, Username: testUser, Password: testPassword})
	if err == nil || errors.Is(err, ErrAmbiguous) || IsMalformed(err) {
		t.Errorf("a fault: %v", err)
	}
	// an attach answered for another session is not that session
	rec = newRecorder(t, false, reply(http.StatusOK, "application/json", `{"Id":2}`))
	c = testClient(t, rec.srv.URL)
	if _, err := c.AttachSession(context.Background(), 1, false); !IsMalformed(err) || !strings.Contains(err.Error(), "the answer is for session 2") {
		t.Errorf("another session: %v", err)
	}
}

func TestCloseSession(t *testing.T) {
	rec := newRecorder(t, false, reply(http.StatusOK, "", ""))
	c := testClient(t, rec.srv.URL, func(c *Config) { c.ClusterName = "HN" })
	if err := c.CloseSession(context.Background(), 12); err != nil {
		t.Fatal(err)
	}
	s := rec.last(t)
	if s.Method != http.MethodPost || s.RequestURI != "/WindowsHPC/HN/session/12/Close" {
		t.Errorf("got %s %s", s.Method, s.RequestURI)
	}
	if err := c.CloseSession(context.Background(), 0); err == nil {
		t.Error("session id 0 accepted")
	}
}

func TestCheckServiceVersion(t *testing.T) {
	for _, v := range []string{"1.0", "2.1.3", "4.0.0.1", "0.0"} {
		if err := CheckServiceVersion(v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	for _, v := range []string{"", "1", "1.", "1.x", "1.2.3.4.5", "-1.0", "+1.0", " 1.0", "99999999999.0"} {
		if CheckServiceVersion(v) == nil {
			t.Errorf("%q: accepted", v)
		}
	}
}
