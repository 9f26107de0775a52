package emulator

import (
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
)

// A configured broker node is served on its own address at the head node's port, with a
// certificate that covers it; sessions report it, it serves the batch operations only, and
// the request log tells the two nodes apart by Host.
func TestHPCPackBrokerNodeListener(t *testing.T) {
	h := start(t, func(c *Config) {
		c.HPCPack = hpcpack.Config{Users: map[string]string{hpcUser: hpcPass}, Workers: 2, RequestTime: time.Second, BrokerNode: "127.0.0.2"}
	})
	head, broker := h.emu.HPCPackURL(), h.emu.HPCPackBrokerURL()
	_, headPort, _ := net.SplitHostPort(strings.TrimPrefix(head, "https://"))
	if broker != "https://127.0.0.2:"+headPort {
		t.Fatalf("broker URL %q, want https://127.0.0.2:%s (head %s)", broker, headPort, head)
	}
	startInfo := `<WebSessionStartInfo xmlns="http://hpc.microsoft.com/"><MaxMessageSize>65536</MaxMessageSize><Password>` + hpcPass +
		`</Password><Runtime>-1</Runtime><ServiceName>EchoService</ServiceName><Username>` + hpcUser + `</Username></WebSessionStartInfo>`
	resp, b := h.hpc("POST", "/sessions/Create?durable=false", "application/xml", startInfo)
	if resp.StatusCode != 201 || !strings.Contains(string(b), "<BrokerNode>127.0.0.2</BrokerNode>") {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	onBroker := func(method, path, contentType, body string) (*http.Response, []byte) {
		t.Helper()
		req := h.newRequest(method, broker+"/WindowsHPC"+path, body)
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(hpcUser+":"+hpcPass)))
		req.Header.Set("api-version", "2011-11-01")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		return h.send(req) // the CA certificate covers 127.0.0.2, or this fails
	}
	envelope := `<HPCServer2008_WebAPI_MessageArray><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>http://tempuri.org/IEchoSvc/Echo</a:Action></s:Header><s:Body><Echo xmlns="http://tempuri.org/"><input>hi</input></Echo></s:Body></s:Envelope></HPCServer2008_WebAPI_MessageArray>`
	if resp, b := onBroker("POST", "/session/1/batch/b1?commit=True", "application/octet-stream", envelope); resp.StatusCode != 201 {
		t.Fatalf("send to the broker: %d %s", resp.StatusCode, b)
	}
	// One cluster: the head node sees the batch the broker took.
	if resp, b := h.hpc("GET", "/session/1/batch/b1/Status", "", ""); resp.StatusCode != 200 || !strings.Contains(string(b), "Processing") {
		t.Fatalf("status on the head node: %d %s", resp.StatusCode, b)
	}
	for _, path := range []string{"/session/1/Attach?durable=false", "/Jobs"} {
		resp, b := onBroker("GET", path, "", "")
		if resp.StatusCode != 404 || !strings.Contains(string(b), "broker node 127.0.0.2") || !strings.Contains(string(b), "head node") {
			t.Errorf("GET %s on the broker: want 404 naming the head node, got %d %s", path, resp.StatusCode, b)
		}
	}
	if resp, b := onBroker("POST", "/session/1/Close", "", ""); resp.StatusCode != 404 {
		t.Errorf("Close on the broker: want 404, got %d %s", resp.StatusCode, b)
	}
	if s, _ := h.emu.HPCPack().Session(1); s.Closed {
		t.Error("a Close sent to the broker closed the session")
	}

	reqs := h.emu.RequestsFor(ServiceHPCPack)
	if len(reqs) != 6 {
		t.Fatalf("want 6 recorded requests, got %d", len(reqs))
	}
	wantHosts := []string{"127.0.0.1", "127.0.0.2", "127.0.0.1", "127.0.0.2", "127.0.0.2", "127.0.0.2"}
	for i, r := range reqs {
		if r.Host != wantHosts[i]+":"+headPort {
			t.Errorf("request %d %s %s: host %q, want %s:%s", i, r.Method, r.Path, r.Host, wantHosts[i], headPort)
		}
	}
}

// Without a broker node nothing else listens and sessions report the head node's host name.
func TestHPCPackWithoutBrokerNode(t *testing.T) {
	h := startHPC(t, "")
	if u := h.emu.HPCPackBrokerURL(); u != "" {
		t.Fatalf("broker URL %q without a broker node", u)
	}
	startInfo := `<WebSessionStartInfo xmlns="http://hpc.microsoft.com/"><MaxMessageSize>65536</MaxMessageSize><Password>` + hpcPass +
		`</Password><Runtime>-1</Runtime><ServiceName>EchoService</ServiceName><Username>` + hpcUser + `</Username></WebSessionStartInfo>`
	resp, b := h.hpc("POST", "/sessions/Create?durable=false", "application/xml", startInfo)
	if resp.StatusCode != 201 || !strings.Contains(string(b), "<BrokerNode>127.0.0.1</BrokerNode>") {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
}
