package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func adminDo(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestAdminAPI(t *testing.T) {
	h := start(t)
	a := h.emu.AdminURL()
	if !strings.HasPrefix(a, "http://127.0.0.1:") {
		t.Fatalf("AdminURL = %s", a)
	}
	h.mustAzure(http.MethodPost, "/jobs/job-1/tasks", map[string]any{"id": "t1", "commandLine": "sleep 600"}, http.StatusCreated)

	st, b := adminDo(t, "GET", a+"/requests", "")
	var rs []Request
	if st != 200 || json.Unmarshal(b, &rs) != nil || len(rs) != 1 || rs[0].Method != "POST" || rs[0].Header.Get("Authorization") != "SharedKey emuacct:***" {
		t.Fatalf("GET /requests: %d %s", st, b)
	}
	if strings.Contains(string(b), "ocp-date") && strings.Contains(string(b), "SharedKey emuacct:") && !strings.Contains(string(b), "SharedKey emuacct:***") {
		t.Error("signature in admin output")
	}
	if st, b := adminDo(t, "GET", a+"/requests?service=mrs", ""); st != 200 || strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("filtered: %d %s", st, b)
	}
	if st, _ := adminDo(t, "DELETE", a+"/requests", ""); st != 204 || len(h.emu.Requests()) != 0 {
		t.Fatalf("DELETE /requests: %d", st)
	}

	st, b = adminDo(t, "POST", a+"/clock/advance?by=90s", "")
	if st != 200 || !h.emu.Clock().Now().Equal(testStart.Add(90*time.Second)) || !strings.Contains(string(b), "2026-11-22T12:01:30Z") {
		t.Fatalf("advance: %d %s", st, b)
	}
	if tk, _ := h.emu.AzureBatch().Task("job-1", "t1"); tk.State != "running" {
		t.Errorf("task after advance: %s", tk.State)
	}
	if st, _ := adminDo(t, "POST", a+"/clock/advance?by=soon", ""); st != 400 {
		t.Errorf("bad duration: %d", st)
	}
	if st, _ := adminDo(t, "POST", a+"/clock/set?time=2027-01-01T00:00:00Z", ""); st != 200 || h.emu.Clock().Now().Year() != 2027 {
		t.Errorf("set: %d", st)
	}
	if st, b := adminDo(t, "GET", a+"/clock", ""); st != 200 || !strings.Contains(string(b), "2027-01-01") {
		t.Errorf("GET /clock: %d %s", st, b)
	}

	st, b = adminDo(t, "PUT", a+"/faults/azurebatch", `{"rate503":1,"retryAfter":"3s"}`)
	if st != 200 {
		t.Fatalf("PUT faults: %d %s", st, b)
	}
	if f := h.emu.Faults("azurebatch"); f.Rate503 != 1 || f.RetryAfter != 3*time.Second {
		t.Fatalf("faults = %+v", f)
	}
	resp, _, _ := h.azure(http.MethodGet, "/jobs/job-1", nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("after PUT faults: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if st, _ := adminDo(t, "PUT", a+"/faults/azurebatch", `{}`); st != 200 {
		t.Fatal(st)
	}
	for _, bad := range []string{`{"rate503":5}`, `{"rate_503":1}`, `{"latency":"x"}`, `nope`} {
		if st, _ := adminDo(t, "PUT", a+"/faults/azurebatch", bad); st != 400 {
			t.Errorf("PUT %s: %d", bad, st)
		}
	}
	if st, _ := adminDo(t, "PUT", a+"/faults/nosuch", `{}`); st != 404 {
		t.Errorf("unknown service: %d", st)
	}

	st, b = adminDo(t, "POST", a+"/faults/azurebatch/rules", `{"method":"DELETE","pathRegexp":"/tasks/","status":500,"retryAfter":1000000000,"times":1}`)
	if st != 201 {
		t.Fatalf("POST rule: %d %s", st, b)
	}
	if st, _ := adminDo(t, "POST", a+"/faults/azurebatch/rules", `{"pathRegexp":"(","status":500}`); st != 400 {
		t.Errorf("bad regexp: %d", st)
	}
	if st, _ := adminDo(t, "POST", a+"/faults/azurebatch/rules", `{"status":200}`); st != 400 {
		t.Errorf("status 200 rule: %d", st)
	}
	st, b = adminDo(t, "GET", a+"/faults/azurebatch", "")
	if st != 200 || !strings.Contains(string(b), `"pathRegexp": "/tasks/"`) {
		t.Errorf("GET faults: %d %s", st, b)
	}
	resp, _, _ = h.azure(http.MethodDelete, "/jobs/job-1/tasks/t1", nil)
	if resp.StatusCode != 500 || resp.Header.Get("Retry-After") != "1" || !h.emu.AzureBatch().TaskExists("job-1", "t1") {
		t.Fatalf("rule: %d", resp.StatusCode)
	}
	h.emu.AddFaultRule("azurebatch", FaultRule{Status: 503, Times: -1})
	if st, _ := adminDo(t, "DELETE", a+"/faults/azurebatch/rules", ""); st != 204 {
		t.Fatal(st)
	}
	h.mustAzure(http.MethodDelete, "/jobs/job-1/tasks/t1", nil, 200)

	st, b = adminDo(t, "GET", a+"/info", "")
	if st != 200 || !strings.Contains(string(b), h.emu.AzureBatchURL()) {
		t.Errorf("info: %d %s", st, b)
	}
}
