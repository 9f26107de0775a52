package hpcpack

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBrokerNodeSetting(t *testing.T) {
	for _, bad := range []string{"https://broker", "broker/x", "bro ker", "user@broker"} {
		if _, err := New(Config{BrokerNode: bad}, nil); err == nil || !strings.Contains(err.Error(), "broker node") {
			t.Errorf("BrokerNode %q: want an error naming the broker node, got %v", bad, err)
		}
	}
	e := newEnv(t, func(c *Config) { c.BrokerNode = "broker-1.contoso.com:8443" })
	r := e.create(minimalStartInfo("EchoService"), "application/xml", "?durable=false")
	if r.status != 201 || !strings.Contains(string(r.body), "<BrokerNode>broker-1.contoso.com:8443</BrokerNode>") {
		t.Fatalf("create: %s", r)
	}

	// The broker's web service: batch operations and Get Version, nothing of sessions or jobs.
	broker := httptest.NewServer(e.svc.Broker())
	t.Cleanup(broker.Close)
	onBroker := func(method, path string) resp {
		return e.do(method, broker.URL+e.svc.PathPrefix()+path, nil)
	}
	if r := onBroker("GET", "/session/1/batch/b1/Status"); r.status != 200 {
		t.Errorf("status on the broker: %s", r)
	}
	if r := onBroker("GET", "/Version"); r.status != 200 {
		t.Errorf("version on the broker: %s", r)
	}
	for _, c := range []struct{ method, path string }{{"GET", "/session/1/Attach?durable=false"}, {"POST", "/session/1/Close"}, {"GET", "/Jobs"}} {
		r := onBroker(c.method, c.path)
		if f := r.fault(t); r.status != 404 || f.Code != CodeUnknownError || !strings.Contains(f.Message, "session operations and the job API go to the head node") {
			t.Errorf("%s %s on the broker: %s", c.method, c.path, r)
		}
	}
	if s, _ := e.svc.Session(1); s.Closed {
		t.Error("Close on the broker closed the session")
	}
}
