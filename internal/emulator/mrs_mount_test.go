package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator/mrs"
)

const (
	mrsProject = "0123456789abcdef0123456789abcdef"
	mrsAK      = "MOUNTTESTAK000000001"
	mrsSK      = "mount-test-secret-key-000000000000000001"
	mrsToken   = "temporary-security-token-value"
)

func startMRS(t *testing.T) *harness {
	return start(t, func(c *Config) {
		c.MRS = mrs.Config{ProjectID: mrsProject, AccessKey: mrsAK, SecretKey: mrsSK, SecurityToken: mrsToken,
			Clusters: []string{"cl-1"}, RunTime: 5 * time.Second}
	})
}

// mrsDo sends a request signed like the Huawei Go SDK (user-agent,
// x-project-id, x-security-token, x-sdk-date) to the MRS endpoint.
func (h *harness) mrsDo(method, path, body string) (*http.Response, []byte) {
	h.t.Helper()
	req := h.newRequest(method, h.emu.MRSURL()+path, body)
	req.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	req.Header.Set("X-Project-Id", mrsProject)
	req.Header.Set("X-Security-Token", mrsToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	mrs.SignRequest(req, []byte(body), mrsAK, mrsSK, time.Now(), "user-agent", "x-project-id", "x-sdk-date", "x-security-token")
	return h.send(req)
}

func TestMRSMountedWithLogAndFaults(t *testing.T) {
	h := startMRS(t)
	if u := h.emu.MRSURL(); !strings.HasPrefix(u, "https://127.0.0.1:") || u == h.emu.HPCPackURL() || h.emu.MRS().BaseURL() != u || h.emu.URL(ServiceMRS) != u {
		t.Fatalf("MRSURL = %s", u)
	}
	jobs := h.emu.MRS().JobsPath("cl-1")
	resp, b := h.mrsDo("POST", jobs, `{"job_name":"wc","job_type":"MapReduce","arguments":["obs://b/wc.jar","in","out"],"properties":{"fs.obs.endpoint":"obs"}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("submit: %d %s", resp.StatusCode, b)
	}
	var sr struct {
		R struct {
			ID string `json:"job_id"`
		} `json:"job_submit_result"`
	}
	if json.Unmarshal(b, &sr) != nil || sr.R.ID == "" {
		t.Fatalf("submit body %s", b)
	}
	// the emulator clock drives the job
	h.emu.Clock().Advance(6 * time.Second)
	resp, b = h.mrsDo("GET", jobs+"/"+sr.R.ID, "")
	if resp.StatusCode != 202 || !strings.Contains(string(b), `"job_state":"FINISHED"`) || !strings.Contains(string(b), `"job_result":"SUCCEEDED"`) ||
		!strings.Contains(string(b), `"arguments":"[obs://b/wc.jar, in, out]"`) {
		t.Fatalf("detail: %d %s", resp.StatusCode, b)
	}
	if v, ok := h.emu.MRS().Job("cl-1", sr.R.ID); !ok || v.State != mrs.StateFinished {
		t.Fatalf("view %+v", v)
	}

	// an injected 503 uses the MRS error body and does nothing
	h.emu.AddFaultRule(ServiceMRS, FaultRule{Method: "POST", PathRegexp: `/batch-delete$`, Status: 503, RetryAfter: time.Second})
	resp, b = h.mrsDo("POST", jobs+"/batch-delete", `{"job_id_list":["`+sr.R.ID+`"]}`)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(b), `"error_code":"0202"`) {
		t.Fatalf("injected: %d %s", resp.StatusCode, b)
	}
	if h.emu.MRS().JobCount("cl-1") != 1 {
		t.Fatal("the faulted batch-delete ran")
	}
	h.emu.AddFaultRule(ServiceMRS, FaultRule{Status: 429})
	resp, b = h.mrsDo("GET", jobs, "")
	var eb mrs.ErrorBody
	if resp.StatusCode != 429 || json.Unmarshal(b, &eb) != nil || eb.ErrorCode != mrs.CodeAPIGWThrottled {
		t.Fatalf("injected 429: %d %s", resp.StatusCode, b)
	}
	resp, b = h.mrsDo("POST", jobs+"/batch-delete", `{"job_id_list":["`+sr.R.ID+`"]}`)
	if resp.StatusCode != 200 || len(b) != 0 || h.emu.MRS().JobCount("cl-1") != 0 {
		t.Fatalf("batch-delete: %d %s", resp.StatusCode, b)
	}
	// unsigned: 401 APIGW.0301
	resp, b = h.send(h.newRequest("GET", h.emu.MRSURL()+jobs, ""))
	if resp.StatusCode != 401 || !strings.Contains(string(b), `"error_code":"APIGW.0301"`) {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, b)
	}

	// the request log never holds the signature or the security token
	rs := h.emu.RequestsFor(ServiceMRS)
	if len(rs) != 6 {
		t.Fatalf("%d requests recorded", len(rs))
	}
	for _, rq := range rs[:5] {
		a := rq.Header.Get("Authorization")
		if !strings.HasPrefix(a, "SDK-HMAC-SHA256 Access="+mrsAK+", SignedHeaders=user-agent;x-project-id;x-sdk-date;x-security-token, Signature=***") {
			t.Errorf("Authorization recorded as %q", a)
		}
		if rq.Header.Get("X-Security-Token") != "***" {
			t.Errorf("token recorded as %q", rq.Header.Get("X-Security-Token"))
		}
	}
	if !bytes.Contains(rs[0].Body, []byte(`"job_name":"wc"`)) {
		t.Errorf("submit body not recorded: %s", rs[0].Body)
	}
	all, _ := json.Marshal(rs)
	if strings.Contains(string(all), mrsToken) || strings.Contains(string(all), mrsSK) || strings.Contains(h.log.String(), mrsToken) {
		t.Error("secret in the request log")
	}
	for _, rq := range rs[:5] {
		_, sig, _ := strings.Cut(rq.Header.Get("Authorization"), "Signature=")
		if sig != "***" {
			t.Errorf("signature %q recorded", sig)
		}
	}
	if !strings.Contains(h.log.String(), "mrs POST "+jobs+"/batch-delete -> 503 (fault: 503)") {
		t.Errorf("log: %s", h.log.String())
	}
	st, ab := adminDo(t, "GET", h.emu.AdminURL()+"/info", "")
	if st != 200 || !strings.Contains(string(ab), `"mrs": "`+h.emu.MRSURL()) {
		t.Errorf("admin info: %s", ab)
	}
	st, ab = adminDo(t, "GET", h.emu.AdminURL()+"/requests?service=mrs", "")
	if st != 200 || strings.Contains(string(ab), mrsToken) || !strings.Contains(string(ab), "Signature=***") {
		t.Errorf("admin requests: %d", st)
	}
	if st, _ := adminDo(t, "PUT", h.emu.AdminURL()+"/faults/mrs", `{"rate503":0.5}`); st != 200 || h.emu.Faults(ServiceMRS).Rate503 != 0.5 {
		t.Errorf("admin faults: %d", st)
	}
}

func TestMRSDefaults(t *testing.T) {
	h := start(t)
	m := h.emu.MRS()
	if m.ProjectID() != mrs.DefaultProjectID || m.AccessKey() != mrs.DefaultAccessKey || strings.Join(m.Clusters(), ",") != mrs.DefaultClusterID {
		t.Fatalf("defaults %s %s %v", m.ProjectID(), m.AccessKey(), m.Clusters())
	}
	req := h.newRequest("GET", h.emu.MRSURL()+m.JobsPath(mrs.DefaultClusterID)+"?limit=100&offset=1", "")
	req.Header.Set("X-Project-Id", m.ProjectID())
	mrs.SignRequest(req, nil, m.AccessKey(), m.SecretKey(), time.Now())
	resp, b := h.send(req)
	if resp.StatusCode != 202 || string(b) != `{"total_record":0,"job_list":[]}` {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	if _, err := Start(Config{MRS: mrs.Config{RunTime: -1}}); err == nil {
		t.Error("bad MRS config accepted")
	}
}
