package hpcsoa

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestBrokerBaseFromBrokerNode(t *testing.T) {
	cases := []struct {
		endpoint, cluster, node, want string
	}{
		// A bare host keeps the head node endpoint's scheme and port, and the cluster segment.
		{"https://head.contoso.com:8443", "", "broker1", "https://broker1:8443/WindowsHPC"},
		{"https://head.contoso.com", "", "broker1.contoso.com", "https://broker1.contoso.com/WindowsHPC"},
		{"http://head:8080/proxy", "HEADNODE", "broker1", "http://broker1:8080/WindowsHPC/HEADNODE"},
		{"https://head:8443", "", " broker1 ", "https://broker1:8443/WindowsHPC"},
		{"https://head:8443", "", "10.0.0.7", "https://10.0.0.7:8443/WindowsHPC"},
		{"https://head:8443", "", "fe80::1", "https://[fe80::1]:8443/WindowsHPC"},
		{"https://head", "", "[fe80::1]", "https://[fe80::1]/WindowsHPC"},
		// A port or a scheme in the value is used as given.
		{"https://head:8443", "", "broker1:9443", "https://broker1:9443/WindowsHPC"},
		{"https://head:8443", "", "[fe80::1]:9443", "https://[fe80::1]:9443/WindowsHPC"},
		{"https://head:8443", "C1", "http://broker1:81/", "http://broker1:81/WindowsHPC/C1"},
		{"https://head:8443", "", "https://broker1", "https://broker1/WindowsHPC"},
	}
	for _, tc := range cases {
		c := testClient(t, tc.endpoint, func(cfg *Config) { cfg.ClusterName, cfg.BatchEndpoint = tc.cluster, BatchEndpointBrokerNode })
		got, err := c.brokers.baseFor(tc.node)
		if err != nil || got != tc.want {
			t.Errorf("%s + broker %q: got %q, %v; want %q", tc.endpoint, tc.node, got, err, tc.want)
		}
	}
	c := testClient(t, "https://head:8443", func(cfg *Config) { cfg.BatchEndpoint = BatchEndpointBrokerNode })
	for _, bad := range []string{"", "  ", "ftp://broker", "https://user:pw@broker", "https://broker/x", "https://broker?q", "broker/x",
		"broker:0", "broker:http", "bro ker", "a@b", "a:b:c", "bro\x00ker"} {
		_, err := c.brokers.baseFor(bad)
		if err == nil || !strings.Contains(err.Error(), `batch_endpoint = "head_node"`) {
			t.Errorf("broker %q: want an error advising head_node, got %v", bad, err)
		}
	}
	if _, err := New(Config{Endpoint: "https://head", Username: testUser, Password: testPassword, BatchEndpoint: "broker"}); err == nil ||
		!strings.Contains(err.Error(), "batch_endpoint") {
		t.Errorf("an unknown batch endpoint must be refused, got %v", err)
	}
}

// cluster is a head node and a broker node on two test servers; the head node's sessions
// report the broker as "127.0.0.1:PORT".
type cluster struct {
	head, broker *recorder
	mu           sync.Mutex
	durable      map[int]bool // open sessions and their kind
	brokerNode   string       // reported; default the broker server's host:port
}

