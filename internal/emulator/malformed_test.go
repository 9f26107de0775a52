package emulator

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

func TestMalformedRuleAnswersEachShapeOfAJSONAnswer(t *testing.T) {
	h := start(t)
	h.mustAzure(http.MethodPost, "/jobs/job-1/tasks", map[string]any{"id": "t1", "commandLine": "sleep 600"}, http.StatusCreated)
	clean := h.mustAzure(http.MethodGet, "/jobs/job-1/tasks/t1", nil, http.StatusOK)
	if !json.Valid(clean) || len(clean) < 100 {
		t.Fatalf("clean answer: %s", clean)
	}
	for _, shape := range MalformedShapes {
		t.Run(string(shape), func(t *testing.T) {
			h.emu.AddFaultRule("azurebatch", FaultRule{Method: "GET", PathRegexp: `/tasks/t1$`, Malformed: true, MalformedShape: shape})
			resp, b, err := h.azure(http.MethodGet, "/jobs/job-1/tasks/t1", nil)
			if err != nil {
				t.Fatal(err)
			}
			switch shape {
			case MalformedTruncated:
				if resp.StatusCode != 200 || !bytes.Equal(b, clean[:len(clean)/2]) {
					t.Errorf("got %d %s", resp.StatusCode, b)
				}
			case MalformedHTML:
				if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(b, []byte("<html>")) {
					t.Errorf("got %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
				}
			case MalformedEmpty:
				if resp.StatusCode != 200 || len(b) != 0 || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
					t.Errorf("got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
				}
			case MalformedWrongTypes:
				var v map[string]any
				if resp.StatusCode != 200 || json.Unmarshal(b, &v) != nil {
					t.Fatalf("got %d %s", resp.StatusCode, b)
				}
				if v["id"] != float64(12) || v["state"] != float64(12) {
					t.Errorf("id %v, state %v", v["id"], v["state"])
				}
				if c, ok := v["constraints"].(map[string]any); !ok || c["maxTaskRetryCount"] == nil || !isEmptyArray(c["maxTaskRetryCount"]) {
					t.Errorf("nested number not mistyped: %v", v["constraints"])
				}
			case MalformedBroken:
				if resp.StatusCode != 200 || json.Valid(b) || len(b) != len(clean) {
					t.Errorf("got %d %s", resp.StatusCode, b)
				}
			}
			rs := h.emu.RequestsFor("azurebatch")
			last := rs[len(rs)-1]
			if last.Fault != "malformed:"+string(shape) || last.Status != resp.StatusCode {
				t.Errorf("recorded fault %q status %d", last.Fault, last.Status)
			}
			if !strings.Contains(h.log.String(), "(fault: malformed:"+string(shape)+")") {
				t.Errorf("log: %s", h.log.String())
			}
		})
	}
	// the rules are used up
	if b := h.mustAzure(http.MethodGet, "/jobs/job-1/tasks/t1", nil, http.StatusOK); !json.Valid(b) {
		t.Errorf("after the rules: %s", b)
	}
}

func isEmptyArray(v any) bool {
	a, ok := v.([]any)
	return ok && len(a) == 0
}

func TestMalformedAnswerDoesTheWork(t *testing.T) {
	h := start(t)
	for i, want := range []struct {
		shape  MalformedShape
		status int
	}{{MalformedTruncated, 201}, {MalformedHTML, 200}, {MalformedEmpty, 200}, {MalformedWrongTypes, 201}, {MalformedBroken, 201}} {
		id := "m" + string(rune('a'+i))
		h.emu.AddFaultRule("azurebatch", FaultRule{Method: "POST", Malformed: true, MalformedShape: want.shape})
		resp, b, err := h.azure(http.MethodPost, "/jobs/job-1/tasks", map[string]any{"id": id, "commandLine": "echo"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want.status {
			t.Errorf("%s: status %d, want %d (%s)", want.shape, resp.StatusCode, want.status, b)
		}
		if !h.emu.AzureBatch().TaskExists("job-1", id) {
			t.Errorf("%s: the request was not handled", want.shape)
		}
	}
}

func TestMalformedXMLAnswers(t *testing.T) {
	h := startHPC(t, "")
	startInfo := `<WebSessionStartInfo xmlns="http://hpc.microsoft.com/"><MaxMessageSize>65536</MaxMessageSize><Password>` + hpcPass +
		`</Password><Runtime>-1</Runtime><ServiceName>EchoService</ServiceName><Username>` + hpcUser + `</Username></WebSessionStartInfo>`
	resp, clean := h.hpc("POST", "/sessions/Create?durable=false", "application/xml", startInfo)
	if resp.StatusCode != 201 || !bytes.Contains(clean, []byte("<Id>1</Id>")) {
		t.Fatalf("create: %d %s", resp.StatusCode, clean)
	}

	h.emu.AddFaultRule("hpcpack", FaultRule{Method: "POST", PathRegexp: `/sessions/Create$`, Malformed: true, MalformedShape: MalformedWrongTypes})
	resp, b := h.hpc("POST", "/sessions/Create?durable=false", "application/xml", startInfo)
	if resp.StatusCode != 201 || !bytes.Contains(b, []byte("<Id>not-a-number</Id>")) || bytes.Contains(b, []byte("<Id>2</Id>")) {
		t.Errorf("wrong types: %d %s", resp.StatusCode, b)
	}
	var x struct {
		ID int `xml:"Id"`
	}
	if err := xml.Unmarshal(b, &x); err == nil {
		t.Errorf("a mistyped Id decoded: %+v", x)
	}
	if h.emu.HPCPack().SessionCount() != 2 {
		t.Errorf("sessions = %d: the malformed create was not handled", h.emu.HPCPack().SessionCount())
	}

	h.emu.AddFaultRule("hpcpack", FaultRule{Method: "GET", Malformed: true, MalformedShape: MalformedBroken})
	resp, b = h.hpc("GET", "/session/1/Attach?durable=False", "", "")
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte("-broken>")) || !bytes.HasSuffix(b, []byte("</WebSessionInfo>")) {
		t.Errorf("broken: %d %s", resp.StatusCode, b)
	}
	if err := xml.Unmarshal(b, &x); err == nil {
		t.Errorf("broken XML decoded: %s", b)
	}
	// JSON answers of the same service follow their own format
	h.emu.AddFaultRule("hpcpack", FaultRule{Method: "GET", Malformed: true, MalformedShape: MalformedWrongTypes})
	resp, b = h.hpc("GET", "/session/1/Attach?durable=False", "", "", "Accept", "application/json")
	var j map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(b, &j) != nil || !isEmptyArray(j["Id"]) {
		t.Errorf("JSON wrong types: %d %s", resp.StatusCode, b)
	}
}

func TestMalformedRateIsSeededAndLeavesTheOtherDrawsAlone(t *testing.T) {
	run := func(seed int64, f Faults) []string {
		h := start(t, func(c *Config) {
			c.Seed = seed
			c.Faults = map[string]Faults{"azurebatch": f}
		})
		var out []string
		for i := 0; i < 40; i++ {
			if _, _, err := h.azure(http.MethodGet, "/jobs/job-1", nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range h.emu.RequestsFor("azurebatch") {
			out = append(out, r.Fault)
		}
		return out
	}
	statusOnly := run(7, Faults{Rate503: 0.3})
	a := run(7, Faults{Rate503: 0.3, MalformedRate: 0.3})
	b := run(7, Faults{Rate503: 0.3, MalformedRate: 0.3})
	c := run(8, Faults{Rate503: 0.3, MalformedRate: 0.3})
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if strings.Join(a, " ") == strings.Join(c, " ") {
		t.Errorf("different seeds gave the same outcomes: %v", a)
	}
	shapes := map[string]bool{}
	for i := range a {
		// adding malformed answers moved none of the 503s
		if (statusOnly[i] == "503") != (a[i] == "503") {
			t.Fatalf("request %d: %q without malformed answers, %q with", i, statusOnly[i], a[i])
		}
		if strings.HasPrefix(a[i], "malformed:") {
			shapes[a[i]] = true
		}
	}
	if len(shapes) < 3 {
		t.Errorf("40 requests at 30%% drew only %v", shapes)
	}
}

func TestMalformedFaultValidationAndJSON(t *testing.T) {
	for _, bad := range []FaultRule{
		{Malformed: true, Lost: true},
		{Malformed: true, Status: 500},
		{Malformed: true, MalformedShape: "garbled"},
		{MalformedShape: MalformedHTML, Status: 500},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := (FaultRule{Malformed: true}).Validate(); err != nil {
		t.Errorf("malformed rule without shape: %v", err)
	}
	if err := (Faults{MalformedRate: 1.5}).Validate(); err == nil {
		t.Error("malformedRate 1.5 accepted")
	}

	h := start(t)
	a := h.emu.AdminURL()
	if st, b := adminDo(t, "PUT", a+"/faults/azurebatch", `{"malformedRate":0.25}`); st != 200 || !strings.Contains(string(b), `"malformedRate": 0.25`) {
		t.Fatalf("PUT: %d %s", st, b)
	}
	if f := h.emu.Faults("azurebatch"); f.MalformedRate != 0.25 {
		t.Errorf("faults = %+v", f)
	}
	if st, b := adminDo(t, "POST", a+"/faults/azurebatch/rules", `{"method":"GET","malformed":true,"malformedShape":"empty","times":2}`); st != 201 {
		t.Fatalf("POST rule: %d %s", st, b)
	}
	if st, _ := adminDo(t, "POST", a+"/faults/azurebatch/rules", `{"malformed":true,"malformedShape":"nonsense"}`); st != 400 {
		t.Errorf("unknown shape: %d", st)
	}
	if rules := h.emu.FaultRules("azurebatch"); len(rules) != 1 || !rules[0].Malformed || rules[0].MalformedShape != MalformedEmpty || rules[0].Times != 2 {
		t.Errorf("rules = %+v", rules)
	}
	resp, b, err := h.azure(http.MethodGet, "/jobs/job-1", nil)
	if err != nil || resp.StatusCode != 200 || len(b) != 0 {
		t.Errorf("rule from the admin API: %v %d %q", err, resp.StatusCode, b)
	}
}
