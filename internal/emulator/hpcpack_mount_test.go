package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
)

const (
	hpcUser = `CONTOSO\alice`
	hpcPass = "hpc-Secret-Pa55"
)

func startHPC(t *testing.T, cluster string) *harness {
	return start(t, func(c *Config) {
		c.HPCPack = hpcpack.Config{ClusterName: cluster, Users: map[string]string{hpcUser: hpcPass}, Workers: 2, RequestTime: time.Second}
	})
}

// hpc sends a request to the HPC Pack endpoint with Basic auth and
// api-version; path is relative to the service's prefix.
func (h *harness) hpc(method, path, contentType, body string, hdr ...string) (*http.Response, []byte) {
	h.t.Helper()
	req := h.newRequest(method, h.emu.HPCPackURL()+h.emu.HPCPack().PathPrefix()+path, body)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(hpcUser+":"+hpcPass)))
	req.Header.Set("api-version", "2011-11-01")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return h.send(req)
}

func TestHPCPackMountedWithLogAndFaults(t *testing.T) {
	h := startHPC(t, "HEADNODE")
	if u := h.emu.HPCPackURL(); !strings.HasPrefix(u, "https://127.0.0.1:") || u == h.emu.AzureBatchURL() || h.emu.HPCPack().BaseURL() != u {
		t.Fatalf("HPCPackURL = %s", u)
	}
	if got := strings.Join(h.emu.Services(), ","); got != "azurebatch,hpcpack,mrs,entra" {
		t.Errorf("services %s", got)
	}
	startInfo := `<WebSessionStartInfo xmlns="http://hpc.microsoft.com/"><MaxMessageSize>65536</MaxMessageSize><Password>` + hpcPass +
		`</Password><Runtime>-1</Runtime><ServiceName>EchoService</ServiceName><Username>` + hpcUser + `</Username></WebSessionStartInfo>`
	resp, b := h.hpc("POST", "/sessions/Create?durable=false", "application/xml", startInfo)
	if resp.StatusCode != 201 || !strings.Contains(string(b), "<Id>1</Id>") {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	resp, b = h.hpc("POST", "/sessions/Create?durable=false", "application/json",
		fmt.Sprintf(`{"MaxMessageSize":1,"Password":%q,"Runtime":-1,"ServiceName":"EchoService","Username":%q}`, hpcPass, hpcUser))
	if resp.StatusCode != 201 {
		t.Fatalf("create JSON: %d %s", resp.StatusCode, b)
	}
	body := `<A><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>http://tempuri.org/IEchoSvc/Echo</a:Action></s:Header><s:Body><Echo xmlns="http://tempuri.org/"><input>x</input></Echo></s:Body></s:Envelope></A>`
	if resp, b := h.hpc("POST", "/session/1/batch/b1?commit=true", "application/octet-stream", body); resp.StatusCode != 201 {
		t.Fatalf("send: %d %s", resp.StatusCode, b)
	}
	// the emulator clock drives the workers
	if resp, b := h.hpc("GET", "/session/1/batch/b1/Status", "", "", "Accept", "application/json"); resp.StatusCode != 200 || string(b) != "2" {
		t.Fatalf("status: %d %s", resp.StatusCode, b)
	}
	h.emu.Clock().Advance(time.Second)
	if bv, _ := h.emu.HPCPack().Batch(1, "b1"); bv.Status != hpcpack.StatusFinished {
		t.Fatalf("batch status %v", bv.Status)
	}
	// Get Responses is streamed through the core's writer
	resp, b = h.hpc("POST", "/session/1/batch/b1/Response?count=-1&reset=true", "", "")
	if resp.StatusCode != 200 || len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" ||
		!strings.Contains(string(b), "<EchoResult>x</EchoResult>") || !strings.Contains(string(b), "<Count>1</Count>") {
		t.Fatalf("responses: %d %v %s", resp.StatusCode, resp.TransferEncoding, b)
	}

	// an injected 503 uses the HpcWebServiceFault body and does nothing
	h.emu.AddFaultRule(ServiceHPCPack, FaultRule{Method: "POST", PathRegexp: `/Purge$`, Status: 503, RetryAfter: time.Second})
	resp, b = h.hpc("POST", "/session/1/batch/b1/Purge", "", "")
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(b), `<HpcWebServiceFault xmlns="http://schemas.microsoft.com/HPCS2008R2/common"`) ||
		!strings.Contains(string(b), "<Code>251658240</Code>") {
		t.Fatalf("injected: %d %s", resp.StatusCode, b)
	}
	if bv, _ := h.emu.HPCPack().Batch(1, "b1"); bv.Purged {
		t.Fatal("the faulted Purge ran")
	}
	h.emu.AddFaultRule(ServiceHPCPack, FaultRule{Status: 503})
	resp, b = h.hpc("GET", "/session/1/batch/b1/Status", "", "", "Accept", "application/json")
	var f hpcpack.Fault
	if resp.StatusCode != 503 || json.Unmarshal(b, &f) != nil || f.Code != hpcpack.CodeUnknownError {
		t.Fatalf("injected JSON: %d %s", resp.StatusCode, b)
	}
	resp, _ = h.hpc("POST", "/session/1/batch/b1/Purge", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("purge: %d", resp.StatusCode)
	}

	// the request log never holds the password: not in headers, not in bodies
	rs := h.emu.RequestsFor(ServiceHPCPack)
	if len(rs) != 8 {
		t.Fatalf("%d requests recorded", len(rs))
	}
	for _, r := range rs {
		if got := r.Header.Get("Authorization"); got != `Basic `+hpcUser+`:***` {
			t.Errorf("Authorization recorded as %q", got)
		}
	}
	if !strings.Contains(string(rs[0].Body), "<Password>***</Password>") || !strings.Contains(string(rs[1].Body), `"Password":"***"`) {
		t.Errorf("bodies %s / %s", rs[0].Body, rs[1].Body)
	}
	if !strings.Contains(string(rs[2].Body), "<input>x</input>") {
		t.Errorf("send body not recorded: %s", rs[2].Body)
	}
	all, _ := json.Marshal(rs)
	enc := base64.StdEncoding.EncodeToString([]byte(hpcUser + ":" + hpcPass))
	if strings.Contains(string(all), hpcPass) || strings.Contains(string(all), enc) || strings.Contains(h.log.String(), hpcPass) {
		t.Error("password in the request log")
	}
	st, ab := adminDo(t, "GET", h.emu.AdminURL()+"/requests?service=hpcpack", "")
	if st != 200 || strings.Contains(string(ab), hpcPass) || strings.Contains(string(ab), enc) {
		t.Errorf("admin requests: %d", st)
	}
	if !strings.Contains(h.log.String(), "hpcpack POST /WindowsHPC/HEADNODE/session/1/batch/b1/Purge -> 503 (fault: 503)") {
		t.Errorf("log: %s", h.log.String())
	}
	st, ab = adminDo(t, "GET", h.emu.AdminURL()+"/info", "")
	if st != 200 || !strings.Contains(string(ab), `"hpcpack": "`+h.emu.HPCPackURL()) {
		t.Errorf("admin info: %s", ab)
	}
}

func TestHPCPackDefaults2016(t *testing.T) {
	h := start(t)
	if h.emu.HPCPack().ClusterName() != "" || h.emu.HPCPack().Username() != hpcpack.DefaultUsername || h.emu.HPCPack().PathPrefix() != "/WindowsHPC" {
		t.Fatalf("defaults %s", h.emu.HPCPack().Username())
	}
	req := h.newRequest("GET", h.emu.HPCPackURL()+"/WindowsHPC/Version", "")
	req.SetBasicAuth(hpcpack.DefaultUsername, hpcpack.DefaultPassword)
	resp, b := h.send(req)
	if resp.StatusCode != 200 || !strings.Contains(string(b), hpcpack.ServerVersion) {
		t.Fatalf("version: %d %s", resp.StatusCode, b)
	}
	if _, err := Start(Config{HPCPack: hpcpack.Config{Workers: -1}}); err == nil {
		t.Error("bad HPC Pack config accepted")
	}
}