func newCluster(t *testing.T) *cluster {
	cl := &cluster{durable: map[int]bool{7: false, 8: true}}
	info := func(w http.ResponseWriter, status, id int, durable bool) {
		cl.mu.Lock()
		node := cl.brokerNode
		cl.mu.Unlock()
		if node == "" {
			u, _ := url.Parse(cl.broker.srv.URL)
			node = u.Host
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<WebSessionInfo xmlns="http://hpc.microsoft.com/"><BrokerNode>%s</BrokerNode><Id>%d</Id><IsDurable>%t</IsDurable></WebSessionInfo>`, node, id, durable)
	}
	fault := func(w http.ResponseWriter, code int) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<HpcWebServiceFault xmlns="http://schemas.microsoft.com/HPCS2008R2/common"><Code>%d</Code><Message>fault</Message></HpcWebServiceFault>`, code)
	}
	cl.head = newRecorder(t, false, func(w http.ResponseWriter, r *http.Request, s seen) {
		var id int
		_, _ = fmt.Sscanf(s.Path, "/WindowsHPC/session/%d/", &id)
		switch {
		case s.Path == "/WindowsHPC/sessions/Create":
			info(w, http.StatusCreated, 7, false)
		case strings.HasSuffix(s.Path, "/Attach"):
			cl.mu.Lock()
			durable, open := cl.durable[id]
			cl.mu.Unlock()
			asked := s.Query.Get("durable") == "True"
			switch {
			case !open:
				fault(w, CodeInvalidSessionID)
			case durable && !asked:
				fault(w, CodeInvalidAttachDurableSession)
			case !durable && asked:
				fault(w, CodeInvalidAttachInteractiveSession)
			default:
				info(w, http.StatusOK, id, durable)
			}
		case strings.HasSuffix(s.Path, "/Close"):
			cl.mu.Lock()
			delete(cl.durable, id)
			cl.mu.Unlock()
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	cl.broker = newRecorder(t, false, func(w http.ResponseWriter, r *http.Request, s seen) {
		switch {
		case strings.HasSuffix(s.Path, "/Status"):
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprint(w, `<BrokerClientStatus xmlns="http://hpc.microsoft.com">Finished</BrokerClientStatus>`)
		case strings.HasSuffix(s.Path, "/Response"):
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprint(w, `<HPCServer2008_WebAPI_MessageArray><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>http://hpc.microsoft.com/EndOfGetResponse</a:Action></s:Header><s:Body><EndOfResponses xmlns="http://tempuri.org/"><Count>0</Count><Reason>Success</Reason></EndOfResponses></s:Body></s:Envelope></HPCServer2008_WebAPI_MessageArray>`)
		case s.Query.Get("commit") == "True", strings.HasSuffix(s.Path, "/Commit"):
			w.WriteHeader(http.StatusCreated)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
	return cl
}

func paths(reqs []seen) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func TestBatchOperationsGoToTheBrokerNode(t *testing.T) {
	cl := newCluster(t)
	ctx := context.Background()
	c := testClient(t, cl.head.srv.URL, func(cfg *Config) { cfg.BatchEndpoint = BatchEndpointBrokerNode })
	info, err := c.CreateSession(ctx, SessionStartInfo{ServiceName: "Echo", MaxMessageSize: 1, RuntimeSeconds: -1, Username: testUser, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	reqs := []Request{{Action: "a", Body: "<x/>"}}
	if err := c.SendBatch(ctx, info.ID, "b1", false, true, reqs); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(ctx, info.ID, "b1"); err != nil {
		t.Fatal(err)
	}
	if st, err := c.BatchStatus(ctx, info.ID, "b1"); err != nil || st != StatusFinished {
		t.Fatalf("status %v %v", st, err)
	}
	if _, err := c.GetResponses(ctx, info.ID, "b1", ResponseOptions{Reset: true}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Purge(ctx, info.ID, "b1"); err != nil {
		t.Fatal(err)
	}
	// The Create answer named the broker: no Attach was needed.
	if got := strings.Join(paths(cl.head.requests()), ", "); got != "POST /WindowsHPC/sessions/Create" {
		t.Errorf("head node calls: %s", got)
	}
	want := "POST /WindowsHPC/session/7/batch/b1, POST /WindowsHPC/session/7/batch/b1/Commit, GET /WindowsHPC/session/7/batch/b1/Status, " +
		"POST /WindowsHPC/session/7/batch/b1/Response, POST /WindowsHPC/session/7/batch/b1/Purge"
	if got := strings.Join(paths(cl.broker.requests()), ", "); got != want {
		t.Errorf("broker calls:\n got %s\nwant %s", got, want)
	}
	for _, r := range cl.broker.requests() {
		if r.Header.Get("Authorization") != basicHeader() || r.Header.Get("api-version") != DefaultAPIVersion {
			t.Errorf("%s %s: the broker must get the same credentials and api-version", r.Method, r.Path)
		}
	}

	// Closing forgets the broker: the next batch operation attaches again and finds the
	// session gone, as the batch resource expects.
	if err := c.CloseSession(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	before := len(cl.broker.requests())
	if err := c.Purge(ctx, info.ID, "b1"); !IsSessionGone(err) || !strings.Contains(err.Error(), "finding the broker node of session 7") {
		t.Errorf("purge after close: want a session-gone error, got %v", err)
	}
	if len(cl.broker.requests()) != before {
		t.Error("a batch operation of a closed session reached the broker")
	}
}

func TestBrokerNodeFoundByAttach(t *testing.T) {
	cl := newCluster(t)
	ctx := context.Background()
	c := testClient(t, cl.head.srv.URL, func(cfg *Config) { cfg.BatchEndpoint = BatchEndpointBrokerNode })
	// Interactive session 7: one Attach, then the broker is known.
	for range 2 {
		if _, err := c.BatchStatus(ctx, 7, "b1"); err != nil {
			t.Fatal(err)
		}
	}
	// Durable session 8: the interactive Attach is refused, the durable one answers.
	if err := c.Purge(ctx, 8, "b1"); err != nil {
		t.Fatal(err)
	}
	want := "GET /WindowsHPC/session/7/Attach, GET /WindowsHPC/session/8/Attach, GET /WindowsHPC/session/8/Attach"
	if got := strings.Join(paths(cl.head.requests()), ", "); got != want {
		t.Errorf("head node calls:\n got %s\nwant %s", got, want)
	}
	if n := len(cl.broker.requests()); n != 3 {
		t.Errorf("want 3 broker calls, got %v", paths(cl.broker.requests()))
	}
	// An Attach by the caller (the session resource's Read) also tells the broker.
	c2 := testClient(t, cl.head.srv.URL, func(cfg *Config) { cfg.BatchEndpoint = BatchEndpointBrokerNode })
	if _, err := c2.AttachSession(ctx, 7, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.BatchStatus(ctx, 7, "b1"); err != nil {
		t.Fatal(err)
	}
	if n := len(cl.head.requests()); n != 4 {
		t.Errorf("want no Attach beyond the caller's, got %v", paths(cl.head.requests()))
	}
}

func TestUnusableBrokerNode(t *testing.T) {
	cl := newCluster(t)
	cl.brokerNode = " "
	ctx := context.Background()
	c := testClient(t, cl.head.srv.URL, func(cfg *Config) { cfg.BatchEndpoint = BatchEndpointBrokerNode })
	_, err := c.BatchStatus(ctx, 7, "b1")
	if err == nil || !strings.Contains(err.Error(), "get batch status: the session's broker node") || !strings.Contains(err.Error(), "reported none") {
		t.Fatalf("want an error about the missing broker node, got %v", err)
	}
	// A broker that does not answer: the error says where the call went and what to do.
	cl.brokerNode = "127.0.0.1:1"
	c = testClient(t, cl.head.srv.URL, func(cfg *Config) { cfg.BatchEndpoint = BatchEndpointBrokerNode; cfg.Retry.MaxAttempts = 1 })
	err = c.Purge(ctx, 7, "b1")
	if err == nil || !strings.Contains(err.Error(), "went to the session's broker node 127.0.0.1:1") || !strings.Contains(err.Error(), "batch_endpoint = head_node") {
		t.Fatalf("want an error naming the broker node, got %v", err)
	}
}

func TestBatchOperationsStayOnTheHeadNodeByDefault(t *testing.T) {
	cl := newCluster(t)
	ctx := context.Background()
	for _, endpoint := range []string{"", BatchEndpointHeadNode} {
		c := testClient(t, cl.head.srv.URL, func(cfg *Config) { cfg.BatchEndpoint = endpoint })
		if _, err := c.AttachSession(ctx, 7, false); err != nil {
			t.Fatal(err)
		}
		_ = c.Purge(ctx, 7, "b1") // the head node test server answers 404; only where it went matters
	}
	if n := len(cl.broker.requests()); n != 0 {
		t.Errorf("batch operations reached the broker: %v", paths(cl.broker.requests()))
	}
	want := "GET /WindowsHPC/session/7/Attach, POST /WindowsHPC/session/7/batch/b1/Purge"
	if got := strings.Join(paths(cl.head.requests()), ", "); got != want+", "+want {
		t.Errorf("head node calls: %s", got)
	}
}
